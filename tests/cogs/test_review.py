"""Appeals and expert review end to end in the simulated guild (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
import pytest
import simcord
from sqlalchemy import delete, func, select

from bot.db.questions import Answer, LeaderboardPoints, QuestionPost, ReviewRequest, ScoreAdjustment
from bot.questions.bank import QuestionBank
from bot.questions.points import answer_points
from cogs._review_ui import ask_view
from tests.helpers import Sim, lite_bank, make_bot

pytestmark = pytest.mark.question_bank(factory=lite_bank)

GOOD = "Add weight decay to the loss. I would also collect more data."


class Review:
    """The demo guild with a review channel and an expert, dave, and today's question out."""

    def __init__(
        self, sim: Sim, channel: simcord.ChannelHandle | None, expert: simcord.MemberActor
    ) -> None:
        self.sim, self.channel, self.expert = sim, channel, expert

    @property
    def alice(self) -> simcord.MemberActor:
        return self.sim.actors["alice"]

    def card(self, message_id: int | None = None) -> discord.Message:
        assert self.channel is not None
        messages = self.channel.history()
        if message_id is None:
            return messages[-1]
        return next(m for m in messages if m.id == message_id)

    async def answer(
        self, actor: simcord.MemberActor | None = None, text: str = GOOD
    ) -> simcord.InteractionResult:
        result = await (actor or self.alice).slash(self.sim.general, "answer", text=text)
        assert result.ephemeral and result.response is not None
        return result

    async def ask(
        self,
        feedback: simcord.InteractionResult,
        note: str = "",
        actor: simcord.MemberActor | None = None,
    ) -> simcord.InteractionResult:
        actor = actor or self.alice
        shown = await actor.click(feedback.response, label="Ask for review")
        assert shown.modal is not None, _text(shown)
        return await actor.submit_modal(shown, {"note": note})


async def _setup(sim: Sim, bank: QuestionBank, *, review_channel: bool = True) -> Review:
    experts = sim.guild.create_role("Experts")
    dave = sim.guild.add_member(sim.env.create_user("dave"), roles=[experts])
    channel = sim.guild.create_text_channel("reviews") if review_channel else None
    options = {"review_channel": channel} if channel else {}
    result = await sim.actors["admin"].slash(
        sim.general,
        "config daily",
        channel=sim.channels["daily-question"],
        time="09:00",
        timezone="Europe/Berlin",
        topic="dl-training",
        expert_role=experts,
        **options,
    )
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Review channel"] == (channel.mention if channel else "not set")
    await sim.advance(timedelta(minutes=1))  # 09:00 in Berlin: today's question is out
    return Review(sim, channel, dave)


def _text(result: simcord.InteractionResult) -> str:
    response = result.response
    if response is None:
        return ""
    parts = [response.content or ""]
    for embed in response.embeds:
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{f.name}: {f.value}" for f in embed.fields] + [embed.footer.text or ""]
    return "\n".join(parts)


def _embed_text(message: discord.Message) -> str:
    embed = message.embeds[0]
    return "\n".join(
        [embed.title or "", embed.description or ""]
        + [f"{f.name}: {f.value}" for f in embed.fields]
        + [embed.footer.text or ""]
    )


def _labels(message: discord.Message | simcord.ResponseMessage) -> list[str]:
    rows = message.components
    if isinstance(message, discord.Message):
        return [c.label for row in rows for c in row.children]  # type: ignore[union-attr]
    return [c.get("label") for row in rows for c in row.get("components", [])]


def _dms(sim: Sim, name: str) -> list[discord.Message]:
    return sim.actors[name].user.dm_channel.history()


async def _count(sim: Sim, model) -> int:  # type: ignore[no-untyped-def]
    async with sim.bot.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _alice_answer(sim: Sim) -> Answer:
    async with sim.bot.db.session() as session:
        answer = await session.scalar(
            select(Answer).where(Answer.user_id == sim.actors["alice"].id)
        )
    assert answer is not None
    return answer


