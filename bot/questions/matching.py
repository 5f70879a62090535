"""Alias matching primitives for the scorer (pure, no I/O).

English aliases become tuples of word ids in a per-rubric `Vocabulary`; an answer word
matches a vocabulary word when their light stems are equal, one is a short extension of the
other (generat / generation) or they are a typo apart. Chinese aliases match by characters:
as a substring, or with all their characters in order within a short window, up to two
characters inserted between neighbours (数据的增强, 进行权重衰减). There is no substitution
tolerance: in Chinese one different character is another term (增加训练数据 vs 增加训练轮数,
批归一化 vs 层归一化).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.questions.normalize import is_cjk, stem, tokenize
from bot.questions.polarity import en_cues, has_cue

_ALIAS_FILLER = frozenset(
    {"a", "an", "the", "of", "to", "for", "in", "on", "with", "by", "is", "are"}
)
_PATTERN_FILLER = frozenset({"a", "an", "the"})
_MEMO_LIMIT = 10_000  # words remembered per rubric; cleared when full
SEPARATOR = "|"  # joins sentences in the string Chinese aliases are searched in
PATTERN_GAP = 3  # at most this many tokens between two words of a misconception pattern


def similar_stems(word: str, known: str, *, extend: bool = True) -> bool:
    """Whether an answer word (usually a stem) counts as a known alias word.

    Equal; or, with `extend`, the answer word extends the alias word (5+ letters) by at most
    3 letters (optimiz/optimizer, generat/generation) — never the reverse, so "image" is not
    "imagenet", "under" not "underfit", "optimize" not "optimizer"; or a typo apart: optimal
    string alignment distance 1 for 7+ letters, 2 for 9+, always with the same first letter
    (dropuot/dropout, but not replace/replay, though/thought, conditional/unconditional).
    """
    if word == known:
        return True
    n = min(len(word), len(known))
    if n < 5:
        return False
    if extend and word.startswith(known) and len(word) - len(known) <= 3:
        return True
    limit = 2 if n >= 9 else 1 if n >= 7 else 0
    if not limit or abs(len(word) - len(known)) > limit or word[0] != known[0]:
        return False
    return OSA.distance(word, known, score_cutoff=limit) <= limit


class Vocabulary:
    """The English alias words of one rubric, and a memo of answer word → matching ids.

    Words are compared by stem, and also as written: a typo can make stemming diverge
    ("learing" stems to "lear", "learning" to "learn") while the spellings are one edit apart.
    """

    def __init__(self) -> None:
        self._stems: dict[str, int] = {}
        self._words: dict[str, int] = {}
        self._whole: set[int] = set()  # ids that only match whole (joined compounds)
        self._memo: dict[str, tuple[int, ...]] = {}

    def add(self, word: str, *, whole: bool = False) -> int:
        """Id of an alias word (a folded token); words with the same stem share an id.

        A `whole` word (the joined form of a compound, "batchsize") is not extended by
        prefix: "batch" alone must not match it.
        """
        self._memo.clear()
        root = stem(word)
        new = root not in self._stems
        vid = self._stems.setdefault(root, len(self._stems))
        self._words.setdefault(word, vid)
        if whole and new:
            self._whole.add(vid)
        elif not whole:
            self._whole.discard(vid)
        return vid

    def matches(self, word: str) -> tuple[int, ...]:
        """Ids of the vocabulary words that an answer word (a folded token) matches."""
        ids = self._memo.get(word)
        if ids is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            root, whole = stem(word), self._whole
            found = {
                i
                for known, i in self._stems.items()
                if similar_stems(root, known, extend=i not in whole)
            }
            found.update(
                i
                for known, i in self._words.items()
                if similar_stems(word, known, extend=i not in whole)
            )
            ids = tuple(sorted(found))
            self._memo[word] = ids
        return ids

    @property
    def memo(self) -> dict[str, tuple[int, ...]]:
        """The memo itself, for hot loops that try `memo.get` before `matches`."""
        return self._memo


@dataclass(frozen=True, slots=True)
class EnAlias:
    """An English alias: every word id must match within `reach` tokens, in one sentence.

    A `negative` alias says a negation itself ("no weight updates", "training-free" written
    "without training"): the cue is part of the match, so no negation check applies.
    """

    ids: tuple[int, ...]
    reach: int
    negative: bool = False


@dataclass(frozen=True, slots=True)
class ZhAlias:
    """A Chinese (or mixed-script) alias, folded, without spaces."""

    text: str
    chars: frozenset[str]
    gapped: re.Pattern[str] | None  # the characters in order, up to two inserted between


def compile_alias(alias: str, vocabulary: Vocabulary) -> list[EnAlias | ZhAlias]:
    """Compile one alias (Chinese if it has CJK characters, else English).

    A multi-word English alias also yields its joined form ("fine tuning" → "finetuning"),
    so that compound spellings match too.
    """
    tokens = tokenize(alias)
    if not tokens:
        return []
    if any(is_cjk(token) for token in tokens):
        text = "".join(tokens)
        gap = f"[^{re.escape(SEPARATOR)}]{{0,2}}?"
        gapped = re.compile(gap.join(map(re.escape, text))) if len(text) >= 3 else None
        return [ZhAlias(text, frozenset(text), gapped)]
    # fillers are dropped from longer aliases only: "is metric" must not become "metric"
    words = [t for t in tokens if t not in _ALIAS_FILLER] if len(tokens) > 2 else tokens
    words = words or tokens
    ids = tuple(dict.fromkeys(vocabulary.add(word) for word in words))
    compiled: list[EnAlias | ZhAlias] = [EnAlias(ids, len(tokens) + 2, bool(en_cues(tokens)))]
    joined = "".join(words)
    if len(words) > 1 and len(joined) >= 6:
        compiled.append(EnAlias((vocabulary.add(joined, whole=True),), 0))
    return compiled


def match_en(
    alias: EnAlias, positions: dict[int, list[int]], sentence_of: Sequence[int]
) -> list[tuple[int, int]]:
    """Token spans (first, last) where every alias word has a match close by, one sentence.

    `positions` maps a word id to the answer token positions matching it; one span per
    position of the alias's first word, using the nearest match of each other word.
    """
    lists = [positions.get(vid) for vid in alias.ids]
    if not all(lists):
        return []
    first, *rest = lists
    spans = []
    for p in first or ():
        where = sentence_of[p]
        low = high = p
        for qs in rest:
            near = [
                q
                for q in qs or ()
                if q != p and abs(q - p) <= alias.reach and sentence_of[q] == where
            ]
            if not near:
                break
            q = min(near, key=lambda q: abs(q - p))
            low, high = min(low, q), max(high, q)
        else:
            spans.append((low, high))
    return spans


def match_zh(alias: ZhAlias, joined: str) -> list[tuple[int, int]]:
    """Spans (start, end) of each match in `joined`: exact, or with up to two characters
    inserted between alias characters within a window of the alias length + 2.

    Character presence is checked before the regex (`in` on a str is a fast scan), which
    rules most aliases out cheaply.
    """
    size = len(alias.text)
    start = joined.find(alias.text)
    if start >= 0:
        found = []
        while start >= 0:
            found.append((start, start + size))
            start = joined.find(alias.text, start + size)
        return found
    if alias.gapped is None or not all(ch in joined for ch in alias.chars):
        return []
    return [
        (m.start(), m.end())
        for m in alias.gapped.finditer(joined)
        if m.end() - m.start() <= size + 2
    ]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A misconception pattern: English word ids, or Chinese parts, to find in order.

    A `negative` pattern states a negative claim itself ("order doesn't matter", 根本不用): a
    negation in its clause is then part of the claim, not a denial of it.
    """

    ids: tuple[int, ...]
    parts: tuple[str, ...]
    negative: bool = False
    tight: tuple[bool, ...] = ()  # per part: follows the previous one across a degree word


