"""Rubric scoring of answers: pure functions, no I/O.

How a short answer is scored (`score`):

1. Input checks. Blank or punctuation only → 0, reason ``"empty"``. Fewer than `MIN_UNITS`
   meaningful units (a content word, or two CJK characters) or `MIN_CHARS` characters → 0,
   ``"too_short"``.
2. Repetition. Units are content-word stems and CJK characters. With at least 8 units and
   fewer than `MIN_VARIETY` x sqrt(units) distinct ones (Guiraud's index, which unlike the
   plain type/token ratio does not fall as honest answers grow longer) the answer is a few
   terms said over and over → 0, ``"repetitive"``.
3. Copied prompt. Sentences made of prompt vocabulary (at least `COPY_SHARE` of their
   units) that together restate most of the prompt in one language (`PROMPT_SHARE` of its
   distinct units) earn nothing; a sentence merely reusing the prompt's terms ("batch
   normalization normalizes ...") still counts. If nothing meaningful is left → 0,
   ``"copied_question"``.
4. Key points. A point is covered when one of its aliases matches within one sentence.
   English: both sides are stemmed lightly; each alias token must match an answer token
   exactly, as a prefix form (generat/generation) or within a small edit distance
   (typos), all within a few tokens of each other, in any order ("augmenting the data"
   covers "data augmentation"). Chinese: the alias appears as a
   substring, or with up to two characters inserted between its characters (数据的增强).
   Code-switched answers are matched both ways. Details in `bot.questions.matching`.
5. Keyword dumps. A point earns its full weight only if some sentence that matches it is
   more than a bare list. A sentence matching 2+ points is *bare* when it is a list (3+
   fragments split at commas, semicolons, 、, "and", 和 ..., at least 80 % of them bare
   terms: at most two units and no function word) or when it matches 3+ points in a run of
   English terms without a single function word ("dropout weight decay early stopping").
   Consecutive sentences that are each a single bare term (a list written one per line)
   are bare too. Points matched only in bare sentences earn `BARE_CREDIT` of their weight;
   when that concerns at least two points and half the covered ones, reason is
   ``"keyword_dump"``. Pasting other questions' buzzwords too does not help: they are bare
   fragments of the same list. The rule is per sentence, so padding a dump with unrelated
   prose cannot lift it, while an enumeration inside explanatory prose ("Build the
   confusion matrix, then compute accuracy, precision and recall") is not a dump.

Score = 10 × credited weight / total weight, rounded to one decimal; `reason` is set
whenever one of the rules above decided or limited the score, else None.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import accumulate

from bot.questions.analysis import (
    Answer,
    Lang,
    detect_lang,
    is_bare,
    is_bare_term,
    text_size,
    text_units,
)
from bot.questions.matching import (
    SEPARATOR,
    EnAlias,
    Vocabulary,
    ZhAlias,
    compile_alias,
    match_en,
    match_zh,
)
from bot.questions.normalize import tokenize
from bot.questions.schema import KeyPoint, Question

__all__ = [
    "Feedback",
    "Lang",
    "PointResult",
    "Rubric",
    "detect_lang",
    "rubric_for",
    "score",
    "score_choice",
]

MIN_UNITS = 2
MIN_CHARS = 6
MIN_VARIETY = 2.0
COPY_SHARE = 0.8
PROMPT_SHARE = 0.6
BARE_CREDIT = 0.25


@dataclass(frozen=True, slots=True)
class PointResult:
    """Coverage of one key point; `evidence` is the answer's own sentence that earned it."""

    id: str
    label: str
    weight: int
    covered: bool
    evidence: str | None


@dataclass(frozen=True, slots=True)
class Feedback:
    """A graded answer: `score` in 0..10, per-point results, and a machine `reason` key."""

    score: float
    points: tuple[PointResult, ...]
    reason: str | None = None
    lang: Lang = "en"


@dataclass(frozen=True, slots=True)
class _Point:
    key: KeyPoint
    en: tuple[EnAlias, ...]
    zh: tuple[ZhAlias, ...]
    en_label: str
    zh_label: str


