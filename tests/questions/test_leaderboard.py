"""Leaderboard pages, ranks and scopes over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.engine import Database
from bot.db.questions import LeaderboardPoints
from bot.errors import UserError
from bot.guilds import get_settings
from bot.questions import answering, service
from bot.questions.bank import QuestionBank, build_bank
from bot.questions.leaderboard import (
    Page,
    RankInfo,
    Row,
    current_scope,
    leaderboard_page,
    member_rank,
)
from tests.helpers import claim_and_post

GUILD, OTHER_GUILD, CHANNEL = 1001, 1002, 2002
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)  # a Tuesday: week 2026-W49, month 2026-12

BANK_YAML = """
questions:
  - slug: overfit-mini
    topic: dl-training
    difficulty: 1
    type: short
    prompt: {en: "How do you fight overfitting?", zh: "如何应对过拟合？"}
    reference_answer: {en: "Regularize, stop early, add data.", zh: "正则化、早停、增加数据。"}
    key_points:
      - id: regularization
        kind: core
        weight: 1
        label: {en: "Regularization", zh: "正则化"}
        description: {en: "Regularization", zh: "正则化"}
        aliases: {en: ["weight decay"], zh: ["权重衰减"]}
      - id: early_stopping
        kind: core
        weight: 1
        label: {en: "Early stopping", zh: "早停"}
        description: {en: "Early stopping", zh: "早停"}
        aliases: {en: ["early stopping"], zh: ["早停"]}
      - id: more_data
        kind: core
        weight: 1
        label: {en: "More data", zh: "更多数据"}
        description: {en: "More data", zh: "更多数据"}
        aliases: {en: ["more training data"], zh: ["更多数据"]}
