"""The console flow of events: create, publish, RSVP with a waitlist, who is going, reminders,
the start (pinging who is going) and the end, the digest."""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from tests.helpers import run_console_script

SCRIPT = """\
/config events channel:#events reminders:24h,15m
/config digest channel:#general day:monday time:09:00
/event create title:"Diffusion models" start:"2026-12-03 19:00" duration:90m where:https://meet.example.com/d capacity:2
:click 3 Publish
@alice :click 4 Going
@bob :click 4 Going
@carol :click 4 Going
@bob :click 4 Not going
@alice /event list
@alice /event ical event:1
:advance 1d11h
:advance 23h45m
:advance 15m
:advance 4d
"""


def test_create_rsvp_remind_and_digest(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out = run_console_script(tmp_path, SCRIPT, out_dir)
    assert "#3 #general aiclub (only you)\n  ┃ 🎤 Diffusion models\n  ┃ **Check the time:** " in out
    assert "  [Publish] [Cancel]" in out
    assert "#3 #general aiclub (only you) (edited)\n  Published **Diffusion models**" in out
    assert "#4 #events aiclub\n  ┃ 🎤 Diffusion models" in out
    assert "  [Going] [Maybe] [Not going]" in out
    assert "you're #1 on the waitlist" in out
    assert "#9 DM @carol aiclub\n  🎉 A place opened up" in out
    assert "**#1** 🎤 **Diffusion models**" in out  # /event list
    (ics,) = out_dir.glob("*-event-1.ics")
    (vevent,) = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(vevent["summary"]) == "Diffusion models"

    day_before = out[out.index("advanced to 2026-12-02 19:00 UTC") :]
    quarter = out[out.index("advanced to 2026-12-03 18:45 UTC") :]
    assert day_before.index("DM @alice aiclub\n  ⏰ Reminder") < day_before.index(
        "advanced to 2026-12-03 18:45"
    )
    assert quarter.index("DM @carol aiclub\n  ⏰ Reminder") < quarter.index(
        "advanced to 2026-12-03 19:00"
    )
    assert out.count("aiclub\n  ⏰ Reminder: **Diffusion models**") == 4  # alice and carol, twice
    assert "DM @bob aiclub\n  ⏰" not in out
    assert out.count("#events aiclub\n  🔴 **Diffusion models** is starting now!") == 1
    assert "  ┃ ▸ Who's going\n  ┃   @alice @bob\n" in out
    start = out[out.index("advanced to 2026-12-03 19:00 UTC") :]
    assert start.index("┃ 🔴 Live now: 🎤 Diffusion models") < start.index("is starting now!")
    starting = start[start.index("is starting now!") :].split("\n")
    assert starting[1] == "  @alice @carol"  # the start pings who is going
    end = out[out.index("advanced to 2026-12-07 19:00 UTC") :]
    assert "#4 #events aiclub (edited)\n  ┃ ⏹️ Ended: 🎤 Diffusion models" in end
    assert out.count("📰 Weekly digest") == 1
    assert out.index("advanced to 2026-12-07 19:00 UTC") < out.index("📰 Weekly digest")
