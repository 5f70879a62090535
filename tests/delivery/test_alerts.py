"""Permanent faults reach the admins; the fix and /question post bring the post back."""

from __future__ import annotations

from datetime import timedelta

from cogs.events import MESSAGE_LIMIT, fallback_messages
from tests.delivery.test_faults import _daily, _daily_posts
from tests.helpers import Sim


async def test_a_403_is_told_in_the_alert_channel_shown_and_fixed_by_question_post(
    sim: Sim,
) -> None:
    admin = sim.actors["admin"]
    saved = await admin.slash(sim.general, "config alerts", channel=sim.general)
    assert saved.ephemeral and "Saved" in saved.response.content
    await _daily(sim)
    daily = sim.channels["daily-question"]
    sim.env.inject_error("POST", f"/channels/{daily.id}/messages", status=403, code=50013)
    await sim.advance(timedelta(hours=1, minutes=5))
    assert _daily_posts(sim) == 0
    (alert,) = [m.content for m in sim.general.history() if "could not be delivered" in m.content]
    assert "daily question of 2026-12-01" in alert and "/question post" in alert
    answered = await sim.actors["alice"].slash(sim.general, "answer", text="Use weight decay")
    assert "no" in answered.response.content.lower()  # never posted: nothing to answer

    shown = await admin.slash(sim.general, "config show")
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert "failed" in fields["Last delivery problems"]

    sim.env.inject_error("POST", f"/channels/{daily.id}/messages", status=403, code=50013)
    refused = await admin.slash(sim.general, "question post")  # not fixed yet
    assert "Discord refused today's question" in refused.response.content
    assert _daily_posts(sim) == 0

    reposted = await admin.slash(sim.general, "question post")
    assert "Posted today's question" in reposted.response.content
    assert _daily_posts(sim) == 1
    assert len(daily.threads) == 1


def test_the_closed_dm_fallback_is_split_under_discords_limit() -> None:
    text = "⏰ Reminder: **Paper club** starts soon. " * 5
    chunks = fallback_messages("en", list(range(10**17, 10**17 + 120)), text)
    assert len(chunks) > 1 and all(len(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert sum(chunk.count("<@") for chunk in chunks) == 120
