"""`<t:…>` as a reader's Discord client shows it: every style, locale, timezone, relative."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.console.script import viewer_options
from bot.console.timestamps import Viewer, parse_locale, parse_timezone, render_timestamps

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
EVENT = int(datetime(2026, 12, 4, 19, 0, tzinfo=UTC).timestamp())  # Friday 19:00 UTC
ENGLISH = Viewer()
CHINESE = Viewer("zh-CN", "Asia/Shanghai")  # Saturday 03:00 there


@pytest.mark.parametrize(
    ("style", "english", "chinese"),
    [
        ("t", "7:00 PM", "03:00"),
        ("T", "7:00:00 PM", "03:00:00"),
        ("d", "12/04/2026", "2026/12/05"),
        ("D", "December 4, 2026", "2026年12月5日"),
        ("f", "December 4, 2026, 7:00 PM", "2026年12月5日 03:00"),
        ("F", "Friday, December 4, 2026, 7:00 PM", "2026年12月5日星期六 03:00"),
        ("R", "in 3 days", "3天后"),  # 3 days 11 hours
    ],
)
def test_every_style_for_an_english_and_a_chinese_reader(
    style: str, english: str, chinese: str
) -> None:
    text = f"Starts <t:{EVENT}:{style}>."
    assert render_timestamps(text, ENGLISH, NOW) == f"Starts {english}."
    assert render_timestamps(text, CHINESE, NOW) == f"Starts {chinese}."


def test_no_style_is_f_and_relative_follows_the_simulated_clock() -> None:
    assert render_timestamps(f"<t:{EVENT}>", ENGLISH, NOW) == "December 4, 2026, 7:00 PM"
    later = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert render_timestamps(f"<t:{EVENT}:R>", ENGLISH, later) == "2 hours ago"
    assert render_timestamps(f"<t:{EVENT}:R>", CHINESE, later) == "2小时前"


def test_the_readers_timezone_moves_the_day() -> None:
    new_york = Viewer("en-US", "America/New_York")
    assert render_timestamps(f"<t:{EVENT}:F>", new_york, NOW) == (
        "Friday, December 4, 2026, 2:00 PM"
    )


def test_what_is_not_a_timestamp_stays() -> None:
    text = "<t:abc:F> <t:123:X> <t:99999999999999:F> `code` <#123>"
    assert render_timestamps(text, ENGLISH, NOW) == text


def test_locales_and_timezones_are_checked() -> None:
    assert parse_locale("zh-cn") == "zh-CN"
    assert parse_timezone("Asia/Shanghai") == "Asia/Shanghai"
    for bad in ("xx", "zh_CN", ""):
        with pytest.raises(ValueError, match="unknown Discord locale"):
            parse_locale(bad)
    for bad in ("Mars/Base", "../etc/passwd", ""):
        with pytest.raises(ValueError, match="unknown timezone"):
            parse_timezone(bad)


def test_viewer_options() -> None:
    changes = viewer_options(["alice=zh-CN", "@bob=fr"], ["Asia/Shanghai", "bob=UTC"])
    assert changes["alice"] == {"locale": "zh-CN", "timezone": "Asia/Shanghai"}
    assert changes["bob"] == {"locale": "fr", "timezone": "UTC"}
    assert changes["admin"] == {"timezone": "Asia/Shanghai"}
    assert viewer_options(["zh-CN"], [])["carol"] == {"locale": "zh-CN"}
    assert viewer_options([], []) == {}
    for locales, zones, message in (
        (["zed=zh-CN"], [], "no member @zed"),
        (["alice=klingon"], [], "unknown Discord locale"),
        ([], ["alice=Nowhere"], "unknown timezone"),
    ):
        with pytest.raises(ValueError, match=message):
            viewer_options(locales, zones)
