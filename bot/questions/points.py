"""Points and streaks (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DIFFICULTY_MULTIPLIER = {1: 1.0, 2: 1.5, 3: 2.0}
STREAK_BONUS_PER_DAY = 1.0
STREAK_BONUS_CAP = 5.0


@dataclass(frozen=True)
class Streak:
    """Consecutive guild-local days with a daily answer."""

    current: int
    best: int
    last_date: date | None


def next_streak(streak: Streak, day: date, score: float | None = None) -> Streak:
    """The streak after answering on ``day`` (same day: unchanged; next day: +1; gap: 1).

    Only an answer that scored above 0 counts: with ``score`` 0 the streak is unchanged
    (neither extended nor restarted), so a blank effort cannot keep a streak alive.
    """
    if streak.last_date == day or (score is not None and not counts_for_streak(score)):
        return streak
    if streak.last_date is not None and day - streak.last_date == timedelta(days=1):
        current = streak.current + 1
    else:
        current = 1
    return Streak(current, max(streak.best, current), day)


def counts_for_streak(score: float) -> bool:
    """Whether an answer with rubric ``score`` extends a streak (and earns its bonus)."""
    return score > 0


def streak_bonus(current_streak: int) -> float:
    """+1 point per consecutive day after the first, at most +5."""
    return min(max(current_streak - 1, 0) * STREAK_BONUS_PER_DAY, STREAK_BONUS_CAP)


def answer_points(score: float, difficulty: int, current_streak: int) -> float:
    """Rubric score (0-10) × difficulty multiplier (1×, 1.5×, 2×) + streak bonus.

    A 0-score answer earns nothing, streak bonus included.
    """
    bonus = streak_bonus(current_streak) if counts_for_streak(score) else 0.0
    return round(score * DIFFICULTY_MULTIPLIER[difficulty] + bonus, 1)


def period_scopes(day: date, topic: str | None) -> list[str]:
    """Leaderboard scopes points earned on local ``day`` count towards (topic ones if given)."""
    year, week, _ = day.isocalendar()
    periods = ["all", f"{year}-W{week:02d}", f"{day:%Y-%m}"]
    return periods + [f"{period}:{topic}" for period in periods if topic]


def scope_for(period: str, day: date, topic: str | None = None) -> str:
    """The scope key of ``period`` ('week', 'month', 'all') containing local ``day``."""
    if period == "week":
        year, week, _ = day.isocalendar()
        key = f"{year}-W{week:02d}"
    elif period == "month":
        key = f"{day:%Y-%m}"
    elif period == "all":
        key = "all"
    else:
        raise ValueError(f"unknown period {period!r}")
    return f"{key}:{topic}" if topic else key
