"""`aiclub console --web`: the simulated guild as SimCord's preview page on 127.0.0.1.

One channel is shown at a time (SimCord serves one preview per world); `:channel #events`
closes the page of the last one and opens that one at a new address on the same port. Every
member can be chosen under "Viewing as"; the page shows times in the owner's language and
timezone. The terminal keeps reading console lines, and the page is refreshed after each.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import simcord
from simcord.preview import Preview

from bot.cliutil import CliError
from bot.console.timestamps import Viewer

# what `simcord[preview]` (aiclub's `web` extra) installs beside SimCord
_RUNTIME = ("aiohttp", "av", "linkify_it", "markdown_it", "regex", "PIL")
INSTALL_HINT = "pip install -e '.[web]' (make run installs it)"


def web_runtime_missing() -> list[str]:
    """The modules of the web extra that are not installed (none: the page can be served)."""
    return [name for name in _RUNTIME if importlib.util.find_spec(name) is None]


class WebPage:
    """SimCord's preview of one channel of the demo guild at a time, for every member."""

    def __init__(
        self,
        env: simcord.Env,
        viewers: Sequence[simcord.MemberActor],
        *,
        port: int,
        write: Callable[[str], None],
    ) -> None:
        self.env = env
        self.viewers = list(viewers)
        self.port = port
        self.write = write
        self._preview: Preview | None = None
        self._watch: asyncio.Task[None] | None = None
        self._ended = asyncio.Event()

    @property
    def url(self) -> str | None:
        """The page's address (it carries the session's secret: share it with no one)."""
        return self._preview.url if self._preview is not None else None

    async def show(self, channel: simcord.ChannelHandle, profile: Viewer) -> None:
        """Serve ``channel`` (times in ``profile``'s language and timezone) and print its URL;
        the page of the channel shown before ends. CliError when the port cannot be bound."""
        await self._close_current()
        preview = self.env.preview(
            channel,
            viewers=self.viewers,
            layout="channel",
            locale=profile.locale,
            timezone=profile.timezone,
            port=self.port,
        )
        try:
            await preview.__aenter__()
        except simcord.SetupError as exc:
            raise CliError(_bind_error(self.port, exc), exit_code=2) from None
        self._preview = preview
        self.port = urlsplit(preview.url).port or self.port  # later channels: the same port
        self._watch = asyncio.create_task(self._until_closed(preview))
        self.write(f"web page of #{channel.name}: {preview.url}")

    async def refresh(self) -> None:
        """Publish what the bot did since the last refresh (the page polls for it)."""
        if self._preview is not None:
            with contextlib.suppress(simcord.SetupError):  # ended from the page meanwhile
                await self._preview.refresh()

    async def wait_ended(self) -> None:
        """Return once the page ends the session ("End preview session")."""
        await self._ended.wait()

    async def close(self) -> None:
        """Stop serving (idempotent)."""
        await self._close_current()

    async def _close_current(self) -> None:
        preview, self._preview = self._preview, None
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if preview is not None:
            await preview.close()

    async def _until_closed(self, preview: Preview) -> None:
        await preview.wait_closed()
        if preview is self._preview:
            self._ended.set()


def _bind_error(port: int, exc: simcord.SetupError) -> str:
    if "bind port" in str(exc):
        return (
            f"--port {port}: cannot serve the web page there (the port is in use or not "
            "allowed): choose another port, or --port 0 for any free one"
        )
    return f"cannot serve the web page: {exc}"
