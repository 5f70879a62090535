"""Points and streaks (pure): a streak needs an answer that scored above 0."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.questions.points import Streak, answer_points, next_streak

DAY = date(2026, 12, 1)


def test_consecutive_days_grow_a_streak_and_a_gap_restarts_it() -> None:
    streak = next_streak(Streak(0, 0, None), DAY, 5.0)
    assert streak == Streak(1, 1, DAY)
    streak = next_streak(streak, DAY + timedelta(days=1), 3.0)
    assert streak == Streak(2, 2, DAY + timedelta(days=1))
    assert next_streak(streak, DAY + timedelta(days=3), 7.0) == Streak(1, 2, DAY + timedelta(3))


@pytest.mark.parametrize("before", [Streak(0, 0, None), Streak(3, 4, DAY - timedelta(days=1))])
def test_a_zero_score_answer_leaves_the_streak_as_it_was(before: Streak) -> None:
    assert next_streak(before, DAY, 0.0) == before


def test_a_zero_score_answer_earns_no_streak_bonus() -> None:
    assert answer_points(0.0, 3, 5) == 0.0
    assert answer_points(0.1, 1, 5) == 4.1  # any score above 0 keeps the bonus
    assert answer_points(8.0, 2, 1) == 12.0
    assert answer_points(8.0, 2, 9) == 17.0  # the bonus is capped at +5