# Degree words a Chinese pattern may write between its words (训练很稳定), and those an
# answer may put there instead; not 更/最/超 in patterns, which start words (更新, 最大化)
_ZH_PATTERN_DEGREE = re.compile("很|非常|特别|十分|相当|极其|更加|挺")
_ZH_ANSWER_DEGREE = re.compile("非常|特别|十分|相当|极其|更加|越来越|比较|超级|很|挺|最|更|太")


def compile_pattern(pattern: str, vocabulary: Vocabulary) -> Pattern | None:
    """Compile a misconception pattern (Chinese if it has CJK characters, else English)."""
    tokens = tokenize(pattern)
    negative = has_cue(tokens)
    if any(is_cjk(token) for token in tokens):
        parts: list[str] = []
        tight: list[bool] = []
        for written in pattern.split():
            pieces = [p for p in _ZH_PATTERN_DEGREE.split(normalize_part(written)) if p]
            parts.extend(pieces)
            tight.extend(i > 0 for i in range(len(pieces)))
        return Pattern((), tuple(parts), negative, tuple(tight)) if parts else None
    words = [t for t in tokens if t not in _PATTERN_FILLER] or tokens
    ids = tuple(vocabulary.add(word) for word in words)
    return Pattern(ids, (), negative) if words else None


def normalize_part(text: str) -> str:
    """A Chinese pattern part as it appears in the joined answer text (folded, no spaces)."""
    return "".join(tokenize(text))


def match_pattern_en(
    pattern: Pattern, positions: dict[int, list[int]], clause_of: Sequence[int]
) -> list[tuple[int, int]]:
    """Spans where the pattern's words follow each other (at most `PATTERN_GAP` tokens
    between two of them) inside one clause."""
    lists = [positions.get(vid) for vid in pattern.ids]
    if not pattern.ids or not all(lists):
        return []
    spans = []
    for start in lists[0] or ():
        clause, at = clause_of[start], start
        for following in lists[1:]:
            reach = at + PATTERN_GAP + 1
            inside = (q for q in following or () if at < q <= reach and clause_of[q] == clause)
            nxt = next(inside, None)
            if nxt is None:
                break
            at = nxt
        else:
            spans.append((start, at))
    return spans


def match_pattern_zh(pattern: Pattern, clause: str) -> tuple[int, int] | None:
    """Span of the pattern's parts found in order inside one clause's joined text; a part
    the pattern wrote after a degree word (训练很稳定) follows the previous one directly or
    across any degree word (训练非常稳定, 训练最稳定)."""
    at = first = -1
    for index, part in enumerate(pattern.parts):
        if pattern.tight and pattern.tight[index]:
            degree = _ZH_ANSWER_DEGREE.match(clause, at + 1)
            found = at + 1 + (degree.end() - degree.start() if degree else 0)
            if not clause.startswith(part, found):
                return None
        else:
            found = clause.find(part, at + 1 if at >= 0 else 0)
        if found < 0:
            return None
        first = found if first < 0 else first
        at = found + len(part) - 1
    return (first, at + 1)
