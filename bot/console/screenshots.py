"""`make screenshots`: the README's pictures of aiclub, in English and Chinese.

`aiclub console --web` runs in a subprocess (lines typed into its terminal, the same way a
person drives it); headless Debian chromium, driven by Playwright, loads its page and saves
each bot message of a scene as a small palette PNG under ``docs/screenshots/``.
``WebConsole`` is also the browser tests' driver of the console.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.i18n import t

WAIT_S = 120  # generous: the machine may be busy; a hang still ends
START = "2026-12-01T08:00Z"
ANSWER = (
    "Use RAG: the policies change often and must be cited; fine-tuning would bake in stale "
    "rules. Better prompts alone cannot add knowledge the model never saw."
)


class WebConsole:
    """`aiclub console --web` in a subprocess: lines typed into its terminal, its output read."""

    def __init__(self, cwd: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "console", "--web", "--start", START, *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,
        )
        self.output = ""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.output += line
                self._changed.notify_all()

    def wait_for(self, pattern: str, after: int = 0) -> re.Match[str]:
        """The first match of ``pattern`` printed after offset ``after`` (bounded wait);
        RuntimeError with the output when the console ended or took too long."""
        give_up = time.monotonic() + WAIT_S
        with self._changed:
            while (found := re.compile(pattern).search(self.output, after)) is None:
                if self.process.poll() is not None or time.monotonic() > give_up:
                    raise RuntimeError(f"no {pattern!r} from the console:\n{self.output}")
                self._changed.wait(1)
        return found

    def type(self, *lines: str) -> int:
        """Type ``lines`` into the terminal; the output offset before them."""
        assert self.process.stdin is not None
        start = len(self.output)
        self.process.stdin.write("".join(line + "\n" for line in lines))
        self.process.stdin.flush()
        return start

    def run(self, *lines: str) -> str:
        """Type ``lines`` and wait until the console has done them all; what they printed."""
        start = self.type(*lines, ":now")
        return self.output[
            start : self.wait_for(r"now: \d{4}-\d\d-\d\d [\d:]+ UTC\n", start).start()
        ]

    def url(self, channel: str, after: int = 0) -> str:
        """The address of ``channel``'s page, printed after offset ``after``."""
        return self.wait_for(rf"web page of #{channel}: (\S+)", after).group(1)

    def show(self, channel: str) -> str:
        """Put ``channel`` on the page (``:channel``); its new address."""
        return self.url(re.escape(channel), self.type(f":channel #{channel}"))

    def current_url(self) -> str:
        """The address of the page served now (the last one printed)."""
        return re.findall(r"web page of #\S+: (\S+)", self.output)[-1]

    def stop(self) -> int:
        """End the session as a person does with Ctrl-D; its exit code."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            return self.process.wait(timeout=WAIT_S)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reader.join(timeout=10)


@dataclass(frozen=True)
class Language:
    """One run of the scenes: the members' Discord locale and the server's language."""

    name: str
    locale: str
    server: str


LANGUAGES = (Language("en", "en-US", "en"), Language("zh", "zh-CN", "zh"))


class Camera:
    """Saves the newest bot card on the console's page, as seen by a member."""

    def __init__(self, browser: Any, console: WebConsole, out: Path, language: str) -> None:
        self.browser, self.console, self.out, self.language = browser, console, out, language

    def shoot(self, name: str, viewer: str = "admin") -> Path:
        page = self.browser.new_page(viewport={"width": 900, "height": 1400})
        page.set_default_timeout(WAIT_S * 1000)
        try:
            page.goto(self.console.current_url())
            _settled(page)
            if viewer != "admin":  # the page opens as admin
                page.select_option("#viewer-picker", label=viewer)
                page.wait_for_function(
                    "name => document.querySelector('#viewer-picker')?.selectedOptions[0]"
                    "?.textContent.includes(name)",
                    arg=viewer,
                )
                _settled(page)
            card = page.locator("article.channel-message:has(.embed-card)").last
            card.wait_for()
            card.evaluate(
                "m => Promise.all([...m.querySelectorAll('img')].map(i => i.decode()"
                ".catch(() => null)))"
            )
            _settled(page)
            path = self.out / f"{name}-{self.language}.png"
            path.write_bytes(_small_png(card.screenshot(animations="disabled")))
            return path
        finally:
            page.close()


def _settled(page: Any) -> None:
    page.wait_for_function("() => window.simcordPreview?.ready === true")


def _small_png(png: bytes) -> bytes:
    """``png`` with a 256-colour palette: a few tens of KB for a message card."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(256)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def shoot_language(browser: Any, language: Language, out: Path, work: Path) -> list[Path]:
    """Every scene in ``language``: the daily question, feedback, leaderboard, an event with
    RSVPs, the digest, a GAN grid and a CNN prediction."""
    console = WebConsole(work, "--locale", language.locale, "--out", str(work / "attachments"))
    camera = Camera(browser, console, out, language.name)
    shots: list[Path] = []
    try:
        console.url("general")
        console.run(
            f"/config language language:{language.server}",
            "/config daily channel:#general time:09:00 timezone:UTC",
            "/config events channel:#events",
            "/config digest channel:#general",
            ":advance 1h",
        )
        shots.append(camera.shoot("question"))
        console.run("@bob /answer", '@bob :submit answer:"RAG, because the rules change."')
        console.run("@alice /answer", f'@alice :submit answer:"{ANSWER}"')
        shots.append(camera.shoot("feedback", "alice"))
        console.run(":advance 1d")  # answers close (the reveal goes to the thread: no page yet)
        console.run("/leaderboard")
        shots.append(camera.shoot("leaderboard"))
        start = console.type(
            '/event create title:"Diffusion models" start:"2026-12-08 19:00" duration:90m '
            "where:https://meet.example.com/d capacity:8"
        )
        draft = console.wait_for(r"#(\d+) #general aiclub \(only you\)\n  ┃ 🎤", start).group(1)
        start = console.type(f":click {draft} {t(language.server, 'events.publish')}")
        event = console.wait_for(r"#(\d+) #events aiclub\n", start).group(1)
        going, maybe = (t(language.server, f"rsvp.label.{choice}") for choice in ("going", "maybe"))
        console.run(
            f"@alice :click {event} {going}",
            f"@bob :click {event} {going}",
            f"@carol :click {event} {maybe}",
        )
        console.show("events")
        shots.append(camera.shoot("event"))
        console.show("general")
        console.run(":advance 5d")  # Monday: last week in the digest, the event ahead
        console.run("/digest preview")
        shots.append(camera.shoot("digest"))
        console.run("/gan sample count:4 seed:7")
        shots.append(camera.shoot("gan"))
        console.run("/cnn predict")
        shots.append(camera.shoot("cnn"))
    finally:
        code = console.stop()
    if code != 0 or "!! the bot raised" in console.output:
        raise RuntimeError(f"the console failed (exit code {code}):\n{console.output}")
    return shots


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.console.screenshots", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", default="docs/screenshots", help="where the PNGs go")
    parser.add_argument("--chromium", help="the browser (default: chromium on the PATH)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or not Path(chromium).is_file():
        print(
            f"screenshots: no chromium at {chromium or 'the PATH'}: apt-get install chromium, "
            "or give --chromium PATH",
            file=sys.stderr,
        )
        return 2
    if not out.parent.is_dir():
        print(f"screenshots: --out {out}: its folder {out.parent} does not exist", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        try:
            for language in LANGUAGES:
                for path in shoot_language(browser, language, out, Path(work)):
                    print(f"{path} {path.stat().st_size // 1024} KiB")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
