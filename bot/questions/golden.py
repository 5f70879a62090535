"""Grader regression harness: how well `score` agrees with human grades on golden files.

Golden file: ``{answers: [{slug, lang: en|zh|mixed, case, grade: 0..3, text, score: 0..10}]}``
(`case` defaults to ``ordinary``; `grade` defaults to the band of `score`: ≥ 8.5 → 3,
≥ 5 → 2, > 1.5 → 1, else 0). Agreement is Spearman rank correlation (average ranks for
ties), mean absolute error and the two kinds of gross error — complete answers (grade 3)
scored under 7, worthless ones (grade 0) scored over 2 — overall, per case, per question
and per language.
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

Case = Literal[
    "ordinary",
    "paraphrase",
    "false_claim",
    "negation",
    "short_expert",
    "rambling",
    "off_topic",
    "keyword_list",
]
COMPLETE_FLOOR = 7.0  # a grade-3 answer scored below this is a gross miss
WORTHLESS_CEILING = 2.0  # a grade-0 answer scored above this is a gross miss


class GoldenAnswer(BaseModel):
    """One human-graded answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: Annotated[str, Field(strict=True, min_length=1)]
    lang: Literal["en", "zh", "mixed"]
    case: Case = "ordinary"
    grade: Annotated[int, Field(strict=True, ge=0, le=3)] | None = None
    text: Annotated[str, Field(strict=True)]
    score: Annotated[float, Field(strict=True, ge=0, le=10)]

    @property
    def band(self) -> int:
        """The human grade 0..3 (given, or the band of the score)."""
        if self.grade is not None:
            return self.grade
        return 3 if self.score >= 8.5 else 2 if self.score >= 5 else 1 if self.score > 1.5 else 0


class _GoldenFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    answers: tuple[GoldenAnswer, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement over `n` answers; `spearman` is NaN when undefined (n < 2 or no spread).

    `complete_low` counts grade-3 answers scored under `COMPLETE_FLOOR` (out of
    `complete`), `worthless_high` grade-0 answers over `WORTHLESS_CEILING` (of `worthless`).
    """

    n: int
    spearman: float
    mae: float
    complete: int = 0
    complete_low: int = 0
    worthless: int = 0
    worthless_high: int = 0


@dataclass(frozen=True, slots=True)
class GoldenResult:
    """One golden answer with the human grade and score and the scorer's score."""

    slug: str
    lang: str
    case: str
    grade: int
    text: str
    human: float
    predicted: float


@dataclass(frozen=True, slots=True)
class GoldenReport:
    """Agreement overall, per case, per question slug and per golden language."""

    overall: Agreement
    per_case: dict[str, Agreement]
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


def agreement(
    human: Sequence[float], predicted: Sequence[float], grades: Sequence[int] | None = None
) -> Agreement:
    """Spearman, mean absolute error and gross misses (with `grades`) of aligned lists."""
    n = len(human)
    mae = sum(abs(h - p) for h, p in zip(human, predicted, strict=True)) / n if n else math.nan
    pairs = list(zip(grades or (), predicted, strict=False))
    return Agreement(
        n,
        spearman(human, predicted),
        mae,
        complete=sum(grade == 3 for grade, _ in pairs),
        complete_low=sum(grade == 3 and p < COMPLETE_FLOOR for grade, p in pairs),
        worthless=sum(grade == 0 for grade, _ in pairs),
        worthless_high=sum(grade == 0 and p > WORTHLESS_CEILING for grade, p in pairs),
    )


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


def evaluate_golden(
    bank: QuestionBank, paths: Path | Sequence[Path], *, semantic: bool = True
) -> GoldenReport:
    """Score every golden answer of one or more files and measure agreement with the humans.

    `semantic=False` grades lexically only, for a side-by-side comparison.
    """
    answers = [
        a
        for path in ([paths] if isinstance(paths, Path) else paths)
        for a in load_golden(path, bank)
    ]
    results = tuple(
        GoldenResult(
            a.slug,
            a.lang,
            a.case,
            a.band,
            a.text,
            a.score,
            score(
                bank[a.slug], a.text, None if a.lang == "mixed" else a.lang, semantic=semantic
            ).score,
        )
        for a in answers
    )
    return GoldenReport(
        overall=_agree(results),
        per_case=_grouped(results, "case"),
        per_question=_grouped(results, "slug"),
        per_lang=_grouped(results, "lang"),
        results=results,
    )


def _grouped(results: Sequence[GoldenResult], attribute: str) -> dict[str, Agreement]:
    groups: dict[str, list[GoldenResult]] = defaultdict(list)
    for result in results:
        groups[getattr(result, attribute)].append(result)
    return {key: _agree(group) for key, group in sorted(groups.items())}


def _agree(results: Sequence[GoldenResult]) -> Agreement:
    return agreement(
        [r.human for r in results], [r.predicted for r in results], [r.grade for r in results]
    )
