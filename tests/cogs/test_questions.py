"""The daily question end to end: configure, post, answer (text, form, buttons), reveal."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest
import simcord
from sqlalchemy import func, select

from bot.db.questions import Answer, QuestionPost, ScoreAdjustment
from bot.questions import semantic
from bot.questions.bank import QuestionBank
from tests.helpers import Sim, bank_from, lite_bank, make_bot

pytestmark = pytest.mark.question_bank(factory=lite_bank)

GOOD = "Add weight decay to the loss. Use early stopping on the validation set."


@pytest.fixture(scope="module", autouse=True)
def encoder_loaded() -> None:
    """Load the sentence encoder before the simulated guild runs: its first load can take
    longer on a busy machine than SimCord waits for a reply."""
    semantic.encoder()


async def _setup(sim: Sim, bank: QuestionBank, topic: str = "dl-training") -> None:
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
    assert result.ephemeral and "`/question practice`" in result.response.content
    today = await sim.actors["alice"].slash(sim.general, "question today")
    assert "`/question practice`" in today.response.content


async def test_the_answer_button_survives_a_restart(sim: Sim, bank: QuestionBank) -> None:
    await _setup(sim, bank)
    await sim.advance(timedelta(minutes=1))
    await sim.env.restart_bot(make_bot(str(sim.bot.db.url), start=sim.bot.clock.now(), bank=bank))
    sim.bot = sim.env.bot  # type: ignore[assignment]
    shown = await sim.actors["alice"].click(_post(sim), label="Answer")
    assert shown.modal is not None
    async with sim.bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionPost)) == 1


async def test_question_post_is_for_admins_and_posts_once(sim: Sim, bank: QuestionBank) -> None:
    refused = await sim.actors["alice"].slash(sim.general, "question post")
    assert refused.ephemeral and "Manage Server" in refused.response.content
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
    assert refused.ephemeral and "Manage Server" in refused.response.content
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


@pytest.mark.question_bank(factory=bank_from(MULTI_YAML))
async def test_questions_with_several_correct_options_use_a_menu(sim: Sim) -> None:
    shown = await sim.actors["bob"].slash(sim.general, "question practice")
    kinds = [c.type for row in shown.response.message.components for c in row.children]
    assert kinds == [discord.ComponentType.string_select]
    both = await sim.actors["bob"].select(shown.response, ["a", "c"])
    assert "Score: 10/10" in _embed_text(both)
    half = await sim.actors["bob"].select(shown.response, ["a"])
    assert "Score: 5/10" in _embed_text(half)


def _fields(embed: discord.Embed) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}


async def test_choice_feedback_marks_the_pick_and_the_reveal_counts_each_option(
    sim: Sim, bank: QuestionBank
) -> None:
    await _setup(sim, bank, topic="ml-fundamentals")
    await sim.advance(timedelta(minutes=1))
    post = _post(sim)
    wrong = await sim.actors["bob"].click(post, label="A")
    text = _embed_text(wrong)
    assert "Score: 0/10" in text and "❌ **A.** Mean squared error" in text
    assert "Key points" not in text and "“" not in text  # no "covered: <wrong option> — “”"
    assert "Not covered yet" not in text  # distractors are not "missing key points"
    fields = _fields(wrong.response.embeds[0])
    assert fields["Correct answer"] == "Shown with the reference answer when the question closes."
    right = await sim.actors["alice"].click(post, label="B")
    fields = _fields(right.response.embeds[0])
    assert fields["Your answer"] == "✅ **B.** Binary cross-entropy"
    assert "Correct answer" not in fields and "Not covered yet" not in fields
    await sim.actors["carol"].click(post, label="B")

    await sim.advance(timedelta(hours=24))
    reveal = sim.channels["daily-question"].threads[0].history()[-1].embeds[0]
    fields = _fields(reveal)
    assert fields["Correct answer"] == "**B.** Binary cross-entropy"
    assert fields["Picks per option"].splitlines() == [
        "▫️ `A` ██████ 1 · 33%",
        "✅ `B` ████████████ 2 · 67%",
    ]
    assert "Score distribution" not in fields
    assert fields["🥇 First full score"] == f"<@{sim.actors['alice'].id}>"
    assert "🌟 Best answers" not in fields  # every right pick is a full score


async def test_practice_choice_shows_the_correct_option_at_once(
    sim: Sim, bank: QuestionBank, user_locale
) -> None:  # type: ignore[no-untyped-def]
    user_locale("zh-CN")
    shown = await sim.actors["bob"].slash(sim.general, "question practice", topic="ml-fundamentals")
    done = await sim.actors["bob"].click(shown.response, label="A")
    fields = _fields(done.response.embeds[0])
    assert fields["你的选择"] == "❌ **A.** 均方误差"
    assert fields["正确答案"] == "**B.** 二元交叉熵"


@pytest.mark.question_bank(factory=bank_from(MULTI_YAML))
async def test_several_correct_options_mark_each_pick(sim: Sim) -> None:
    shown = await sim.actors["bob"].slash(sim.general, "question practice")
    half = await sim.actors["bob"].select(shown.response, ["a", "b"])
    fields = _fields(half.response.embeds[0])
    assert fields["Your answer"].splitlines() == [
        "✅ **A.** Dropout",
        "❌ **B.** A larger learning rate",
    ]
    assert fields["Correct answer"].splitlines() == ["**A.** Dropout", "**C.** Weight decay"]


async def test_the_reveal_names_first_and_best_and_the_post_says_closed(
    sim: Sim, bank: QuestionBank, lexical_only: None
) -> None:
    await _setup(sim, bank)
    await sim.advance(timedelta(minutes=1))
    alice, bob, carol = (sim.actors[name] for name in ("alice", "bob", "carol"))
    await bob.slash(sim.general, "answer", text="Collect more training data.")
    full = "Add weight decay. Use early stopping. Collect more training data."
    await carol.slash(sim.general, "answer", text=full)
    await sim.advance(timedelta(minutes=5))
    done = await alice.slash(sim.general, "answer", text=full)
    assert "Score: 10/10" in _embed_text(done)
    hidden = await carol.slash(sim.general, "profile privacy", named=False)
    assert hidden.ephemeral and "will not name you" in hidden.response.content
    shown = await carol.slash(sim.general, "profile privacy")
    assert "will not name you" in shown.response.content

    await sim.advance(timedelta(hours=24))
    thread = sim.channels["daily-question"].threads[0]
    message = thread.history()[-1]
    fields = _fields(message.embeds[0])
    anonymous = "a member who prefers not to be named"
    assert fields["🥇 First full score"] == anonymous  # carol was first, and stays unnamed
    best = fields["🌟 Best answers"].splitlines()
    assert best[:2] == [f"1. {anonymous} — 10/10", f"2. <@{alice.id}> — 10/10"]  # ties: earliest
    assert best[2].startswith(f"3. <@{bob.id}> — ") and best[2].endswith("/10")
    stored = sim.env.backend.messages[thread.id][message.id]
    assert stored.ping_user_ids == []  # named, not pinged
    closed = next(m for m in sim.channels["daily-question"].history() if m.embeds)
    embed = closed.embeds[0]
    assert embed.title == "📘 Daily interview question — closed"
    assert "Answers close" not in _fields(embed)
    assert "[See the reveal](" in _fields(embed)["Closed"]
    assert message.jump_url in _fields(embed)["Closed"]


async def test_privacy_can_be_turned_back_on(sim: Sim) -> None:
    bob = sim.actors["bob"]
    first = await bob.slash(sim.general, "profile privacy")
    assert "may name you" in first.response.content
    await bob.slash(sim.general, "profile privacy", named=False)
    back = await bob.slash(sim.general, "profile privacy", named=True)
    assert back.ephemeral and "may name you" in back.response.content


RAG_PROMPTS = [
    ("Does retrieval need a vector index?", "检索需要向量索引吗？"),
    ("Is chunk size important for recall?", "切块大小会影响召回吗？"),
    ("Can a reranker improve precision?", "重排序能提高精确率吗？"),
    ("Should answers cite their sources?", "回答应该注明出处吗？"),
]
RAG_YAML = "questions:\n" + "".join(
    f"""
  - slug: rag-{i}
    topic: retrieval-rag
    difficulty: 1
    type: choice
    prompt: {{en: "{en}", zh: "{zh}"}}
    reference_answer: {{en: "Yes.", zh: "是。"}}
    options:
      - {{id: a, en: "Yes", zh: "是"}}
      - {{id: b, en: "No", zh: "否"}}
    correct: [a]
