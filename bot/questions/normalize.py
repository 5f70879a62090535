"""Text normalization for matching answers against rubrics (pure functions, no per-call I/O).

`normalize` folds width and case (NFKC + casefold), maps traditional Chinese characters to
simplified ones, drops punctuation and separates CJK runs from Latin/digit runs, so
"用Dropout和L2正則化！" becomes "用 dropout 和 l2 正则化".

Traditional to simplified is character by character through a table built once from
OpenCC's `TSCharacters.txt` and applied as one numpy lookup: OpenCC's phrase converter
costs ~0.7 ms per 300 characters, str.translate ~25 us, the array ~5 us (measured by
benchmarks/bench_scoring.py). Character level is all matching needs, as both sides are
folded alike. Full NFKC costs ~70 us per 300 Chinese characters, so it runs only when
`unicodedata.is_normalized` says something is left to change.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np

_CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{_CJK_CHARS}]")
# A token is a run of CJK characters or a run of other letters/digits; the rest separates.
_TOKEN_RE = re.compile(f"[{_CJK_CHARS}]+|[^\\W_{_CJK_CHARS}]+")
# Sentence ends: 。！？ or … (runs; folding turns ！？ into 。), . ! ? before a space, CJK
# text or the end (so "0.5" stays whole), and line breaks.
_BREAK = f"(?=[。！？….!?\n])(?:[。！？…]+|[.!?]+(?=\\s|[{_CJK_CHARS}]|$)|\n)"  # 1st char first
_T2S_SPAN = 0x30000  # the array table covers the BMP and the CJK extension planes

_STOPWORD_LINES = (
    "a an the of to in on at for with by from into onto about as and or but nor so if then",
    "than that this these those it its is are was were be been being do does did done can",
    "could will would should may might must shall have has had having i we you he she they",
    "me us him her them my our your his their there here which who whom whose what when",
    "where why how not no also very just too more most less much many some any each all",
    "such only use used uses using via per etc eg ie",
)
STOPWORDS = frozenset(word for line in _STOPWORD_LINES for word in line.split())
# Chinese characters that mostly carry grammar rather than content (single characters: the
# halves of 因为 / 所以 / 可以 / 通过 are left out, as 过拟合 and 可学习 are content).
ZH_FUNCTION_CHARS = frozenset(
    "的了是在和与及或把被让使就也都而但为会能要对从用将这那不其它们我你他她之等"
)


@functools.cache
def _t2s_table() -> dict[int, str]:
    """Traditional → simplified character table from OpenCC's data (first candidate)."""
    text = (resources.files("opencc") / "dictionary" / "TSCharacters.txt").read_text("utf-8")
    table: dict[int, str] = {}
    for row in text.splitlines():
        source, _, targets = row.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = target
    return table


@functools.cache
def _char_array() -> np.ndarray:
    """Code point table: full-width ASCII → ASCII (！？ → 。), ideographic space → space,
    × → x, traditional → simplified."""
    table = np.arange(_T2S_SPAN, dtype=np.uint32)
    table[0xFF01:0xFF5F] = np.arange(0x21, 0x7F, dtype=np.uint32)
    table[0x3000] = 0x20
    table[0x00D7] = ord("x")  # 1×1 and 3×3 are written 1x1 and 3x3 too
    table[[0xFF01, 0xFF1F]] = ord("。")  # ！？ end a sentence even when text follows at once
    for source, target in _t2s_table().items():
        if source < _T2S_SPAN:
            table[source] = ord(target)
    return table


