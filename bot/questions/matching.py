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
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.questions.normalize import is_cjk, stem, tokenize

_ALIAS_FILLER = frozenset(
    {"a", "an", "the", "of", "to", "for", "in", "on", "with", "by", "is", "are"}
)
_MEMO_LIMIT = 10_000  # words remembered per rubric; cleared when full
SEPARATOR = "|"  # joins sentences in the string Chinese aliases are searched in


def similar_stems(a: str, b: str) -> bool:
    """Words (usually stems) that count as one: equal, a prefix form, or a typo apart.

    Prefix form: the shorter (5+ letters) starts the longer, which is at most 3 letters
    longer (optimiz/optimizer, but not batch/batchnorm). Typo: optimal string alignment
    distance 1 for 6+ letters, 2 for 9+, same first letter below 9 (dropuot/dropout).
    """
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    n = len(short)
    if n < 5:
        return False
    if long.startswith(short) and len(long) - n <= 3:
        return True
    limit = 2 if n >= 9 else 1 if n >= 6 else 0
    if not limit or len(long) - n > limit or (n < 9 and a[0] != b[0]):
        return False
    return OSA.distance(a, b, score_cutoff=limit) <= limit


class Vocabulary:
    """The English alias words of one rubric, and a memo of answer word → matching ids.

    Words are compared by stem, and also as written: a typo can make stemming diverge
    ("learing" stems to "lear", "learning" to "learn") while the spellings are one edit apart.
    """

    def __init__(self) -> None:
        self._stems: dict[str, int] = {}
        self._words: dict[str, int] = {}
        self._memo: dict[str, tuple[int, ...]] = {}

    def add(self, word: str) -> int:
        """Id of an alias word (a folded token); words with the same stem share an id."""
        self._memo.clear()
        vid = self._stems.setdefault(stem(word), len(self._stems))
        self._words.setdefault(word, vid)
        return vid

    def matches(self, word: str) -> tuple[int, ...]:
        """Ids of the vocabulary words that an answer word (a folded token) matches."""
        ids = self._memo.get(word)
        if ids is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            root = stem(word)
            found = {i for known, i in self._stems.items() if similar_stems(root, known)}
            found.update(i for known, i in self._words.items() if similar_stems(word, known))
            ids = tuple(sorted(found))
            self._memo[word] = ids
        return ids

    @property
    def memo(self) -> dict[str, tuple[int, ...]]:
        """The memo itself, for hot loops that try `memo.get` before `matches`."""
        return self._memo


@dataclass(frozen=True, slots=True)
class EnAlias:
    """An English alias: every word id must match within `reach` tokens, in one sentence."""

    ids: tuple[int, ...]
    reach: int


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
    words = [t for t in tokens if t not in _ALIAS_FILLER] or tokens
    ids = tuple(dict.fromkeys(vocabulary.add(word) for word in words))
    compiled: list[EnAlias | ZhAlias] = [EnAlias(ids, len(tokens) + 2)]
    joined = "".join(words)
    if len(words) > 1 and len(joined) >= 6:
        compiled.append(EnAlias((vocabulary.add(joined),), 0))
    return compiled


def match_en(alias: EnAlias, positions: dict[int, list[int]], sentence_of: list[int]) -> set[int]:
    """Sentences where every alias word has a match close by.

    `positions` maps a word id to the answer token positions matching it.
    """
    lists = [positions.get(vid) for vid in alias.ids]
    if not all(lists):
        return set()
    first, *rest = lists
    found: set[int] = set()
    for p in first or ():
        where = sentence_of[p]
        if where not in found and all(
            any(q != p and abs(q - p) <= alias.reach and sentence_of[q] == where for q in qs)
            for qs in rest
            if qs is not None
        ):
            found.add(where)
    return found


def match_zh(alias: ZhAlias, joined: str) -> list[int]:
    """Start of each match in `joined`: exact, or with up to two characters inserted between
    alias characters within a window of the alias length + 2.

    Character presence is checked before the regex (`in` on a str is a fast scan), which
    rules most aliases out cheaply.
    """
    size = len(alias.text)
    start = joined.find(alias.text)
    if start >= 0:
        found = []
        while start >= 0:
            found.append(start)
            start = joined.find(alias.text, start + size)
        return found
    if alias.gapped is None or not all(ch in joined for ch in alias.chars):
        return []
    return [m.start() for m in alias.gapped.finditer(joined) if m.end() - m.start() <= size + 2]
