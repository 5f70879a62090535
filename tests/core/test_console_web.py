"""`aiclub console --web` in a real browser (headless Debian chromium driven by Playwright), and
the command line's answers to bad input.

One console and one browser serve the whole module (each test opens its own page); every wait
is bounded and generous, every assertion is on text and the DOM. Without a chromium the browser
tests are skipped with the reason, unless AICLUB_REQUIRE_BROWSER is set (CI), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from bot.cli import main
from bot.console import screenshots
from bot.console.screenshots import WebConsole
from bot.console.script import Show, parse_line

WAIT_MS = 120_000  # generous: the machine may be busy; a hang still ends


# ------------------------------------------------------------ the command line, no browser
def test_channel_lines_parse() -> None:
    assert parse_line(":channel #events") == Show("events")
    assert parse_line(":channel") == Show(None)
    assert parse_line(":channel #Discussion 2026-12-01") == Show("Discussion 2026-12-01")


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--web", "--start", "tomorrow"], "--start 'tomorrow': use ISO format"),
        (["--web", "--port", "http"], "--port 'http': give a port number from 1 to 65535"),
        (["--web", "--port", "70000"], "--port '70000': give a port number"),
        (["--port", "8765"], "--port is the web page's port: add --web"),
    ],
)
def test_bad_web_options_are_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["console", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_web_without_the_extra_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("bot.console.web.web_runtime_missing", lambda: ["av"])
    assert main(["console", "--web"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--web needs the web extra (av missing)" in err
    assert "pip install -e '.[web]'" in err


def test_run_without_a_token_starts_the_web_page(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AICLUB_DISCORD_TOKEN", raising=False)
    monkeypatch.setattr("bot.console.web.web_runtime_missing", lambda: [])
    started: list[Any] = []
    monkeypatch.setattr("bot.runner.console", lambda args: started.append(args) or 0)
    assert main(["run"]) == 0
    assert started[0].web
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "starting the local simulated guild as a web page" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--chromium", "/nonexistent/chromium"], "no chromium at /nonexistent/chromium"),
        (["--chromium", sys.executable, "--out", "/nonexistent/shots"], "/nonexistent does not"),
    ],
)
def test_screenshots_refuse_bad_arguments_in_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert screenshots.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_port_in_use_is_one_line_and_fails() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run_cli("console", "--web", "--port", str(port))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"--port {port}: cannot serve the web page there" in result.stderr
    assert "web page of" not in result.stdout


# ------------------------------------------------------------ the page in a browser
def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    reason = ""
    if found is None:
        reason = "no chromium found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright is not installed (pip install -e '.[dev]')"
    if reason:
        if os.environ.get("AICLUB_REQUIRE_BROWSER"):
            pytest.fail(f"a browser is required (AICLUB_REQUIRE_BROWSER) but {reason}")
        pytest.skip(reason)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def console(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebConsole]:
    tmp = tmp_path_factory.mktemp("web")
    web = WebConsole(tmp, "--locale", "bob=zh-CN", "--out", str(tmp / "out"))
    try:
        web.url("general")
        yield web
    finally:
        assert web.stop() == 0, web.output
    assert "!! the bot raised" not in web.output


@pytest.fixture
def page(browser: Any, console: WebConsole) -> Iterator[Any]:
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.set_default_timeout(WAIT_MS)
    tab.goto(console.current_url())
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture(scope="module")
def daily_question(console: WebConsole) -> None:
    """The daily question posted in #general (09:00 UTC, an hour after the start)."""
    start = console.type("/config daily channel:#general time:09:00 timezone:UTC", ":advance 1h")
    console.wait_for(r"advanced to 2026-12-01 09:00 UTC", start)


def settled(page: Any) -> None:
    """Wait until the page has drawn what it was sent and runs no action (SimCord's status)."""
    page.wait_for_function("() => window.simcordPreview?.ready === true")


def view_as(page: Any, member: str) -> None:
    """Choose ``member`` under "Viewing as"; wait for the page to switch to them."""
    composer = page.locator("#channel-composer-input")
    before = composer.get_attribute("data-control-key")
    page.select_option("#viewer-picker", label=member)
    page.wait_for_function(
        "key => document.querySelector('#channel-composer-input')?.dataset.controlKey !== key",
        arg=before,
    )
    settled(page)