def fold_chars(text: str) -> str:
    """Full-width ASCII → ASCII, ideographic space → space, traditional → simplified Chinese.

    Full-width ！ and ？ become 。 rather than ! and ?, so that they still end a sentence
    when text follows without a space (the ASCII ones need a space or CJK text after them).

    Character level, as one vectorized lookup; text beyond the table's planes falls back
    to str.translate (traditional → simplified only; NFKC handles the rest).
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not codes.size or codes.max() >= _T2S_SPAN:
        return text.translate(_t2s_table())
    return _char_array()[codes].tobytes().decode("utf-32-le")


def fold(text: str) -> str:
    """Width (NFKC), case and traditional → simplified folding; punctuation is kept.

    The common full-width characters are mapped by `fold_chars` first, so that the NFKC
    quick check passes for ordinary Chinese text and the slow full NFKC rarely runs.
    """
    if not text.isascii():
        text = fold_chars(text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return text.casefold()


# Shorthand ML people write, read as the words it stands for (folded, whole tokens, none that
# means something else in the field: not "cv", which is also vision)
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "wd": ("weight", "decay"),
    "es": ("early", "stopping"),
    "lr": ("learning", "rate"),
    "bn": ("batch", "normalization"),
    "ln": ("layer", "normalization"),
    "gd": ("gradient", "descent"),
    "sgd": ("stochastic", "gradient", "descent"),
    "rf": ("random", "forest"),
    "nn": ("neural", "network"),
    "nns": ("neural", "networks"),
    "val": ("validation",),
    "aug": ("augmentation",),
    "attn": ("attention",),
    "params": ("parameters",),
    "fp": ("false", "positive"),
    "fn": ("false", "negative"),
    "fps": ("false", "positives"),
    "fns": ("false", "negatives"),
    "ft": ("fine", "tuning"),
    "pe": ("positional", "encoding"),
}


def tokenize(text: str) -> list[str]:
    """Folded tokens: CJK runs and Latin/digit runs, shorthand spelled out (`ABBREVIATIONS`:
    answers, aliases and patterns alike); punctuation and spacing dropped."""
    return [word for token in _TOKEN_RE.findall(fold(text)) for word in _spelled(token)]


def _spelled(token: str) -> tuple[str, ...]:
    return ABBREVIATIONS.get(token, (token,))


@dataclass(frozen=True, slots=True)
class Segments:
    """An answer split three ways, each part in its original wording with folded tokens.

    Sentences end at 。！？… . ! ? and line breaks. A sentence is split into *pieces* at
    commas, semicolons, colons, brackets, 、 and at conjunctions; a piece starting at a
    comma, semicolon or colon or a contrastive, causal or comparative conjunction (but,
    while, because, than, 但是, 而, 所以 …) starts a new *clause*, while brackets, 、 and
    and / or / 和 / 并且 … only start a new piece. Clauses
    scope negation and misconceptions; pieces are the units the semantic grader embeds.
    """

    sentences: list[str]
    lines: list[list[str]]  # folded tokens per sentence
    pieces: list[str]
    piece_tokens: list[list[str]]
    piece_sentence: list[int]
    piece_clause: list[int]  # clause index of each piece

    def clause_text(self, clause: int) -> str:
        """The original wording of one clause (its pieces joined by spaces)."""
        return " ".join(
            text
            for text, owner in zip(self.pieces, self.piece_clause, strict=True)
            if owner == clause
        )


_CLAUSE_WORDS = frozenset(
    "but while whereas although though however because since unless yet so otherwise than "
    "unlike versus vs instead rather".split()
)
_PIECE_WORDS = frozenset("and or plus also then".split())
# Split a CJK run before a conjunction; clause-level ones are listed first.
_ZH_CLAUSE = "但是|但(?!凡)|然而|不过|因为|所以|因此|虽然|尽管|否则|(?<![从进反然])而(?![且言已])"
_ZH_PIECE = "并且|而且|同时|另外|此外|以及|然后|或者|(?<![调总温缓饱中共柔平])和"
_ZH_SPLIT_RE = re.compile(f"(?=(?:{_ZH_CLAUSE}|{_ZH_PIECE}))")
_ZH_CLAUSE_RE = re.compile(_ZH_CLAUSE)
_SEGMENT_RE = re.compile(
    f"([{_CJK_CHARS}]+)|([^\\W_{_CJK_CHARS}]+)|({_BREAK})|([,;:])|([、()\\[\\]])"
)


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of its source character.

    Used when folding changes the length (a ligature, ß): characters are folded one by one.
    """
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold(char)
        parts.append(folded)
        origin.extend([index] * len(folded))
    origin.append(len(text))
    return "".join(parts), origin