async def _board_points(sim: Sim, user_id: int) -> dict[str, float]:
    async with sim.bot.db.session() as session:
        rows = (
            await session.execute(
                select(LeaderboardPoints.scope, LeaderboardPoints.points).where(
                    LeaderboardPoints.user_id == user_id
                )
            )
        ).all()
    return {scope: points for scope, points in rows}


async def test_ask_then_an_expert_sets_a_score(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    feedback = await r.answer()
    assert _labels(feedback.response) == ["Ask for review"]
    before = await _alice_answer(sim)
    scopes = await _board_points(sim, r.alice.id)

    sent = await r.ask(feedback, note="I also covered early stopping in spirit.")
    assert sent.ephemeral and "Sent to the experts" in sent.response.content
    card = r.card()
    text = _embed_text(card)
    assert "How do you fight overfitting?" in text and "> Add weight decay to the loss." in text
    assert f"{before.score:g}/10" in text and r.alice.mention in text
    assert "✅ **Regularization** — “Add weight decay to the loss.”" in text
    assert "▫️ Early stopping" in text and "early stopping in spirit" in text
    assert _labels(card) == ["Confirm score", "Set score"]
    assert card.mentions == [] and not card.role_mentions  # nobody pinged

    shown = await r.expert.click(card, label="Set score")
    assert shown.modal is not None
    done = await r.expert.submit_modal(
        shown, {"score": "9.5", "reason": "Early stopping is there."}
    )
    assert done.ephemeral and "score is now 9.5/10" in done.response.content

    new_points = answer_points(9.5, 2, 1)
    delta = round(new_points - before.points, 1)
    decided = r.card(card.id)
    assert not decided.components
    outcome = _embed_text(decided)
    assert f"{r.expert.mention} set the score to 9.5/10 (was {before.score:g}/10)" in outcome
    assert "Early stopping is there." in outcome

    dm = _dms(sim, "alice")[-1].embeds[0]
    assert "**9.5/10**" in dm.description and f"**{delta:+g}**" in dm.description
    assert "Early stopping is there." in dm.description

    after = await _alice_answer(sim)
    assert (after.score, after.points) == (9.5, new_points)
    assert {s: round(p, 1) for s, p in (await _board_points(sim, r.alice.id)).items()} == {
        s: round(p + delta, 1) for s, p in scopes.items()
    }
    board = await r.alice.slash(sim.general, "leaderboard")
    assert f"{new_points:g} pts" in board.response.embeds[0].description
    async with sim.bot.db.session() as session:
        audit = (await session.scalars(select(ScoreAdjustment))).all()
    assert [(a.user_id, a.by_user_id, a.answer_id, a.reason) for a in audit] == [
        (r.alice.id, r.expert.id, after.id, "Early stopping is there.")
    ]
    assert audit[0].points == pytest.approx(delta)


async def test_confirm_keeps_the_score_and_tells_the_member(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    await r.ask(await r.answer())
    before = await _alice_answer(sim)
    admin = sim.actors["admin"]  # Manage Server may decide too
    done = await admin.click(r.card(), label="Confirm score")
    assert done.ephemeral and f"score of {before.score:g}/10 is confirmed" in done.response.content
    assert f"{admin.mention} confirmed the score {before.score:g}/10" in _embed_text(r.card())
    assert not r.card().components
    assert "confirmed its score" in _dms(sim, "alice")[-1].embeds[0].description
    after = await _alice_answer(sim)
    assert (after.score, after.points) == (before.score, before.points)
    async with sim.bot.db.session() as session:
        audit = await session.scalar(select(ScoreAdjustment))
    assert audit is not None and audit.points == 0 and audit.answer_id == after.id


async def test_an_expert_cannot_review_their_own_answer(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    await r.ask(await r.answer(r.expert), actor=r.expert)
    card = r.card()
    for label in ("Confirm score", "Set score"):
        refused = await r.expert.click(card, label=label)
        assert refused.modal is None and refused.ephemeral
        assert "your own answer" in refused.response.content
    assert _labels(r.card(card.id)) == ["Confirm score", "Set score"]  # still open for others
    assert await _count(sim, ScoreAdjustment) == 0


async def test_members_who_are_not_experts_are_refused(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    await r.ask(await r.answer())
    bob = sim.actors["bob"]
    for label in ("Confirm score", "Set score"):
        refused = await bob.click(r.card(), label=label)
        assert refused.modal is None and refused.ephemeral
        assert "Only members with the expert role" in refused.response.content
    async with sim.bot.db.session() as session:
        request = await session.scalar(select(ReviewRequest))
    assert request is not None and request.status == "pending"
    assert await _count(sim, ScoreAdjustment) == 0


async def test_without_a_review_channel_nothing_is_sent(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank, review_channel=False)
    feedback = await r.answer()
    refused = await r.alice.click(feedback.response, label="Ask for review")
    assert refused.modal is None and refused.ephemeral
    assert "/config daily review_channel:" in refused.response.content
    assert await _count(sim, ReviewRequest) == 0


@pytest.mark.parametrize("fault", ["deleted", "forbidden"])
async def test_a_review_channel_the_bot_cannot_post_in(
    sim: Sim, bank: QuestionBank, fault: str
) -> None:
    r = await _setup(sim, bank)
    assert r.channel is not None
    feedback = await r.answer()
    if fault == "deleted":
        sim.env.backend.delete_channel(r.channel.id)
        await sim.env.settle()
    else:
        sim.env.inject_error(
            "POST",
            f"/channels/{r.channel.id}/messages",
            status=403,
            code=50013,
            message="Missing Permissions",
            times=None,
        )
    failed = await r.ask(feedback)
    assert failed.ephemeral and "couldn't post your request" in failed.response.content
    assert "Nothing was recorded" in failed.response.content
    assert await _count(sim, ReviewRequest) == 0


async def test_a_request_is_decided_once(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    await r.ask(await r.answer())
    card = r.card()
    admin = sim.actors["admin"]
    stale = await admin.click(card, label="Set score")  # admin opens the form first…
    assert stale.modal is not None
    await r.expert.click(card, label="Confirm score")  # …dave confirms meanwhile
    late = await admin.submit_modal(stale, {"score": "2", "reason": "Too short"})
    assert late.ephemeral and f"already decided by {r.expert.mention}" in late.response.content
    assert not r.card(card.id).components  # and the decided card has no buttons left
    assert await _count(sim, ScoreAdjustment) == 1
    async with sim.bot.db.session() as session:
        request = await session.scalar(select(ReviewRequest))
    assert request is not None and (request.status, request.decided_by) == (
        "confirmed",
        r.expert.id,
    )
    assert len(_dms(sim, "alice")) == 1


async def test_asking_twice_is_refused(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    feedback = await r.answer()
    await r.ask(feedback)
    again = await r.alice.click(feedback.response, label="Ask for review")
    assert again.modal is None and "already asked for a review" in again.response.content
    repeat = await r.answer(text="Something else")  # the stored result, without the button
    assert "already answered" in _text(repeat) and _labels(repeat.response) == []
    assert await _count(sim, ReviewRequest) == 1
    assert len(r.channel.history()) == 1  # type: ignore[union-attr]


async def test_practice_answers_cannot_be_reviewed(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    shown = await r.alice.slash(sim.general, "question practice", topic="dl-training")
    form = await r.alice.click(shown.response, label="Answer")
    done = await r.alice.submit_modal(form, {"answer": GOOD})
    assert "Score:" in _text(done) and _labels(done.response) == []
    async with sim.bot.db.session() as session:
        practice_id = await session.scalar(select(Answer.id).where(Answer.post_id.is_(None)))
    assert practice_id is not None
    # an Ask for review button forged for the practice answer is refused
    general = sim.bot.get_channel(sim.general.id)
    forged = await general.send("forged", view=ask_view(practice_id, "en"))  # type: ignore[union-attr]
    refused = await r.alice.click(forged, label="Ask for review")
    assert refused.modal is None and "Practice answers" in refused.response.content
    assert await _count(sim, ReviewRequest) == 0


async def test_an_answer_whose_post_was_deleted(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    feedback = await r.answer()
    async with sim.bot.db.session() as session:
        await session.execute(delete(QuestionPost))
        await session.commit()
    refused = await r.alice.click(feedback.response, label="Ask for review")
    assert refused.modal is None and "no longer exists" in refused.response.content
    assert await _count(sim, ReviewRequest) == 0


@pytest.mark.parametrize(
    ("score", "reason", "message"),
    [
        ("11", "ok", "outside 0–10"),
        ("-1", "ok", "outside 0–10"),
        ("abc", "ok", "is not a number"),
        ("7.55", "ok", "more than one decimal"),
        ("8", "   ", "Give a reason"),
    ],
)
async def test_bad_set_score_input_changes_nothing(
    sim: Sim, bank: QuestionBank, score: str, reason: str, message: str
) -> None:
    r = await _setup(sim, bank)
    await r.ask(await r.answer())
    before = await _alice_answer(sim)
    card = r.card()
    shown = await r.expert.click(card, label="Set score")
    refused = await r.expert.submit_modal(shown, {"score": score, "reason": reason})
    assert refused.ephemeral and message in refused.response.content
    after = await _alice_answer(sim)
    assert (after.score, after.points) == (before.score, before.points)
    assert await _count(sim, ScoreAdjustment) == 0
    assert _labels(r.card(card.id)) == ["Confirm score", "Set score"]
    assert _dms(sim, "alice") == []
    retry = await r.expert.click(card, label="Set score")  # the card still works
    done = await r.expert.submit_modal(retry, {"score": "7,5", "reason": "Fair"})
    assert "score is now 7.5/10" in done.response.content


async def test_nobody_adjusts_their_own_points(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    for actor in (r.expert, sim.actors["admin"]):
        refused = await actor.slash(
            sim.general, "score adjust", member=actor, points=5.0, reason="me"
        )
        assert refused.ephemeral and "can't change your own points" in refused.response.content
    assert await _count(sim, ScoreAdjustment) == 0
    done = await r.expert.slash(
        sim.general, "score adjust", member=sim.actors["bob"], points=2.0, reason="helpful"
    )
    assert "+2 points" in done.response.content


async def test_closed_dms_are_logged_and_nothing_breaks(
    sim: Sim, bank: QuestionBank, caplog: pytest.LogCaptureFixture
) -> None:
    r = await _setup(sim, bank)
    await r.ask(await r.answer())
    closed = r.alice.user.dm_channel.id
    sim.env.inject_error(
        "POST",
        f"/channels/{closed}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    with caplog.at_level(logging.INFO, logger="cogs._review_ui"):
        done = await r.expert.click(r.card(), label="Confirm score")
    assert "is confirmed" in done.response.content
    assert "confirmed the score" in _embed_text(r.card())
    assert any("DMs are closed" in record.getMessage() for record in caplog.records)


async def test_review_buttons_survive_a_restart(sim: Sim, bank: QuestionBank) -> None:
    r = await _setup(sim, bank)
    feedback = await r.answer()
    await sim.env.restart_bot(make_bot(str(sim.bot.db.url), start=sim.bot.clock.now(), bank=bank))
    sim.bot = sim.env.bot  # type: ignore[assignment]
    await r.ask(feedback)
    await sim.env.restart_bot(make_bot(str(sim.bot.db.url), start=sim.bot.clock.now(), bank=bank))
    sim.bot = sim.env.bot  # type: ignore[assignment]
    done = await r.expert.click(r.card(), label="Confirm score")
    assert "is confirmed" in done.response.content


async def test_members_see_it_in_chinese(sim: Sim, bank: QuestionBank, user_locale) -> None:  # type: ignore[no-untyped-def]
    r = await _setup(sim, bank)
    user_locale("zh-CN")
    feedback = await r.answer()
    assert _labels(feedback.response) == ["申请复核"]
    shown = await r.alice.click(feedback.response, label="申请复核")
    sent = await r.alice.submit_modal(shown, {"note": ""})
    assert "已提交给专家" in sent.response.content
    card = r.card()  # the card is in the server's language (English here)
    assert "Member's note: —" in _embed_text(card)
    shown = await r.expert.click(card, label="Set score")
    await r.expert.submit_modal(shown, {"score": "８", "reason": "答得不错"})
    assert "将评分改为 **8/10**" in _dms(sim, "alice")[-1].embeds[0].description