def slash(page: Any, command: str, **options: str) -> None:
    """Type ``command`` in the composer, pick it in the command list, fill ``options`` (each
    added from the command's option list), send it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    settled(page)
    composer = page.locator("#channel-composer-input")
    for attempt in range(3):  # a snapshot landing mid-typing may put the saved draft back
        composer.fill("")
        composer.press_sequentially(command)
        try:
            page.locator("[role=option]").first.wait_for(timeout=20_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    page.keyboard.press("Enter")  # picks the command
    row = page.locator(".command-row[data-command-mode=true]")
    row.wait_for()
    for name, value in options.items():
        choice = page.locator("[role=option]", has_text=f"{name}…")
        if not choice.count():  # the option list is closed: open it
            row.locator(".command-ghost").click()
        choice.click()
        row.locator(f".command-option-input[data-option={name}]").fill(value)
    page.keyboard.press("Enter")  # sends it


def test_page_shows_the_guild_and_answers_help(page: Any) -> None:
    page.locator("#channel-composer-input[placeholder='Message #general']").wait_for()
    slash(page, "/help")
    page.get_by_text("aiclub — practise AI/ML together").first.wait_for()
    assert page.locator(".message-author", has_text="aiclub").count() >= 1


def test_a_chinese_member_gets_chinese_replies(page: Any) -> None:
    view_as(page, "bob")
    slash(page, "/help")
    page.get_by_text("积分规则").first.wait_for()


def test_answer_button_form_and_score(page: Any, daily_question: None) -> None:
    from playwright.sync_api import expect

    view_as(page, "alice")
    page.get_by_role("button", name="Answer").first.click()
    form = page.locator("form.modal-dialog")
    form.locator("textarea[name=answer]").fill(
        "Use RAG: the policies change often and must be cited; fine-tuning would bake in stale "
        "rules. Better prompts alone cannot add knowledge the model never saw."
    )
    form.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(re.compile(r"Score: \d"))).not_to_have_count(0, timeout=WAIT_MS)


def test_timestamps_are_rendered(page: Any, daily_question: None) -> None:
    from playwright.sync_api import expect

    stamps = page.locator("time.discord-timestamp")
    expect(stamps).not_to_have_count(0, timeout=WAIT_MS)
    assert stamps.first.get_attribute("datetime")
    assert "<t:" not in page.locator("#preview-app").inner_text()


def test_going_on_an_event_changes_the_count(page: Any, console: WebConsole) -> None:
    from playwright.sync_api import expect

    start = console.type(
        "/config events channel:#events",
        '/event create title:"Diffusion models" start:"2026-12-03 19:00" duration:90m where:https://meet.example.com/d capacity:2',
    )
    draft = console.wait_for(r"#(\d+) #general aiclub \(only you\)\n  ┃ 🎤 Diffusion models", start)
    start = console.type(f":click {draft.group(1)} Publish", ":channel #events")
    page.goto(console.url("events", start))
    going = page.locator(".embed-field-value", has_text=re.compile(r"^\s*0/2\s*$"))
    expect(going).to_have_count(1, timeout=WAIT_MS)
    view_as(page, "alice")
    page.get_by_role("button", name="Going", exact=True).click()
    expect(page.locator(".embed-field-value", has_text=re.compile(r"^\s*1/2\s*$"))).to_have_count(
        1, timeout=WAIT_MS
    )
    console.url("general", console.type(":channel #general"))


def test_gan_image_is_loaded(page: Any) -> None:
    slash(page, "/gan sample", count="4", seed="7")
    page.get_by_text("Same seed, same picture · /gan sample count:4 seed:7").first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.embed-image')].some(i => i.naturalWidth > 0)"
    )


def test_ending_the_session_on_the_page_ends_the_console(page: Any, console: WebConsole) -> None:
    """Last in the module: it ends the shared console."""
    settled(page)
    page.get_by_text("More", exact=True).click()
    page.get_by_role("button", name="End preview session").click()
    console.wait_for(r"The page ended the session\.")
    assert console.process.wait(timeout=WAIT_MS / 1000) == 0