class Rubric:
    """A short question's key points compiled for fast matching: build once, score many."""

    def __init__(self, question: Question) -> None:
        if question.type != "short" or not question.key_points:
            raise ValueError(f"{question.slug}: only short questions have a rubric")
        self.question = question
        self._vocabulary = Vocabulary()
        self._points = tuple(self._compile(point) for point in question.key_points)
        # aliases indexed for cheap candidate lookup: English by first word id, Chinese by
        # first character
        self._en: dict[int, list[tuple[int, EnAlias]]] = {}
        self._zh: dict[str, list[tuple[int, ZhAlias]]] = {}
        for i, point in enumerate(self._points):
            for alias in point.en:
                self._en.setdefault(alias.ids[0], []).append((i, alias))
            for zh_alias in point.zh:
                self._zh.setdefault(zh_alias.text[0], []).append((i, zh_alias))
        self._zh_firsts = tuple(self._zh)
        self._total = sum(point.weight for point in question.key_points)
        self._prompts = tuple(
            frozenset(text_units(tokenize(text)))
            for text in (question.prompt.en, question.prompt.zh)
        )

    def _compile(self, point: KeyPoint) -> _Point:
        en: dict[tuple[int, ...], EnAlias] = {}
        zh: dict[str, ZhAlias] = {}
        for alias in (*point.aliases.en, *point.aliases.zh):
            for item in compile_alias(alias, self._vocabulary):
                if isinstance(item, ZhAlias):
                    zh.setdefault(item.text, item)
                else:
                    en.setdefault(tuple(sorted(item.ids)), item)
        return _Point(point, tuple(en.values()), tuple(zh.values()), point.label.en, point.label.zh)

    def score(self, text: str, lang: Lang | None = None) -> Feedback:
        """Grade `text` against this rubric (see the module docstring for the rules)."""
        answer = Answer(text)
        lang = lang or answer.lang
        if not answer.tokens:  # blank, or punctuation only
            return self._zero("empty", lang)
        if answer.size < MIN_UNITS or answer.length < MIN_CHARS:
            return self._zero("too_short", lang)
        copied = self._copied(answer)
        if copied and answer.size - sum(text_size(answer.lines[i]) for i in copied) < MIN_UNITS:
            return self._zero("copied_question", lang)
        units = answer.units
        if units >= 8 and len(answer.distinct) < MIN_VARIETY * math.sqrt(units):
            return self._zero("repetitive", lang)
        return self._grade(answer, copied, lang)

    def _copied(self, answer: Answer) -> set[int]:
        """Sentences that together paste (most of) the prompt in one language."""
        copied: set[int] = set()
        for prompt in self._prompts:
            if len(prompt & answer.distinct) < PROMPT_SHARE * len(prompt):
                continue  # the whole answer does not restate this prompt
            found: set[str] = set()
            candidates = []
            for index, line in enumerate(answer.lines):
                units = text_units(line)
                inside = sum(map(prompt.__contains__, units))
                if len(units) >= 2 and inside >= COPY_SHARE * len(units):
                    candidates.append(index)
                    found.update(units)
            if len(found & prompt) >= PROMPT_SHARE * len(prompt):
                copied.update(candidates)
        return copied

    def _grade(self, answer: Answer, copied: Collection[int], lang: Lang) -> Feedback:
        sentence_of = answer.sentence_of
        tokens = answer.tokens
        get, matches = self._vocabulary.memo.get, self._vocabulary.matches
        found = [get(t) if t < "\u3400" else () for t in tokens]  # None: not memoized yet
        positions: dict[int, list[int]] = {}
        for pos, ids in enumerate(found):
            if ids is None:
                ids = matches(tokens[pos])
            if ids and not (copied and sentence_of[pos] in copied):
                for vid in ids:
                    positions.setdefault(vid, []).append(pos)

        hits: list[set[int]] = [set() for _ in self._points]
        for vid in positions:
            for index, alias in self._en.get(vid, ()):
                hits[index].update(match_en(alias, positions, sentence_of))
        if answer.cjk:
            self._match_chinese(answer, copied, hits)

        terms: dict[int, int] = {}  # sentence → number of points it matches
        for point_hits in hits:
            for where in point_hits:
                terms[where] = terms.get(where, 0) + 1
        lines = answer.lines
        bare = {
            i
            for i, matched in terms.items()
            if matched >= 2 and is_bare(answer.sentences[i], lines[i], matched)
        }
        # consecutive sentences that are each one bare term: a list written line by line
        alone = {i for i in terms if len(lines[i]) <= 2 and is_bare_term(lines[i])}
        bare.update(i for i in alone if i - 1 in alone or i + 1 in alone)
        return self._feedback(answer.sentences, hits, bare, lang)

    def _match_chinese(
        self, answer: Answer, copied: Collection[int], hits: Sequence[set[int]]
    ) -> None:
        """Add the sentences where each point's Chinese aliases match to `hits`."""
        parts = ["" if i in copied else "".join(line) for i, line in enumerate(answer.lines)]
        joined = SEPARATOR.join(parts)
        starts = list(accumulate((len(part) + 1 for part in parts[:-1]), initial=0))
        for index, alias in (
            pair for first in self._zh_firsts if first in joined for pair in self._zh[first]
        ):
            hits[index].update(
                bisect.bisect_right(starts, start) - 1 for start in match_zh(alias, joined)
            )

    def _feedback(
        self,
        sentences: Sequence[str],
        hits: Sequence[Collection[int]],
        bare: Collection[int],
        lang: Lang,
    ) -> Feedback:
        credited = 0.0
        covered = bare_only = 0
        results = []
        for point, point_hits in zip(self._points, hits, strict=True):
            key = point.key
            evidence = None
            if point_hits:
                covered += 1
                explained = [i for i in point_hits if i not in bare] if bare else point_hits
                if explained:
                    credited += key.weight
                    evidence = sentences[min(explained)]
                else:
                    bare_only += 1
                    credited += key.weight * BARE_CREDIT
                    evidence = sentences[min(point_hits)]
            label = point.zh_label if lang == "zh" else point.en_label
            results.append(PointResult(key.id, label, key.weight, bool(point_hits), evidence))
        dump = bare_only >= 2 and 2 * bare_only >= covered
        return Feedback(
            round(10 * credited / self._total, 1),
            tuple(results),
            "keyword_dump" if dump else None,
            lang,
        )

    def _zero(self, reason: str, lang: Lang) -> Feedback:
        points = tuple(
            PointResult(
                p.key.id, p.zh_label if lang == "zh" else p.en_label, p.key.weight, False, None
            )
            for p in self._points
        )
        return Feedback(0.0, points, reason, lang)


