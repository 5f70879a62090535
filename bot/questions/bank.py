"""The question bank: all-or-nothing loader, cross-file checks, lookups.

Files are `data/questions/*.yaml`, each `{questions: [...]}`. Every problem found is
reported with its file and line (taken from the YAML node marks); loading raises
`BankError` if there is any, so a bank is either fully valid or not loaded at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError
from rapidfuzz import fuzz, process

from bot.questions.normalize import normalize
from bot.questions.schema import ChoiceOption, KeyPoint, Localized, Question
from bot.questions.similar import similar_pairs
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
    "MAX_BANK_QUESTIONS",
    "MAX_FILE_BYTES",
    "BankError",
    "BankIssue",
    "BankLimitError",
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
# Pairs are found by bot.questions.similar (candidates from MinHash buckets, each scored
# with the same ratio and cutoff), not by scoring all n² pairs.
NEAR_DUPLICATE_EN = 90.0
NEAR_DUPLICATE_ZH = 90.0

# What `questions validate` / `import` and the bot accept: a question file of at most 16 MB
# (the seed bank's files are ~65 kB for 7 questions) and a bank of at most 20,000 questions.
# Beyond either, loading stops at once with one line saying which limit and what to do.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_BANK_QUESTIONS = 20_000


class BankLimitError(BankError):
    """The input is over a size limit: one issue, and nothing else was checked."""

    def __init__(self, file: Path, message: str) -> None:
        super().__init__([BankIssue(file, None, message)])


def check_file_size(file: Path, size: int) -> None:
    """BankLimitError when a question file of ``size`` bytes is over ``MAX_FILE_BYTES``."""
    if size > MAX_FILE_BYTES:
        raise BankLimitError(
            file,
            f"the file is {size / 2**20:.1f} MB, over the limit of "
            f"{MAX_FILE_BYTES // 2**20} MB for a question file; split it into smaller files",
        )


class _Budget:
    """Questions still allowed in the bank being built."""

    def __init__(self) -> None:
        self.left = MAX_BANK_QUESTIONS

    def take(self, file: Path, count: int) -> None:
        if count > self.left:
            raise BankLimitError(
                file,
                f"too many questions: this file brings the bank over the limit of "
                f"{MAX_BANK_QUESTIONS:,} questions; split the bank or remove questions",
            )
        self.left -= count


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
    for file in files:
        with contextlib.suppress(OSError):  # read_text reports an unreadable file
            check_file_size(file, file.stat().st_size)
    return build_bank([(file, read_text(file)) for file in files])


def build_bank(sources: Sequence[tuple[Path, str]]) -> QuestionBank:
    """Validate (file, YAML text) pairs together; raise BankError listing every issue.

    Over a limit (file size, question count) it raises BankLimitError at once.
    """
    issues: list[BankIssue] = []
    questions: list[tuple[Question, Source]] = []
    budget = _Budget()
    for file, text in sources:
        check_file_size(file, len(text) if text.isascii() else len(text.encode("utf-8")))
        try:
            questions.extend(_parse_file(file, text, budget))
        except BankLimitError:
            raise
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


def _parse_file(file: Path, text: str, budget: _Budget) -> list[tuple[Question, Source]]:
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
    budget.take(file, len(items))
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


def sorted_tokens(text: str) -> str:
    """What ``fuzz.token_sort_ratio`` compares: the whitespace-separated tokens, sorted."""
    return " ".join(sorted(text.split()))


def near_duplicate_pairs(
    questions: Sequence[Question],
) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """Index pairs ``(i, j)``, ``i < j``, of near-duplicate en and zh prompts, with scores.

    The pairs and scores that ``process.cdist`` over all pairs gives with ``token_sort_ratio``
    (en) and ``ratio`` (zh) at the cutoffs above, found from candidates instead of n² scores
    (bot.questions.similar says how, and how unlikely a miss is).
    """
    en = [sorted_tokens(normalize(q.prompt.en)) for q in questions]
    zh = [normalize(q.prompt.zh).replace(" ", "") for q in questions]
    return (
        similar_pairs(en, NEAR_DUPLICATE_EN, q=3, short=40),
        similar_pairs(zh, NEAR_DUPLICATE_ZH, q=2, short=12),
    )


def _near_duplicates(questions: Sequence[tuple[Question, Source]]) -> list[BankIssue]:
    """Pairs of questions whose en or zh prompts are near-identical after normalization."""
    if len(questions) < 2:
        return []
    en_pairs, zh_pairs = near_duplicate_pairs([question for question, _ in questions])
    issues = []
    for i, j in sorted(en_pairs.keys() | zh_pairs.keys()):
        if questions[i][0].slug != questions[j][0].slug:
            en_score, zh_score = en_pairs.get((i, j), 0.0), zh_pairs.get((i, j), 0.0)
            lang = "en" if en_score else "zh"
            (first, first_src), (second, second_src) = questions[i], questions[j]
            score = max(en_score, zh_score)
            issues.append(
                BankIssue(
                    second_src.file,
                    second_src.line,
                    f"near-duplicate {lang} prompt: {second.slug!r} vs {first.slug!r} "
                    f"({first_src.file}:{first_src.line}, similarity {score:.0f})",
                )
            )
    return issues
