"""The `aiclub` command line: one entry point, one verb group per area.

Each area module listed in ``VERB_MODULES`` exposes ``register(subparsers)``, which adds its
verbs and sets ``handler`` (a callable taking the parsed namespace and returning an exit code).
Area modules must stay cheap to import: heavy imports (TensorFlow) happen inside handlers.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot.cliutil import CliError

VERB_MODULES = (
    "bot.runner",
    "bot.db.cli",
    "bot.questions.cli",
    "training.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser from every area module."""
    parser = argparse.ArgumentParser(prog="aiclub", description="aiclub Discord bot")
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in VERB_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI verb; user errors become one line on stderr and a non-zero exit."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        print(f"aiclub: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
