"""Negation and opposites: when a clause says the reverse of a key point (pure, no I/O).

Negation. English cues are `not`, `never`, `no`, `cannot`, `without`, `nor`, `neither` and
the n't forms (tokenized as `doesn` + `t`, or written `doesnt`); "not only", "not just",
"no longer" and "no matter" are not negations ("stop once the loss no longer improves" is
early stopping). A cue negates a match when it stands in the match's clause before it
(unless the cue is inside a subordinate phrase opening the clause: "if the loss does not
improve, stop training", "models that don't generalize need more data"), inside it, or
right after it behind auxiliaries only ("dropout does not help", "dropout never helps"; but
"weight decay, not dropout" contrasts). Chinese cues
are 不 / 没 / 别 / 未 / 无需 / 无法 / 并非 …, except in words that do not negate (不仅,
不同, 不断, 未来, 不再 …); a cue negates a match when it ends at most three characters
before it, sits in the characters a gapped match skipped (训练不稳定 is not 训练稳定), or
follows it as a negated judgement (学习率其实不重要, dropout 并不能减少…, 也改变不了) —
not a negated problem (加了 dropout 就不会过拟合). A-not-A questions (是不是) are not cues.

Opposites. A clause is inverted for a key point when it uses the opposite of one of the
point's own terms and not the term itself: "L1 makes weights dense" against a point about
sparse weights, "high bias means the model overfits" against underfitting. Strong pairs
(dense / sparse, overfit / underfit, bias / variance, increase / decrease, 稠密 / 稀疏 …) count
anywhere in the clause; weak ones (more / less, larger / smaller, high / low, 更多 / 更少,
增加 / 减少 …) only in place of the point's own word before the same neighbour: "use a larger
model" against "smaller model", 更多参数 against 更少的参数, but not "penalize large weights"
against "keep weights small" nor 增加数据 against 减少参数. A state the point negates, said
plainly, is an opposite too: 训练非常稳定 against 训练不稳定.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.questions.normalize import STOPWORDS, is_cjk, stem, tokenize

_EN_CUES = frozenset(
    "not never no cannot without nor neither nothing none dont doesnt didnt isnt arent "
    "wasnt werent wont cant couldnt shouldnt wouldnt hasnt havent".split()
)
_EN_CONTRACTED = frozenset(
    "don doesn didn isn aren wasn weren won can couldn shouldn wouldn hasn haven mustn "
    "needn ain".split()
)
# Words that dismiss what they are said of: "schedules are cargo cult", "I'd skip them",
# "mixed precision only hurts", "kNN is rarely used" (not "skip connections")
_EN_DISMISSIVE = frozenset(
    "overrated useless pointless unnecessary needless fad overkill irrelevant meaningless "
    "nonsense counterproductive myth hype gimmick cargo skip skipping rarely hardly barely "
    "hurts hurt harmful waste".split()
)
_EN_NOT_DISMISSING = frozenset({"connection", "connections", "layer", "layers", "gram", "grams"})
_EN_ANAPHORS = frozenset("them it that these those everything".split())
_EN_QUANTIFIERS = frozenset({"all", "any"})  # anaphoric only as "all of …"/"any of …" or alone
_EN_NOT_NEGATING = frozenset({"only", "just", "merely"})  # "not only", "not just"
_EN_NO_IDIOMS = frozenset({"longer", "matter", "doubt"})  # "no matter", not "doesn't matter"
_EN_AUXILIARIES = (
    frozenset(
        "do does did is are was were be been will would should shall can could may might "
        "must has have had really actually definitely necessarily".split()
    )
    | _EN_CONTRACTED
)
_EN_SUBORDINATORS = frozenset(
    "if when whenever once until unless after before as that which who whose where".split()
)
_EN_CONTRASTIVE = frozenset({"not", "no"})  # right after a term they contrast, not negate
_EN_CLAUSE_LINKS = frozenset("but because since so than rather instead".split())
_EN_COORDINATORS = frozenset("and or but".split())
_REACH = 3

# 不 / 没 / 别 / 未 …, but not inside words that do not negate: 不仅 不同 不断 不再 不变
# (invariant) 不平衡 不足 不动 不可约 不一样 差不多, 没问题, 类别 区别 差别, 未来 未知
_ZH_NOT = "(?<!差)不(?![仅只但断同少错久过管妨论然再变平均足够动确]|可约|一样)"
_ZH_CUE_RE = re.compile(
    f"{_ZH_NOT}|没(?!问题|事)|(?<![类区特级识判鉴分个性差错])别(?![的人])|未(?![来知])|无需|无须|无法|并非"
)
_ZH_NEGATION = f"(?:{_ZH_NOT}|没有?|无法|并非|未(?![来知])|无需|无须)"
_ZH_JUDGEMENT = (
    "重要|必要|需要|有用|管用|用|行|建议|推荐|有效|起作用|帮助|帮|改变|影响|解决|提升|提高|降低|"
    "减少|加快|改善|防止|缓解|关系|相关|适合|稳定|能|靠谱|对"
)
_ZH_VERBS = "改变|减少|降低|提升|提高|解决|防止|影响|帮助|加快|改善|缓解"
_ZH_DISMISSIVE = "多余|鸡肋|用不着|刷榜|智商税|可有可无|意义不大|没意义|无所谓|没啥用|花架子|玄学"
# After a match, a negated judgement of it: 学习率其实不重要, dropout 并不能减少…, 没必要,
# …也改变不了, …都是刷榜用的. Not a negated problem: 加了 dropout 就不会过拟合 says dropout works.
_ZH_AFTER_RE = re.compile(
    f"(?:其实|根本|完全|也|都|就|并|还|是|会|可能|一定|真的){{0,2}}{_ZH_NEGATION}"
    f"(?:会|能|可以|太|怎么|一定|是)?(?:{_ZH_JUDGEMENT})|(?:{_ZH_VERBS})(?:不了|不到)"
    f"|{_ZH_DISMISSIVE}"
)
_ZH_AFTER = 16  # characters after a match searched for a negated judgement
_ZH_DISMISSIVE_RE = re.compile(_ZH_DISMISSIVE)
_ZH_A_NOT_A = frozenset("不没")  # 是不是, 准不准, 有没有: a question, not a negation
# Before a match, a negation governing it: 不需要做特征缩放, 我从不用权重衰减, 别用早停,
# 不是什么 low-rank; not a negated state next to it: 数据不足时用数据增强.
_ZH_MODAL = "会|能|要|需要|应该|必要|建议|可以|想|打算|太|是|必"
_ZH_VERB = "用|加|做|使用|采用|考虑|去|搞|管|上|开|引入|让|使|把|看|关注|在乎|理会"
_ZH_BEFORE_RE = re.compile(
    f"(?:{_ZH_NEGATION}|别)(?:{_ZH_MODAL})?(?:{_ZH_VERB})?(?:了|到|过|的|什么|任何)?$"
)
# Earlier in the clause, a negation of an action scopes over the rest of it: 也不看精确率、召回率
# (not a limit: 块长不能超过 token 上限 respects the limit)
_ZH_GOVERN_RE = re.compile(
    f"(?:{_ZH_NEGATION}|别)(?:(?:{_ZH_MODAL})(?!超过|超出|高于|低于|多于|少于)(?:{_ZH_VERB})?|{_ZH_VERB})"
)

_STRONG_EN = (
    ("dense", "sparse"),
    ("overfit", "underfit"),
    ("bias", "variance"),
    ("precision", "recall"),
    ("increase", "decrease"),
    ("increase", "reduce"),
    ("maximize", "minimize"),
    ("stable", "unstable"),
    ("enable", "disable"),
    ("underflow", "overflow"),
)
_WEAK_EN = (
    ("more", "less"),
    ("more", "fewer"),
    ("larger", "smaller"),
    ("bigger", "smaller"),
    ("large", "small"),
    ("big", "small"),
    ("high", "low"),
    ("higher", "lower"),
    ("faster", "slower"),
    ("simple", "complex"),
    ("simpler", "complex"),
    ("shallow", "deep"),
    ("add", "remove"),
    ("before", "after"),
)
_STRONG_ZH = (
    ("稠密", "稀疏"),
    ("清晰", "模糊"),
    ("过拟合", "欠拟合"),
    ("偏差", "方差"),
    ("精确率", "召回率"),
    ("最大化", "最小化"),
    ("上溢", "下溢"),
)
_WEAK_ZH = (
    ("增大", "减小"),
    ("增加", "减少"),
    ("提高", "降低"),
    ("变大", "变小"),
    ("更大", "更小"),
    ("更多", "更少"),
    ("更快", "更慢"),
)


def _both_ways(pairs: Sequence[tuple[str, str]], fold: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for a, b in pairs:
        a, b = (stem(a), stem(b)) if fold else (a, b)
        out[a] = b
        out[b] = a
    return out


_STRONG_EN_MAP = _both_ways(_STRONG_EN, fold=True)
_WEAK_EN_MAP = _both_ways(_WEAK_EN, fold=True)
_STRONG_ZH_MAP = _both_ways(_STRONG_ZH, fold=False)
_ZH_NEGATED_STATE_RE = re.compile("(?<=[不没])(稳定|收敛|清晰|准确|平衡|充分|可靠)")
_WEAK_ZH_MAP = _both_ways(_WEAK_ZH, fold=False)


def en_cues(tokens: Sequence[str]) -> list[int]:
    """Positions of English negation cues in folded tokens."""
    found = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _EN_CUES or (token == "t" and i and tokens[i - 1] in _EN_CONTRACTED):
            if following not in _EN_NOT_NEGATING and not (
                token == "no" and following in _EN_NO_IDIOMS
            ):
                found.append(i)
        elif token in _EN_DISMISSIVE and following not in _EN_NOT_DISMISSING:
            found.append(i)
    return found


def en_dismissals(tokens: Sequence[str], cues: Sequence[int]) -> list[int]:
    """Cues that point back at everything said before them in the sentence: "so I'd skip
    all of that", "I wouldn't bother with any of them"."""
    return [c for c in cues if any(_anaphoric(tokens, k) for k in range(c + 1, c + 4))]


