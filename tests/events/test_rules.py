"""Tests for bot.events.rules.validate_event_fields: every rule and its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.events.rules import EventRuleError, validate_event_fields

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
VALID: dict[str, Any] = {
    "title": "Intro to diffusion models",
    "start_utc": NOW + timedelta(days=3),
    "duration": timedelta(hours=1),
    "capacity": None,
    "rrule": None,
    "now": NOW,
    "existing_active_count": 0,
    "location": None,
}


def check(**changes: Any) -> None:
    validate_event_fields(**(VALID | changes))


def code_of(**changes: Any) -> str:
    with pytest.raises(EventRuleError) as caught:
        check(**changes)
    return caught.value.code


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"title": "x" * 100},
        {"title": "  padded  "},
        {"title": "扩散模型入门"},
        {"duration": timedelta(days=7)},
        {"duration": timedelta(minutes=1)},
        {"capacity": 1},
        {"capacity": 500},
        {"capacity": 100_000},
        {"location": "B1:Lab 3, Main St."},
        {"location": "Datacenter hall: row 4"},
        {"start_utc": NOW + timedelta(seconds=1)},
        {"rrule": "FREQ=WEEKLY", "existing_active_count": 89},
        {"rrule": "FREQ=WEEKLY;COUNT=10", "existing_active_count": 99},
        {"rrule": "FREQ=MONTHLY;UNTIL=20270601T000000Z", "existing_active_count": 95},
        {"rrule": None, "existing_active_count": 99},
        {"location": "https://meet.example.com/ai-club?x=1"},
        {"location": "http://example.org"},
        {"location": "HTTPS://EXAMPLE.COM/Talk"},
        {"location": "Room 3: Building A, 1 Main St."},
        {"location": "北京市海淀区中关村大街1号"},
        {"location": "x" * 100},
    ],
)
def test_valid_fields_pass(changes: dict[str, Any]) -> None:
    check(**changes)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": ""}, "title_empty"),
        ({"title": "   \n\t"}, "title_empty"),
        ({"title": "x" * 101}, "title_too_long"),
        ({"start_utc": NOW}, "in_past"),
        ({"start_utc": NOW - timedelta(minutes=1)}, "in_past"),
        ({"duration": timedelta(0)}, "end_before_start"),
        ({"duration": timedelta(hours=-1)}, "end_before_start"),
        ({"duration": timedelta(days=7, seconds=1)}, "duration_too_long"),
        ({"capacity": 0}, "capacity_too_small"),
        ({"capacity": -5}, "capacity_too_small"),
        ({"location": ""}, "bad_location"),
        ({"location": "   "}, "bad_location"),
        ({"location": "x" * 101}, "bad_location"),
        ({"location": "https://example.com/" + "a" * 90}, "bad_location"),
        ({"location": "ftp://example.com/file"}, "bad_link"),
        ({"location": "javascript://alert(1)"}, "bad_link"),
        ({"location": "javascript:alert(1)"}, "bad_link"),
        ({"location": "JAVASCRIPT:alert(1)"}, "bad_link"),
        ({"location": "  javascript: alert(1)"}, "bad_link"),
        ({"location": "java\tscript:alert(1)"}, "bad_link"),
        ({"location": "java\u200bscript:alert(1)"}, "bad_link"),
        ({"location": "data:text/html;base64,PHNjcmlwdD4="}, "bad_link"),
        ({"location": "file:///C:/secrets.txt"}, "bad_link"),
        ({"location": "vbscript:msgbox(1)"}, "bad_link"),
        ({"location": "mailto:someone@example.com"}, "bad_link"),
        ({"capacity": 100_001}, "capacity_too_large"),
        ({"capacity": 2**31}, "capacity_too_large"),
        ({"location": "www.example.com"}, "bad_location"),
        ({"location": "https://"}, "bad_location"),
        ({"location": "https://exa mple.com"}, "bad_location"),
        ({"rrule": "FREQ=DAILY"}, "bad_rrule"),
        ({"rrule": "garbage"}, "bad_rrule"),
        ({"rrule": "FREQ=WEEKLY", "existing_active_count": 90}, "rrule_unbounded_near_limit"),
        ({"rrule": "FREQ=MONTHLY", "existing_active_count": 99}, "rrule_unbounded_near_limit"),
    ],
)
def test_each_rule(changes: dict[str, Any], code: str) -> None:
    assert code_of(**changes) == code


def test_first_broken_rule_is_reported() -> None:
    assert code_of(title="", start_utc=NOW, capacity=0) == "title_empty"
    assert code_of(start_utc=NOW, duration=timedelta(0)) == "in_past"
    assert code_of(duration=timedelta(days=8), capacity=0) == "duration_too_long"


def test_error_is_a_value_error_with_the_code_as_message() -> None:
    with pytest.raises(ValueError, match=r"^title_empty$"):
        check(title="")
