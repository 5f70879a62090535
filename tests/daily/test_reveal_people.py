"""Who the reveal names (first full score, best answers, privacy), choice picks, the weakest-topic
rule and practice rotation, over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db.engine import Database
from bot.errors import UserError
from bot.questions import answering, profile, service
from bot.questions.bank import QuestionBank
from bot.questions.profile import TopicAverage, weakest_topic
from tests.daily.test_daily_service import ALICE, BOB, GUILD, _open
from tests.helpers import START

CAROL = 13


async def _choose(db: Database, bank: QuestionBank, user: int, option: str, now) -> None:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        await answering.submit_choice(session, bank, GUILD, user, {option}, now)


async def test_choice_picks_first_full_score_and_privacy(db: Database, bank: QuestionBank) -> None:
    now = await _open(db, bank, topic="ml-fundamentals")
    await _choose(db, bank, BOB, "a", now)
    await _choose(db, bank, CAROL, "b", now + timedelta(minutes=1))
    await _choose(db, bank, ALICE, "b", now + timedelta(minutes=2))
    async with db.transaction() as session:
        await profile.set_named(session, GUILD, CAROL, False, now)
    async with db.session() as session:
        (post,) = await service.posts_to_reveal(session, now + timedelta(days=1))
        stats = await service.reveal_stats(session, bank["choice-lite"], post.id)
    assert stats.picks == (("a", 1), ("b", 2)) and stats.answers == 3
    assert stats.first_full == CAROL and stats.hidden == frozenset({CAROL})
    assert stats.best == ()  # choice questions: every right pick is a full score


async def test_best_short_answers_by_score_then_time(db: Database, bank: QuestionBank) -> None:
    now = await _open(db, bank)
    answers = (
        (ALICE, "More training data."),
        (BOB, "Weight decay, early stopping and collecting more training data."),
        (CAROL, "I have no idea at all, sorry."),
    )
    for offset, (user, text) in enumerate(answers):
        async with db.session() as session:
            await answering.submit_answer(
                session, bank, GUILD, user, text, now + timedelta(minutes=offset)
            )
    async with db.session() as session:
        (post,) = await service.posts_to_reveal(session, now + timedelta(days=1))
        stats = await service.reveal_stats(session, bank["overfit-lite"], post.id)
    assert [user for user, _score in stats.best] == [BOB, ALICE]  # a 0 is never "best"
    assert stats.best[0][1] > stats.best[1][1] and stats.hidden == frozenset()
    assert stats.picks == ()


async def test_privacy_defaults_to_named_and_can_be_changed_back(db: Database) -> None:
    now = START
    async with db.transaction() as session:
        assert await profile.is_named(session, GUILD, ALICE)
        await profile.set_named(session, GUILD, ALICE, False, now)
    async with db.transaction() as session:
        assert not await profile.is_named(session, GUILD, ALICE)
        assert await profile.hidden_members(session, GUILD, [ALICE, BOB]) == {ALICE}
        await profile.set_named(session, GUILD, ALICE, True, now)
    async with db.session() as session:
        assert await profile.hidden_members(session, GUILD, [ALICE, BOB]) == frozenset()
        assert await profile.hidden_members(session, GUILD, []) == frozenset()


def _topics(**averages: tuple[int, float]) -> list[TopicAverage]:
    return [TopicAverage(topic, count, avg) for topic, (count, avg) in averages.items()]


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        (_topics(generative=(3, 2.0)), None),  # one topic: nothing to compare with
        (_topics(generative=(1, 10.0), cnn=(2, 10.0)), None),  # 10/10 is never weakest
        (_topics(generative=(2, 8.0), cnn=(2, 10.0)), None),  # good enough: not weak
        (_topics(generative=(2, 6.0), cnn=(2, 7.0)), None),  # barely behind
        (_topics(generative=(2, 3.0), cnn=(2, 8.0)), "generative"),
        (_topics(rag=(1, 4.0), cnn=(1, 4.0), gen=(1, 9.0)), "cnn"),  # ties: topic id
        ([], None),
    ],
)
def test_the_weakest_topic_is_only_one_meaningfully_weaker(
    topics: list[TopicAverage], expected: str | None
) -> None:
    found = weakest_topic(topics)
    assert (found.topic if found else None) == expected


async def test_practice_rotation_and_bad_filters(db: Database, bank: QuestionBank) -> None:
    now = START
    seen = []
    for minute in range(4):
        async with db.session() as session:
            question = await answering.next_practice_question(
                session,
                bank,
                GUILD,
                ALICE,
                now + timedelta(minutes=minute),
                topic=None,
                difficulty=None,
                seed=str(minute),
            )
        seen.append(question.slug)
    assert sorted(seen[:3]) == sorted(q.slug for q in bank) and seen[3] == seen[0]
    for topic, difficulty, key in (("astrology", None, "questions.unknown_topic"),
                                   ("generative", None, "practice.none_match"),
                                   (None, 7, "practice.none_match")):  # fmt: skip
        async with db.session() as session:
            with pytest.raises(UserError) as caught:
                await answering.next_practice_question(
                    session, bank, GUILD, BOB, now, topic=topic, difficulty=difficulty, seed="x"
                )
        assert caught.value.key == key
