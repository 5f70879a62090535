"""Answer analysis for the scorer (pure, no I/O): sentences, tokens, units, bare lists.

Units are content-word stems (stopwords dropped) and CJK characters; the size of a text
counts content words plus content CJK characters / 2 (function characters such as 的 and
是 dropped), roughly a word count for either language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

from bot.questions.normalize import (
    STOPWORDS,
    ZH_FUNCTION_CHARS,
    is_cjk,
    segment,
    stem,
    tokenize,
)

Lang = Literal["en", "zh"]

# List fragments split at commas, semicolons, 、, slashes, colons, "and" / 和 … and spaces
# between Chinese words ("编码器 解码器 判别器"), not at brackets: "sinusoidal (original
# paper)" is a term with its gloss, not two bare terms.
_FRAGMENT_SPLIT = re.compile(
    r"[,，、;；/|:：]+|\s+(?:and|or|plus|&)\s+|以及|和|与|或|及"
    r"|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])",
    re.IGNORECASE,
)
_HYPHENATED = re.compile(r"\w+(?:-\w+)+")  # "human-in-the-loop" is one term in a list
LIST_TERM_WORDS = 2  # a list item of up to two words without a function word is a term
_ZH_FUNCTION_RE = re.compile(f"[{''.join(sorted(ZH_FUNCTION_CHARS))}]")


def text_size(tokens: Sequence[str]) -> int:
    """Content words plus content CJK characters / 2 (see the module docstring)."""
    latin = cjk = 0
    for token in tokens:
        if is_cjk(token):
            cjk += len(token) - len(_ZH_FUNCTION_RE.findall(token))
        elif token not in STOPWORDS:
            latin += 1
    return latin + math.ceil(cjk / 2)


def text_units(tokens: Sequence[str]) -> list[str]:
    """Content-word stems and CJK characters."""
    units: list[str] = []
    for token in tokens:
        if is_cjk(token):
            units.extend(token)
        elif token not in STOPWORDS:
            units.append(stem(token))
    return units


class Answer:
    """An answer split into sentences and tokens, analysed once into flat arrays."""

    __slots__ = (
        "cjk",
        "clause_of",
        "distinct",
        "length",
        "lines",
        "piece_of",
        "pieces",
        "sentence_of",
        "sentences",
        "size",
        "tokens",
        "units",
        "words",
    )

    def __init__(self, text: str) -> None:
        # sentences and pieces in their original wording (for evidence), folded tokens, and
        # per token its sentence, clause and piece
        self.pieces = parts = segment(text)
        self.sentences, self.lines = parts.sentences, parts.lines
        self.tokens = tokens = [token for line in self.lines for token in line]
        self.sentence_of = [i for i, line in enumerate(self.lines) for _ in line]
        self.piece_of = [i for i, piece in enumerate(parts.piece_tokens) for _ in piece]
        self.clause_of = [parts.piece_clause[i] for i in self.piece_of]
        # CJK runs sort after U+3400, Latin/digit runs before (tokens never mix scripts)
        latin = [t for t in tokens if t < "\u3400"]
        cjk = "".join(t for t in tokens if t >= "\u3400")
        content = [stem(t) for t in latin if t not in STOPWORDS]
        self.units = len(content) + len(cjk)  # content-word stems and CJK characters
        self.distinct = set(content)
        self.distinct.update(cjk)
        self.words = len(latin)
        self.cjk = len(cjk)
        self.length = sum(map(len, tokens))
        function = len(_ZH_FUNCTION_RE.findall(cjk)) if cjk else 0
        self.size = len(content) + math.ceil((len(cjk) - function) / 2)

    @property
    def lang(self) -> Lang:
        """``zh`` when there are at least as many CJK characters as Latin words (and 2+)."""
        return "zh" if self.cjk >= 2 and self.cjk >= self.words else "en"


def detect_lang(text: str) -> Lang:
    """``zh`` when the text has at least as many CJK characters as Latin words (and 2+)."""
    return Answer(text).lang


def is_bare(sentence: str, tokens: Sequence[str], matched: int) -> bool:
    """Whether a sentence matching `matched` (2+) key points merely lists them.

    Either a list (3+ fragments, at least 80 % of them bare terms) or, with 3+ matched
    points, a run of English terms without a single function word.
    """
    if matched >= 3 and not any(is_cjk(t) or t in STOPWORDS for t in tokens):
        return True
    fragments = [f for f in _FRAGMENT_SPLIT.split(sentence) if f.strip()]
    return len(fragments) >= 3 and sum(map(_bare_fragment, fragments)) >= 0.8 * len(fragments)


def is_bare_term(tokens: Sequence[str], words: int = 2) -> bool:
    """No function word and at most `words` words (a CJK run counts one per three
    characters, as Chinese terms run to 4-6 characters: 权重整体变小): a term, not an
    explanation."""
    if any(map(_function_word, tokens)):
        return False
    return sum(math.ceil(len(t) / 3) if is_cjk(t) else 1 for t in tokens) <= words


def _bare_fragment(fragment: str) -> bool:
    joined = _HYPHENATED.sub(lambda m: m.group().replace("-", ""), fragment)
    return is_bare_term(tokenize(joined), LIST_TERM_WORDS)


def _function_word(token: str) -> bool:
    return _ZH_FUNCTION_RE.search(token) is not None if is_cjk(token) else token in STOPWORDS