def segment(text: str) -> Segments:
    """Split an answer into sentences, clauses and pieces (see `Segments`)."""
    folded = fold(text)
    origin: list[int] | None = None
    if len(folded) != len(text):
        folded, origin = _fold_with_offsets(text)

    def source(offset: int) -> int:
        return offset if origin is None else origin[offset]

    out = Segments([], [], [], [], [], [])
    line: list[str] = []
    piece: list[str] = []
    piece_span = [0, 0]
    sentence_start = 0
    clause = 0
    new_clause = False
    clause_used = False  # whether the current clause has a token yet

    def end_piece() -> None:
        if piece:
            out.pieces.append(text[source(piece_span[0]) : source(piece_span[1])].strip())
            out.piece_tokens.append(piece.copy())
            out.piece_sentence.append(len(out.sentences))
            out.piece_clause.append(clause)
            piece.clear()

    def add(token: str, start: int, end: int, starts_clause: bool, starts_piece: bool) -> None:
        nonlocal clause, new_clause, clause_used
        if (starts_clause or new_clause) and clause_used:
            end_piece()
            clause += 1
            clause_used = False
        elif starts_piece:
            end_piece()
        new_clause = False
        clause_used = True
        if not piece:
            piece_span[0] = start
        piece.append(token)
        piece_span[1] = end
        line.append(token)

    for match in _SEGMENT_RE.finditer(folded):
        cjk, word, stop, mark, list_mark = match.groups()
        if word is not None:
            start, end = match.span()
            first, *rest = _spelled(word)
            add(first, start, end, word in _CLAUSE_WORDS, word in _PIECE_WORDS)
            for part in rest:
                add(part, start, end, False, False)
        elif cjk is not None:
            offset = match.start()
            for part in _ZH_SPLIT_RE.split(cjk):
                if part:
                    conj = offset != match.start() or part != cjk
                    hard = conj and _ZH_CLAUSE_RE.match(part) is not None
                    add(part, offset, offset + len(part), hard, conj and not hard)
                    offset += len(part)
        elif stop is not None:
            end_piece()
            sentence = text[source(sentence_start) : source(match.end())].strip()
            if line:
                out.sentences.append(sentence)
                out.lines.append(line)
                line = []
                clause += 1
                clause_used = False
            sentence_start = match.end()
            new_clause = False
        elif mark is not None:
            new_clause = True
        elif list_mark is not None and piece:
            end_piece()
    end_piece()
    if line:
        out.sentences.append(text[source(sentence_start) :].strip())
        out.lines.append(line)
    return out


def normalize(text: str) -> str:
    """Fold width, case, script variant and punctuation; single spaces between tokens."""
    return " ".join(tokenize(text))


def split_sentences(text: str) -> list[str]:
    """Split an answer into stripped sentences that have words (English and Chinese punctuation)."""
    return segment(text).sentences


def is_cjk(token: str) -> bool:
    """Whether a token (from `tokenize`) is a run of CJK characters."""
    first = token[:1]
    return "\u3400" <= first <= "\u9fff" or "\uf900" <= first <= "\ufaff"


_PLURAL_KEEP = ("ss", "us", "is", "as")
# (suffix, replacement, shortest stem left): first match wins.
_SUFFIXES = (
    ("ization", "iz", 3),
    ("isation", "iz", 3),
    ("izing", "iz", 3),
    ("ising", "iz", 3),
    ("ized", "iz", 3),
    ("ised", "iz", 3),
    ("ation", "", 3),
    ("ied", "y", 2),
    ("ing", "", 3),
    ("ed", "", 4),
    ("ly", "", 5),
)


@functools.lru_cache(maxsize=1 << 16)
def stem(token: str) -> str:
    """A light English stemmer: plural, -ing/-ed/-ly, -ation, -ise/-ize spellings, final e.

    It is deliberately crude and symmetric (answers and aliases go through it alike);
    derivational leftovers (generation / generate) are bridged by the prefix rule in scoring.
    """
    if len(token) <= 3 or not token.isalpha():
        return token
    word = token
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(_PLURAL_KEEP):
        word = word[:-1]
    for suffix, replacement, shortest in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            word = word[: -len(suffix)] + replacement
            break
    else:
        if word.endswith(("ize", "ise")) and len(word) >= 7:
            word = word[:-3] + "iz"
        elif word.endswith("ed") and len(word) == 5 and word[1] == word[2]:
            word = word[:3]  # added → add
        elif word.endswith("e") and not word.endswith("ee") and len(word) >= 4:
            word = word[:-1]
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word
