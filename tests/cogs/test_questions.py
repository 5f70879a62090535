"""The daily question end to end: configure, post, answer (text, form, buttons), reveal."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest
import simcord
from sqlalchemy import func, select

from bot.db.questions import Answer, QuestionPost, ScoreAdjustment
from bot.questions.bank import QuestionBank
from tests.conftest import Sim, make_bot

GOOD = "Add weight decay to the loss. Use early stopping on the validation set."


async def _setup(sim: Sim, bank: QuestionBank, topic: str = "dl-training") -> None:
    sim.bot.get_cog("Questions").bank = bank  # type: ignore[union-attr]
    result = await sim.actors["admin"].slash(
        sim.general,
        "config daily",
        channel=sim.channels["daily-question"],
        time="09:00",
        timezone="Europe/Berlin",
        topic=topic,
    )
    assert "Saved" in result.response.embeds[0].description


def _post(sim: Sim) -> discord.Message:
    return next(m for m in reversed(sim.channels["daily-question"].history()) if m.embeds)


async def _count(sim: Sim, model) -> int:  # type: ignore[no-untyped-def]
    async with sim.bot.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _embed_text(result: simcord.InteractionResult) -> str:
    embed = result.response.embeds[0]
    return "\n".join(
        [embed.title or "", embed.description or ""]
        + [f"{f.name}: {f.value}" for f in embed.fields]
        + [embed.footer.text or ""]
    )


async def test_post_answer_and_reveal(sim: Sim, bank: QuestionBank) -> None:
    await _setup(sim, bank)  # clock: 08:00 UTC = 09:00 Berlin → due now
    await sim.advance(timedelta(minutes=1))
    post = _post(sim)
    assert "How do you fight overfitting?" in post.embeds[0].description
    assert "如何应对过拟合" in post.embeds[0].fields[0].value
    assert "<t:" in str(post.embeds[0].to_dict())
    assert [c.label for row in post.components for c in row.children] == ["Answer"]
    assert sim.channels["daily-question"].threads

    result = await sim.actors["alice"].slash(sim.general, "answer", text=GOOD)
    text = _embed_text(result)
    assert result.ephemeral and "Score:" in text and "Early stopping" in text
    assert "“Use early stopping on the validation set.”" in text
    assert "revealed with the reference answer" in text  # missed points stay hidden
    again = await sim.actors["alice"].slash(sim.general, "answer", text="Just more data.")
    assert "already answered" in _embed_text(again)

    shown = await sim.actors["bob"].click(post, label="Answer")
    assert shown.modal is not None
    done = await sim.actors["bob"].submit_modal(shown, {"answer": "Collect more training data."})
    assert "Score:" in _embed_text(done)
    assert await _count(sim, Answer) == 2

    await sim.advance(timedelta(hours=24))
    thread = sim.channels["daily-question"].threads[0]
    reveal = thread.history()[-1].embeds[0]
    fields = {f.name: f.value for f in reveal.fields}
    assert reveal.title == "📗 Answer reveal" and fields["Answers"] == "2"
    assert "Regularize, stop early" in fields["Reference answer"]
    assert "Most-missed key point" in fields
    first = next(m for m in sim.channels["daily-question"].history() if m.id == post.id)
    assert not first.components  # the closed question lost its Answer button
    assert _post(sim).id != post.id  # the next day's question is out, with its own thread
    assert len(sim.channels["daily-question"].threads) == 2


async def test_choice_questions_are_answered_with_buttons(sim: Sim, bank: QuestionBank) -> None:
    await _setup(sim, bank, topic="ml-fundamentals")
    await sim.advance(timedelta(minutes=1))
    post = _post(sim)
    assert [c.label for row in post.components for c in row.children] == ["A", "B"]
    right = await sim.actors["alice"].click(post, label="B")
    assert "Score: 10/10" in _embed_text(right)
    wrong = await sim.actors["bob"].click(post, label="A")
    assert "Score: 0/10" in _embed_text(wrong)
    typed = await sim.actors["carol"].slash(sim.general, "answer", text="B")
    assert "option buttons" in typed.response.content


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Your answer is empty"),
        ("x" * 2001, "the limit is 2000"),
        ("bad\x07bell character", "control characters"),
        ("Z\u0351\u0352\u0353\u0354algo text", "zalgo"),
        ("\u200b\u200b\u200d", "Your answer is empty"),
        ("🙂🔥🙂", "no words"),
        ("...?!", "no words"),
    ],
)
async def test_bad_answers_get_a_clear_error_and_store_nothing(
    sim: Sim, bank: QuestionBank, text: str, message: str
) -> None:
    await _setup(sim, bank)
    await sim.advance(timedelta(minutes=1))
    result = await sim.actors["alice"].slash(sim.general, "answer", text=text)
    assert result.ephemeral and message in result.response.content
    assert await _count(sim, Answer) == 0


async def test_an_emoji_only_answer_does_not_use_the_attempt(sim: Sim, bank: QuestionBank) -> None:
    await _setup(sim, bank)
    await sim.advance(timedelta(minutes=1))
    refused = await sim.actors["alice"].slash(sim.general, "answer", text="👍👍")
    assert refused.ephemeral and "did not use your attempt" in refused.response.content
    shown = await sim.actors["alice"].click(_post(sim), label="Answer")
    blank = await sim.actors["alice"].submit_modal(shown, {"answer": "\u200b \u2060"})
    assert "Your answer is empty" in blank.response.content
    scored = await sim.actors["alice"].slash(sim.general, "answer", text=GOOD)
    assert "Score:" in _embed_text(scored) and "already answered" not in _embed_text(scored)
    assert await _count(sim, Answer) == 1


async def test_answering_before_any_post(sim: Sim) -> None:
    result = await sim.actors["alice"].slash(sim.general, "answer", text=GOOD)
    assert result.ephemeral and "no open question" in result.response.content
    today = await sim.actors["alice"].slash(sim.general, "question today")
    assert "no open question" in today.response.content


async def test_the_answer_button_survives_a_restart(sim: Sim, bank: QuestionBank) -> None:
    await _setup(sim, bank)
    await sim.advance(timedelta(minutes=1))
    await sim.env.restart_bot(make_bot(str(sim.bot.db.url), start=sim.bot.clock.now()))
    sim.bot = sim.env.bot  # type: ignore[assignment]
    sim.bot.get_cog("Questions").bank = bank  # type: ignore[union-attr]
    shown = await sim.actors["alice"].click(_post(sim), label="Answer")
    assert shown.modal is not None
    async with sim.bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionPost)) == 1


async def test_question_post_is_for_admins_and_posts_once(sim: Sim, bank: QuestionBank) -> None:
    refused = await sim.actors["alice"].slash(sim.general, "question post")
    assert refused.ephemeral and "Manage Guild" in refused.response.content
    nothing = await sim.actors["admin"].slash(sim.general, "question post")
    assert "No daily-question channel" in nothing.response.content
    await _setup(sim, bank)
    sim.bot.clock.advance(timedelta(hours=3))  # past 09:00 but before any trigger ran
    first = await sim.actors["admin"].slash(sim.general, "question post")
    second = await sim.actors["admin"].slash(sim.general, "question post")
    assert "Posted today's question" in first.response.content
    assert "already posted" in second.response.content
    assert await _count(sim, QuestionPost) == 1


async def test_practice_gives_full_feedback_and_stays_off_the_leaderboard(
    sim: Sim, bank: QuestionBank
) -> None:
    sim.bot.get_cog("Questions").bank = bank  # type: ignore[union-attr]
    shown = await sim.actors["bob"].slash(sim.general, "question practice", topic="dl-training")
    assert shown.ephemeral and "Practice question" in _embed_text(shown)
    form = await sim.actors["bob"].click(shown.response, label="Answer")
    done = await sim.actors["bob"].submit_modal(form, {"answer": "Use weight decay."})
    text = _embed_text(done)
    assert "Not covered yet" in text and "Early stopping" in text and "Reference answer" in text
    async with sim.bot.db.session() as session:
        answer = await session.scalar(select(Answer))
    assert answer is not None and answer.post_id is None and answer.points == 0
    unknown = await sim.actors["bob"].slash(sim.general, "question practice", topic="generative")
    assert "No question matches" in unknown.response.content


async def test_score_adjust_needs_permission_and_is_audited(sim: Sim) -> None:
    refused = await sim.actors["alice"].slash(
        sim.general, "score adjust", member=sim.actors["bob"], points=5.0, reason="x"
    )
    assert refused.ephemeral and "Manage Guild" in refused.response.content
    done = await sim.actors["admin"].slash(
        sim.general, "score adjust", member=sim.actors["bob"], points=5.0, reason="great talk"
    )
    assert "+5 points" in done.response.content and "total: 5" in done.response.content
    async with sim.bot.db.session() as session:
        row = await session.scalar(select(ScoreAdjustment))
    assert row is not None and row.reason == "great talk"
    assert row.by_user_id == sim.actors["admin"].id
    assert await _count(sim, ScoreAdjustment) == 1


async def test_an_expert_role_may_adjust_scores(sim: Sim) -> None:
    experts = sim.guild.create_role("Experts")
    dave = sim.guild.add_member(sim.env.create_user("dave"), roles=[experts])
    await sim.actors["admin"].slash(sim.general, "config daily", expert_role=experts)
    done = await dave.slash(
        sim.general, "score adjust", member=sim.actors["bob"], points=2.0, reason="helpful answer"
    )
    assert "+2 points" in done.response.content


MULTI_YAML = """
questions:
  - slug: multi-lite
    topic: ml-fundamentals
    difficulty: 1
    type: choice
    prompt: {en: "Which of these are regularizers?", zh: "下面哪些是正则化方法？"}
    reference_answer: {en: "Dropout and weight decay.", zh: "Dropout 和权重衰减。"}
    options:
      - {id: a, en: "Dropout", zh: "Dropout"}
      - {id: b, en: "A larger learning rate", zh: "更大的学习率"}
      - {id: c, en: "Weight decay", zh: "权重衰减"}
    correct: [a, c]
"""


async def test_questions_with_several_correct_options_use_a_menu(sim: Sim) -> None:
    from pathlib import Path

    from bot.questions.bank import build_bank

    sim.bot.get_cog("Questions").bank = build_bank([(Path("m.yaml"), MULTI_YAML)])  # type: ignore[union-attr]
    shown = await sim.actors["bob"].slash(sim.general, "question practice")
    kinds = [c.type for row in shown.response.message.components for c in row.children]
    assert kinds == [discord.ComponentType.string_select]
    both = await sim.actors["bob"].select(shown.response, ["a", "c"])
    assert "Score: 10/10" in _embed_text(both)
    half = await sim.actors["bob"].select(shown.response, ["a"])
    assert "Score: 5/10" in _embed_text(half)