def _anaphoric(tokens: Sequence[str], k: int) -> bool:
    """Whether the token at `k` points back ("skip them", "any of that", "skip it all"), not
    forward as a determiner ("can't lean on any single path")."""
    if k >= len(tokens):
        return False
    if tokens[k] in _EN_ANAPHORS:
        return True
    following = tokens[k + 1] if k + 1 < len(tokens) else ""
    return tokens[k] in _EN_QUANTIFIERS and (following == "of" or not following.isalpha())


def en_negated(
    tokens: Sequence[str], clause_of: Sequence[int], cues: Collection[int], first: int, last: int
) -> bool:
    """Whether a cue negates the match spanning token positions `first`..`last` (a match
    may straddle two clauses: a cue in either counts)."""
    clauses = (clause_of[first], clause_of[last])
    for cue in cues:
        if clause_of[cue] not in clauses:
            continue
        if first <= cue <= last:
            return True
        if cue < first and not _subordinate(tokens, clause_of, cue):
            return True  # also far before: "I wouldn't monitor distributions or live metrics"
        if cue > last and _says_of(tokens, last, cue):
            return True  # "dropout does not help", "BatchNorm and Adam don't speed it up"
    return False


def _says_of(tokens: Sequence[str], last: int, cue: int) -> bool:
    """Whether a cue after a match is said of it: no subordinate phrase in between ("stop
    training when the loss does not improve"), and not a contrast ("use L2, not L1", "weight
    decay and not dropout")."""
    between = tokens[last + 1 : cue]
    if any(t in _EN_SUBORDINATORS or t in _EN_CLAUSE_LINKS for t in between):
        return False
    contrast = not between or between[-1] in _EN_COORDINATORS
    return not (tokens[cue] in _EN_CONTRASTIVE and contrast)