"""
GOOD_ANSWER = "Use weight decay, early stopping on the validation set and more training data."


@pytest.fixture
def mini_bank() -> QuestionBank:
    """One short dl-training question."""
    return build_bank([(Path("mini.yaml"), BANK_YAML)])


async def _points(db: Database, scope: str, points: dict[int, float], guild: int = GUILD) -> None:
    async with db.session() as session:
        session.add_all(
            LeaderboardPoints(guild_id=guild, scope=scope, user_id=uid, points=p, answers=1)
            for uid, p in points.items()
        )
        await session.commit()


async def _page(db: Database, scope: str, page: int, size: int = 10) -> Page:
    async with db.session() as session:
        return await leaderboard_page(session, GUILD, scope, page, size)


async def _rank(db: Database, scope: str, user_id: int) -> RankInfo | None:
    async with db.session() as session:
        return await member_rank(session, GUILD, scope, user_id)


async def test_ties_share_a_rank_and_are_listed_by_user_id(db: Database) -> None:
    await _points(db, "all", {7: 30, 3: 40, 5: 30, 9: 10, 1: 50, 4: 40, 2: 30})
    page = await _page(db, "all", 0)
    assert [(r.rank, r.user_id) for r in page.rows] == [
        (1, 1),
        (2, 3),
        (2, 4),
        (4, 2),
        (4, 5),
        (4, 7),
        (7, 9),
    ]
    assert page.rows[0] == Row(1, 1, 50.0, 1) and not page.has_next
    assert [(await _rank(db, "all", uid)).rank for uid in (1, 4, 7, 9)] == [1, 2, 4, 7]  # type: ignore[union-attr]


async def test_totals_equal_up_to_float_noise_are_a_tie(db: Database) -> None:
    await _points(db, "all", {1: 0.1 + 0.2 + 0.3, 2: 0.3 + 0.2 + 0.1, 3: 0.5})
    assert [(r.rank, r.user_id) for r in (await _page(db, "all", 0)).rows] == [
        (1, 1),
        (1, 2),
        (3, 3),
    ]
    assert (await _rank(db, "all", 2)).rank == 1  # type: ignore[union-attr]


async def test_pages_continue_the_ranking(db: Database) -> None:
    await _points(db, "all", {uid: 100 - uid for uid in range(1, 26)})
    first, third, beyond = [await _page(db, "all", n) for n in (0, 2, 3)]
    assert len(first.rows) == 10 and first.has_next
    assert [r.rank for r in third.rows] == [21, 22, 23, 24, 25] and not third.has_next
    assert beyond == Page((), 3, False)


async def test_a_tie_across_a_page_boundary_keeps_its_rank(db: Database) -> None:
    await _points(db, "all", {1: 9, 2: 8, 3: 8, 4: 8, 5: 8, 6: 5})
    second = await _page(db, "all", 1, size=3)
    assert [(r.rank, r.user_id) for r in second.rows] == [(2, 4), (2, 5), (6, 6)]


async def test_a_caller_far_below_the_top_ten_gets_their_rank(db: Database) -> None:
    await _points(db, "all", {uid: float(1000 - uid) for uid in range(1, 40)} | {99: 962.0})
    assert await _rank(db, "all", 99) == RankInfo(38, 962.0, 1)  # tied with user 38
    assert 99 not in {r.user_id for r in (await _page(db, "all", 0)).rows}
    assert await _rank(db, "all", 12345) is None


async def test_scopes_and_guilds_are_separate_boards(db: Database) -> None:
    await _points(db, "all", {1: 10, 2: 20})
    await _points(db, "2026-W49", {2: 5})
    await _points(db, "all", {3: 99}, guild=OTHER_GUILD)
    assert [r.user_id for r in (await _page(db, "all", 0)).rows] == [2, 1]
    assert [r.user_id for r in (await _page(db, "2026-W49", 0)).rows] == [2]
    assert await _rank(db, "2026-W49", 1) is None
    assert (await _rank(db, "all", 1)) == RankInfo(2, 10.0, 1)


async def test_an_empty_board(db: Database) -> None:
    assert await _page(db, "all", 0) == Page((), 0, False)
    assert await _rank(db, "all", 1) is None


@pytest.mark.parametrize(
    ("period", "topic", "expected"),
    [
        ("week", None, "2026-W49"),
        ("month", None, "2026-12"),
        ("all", None, "all"),
        ("week", "generative", "2026-W49:generative"),
        ("all", "generative", "all:generative"),
    ],
)
async def test_current_scope(db: Database, period: str, topic: str | None, expected: str) -> None:
    async with db.session() as session:
        assert await current_scope(session, GUILD, period, topic, NOW) == expected


async def test_week_and_month_are_guild_local(db: Database) -> None:
    late_sunday = datetime(2026, 11, 29, 20, tzinfo=UTC)  # Monday 2026-11-30 04:00 in Shanghai
    async with db.session() as session:
        assert await current_scope(session, GUILD, "week", None, late_sunday) == "2026-W48"
        (await get_settings(session, GUILD, late_sunday)).timezone = "Asia/Shanghai"
        await session.commit()
        assert await current_scope(session, GUILD, "week", None, late_sunday) == "2026-W49"
        evening = datetime(2026, 11, 30, 20, tzinfo=UTC)  # 2026-12-01 in Shanghai
        assert await current_scope(session, GUILD, "month", None, evening) == "2026-12"


@pytest.mark.parametrize(
    ("period", "topic", "key"),
    [
        ("week", "astrology", "questions.unknown_topic"),
        ("year", None, "leaderboard.unknown_period"),
    ],
)
async def test_unknown_topic_or_period_is_a_user_error(
    db: Database, period: str, topic: str | None, key: str
) -> None:
    async with db.session() as session:
        with pytest.raises(UserError) as caught:
            await current_scope(session, GUILD, period, topic, NOW)
    assert caught.value.key == key


async def test_real_answers_land_in_week_month_all_and_topic_boards(
    db: Database, mini_bank: QuestionBank
) -> None:
    """Answers through the answering service, a week apart: both count for the month."""
    for day, users in ((0, (11, 12)), (7, (12,))):
        now = NOW + timedelta(days=day)
        async with db.session() as session:
            await service.configure_daily(session, GUILD, now, channel_id=CHANNEL)
            await session.commit()
            assert await claim_and_post(session, mini_bank, GUILD, now, force=True)
        for uid in users:
            async with db.session() as session:
                await answering.submit_answer(session, mini_bank, GUILD, uid, GOOD_ANSWER, now)
    later = NOW + timedelta(days=7)
    async with db.session() as session:
        boards = {
            (period, topic): await leaderboard_page(
                session, GUILD, await current_scope(session, GUILD, period, topic, later), 0
            )
            for period in ("week", "month", "all")
            for topic in (None, "dl-training", "generative")
        }

    def users(period: str, topic: str | None) -> list[int]:
        return [r.user_id for r in boards[period, topic].rows]

    assert users("week", None) == users("week", "dl-training") == [12]
    assert users("month", None) == users("all", "dl-training") == [12, 11]
    assert users("all", "generative") == []
    twelve, eleven = boards["all", None].rows
    assert twelve.answers == 2 and eleven.answers == 1 and twelve.points > eleven.points
