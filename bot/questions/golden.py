"""Grader regression harness: how well `score` agrees with human grades on a golden file.

Golden file: ``{answers: [{slug, lang: en|zh|mixed, text, score: 0..10}]}``. Agreement is
Spearman rank correlation (average ranks for ties) and mean absolute error, overall, per
question and per language.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.questions.bank import QuestionBank
from bot.questions.scoring import score
from bot.questions.yamlsrc import (
    BankError,
    BankIssue,
    child,
    parse_yaml,
    read_text,
    validation_issues,
)


class GoldenAnswer(BaseModel):
    """One human-graded answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: Annotated[str, Field(strict=True, min_length=1)]
    lang: Literal["en", "zh", "mixed"]
    text: Annotated[str, Field(strict=True)]
    score: Annotated[float, Field(strict=True, ge=0, le=10)]


class _GoldenFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    answers: tuple[GoldenAnswer, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement over `n` answers; `spearman` is NaN when undefined (n < 2 or no spread)."""

    n: int
    spearman: float
    mae: float


@dataclass(frozen=True, slots=True)
class GoldenResult:
    """One golden answer with the human grade and the scorer's grade."""

    slug: str
    lang: str
    text: str
    human: float
    predicted: float


@dataclass(frozen=True, slots=True)
class GoldenReport:
    """Agreement overall, per question slug and per golden language."""

    overall: Agreement
    per_question: dict[str, Agreement]
    per_lang: dict[str, Agreement]
    results: tuple[GoldenResult, ...]


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks; tied values share the average of their ranks."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (Pearson correlation of average ranks); NaN if undefined."""
    if len(x) != len(y):
        raise ValueError("spearman needs two sequences of the same length")
    if len(x) < 2:
        return math.nan
    rx, ry = _ranks(x), _ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / math.sqrt(vx * vy) if vx and vy else math.nan


def agreement(human: Sequence[float], predicted: Sequence[float]) -> Agreement:
    """Spearman and mean absolute error of two aligned grade lists."""
    n = len(human)
    mae = sum(abs(h - p) for h, p in zip(human, predicted, strict=True)) / n if n else math.nan
    return Agreement(n, spearman(human, predicted), mae)


def load_golden(path: Path, bank: QuestionBank) -> tuple[GoldenAnswer, ...]:
    """Load and check a golden file against `bank`; raise BankError with line numbers."""
    doc = parse_yaml(path, read_text(path))
    if not isinstance(doc.node, yaml.MappingNode):
        raise BankError([BankIssue(path, 1, "expected a mapping with an 'answers' list")])
    try:
        answers = _GoldenFile.model_validate(doc.data).answers
    except ValidationError as exc:
        raise BankError(validation_issues(path, doc.node, exc)) from None
    items = child(doc.node, "answers").value
    issues = []
    for answer, node in zip(answers, items, strict=True):
        question = bank.get(answer.slug)
        line = node.start_mark.line + 1
        if question is None:
            issues.append(BankIssue(path, line, f"unknown question slug {answer.slug!r}"))
        elif question.type != "short":
            issues.append(BankIssue(path, line, f"{answer.slug!r} is not a short question"))
    if issues:
        raise BankError(issues)
    return answers


def evaluate_golden(bank: QuestionBank, path: Path) -> GoldenReport:
    """Score every golden answer and measure agreement with the human grades."""
    results = tuple(
        GoldenResult(
            a.slug,
            a.lang,
            a.text,
            a.score,
            score(bank[a.slug], a.text, None if a.lang == "mixed" else a.lang).score,
        )
        for a in load_golden(path, bank)
    )
    by_slug: dict[str, list[GoldenResult]] = defaultdict(list)
    by_lang: dict[str, list[GoldenResult]] = defaultdict(list)
    for result in results:
        by_slug[result.slug].append(result)
        by_lang[result.lang].append(result)
    return GoldenReport(
        overall=_agree(results),
        per_question={slug: _agree(group) for slug, group in by_slug.items()},
        per_lang={lang: _agree(group) for lang, group in sorted(by_lang.items())},
        results=results,
    )


def _agree(results: Sequence[GoldenResult]) -> Agreement:
    return agreement([r.human for r in results], [r.predicted for r in results])
