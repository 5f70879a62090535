"""The question bank: all-or-nothing loader, cross-file checks, lookups.

Files are `data/questions/*.yaml`, each `{questions: [...]}`. Every problem found is
reported with its file and line (taken from the YAML node marks); loading raises
`BankError` if there is any, so a bank is either fully valid or not loaded at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import ValidationError
from rapidfuzz import fuzz, process

from bot.questions.normalize import normalize
from bot.questions.schema import ChoiceOption, KeyPoint, Localized, Question
from bot.questions.yamlsrc import (
    BankError,
    BankIssue,
    child,
    line_of,
    parse_yaml,
    read_text,
    validation_issues,
)

__all__ = [
    "DEFAULT_BANK_PATH",
    "BankError",
    "BankIssue",
    "ChoiceOption",
    "KeyPoint",
    "Localized",
    "Question",
    "QuestionBank",
    "bank_files",
    "build_bank",
    "load_bank",
]

DEFAULT_BANK_PATH = Path(__file__).resolve().parents[2] / "data" / "questions"
BANK_SUFFIXES = (".yaml", ".yml")

# Near-duplicate prompts. English: token_sort_ratio on normalized prompts (case, punctuation
# and word order do not matter, but a prompt that merely contains a shorter one does not
# match, unlike token_set_ratio, which scores "Explain dropout." vs "Explain dropout in
# CNNs." 100). Chinese: ratio on normalized prompts without spaces. Rewordings of one
# question score 90-100 (tests/questions/test_bank.py); the most similar distinct prompts
# of the seed bank score 63 (en) and 53 (zh) when measured, so 90 leaves room both ways.
NEAR_DUPLICATE_EN = 90.0
NEAR_DUPLICATE_ZH = 90.0


@dataclass(frozen=True, slots=True)
class Source:
    """Where a question was defined."""

    file: Path
    line: int


class QuestionBank:
    """A validated, immutable set of questions with lookups by slug, topic, difficulty, type."""

    def __init__(
        self, questions: Iterable[Question], sources: dict[str, Source] | None = None
    ) -> None:
        self._by_slug: dict[str, Question] = {}
        for question in questions:
            if question.slug in self._by_slug:
                raise ValueError(f"duplicate slug {question.slug!r}")
            self._by_slug[question.slug] = question
        self._sources = dict(sources or {})

    def __len__(self) -> int:
        return len(self._by_slug)

    def __iter__(self) -> Iterator[Question]:
        return iter(self._by_slug.values())

    def __contains__(self, slug: object) -> bool:
        return slug in self._by_slug

    def __getitem__(self, slug: str) -> Question:
        return self._by_slug[slug]

    def get(self, slug: str) -> Question | None:
        """The question with `slug`, or None."""
        return self._by_slug.get(slug)

    @property
    def slugs(self) -> tuple[str, ...]:
        """All slugs, in file order."""
        return tuple(self._by_slug)

    def source(self, slug: str) -> Source | None:
        """File and line where `slug` is defined (None for banks built in memory)."""
        return self._sources.get(slug)

    def filter(
        self,
        *,
        topic: str | None = None,
        difficulty: int | None = None,
        type: Literal["short", "choice"] | None = None,
    ) -> tuple[Question, ...]:
        """Questions matching every given criterion, in file order."""
        return tuple(
            q
            for q in self._by_slug.values()
            if (topic is None or q.topic == topic)
            and (difficulty is None or q.difficulty == difficulty)
            and (type is None or q.type == type)
        )

    def closest(self, slug: str, limit: int = 3) -> list[str]:
        """Existing slugs that look like `slug` (for "did you mean" messages)."""
        found = process.extract(slug, self.slugs, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
        return [match for match, _score, _index in found]


def bank_files(path: Path) -> list[Path]:
    """The question files of a bank directory (sorted), or `[path]` for a single file."""
    if path.is_dir():
        return sorted(
            p
            for p in path.iterdir()
            if p.suffix in BANK_SUFFIXES and p.is_file() and not p.name.startswith(".")
        )
    return [path]


def load_bank(path: Path = DEFAULT_BANK_PATH) -> QuestionBank:
    """Load and validate a bank file or directory; raise BankError listing every issue."""
    if not path.exists():
        raise BankError([BankIssue(path, None, "no such file or directory")])
    files = bank_files(path)
    if not files:
        raise BankError([BankIssue(path, None, "no question files (*.yaml) found")])
    return build_bank([(file, read_text(file)) for file in files])


def build_bank(sources: Sequence[tuple[Path, str]]) -> QuestionBank:
    """Validate (file, YAML text) pairs together; raise BankError listing every issue."""
    issues: list[BankIssue] = []
    questions: list[tuple[Question, Source]] = []
    for file, text in sources:
        try:
            questions.extend(_parse_file(file, text))
        except BankError as exc:
            issues.extend(exc.issues)
    issues.extend(_duplicate_slugs(questions))
    issues.extend(_near_duplicates(questions))
    if issues:
        raise BankError(issues)
    return QuestionBank(
        (question for question, _ in questions),
        {question.slug: source for question, source in questions},
    )


def _parse_file(file: Path, text: str) -> list[tuple[Question, Source]]:
    doc = parse_yaml(file, text)
    root = doc.node
    if not isinstance(root, yaml.MappingNode) or not isinstance(doc.data, dict):
        raise BankError([BankIssue(file, 1, "expected a mapping with a 'questions' list")])
    issues = [
        BankIssue(file, line_of(root, [key]), f"unknown top-level key {key!r}")
        for key in doc.data
        if key != "questions"
    ]
    items = doc.data.get("questions")
    if not isinstance(items, list) or not items:
        line = line_of(root, ["questions"])
        issues.append(BankIssue(file, line, "'questions' must be a non-empty list"))
        raise BankError(issues)
    seq = child(root, "questions")
    found: list[tuple[Question, Source]] = []
    for index, item in enumerate(items):
        node = seq.value[index]
        try:
            question = Question.model_validate(item)
        except ValidationError as exc:
            slug = item.get("slug") if isinstance(item, dict) else None
            prefix = slug if isinstance(slug, str) else f"questions[{index}]"
            issues.extend(validation_issues(file, node, exc, prefix))
            continue
        found.append((question, Source(file, node.start_mark.line + 1)))
    if issues:
        raise BankError(issues)
    return found


def _duplicate_slugs(questions: Sequence[tuple[Question, Source]]) -> list[BankIssue]:
    first: dict[str, Source] = {}
    issues = []
    for question, source in questions:
        seen = first.setdefault(question.slug, source)
        if seen is not source:
            issues.append(
                BankIssue(
                    source.file,
                    source.line,
                    f"duplicate slug {question.slug!r} (first defined at {seen.file}:{seen.line})",
                )
            )
    return issues


def _near_duplicates(questions: Sequence[tuple[Question, Source]]) -> list[BankIssue]:
    """Pairs of questions whose en or zh prompts are near-identical after normalization."""
    if len(questions) < 2:
        return []
    en = [normalize(q.prompt.en) for q, _ in questions]
    zh = [normalize(q.prompt.zh).replace(" ", "") for q, _ in questions]
    en_scores = process.cdist(en, en, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE_EN)
    zh_scores = process.cdist(zh, zh, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_ZH)
    issues = []
    for i, j in np.argwhere(np.triu((en_scores > 0) | (zh_scores > 0), k=1)):
        if questions[i][0].slug != questions[j][0].slug:
            lang = "en" if en_scores[i, j] else "zh"
            (first, first_src), (second, second_src) = questions[i], questions[j]
            score = max(en_scores[i, j], zh_scores[i, j])
            issues.append(
                BankIssue(
                    second_src.file,
                    second_src.line,
                    f"near-duplicate {lang} prompt: {second.slug!r} vs {first.slug!r} "
                    f"({first_src.file}:{first_src.line}, similarity {score:.0f})",
                )
            )
    return issues