_RUBRICS: dict[str, tuple[Question, Rubric]] = {}


def rubric_for(question: Question) -> Rubric:
    """The compiled rubric of a short question, cached by slug (rebuilt if the object changes)."""
    cached = _RUBRICS.get(question.slug)
    if cached is None or cached[0] is not question:
        cached = (question, Rubric(question))
        _RUBRICS[question.slug] = cached
    return cached[1]


def score(question: Question, text: str, lang: Lang | None = None) -> Feedback:
    """Grade a free-text answer to a short question; `lang` picks label language (auto)."""
    return rubric_for(question).score(text, lang)


def score_choice(question: Question, selected: Collection[str], lang: Lang = "en") -> Feedback:
    """Grade a choice answer: 10 for exactly the correct set, else 0.

    Multi-answer questions give partial credit, 10 x (right picks - wrong picks) / correct
    options, floored at 0, so selecting every option earns nothing. `points` has one entry
    per option: `covered` means selected, `weight` is 1 for a correct option and 0 otherwise.
    Unknown ids raise ValueError (the caller builds the selection from the options).
    """
    if question.type != "choice" or not question.options or not question.correct:
        raise ValueError(f"{question.slug}: not a choice question")
    picked = set(selected)
    unknown = picked - {option.id for option in question.options}
    if unknown:
        raise ValueError(f"{question.slug}: unknown option(s) {', '.join(sorted(unknown))}")
    correct = set(question.correct)
    points = tuple(
        PointResult(o.id, o.text(lang), int(o.id in correct), o.id in picked, None)
        for o in question.options
    )
    if not picked:
        return Feedback(0.0, points, "empty", lang)
    if len(correct) == 1:
        return Feedback(10.0 if picked == correct else 0.0, points, None, lang)
    right, wrong = len(picked & correct), len(picked - correct)
    return Feedback(round(10 * max(0, right - wrong) / len(correct), 1), points, None, lang)