"""
    for i, (en, zh) in enumerate(RAG_PROMPTS)
)


@pytest.mark.question_bank(factory=bank_from(RAG_YAML))
async def test_practice_never_repeats_until_the_topic_is_exhausted(sim: Sim) -> None:
    alice = sim.actors["alice"]

    async def next_slug() -> str:
        sim.bot.clock.advance(timedelta(minutes=1))
        shown = await alice.slash(sim.general, "question practice", topic="retrieval-rag")
        return shown.response.embeds[0].footer.text.split()[1]

    first_round = [await next_slug() for _ in range(4)]
    assert sorted(first_round) == ["rag-0", "rag-1", "rag-2", "rag-3"]
    second_round = [await next_slug() for _ in range(4)]
    assert second_round == first_round  # then the one shown longest ago comes back first
    other = await sim.actors["bob"].slash(sim.general, "question practice", topic="generative")
    assert "No question matches" in other.response.content


async def test_score_adjust_tells_the_member_by_dm(sim: Sim) -> None:
    bob, admin = sim.actors["bob"], sim.actors["admin"]
    done = await admin.slash(
        sim.general, "score adjust", member=bob, points=-2.5, reason="duplicate answer"
    )
    assert done.ephemeral and "could not tell them" not in done.response.content
    (dm,) = bob.user.dm_channel.history()
    assert dm.content == (
        "A moderator changed your points in **aiclub-demo** by -2.5. "
        "Reason: “duplicate answer”. Your all-time total is now -2.5."
    )
    await admin.slash(sim.general, "config language", language="zh")  # the server's language
    await admin.slash(sim.general, "score adjust", member=bob, points=4.0, reason="好问题")
    assert bob.user.dm_channel.history()[-1].content == (
        "管理员调整了你在 **aiclub-demo** 的积分：+4。原因：“好问题”。你现在的总积分是 1.5。"
    )


async def test_score_adjust_with_closed_dms_still_works(sim: Sim) -> None:
    bob = sim.actors["bob"]
    sim.env.inject_error(
        "POST",
        f"/channels/{bob.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    done = await sim.actors["admin"].slash(
        sim.general, "score adjust", member=bob, points=3.0, reason="great talk"
    )
    assert done.ephemeral and "+3 points" in done.response.content
    assert "I could not tell them by DM (their DMs are closed)." in done.response.content
    assert await _count(sim, ScoreAdjustment) == 1


async def test_bad_adjustments_change_nothing_and_tell_nobody(sim: Sim) -> None:
    bob = sim.actors["bob"]
    blank = await sim.actors["admin"].slash(
        sim.general, "score adjust", member=bob, points=5.0, reason="   "
    )
    assert blank.ephemeral and "Give a reason" in blank.response.content
    zero = await sim.actors["admin"].slash(
        sim.general, "score adjust", member=bob, points=0.0, reason="nothing"
    )
    assert "must be non-zero" in zero.response.content
    assert await _count(sim, ScoreAdjustment) == 0
    assert not bob.user.dm_channel.history()


async def test_the_card_explains_the_streak_bonus(sim: Sim, bank: QuestionBank) -> None:
    await _setup(sim, bank, topic="ml-fundamentals")
    await sim.advance(timedelta(minutes=1))
    first = await sim.actors["alice"].click(_post(sim), label="B")
    assert _fields(first.response.embeds[0])["Points"] == "+10"
    await sim.advance(timedelta(days=1))
    second = await sim.actors["alice"].click(_post(sim), label="B")
    fields = _fields(second.response.embeds[0])
    assert fields["Points"] == "+11 (including a +1 streak bonus)"
    assert fields["Streak (days)"] == "2"


def test_the_reveal_and_the_closed_post_in_chinese(bank: QuestionBank) -> None:
    from datetime import UTC, datetime

    from bot.questions.service import RevealStats
    from cogs._question_ui import question_embed, reveal_embed

    question = bank["choice-lite"]
    stats = RevealStats(
        4, 7.5, {}, None, picks=(("a", 1), ("b", 3)), first_full=7, hidden=frozenset({7})
    )
    fields = _fields(reveal_embed(question, stats, "zh"))
    assert fields["正确答案"] == "**B.** 二元交叉熵"
    assert fields["各选项人数"].splitlines() == [
        "▫️ `A` ████ 1 · 25%",
        "✅ `B` ████████████ 3 · 75%",
    ]
    assert fields["🥇 最先拿到满分"] == "一位不愿具名的成员"
    deadline = datetime(2026, 12, 2, 8, tzinfo=UTC)
    closed = question_embed(question, "zh", deadline=deadline, reveal_url="https://x/1")
    assert closed.title == "📘 每日面试题（已截止）" and "截止" not in _fields(closed)
    assert _fields(closed)["已截止"].endswith("截止。[查看答案公布](https://x/1)")


async def test_an_option_clicked_after_the_reveal_is_refused(sim: Sim, bank: QuestionBank) -> None:
    await _setup(sim, bank, topic="ml-fundamentals")
    await sim.advance(timedelta(minutes=1))
    today = await sim.actors["bob"].slash(sim.general, "question today")
    await sim.advance(timedelta(hours=24, minutes=1))  # revealed; the next day's post is out
    late = await sim.actors["bob"].click(today.response, label="B")
    assert late.ephemeral and "This question is closed" in late.response.content
    async with sim.bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == 0
