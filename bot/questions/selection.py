"""Which question a guild gets next: no repeats until the bank is exhausted, topics rotate."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from bot.questions.bank import Question


def pick_next(candidates: Sequence[Question], history: Sequence[str], seed: str) -> Question | None:
    """Choose the next question from ``candidates`` given ``history`` (slugs, oldest first).

    Walking back through the history, the slugs posted since the candidates were last all
    used form the current cycle and are not eligible; so nothing repeats until the bank is
    exhausted, and a new cycle starts with the questions used longest ago. Among eligible
    questions the topic used longest ago wins (topics rotate); ties break by a stable hash of
    ``seed`` and the slug, reproducible but not alphabetical.
    """
    if not candidates:
        return None
    by_slug = {q.slug: q for q in candidates}
    cycle: set[str] = set()
    for slug in reversed(history):
        if slug not in by_slug or slug in cycle:
            continue
        if len(cycle) + 1 == len(by_slug):
            break
        cycle.add(slug)
    eligible = [q for q in candidates if q.slug not in cycle]
    topic_last = {by_slug[s].topic: i for i, s in enumerate(history) if s in by_slug}

    def rank(question: Question) -> tuple[int, str]:
        digest = hashlib.sha256(f"{seed}:{question.slug}".encode()).hexdigest()
        return (topic_last.get(question.topic, -1), digest)

    return min(eligible, key=rank)
