"""Expert review of daily answers over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from bot.db.engine import Database
from bot.db.questions import (
    Answer,
    LeaderboardPoints,
    MemberStats,
    QuestionPost,
    ReviewRequest,
    ScoreAdjustment,
)
from bot.errors import UserError
from bot.questions import answering, review, service
from bot.questions.bank import QuestionBank
from bot.questions.points import answer_points
from tests.helpers import claim_and_post

GUILD, DAILY, REVIEWS = 1001, 2002, 3003
ALICE, BOB, EXPERT, OTHER_EXPERT = 11, 12, 21, 22
EXPERT_ROLE = 777
EXPERTS = frozenset({EXPERT_ROLE})
NOBODY = frozenset[int]()
DAY = datetime(2026, 12, 1, 9, tzinfo=UTC)
TEXT = "Use weight decay as regularization. I would also collect more data."


async def _count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _configure(db: Database, *, review_channel: bool = True) -> None:
    async with db.session() as session:
        await service.configure_daily(
            session, GUILD, DAY, channel_id=DAILY, topic="dl-training", expert_role_id=EXPERT_ROLE
        )
        if review_channel:
            await review.set_review_channel(session, GUILD, REVIEWS, DAY)
        await session.commit()


async def _answer(
    db: Database,
    bank: QuestionBank,
    user_id: int = ALICE,
    day: datetime = DAY,
    text: str = TEXT,
) -> int:
    """Post the day's question (if not yet) and answer it; the answer's id."""
    async with db.session() as session:
        await claim_and_post(session, bank, GUILD, day)
    async with db.session() as session:
        await answering.submit_answer(
            session, bank, GUILD, user_id, text, day + timedelta(minutes=5)
        )
    state = await review.review_state(db, GUILD, user_id, "overfit-lite")
    assert state is not None and not state.requested
    return state.answer_id


async def _ask(
    db: Database,
    bank: QuestionBank,
    answer_id: int,
    user_id: int = ALICE,
    note: str | None = "I mentioned more data.",
) -> int:
    now = DAY + timedelta(hours=1)
    card = await review.prepare_request(db, bank, GUILD, user_id, answer_id, note, now)
    return await review.record_request(
        db, card, message_id=9000 + answer_id, member_lang="en", now=now
    )


async def _decide(
    db: Database,
    bank: QuestionBank,
    answer_id: int,
    expert: int = EXPERT,
    roles: frozenset[int] = EXPERTS,
    manage: bool = False,
    **kwargs,
) -> review.Decision:  # type: ignore[no-untyped-def]
    return await review.decide(
        db, bank, GUILD, answer_id, expert, roles, manage, DAY + timedelta(hours=2), **kwargs
    )


async def _points(db: Database, user_id: int = ALICE) -> dict[str, float]:
    async with db.session() as session:
        rows = (
            await session.execute(
                select(LeaderboardPoints.scope, LeaderboardPoints.points).where(
                    LeaderboardPoints.user_id == user_id
                )
            )
        ).all()
    return {scope: points for scope, points in rows}


async def test_a_request_carries_the_answer_score_evidence_and_note(
    db: Database, bank: QuestionBank
) -> None:
    await _configure(db)
    answer_id = await _answer(db, bank)
    card = await review.prepare_request(db, bank, GUILD, ALICE, answer_id, "  a note \x07 ", DAY)
    assert card.text == TEXT and card.channel_id == REVIEWS and card.note == "a note"
    assert card.question.slug == "overfit-lite" and card.auto_score == card.evidence.score
    covered = {p.id: p.evidence for p in card.evidence.points if p.covered}
    assert set(covered) == {"regularization", "more_data"}
    assert "weight decay" in (covered["regularization"] or "")
    assert await _count(db, ReviewRequest) == 0  # preparing writes nothing
    await _ask(db, bank, answer_id)
    state = await review.review_state(db, GUILD, ALICE, "overfit-lite")
    assert state is not None and state.requested


async def test_a_new_score_moves_points_through_stats_every_scope_and_the_audit(
    db: Database, bank: QuestionBank
) -> None:
    await _configure(db)
    answer_id = await _answer(db, bank)
    async with db.session() as session:
        answer = await session.get(Answer, answer_id)
        stats = await session.get(MemberStats, (GUILD, ALICE))
    assert answer is not None and stats is not None
    before_points, before_sum = stats.points, stats.score_sum
    scopes_before = await _points(db)
    await _ask(db, bank, answer_id)

    decision = await _decide(db, bank, answer_id, new_score=9.5, reason="  Covers it well ")
    outcome = decision.outcome
    expected = answer_points(9.5, 2, 1)  # difficulty 2, first day of the streak
    assert outcome.status == "changed" and outcome.new_points == expected
    assert outcome.old_score == answer.score and outcome.reason == "Covers it well"
    assert decision.card.auto_score == answer.score and decision.member_lang == "en"
    delta = round(expected - answer.points, 1)
    assert outcome.points_delta == delta

    async with db.session() as session:
        answer_after = await session.get(Answer, answer_id)
        stats_after = await session.get(MemberStats, (GUILD, ALICE))
        audit = (await session.scalars(select(ScoreAdjustment))).all()
        request = await session.scalar(select(ReviewRequest))
    assert answer_after is not None and stats_after is not None and request is not None
    assert (answer_after.score, answer_after.points) == (9.5, expected)
    assert stats_after.points == pytest.approx(before_points + delta)
    assert stats_after.score_sum == pytest.approx(before_sum + 9.5 - answer.score)
    assert stats_after.answers == 1  # a review is not a new answer
    scopes_after = await _points(db)
    assert (
        set(scopes_after)
        == set(scopes_before)
        == {
            "all",
            "2026-W49",
            "2026-12",
            "all:dl-training",
            "2026-W49:dl-training",
            "2026-12:dl-training",
        }
    )
    for scope, points in scopes_before.items():
        assert scopes_after[scope] == pytest.approx(points + delta), scope
    assert [(a.user_id, a.by_user_id, a.answer_id, a.reason) for a in audit] == [
        (ALICE, EXPERT, answer_id, "Covers it well")
    ]
    assert audit[0].points == pytest.approx(delta)
    assert (request.status, request.final_score, request.decided_by) == ("changed", 9.5, EXPERT)


async def test_points_keep_the_streak_bonus_the_answer_earned(
    db: Database, bank: QuestionBank
) -> None:
    await _configure(db)
    await _answer(db, bank)
    second = await _answer(
        db,
        bank,
        day=DAY + timedelta(days=1),
        text="Regularization with weight decay, plus early stopping.",
    )
    async with db.session() as session:
        answer = await session.get(Answer, second)
    assert answer is not None
    await _ask(db, bank, second)
    decision = await _decide(db, bank, second, new_score=4.0, reason="Too thin")
    # the second day's question may be another one: use the difficulty of its post
    async with db.session() as session:
        post = await session.get(QuestionPost, answer.post_id)
    assert post is not None
    assert decision.outcome.new_points == answer_points(4.0, post.difficulty, 2)
    assert decision.outcome.new_points - answer_points(4.0, post.difficulty, 1) == 1.0


async def test_confirm_keeps_the_score_and_is_audited_with_zero_points(
    db: Database, bank: QuestionBank
) -> None:
    await _configure(db)
    answer_id = await _answer(db, bank)
    scopes = await _points(db)
    await _ask(db, bank, answer_id)
    decision = await _decide(db, bank, answer_id, expert=OTHER_EXPERT, roles=NOBODY, manage=True)
    assert decision.outcome.status == "confirmed" and decision.outcome.points_delta == 0
    assert await _points(db) == scopes
    async with db.session() as session:
        audit = await session.scalar(select(ScoreAdjustment))
        request = await session.scalar(select(ReviewRequest))
    assert audit is not None and audit.points == 0 and audit.answer_id == answer_id
    assert audit.by_user_id == OTHER_EXPERT
    assert request is not None and request.status == "confirmed"


async def test_two_experts_deciding_at_once_one_wins(db: Database, bank: QuestionBank) -> None:
    await _configure(db)
    answer_id = await _answer(db, bank)
    scopes = await _points(db)
    await _ask(db, bank, answer_id)
    results = await asyncio.gather(
        _decide(db, bank, answer_id, new_score=10.0, reason="Complete"),
        _decide(db, bank, answer_id, expert=OTHER_EXPERT, new_score=2.0, reason="Thin"),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, review.Decision)]
    lost = [r for r in results if isinstance(r, UserError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].key == "review.already_decided"
    assert await _count(db, ScoreAdjustment) == 1
    delta = won[0].outcome.points_delta
    assert (await _points(db))["all"] == pytest.approx(scopes["all"] + delta)
    with pytest.raises(UserError, match=r"review\.already_decided"):
        await _decide(db, bank, answer_id, expert=OTHER_EXPERT)


async def test_two_requests_of_one_answer_at_once_store_one(
    db: Database, bank: QuestionBank
) -> None:
    await _configure(db)
    answer_id = await _answer(db, bank)
    card = await review.prepare_request(db, bank, GUILD, ALICE, answer_id, None, DAY)
    results = await asyncio.gather(
        review.record_request(db, card, 1, "en", DAY),
        review.record_request(db, card, 2, "en", DAY),
        return_exceptions=True,
    )
    assert sum(isinstance(r, int) for r in results) == 1
    assert [r.key for r in results if isinstance(r, UserError)] == ["review.already_requested"]
    assert await _count(db, ReviewRequest) == 1
    with pytest.raises(UserError, match=r"review\.already_requested"):
        await _ask(db, bank, answer_id)


@pytest.mark.parametrize(
    ("who", "roles", "manage", "key"),
    [
        (BOB, NOBODY, False, "review.not_expert"),
        (ALICE, EXPERTS, False, "review.own_answer"),
        (ALICE, NOBODY, True, "review.own_answer"),
    ],
)
async def test_who_may_decide(
    db: Database, bank: QuestionBank, who: int, roles: frozenset[int], manage: bool, key: str
) -> None:
    await _configure(db)
    answer_id = await _answer(db, bank)
    await _ask(db, bank, answer_id)
    with pytest.raises(UserError) as info:
        await _decide(
            db,
            bank,
            answer_id,
            expert=who,
            roles=roles,
            manage=manage,
            new_score=10.0,
            reason="mine",
        )
    assert info.value.key == key
    with pytest.raises(UserError) as again:
        await review.check_decider(db, GUILD, answer_id, who, roles, manage)
    assert again.value.key == key
    assert await _count(db, ScoreAdjustment) == 0


async def test_without_an_expert_role_only_managers_decide(
    db: Database, bank: QuestionBank
) -> None:
    async with db.session() as session:
        await service.configure_daily(session, GUILD, DAY, channel_id=DAILY, topic="dl-training")
        await review.set_review_channel(session, GUILD, REVIEWS, DAY)
        await session.commit()
    answer_id = await _answer(db, bank)
    await _ask(db, bank, answer_id)
    with pytest.raises(UserError, match=r"review\.not_expert_no_role"):
        await _decide(db, bank, answer_id, roles=EXPERTS)
    assert await review.check_decider(db, GUILD, answer_id, EXPERT, NOBODY, True) >= 0


async def test_what_cannot_be_asked(db: Database, bank: QuestionBank) -> None:
    await _configure(db, review_channel=False)
    answer_id = await _answer(db, bank)
    with pytest.raises(UserError, match=r"review\.no_channel"):
        await _ask(db, bank, answer_id)
    await _configure(db)
    with pytest.raises(UserError, match=r"review\.not_yours"):
        await _ask(db, bank, answer_id, user_id=BOB)
    with pytest.raises(UserError) as info:
        await _ask(db, bank, answer_id, note="x" * 501)
    assert info.value.key == "review.note_too_long" and info.value.params["length"] == 501
    async with db.session() as session:
        await answering.practice_answer(session, bank["overfit-lite"], GUILD, BOB, TEXT, DAY)
        practice_id = await session.scalar(select(Answer.id).where(Answer.user_id == BOB))
    assert practice_id is not None
    with pytest.raises(UserError, match=r"review\.practice"):
        await _ask(db, bank, practice_id, user_id=BOB)
    with pytest.raises(UserError, match=r"review\.answer_gone"):
        await _ask(db, bank, 424242)
    async with db.session() as session:  # the daily post is deleted: its answers go with it
        await session.execute(delete(QuestionPost))
        await session.commit()
    with pytest.raises(UserError, match=r"review\.answer_gone"):
        await _ask(db, bank, answer_id)
    assert await _count(db, ReviewRequest) == 0


async def test_bad_decisions_change_nothing(db: Database, bank: QuestionBank) -> None:
    await _configure(db)
    answer_id = await _answer(db, bank)
    await _ask(db, bank, answer_id)
    scopes = await _points(db)
    for kwargs, key in (
        ({"new_score": 8.0, "reason": "   "}, "review.reason_required"),
        ({"new_score": 8.0, "reason": None}, "review.reason_required"),
        ({"new_score": 8.0, "reason": "x" * 201}, "review.reason_too_long"),
        ({"new_score": 10.5, "reason": "why"}, "review.score_out_of_range"),
        ({"new_score": float("nan"), "reason": "why"}, "review.score_out_of_range"),
    ):
        with pytest.raises(UserError) as info:
            await _decide(db, bank, answer_id, **kwargs)
        assert info.value.key == key
    assert await _points(db) == scopes
    assert await _count(db, ScoreAdjustment) == 0
    async with db.session() as session:
        request = await session.scalar(select(ReviewRequest))
    assert request is not None and request.status == "pending"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7.5", 7.5),
        (" 7,5 ", 7.5),
        ("８", 8.0),
        ("10", 10.0),
        ("0", 0.0),
        ("-0", 0.0),
        ("6.", 6.0),
        ("10.0", 10.0),
    ],
)
def test_scores_experts_may_type(text: str, value: float) -> None:
    assert review.parse_score(text) == value


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("abc", "review.score_not_number"),
        ("", "review.score_not_number"),
        ("nan", "review.score_not_number"),
        ("inf", "review.score_not_number"),
        ("1e1", "review.score_not_number"),
        ("7/10", "review.score_not_number"),
        ("11", "review.score_out_of_range"),
        ("-1", "review.score_out_of_range"),
        ("10.1", "review.score_out_of_range"),
        ("7.55", "review.score_one_decimal"),
    ],
)
def test_scores_experts_may_not_type(text: str, key: str) -> None:
    with pytest.raises(UserError) as info:
        review.parse_score(text)
    assert info.value.key == key