def _subordinate(tokens: Sequence[str], clause_of: Sequence[int], cue: int) -> bool:
    """Whether a cue sits in a subordinate phrase that opens its clause ("if the loss does
    not improve for five epochs stop training", "models that don't generalize need data")."""
    clause = clause_of[cue]
    k = cue - 1
    while k >= 0 and clause_of[k] == clause:
        if tokens[k] in _EN_SUBORDINATORS:
            return True
        k -= 1
    return False


def _zh_cue(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` holds a Chinese negation cue (A-not-A questions excepted)."""
    for match in _ZH_CUE_RE.finditer(text, start, end):
        at = match.start()
        if not (
            text[at] in _ZH_A_NOT_A and 0 < at < len(text) - 1 and text[at - 1] == text[at + 1]
        ):
            return True
    return False


def zh_negated(
    text: str, alias: str, start: int, end: int, clause_start: int, clause_end: int
) -> bool:
    """Whether a cue negates the Chinese match `text[start:end]` of `alias` (its clause is
    `text[clause_start:clause_end]`)."""
    if _zh_governed(text, clause_start, start):
        return True
    if not _ZH_CUE_RE.search(alias) and _zh_cue(text, start, end):
        return True  # a cue in the characters a gapped match skipped
    return _zh_judged(text, end, min(clause_end, end + _ZH_AFTER))


def _zh_governed(text: str, start: int, end: int) -> bool:
    """Whether a negation in `text[start:end]` governs what follows it: right before it
    (不用早停, 不是什么 …), or a negated action earlier in the clause (我不会看…)."""
    window = text[start:end]
    found = [_ZH_BEFORE_RE.search(window), *_ZH_GOVERN_RE.finditer(window)]
    return any(m is not None and _zh_cue(window, m.start(), m.start() + 2) for m in found)


def _zh_judged(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` holds a negated judgement (A-not-A questions excepted)."""
    return any(
        _zh_cue(text, m.start(), m.end())
        or m.group().endswith(("不了", "不到"))
        or _ZH_DISMISSIVE_RE.fullmatch(m.group()) is not None
        for m in _ZH_AFTER_RE.finditer(text, start, end)
    )


def zh_around_negates(
    tokens: Sequence[str], clause_of: Sequence[int], first: int, last: int
) -> bool:
    """Whether Chinese next to an English match negates it: 我不会用 RoPE, dropout 并不能…"""
    clause = clause_of[first]
    before = tokens[first - 1] if first and clause_of[first - 1] == clause else ""
    if is_cjk(before) and _zh_governed(before, 0, len(before)):
        return True
    after = "".join(
        tokens[k]
        for k in range(last + 1, len(tokens))
        if clause_of[k] == clause and is_cjk(tokens[k])
    )
    return bool(after) and _zh_judged(after, 0, min(len(after), _ZH_AFTER))


def clause_negates(tokens: Sequence[str], clause_of: Sequence[int], first: int) -> bool:
    """Whether a negation earlier in the clause governs what starts at token `first`: an
    English cue not in a subordinate phrase, or a governing Chinese one (我不会看…、…)."""
    clause = clause_of[first]
    start = first
    while start and clause_of[start - 1] == clause:
        start -= 1
    before = tokens[start:first]
    for cue in en_cues(before):
        if not _subordinate(before, [0] * len(before), cue):
            return True
    text = "".join(t for t in before if is_cjk(t))
    return bool(text) and _zh_governed(text, 0, len(text))


def has_cue(tokens: Sequence[str]) -> bool:
    """Whether folded tokens contain any negation cue (English or Chinese)."""
    if en_cues(tokens):
        return True
    return any(is_cjk(token) and _zh_cue(token, 0, len(token)) for token in tokens)


def _content_stems(tokens: Sequence[str]) -> list[str]:
    """English stems without stopwords, keeping the weak opposites (more, less …)."""
    stems = (stem(t) for t in tokens if not is_cjk(t))
    return [s for s in stems if s not in STOPWORDS or s in _WEAK_EN_MAP]


@dataclass(frozen=True, slots=True)
class Terms:
    """A key point's own words (label, description, aliases): English stems, the pairs of
    neighbouring English content stems ("smaller model"), and Chinese texts."""

    en: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    zh: tuple[str, ...]

    @classmethod
    def of(cls, texts: Sequence[str]) -> Terms:
        """The terms of some texts (both languages mixed)."""
        en: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        zh: list[str] = []
        for text in texts:
            for token in tokenize(text):
                if is_cjk(token):
                    zh.append(token)
                else:
                    en.add(stem(token))
            pairs.update(pairwise(_content_stems(tokenize(text))))
        return cls(frozenset(en), frozenset(pairs), tuple(zh))

    def inverted(self, tokens: Sequence[str]) -> bool:
        """Whether a clause (folded tokens) says the opposite of these terms (see the module
        docstring): a strong opposite anywhere, or a weak one in place of the point's own
        word before the same neighbour ("larger model" for "smaller model")."""
        stems = [stem(t) for t in tokens if not is_cjk(t)]
        present = set(stems)
        for word in stems:
            opposite = _STRONG_EN_MAP.get(word)
            if opposite and opposite in self.en and word not in self.en and opposite not in present:
                return True
        for word, following in pairwise(_content_stems(tokens)):
            opposite = _WEAK_EN_MAP.get(word)
            if opposite and (opposite, following) in self.pairs and opposite not in present:
                return True
        text = "".join(t for t in tokens if is_cjk(t))
        if not text:
            return False
        own = "|".join(self.zh)
        for word, opposite in _STRONG_ZH_MAP.items():
            if word in text and opposite in own and word not in own and opposite not in text:
                return True
        for word, opposite in _WEAK_ZH_MAP.items():
            at = text.find(word)
            while at >= 0 and opposite not in text:
                rest = text[at + len(word) :].removeprefix("的")[:2]
                if rest and (opposite + rest in own or f"{opposite}的{rest}" in own):
                    return True  # 更多参数 against 更少的参数
                at = text.find(word, at + 1)
        return any(
            state in text and "不" + state not in text and "没" + state not in text
            for state in _ZH_NEGATED_STATE_RE.findall(own)
        )  # 训练非常稳定 against 训练不稳定
