"""aiclub: a Discord bot for AI and machine-learning communities."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("aiclub-bot")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
