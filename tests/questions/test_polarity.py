"""Negation cues and their scope, and opposites, in English and Chinese."""

from __future__ import annotations

import pytest

from bot.questions.normalize import tokenize
from bot.questions.polarity import (
    Terms,
    en_cues,
    en_dismissals,
    en_negated,
    has_cue,
    zh_around_negates,
    zh_negated,
)


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("dropout does not help", ["not"]),
        ("it doesn't help", ["t"]),
        ("it doesnt help", ["doesnt"]),
        ("never sort boxes", ["never"]),
        ("no need to scale", ["no"]),
        ("train without dropout", ["without"]),
        ("not only dropout but also L2", []),
        ("stop once the loss no longer improves", []),
        ("use dropout", []),
    ],
)
def test_english_cues(text: str, cues: list[str]) -> None:
    tokens = tokenize(text)
    assert [tokens[i] for i in en_cues(tokens)] == cues


@pytest.mark.parametrize(
    ("text", "first", "last", "negated"),
    [
        ("do not use dropout", 3, 3, True),  # cue before the match
        ("dropout does not reduce overfitting", 0, 0, True),  # auxiliary, then the cue
        ("dropout really doesn't help", 0, 0, True),
        ("stop training when the validation loss does not improve", 0, 1, False),  # too far
        ("weight decay not dropout", 0, 1, False),  # a cue after a content word
        ("weight not decay", 0, 2, True),  # inside the match
    ],
)
def test_english_scope(text: str, first: int, last: int, negated: bool) -> None:
    tokens = tokenize(text)
    clauses = [0] * len(tokens)
    assert en_negated(tokens, clauses, en_cues(tokens), first, last) is negated


@pytest.mark.parametrize(
    ("text", "first", "last", "negated"),
    [
        ("I wouldn't monitor feature distributions or live metrics", 7, 8, True),
        ("if the loss does not improve for five epochs stop training", 9, 10, False),
        ("models that don't generalize need more data", 6, 7, False),
    ],
)
def test_english_scope_over_the_clause(text: str, first: int, last: int, negated: bool) -> None:
    tokens = tokenize(text)
    assert en_negated(tokens, [0] * len(tokens), en_cues(tokens), first, last) is negated


def test_chinese_around_an_english_match() -> None:
    for text, negated in [
        ("我不会用 RoPE", True),
        ("感受野跟 depth 没关系", True),
        ("pooling 和 dilated conv 也改变不了 receptive field", True),
        ("加了 dropout 就不会过拟合", False),
    ]:
        tokens = tokenize(text)
        at = next(i for i, t in enumerate(tokens) if t in ("rope", "depth", "dilated", "dropout"))
        last = at + (1 if tokens[at] == "dilated" else 0)
        assert zh_around_negates(tokens, [0] * len(tokens), at, last) is negated, text


def test_a_cue_in_another_clause_does_not_negate() -> None:
    tokens = tokenize("no doubt about it use dropout")
    assert en_negated(tokens, [0, 0, 0, 0, 1, 1], en_cues(tokens), 5, 5) is False


@pytest.mark.parametrize(
    ("text", "alias", "negated"),
    [
        ("训练不稳定", "训练稳定", True),  # the gap of a gapped match holds the cue
        ("生成的图像不清晰", "清晰", True),
        ("回答没有依据", "有依据", True),
        ("不需要做特征缩放", "特征缩放", True),
        ("dropout并不能减少过拟合", "dropout", True),  # a cue right after
        ("不仅用dropout", "dropout", False),  # 不仅 does not negate
        ("验证集效果不再提升就早停", "早停", False),
        ("用早停", "早停", False),
        ("学习率其实不重要", "学习率", True),  # a negated judgement after the match
        ("学习率调度也没必要", "学习率调度", True),
        ("空洞卷积也改变不了感受野", "空洞卷积", True),
        ("加了权重衰减模型就不会过拟合", "权重衰减", False),  # the problem is negated, not it
        ("看分布是不是跑偏了", "分布", False),  # an A-not-A question
    ],
)
def test_chinese_scope(text: str, alias: str, negated: bool) -> None:
    folded = "".join(tokenize(text))
    alias_folded = "".join(tokenize(alias))
    start = folded.find(alias_folded)
    if start < 0:  # the gapped case: match the span from the first to the last character
        start = folded.find(alias_folded[0])
        end = folded.rfind(alias_folded[-1]) + 1
    else:
        end = start + len(alias_folded)
    assert zh_negated(folded, alias_folded, start, end, 0, len(folded)) is negated


def test_has_cue_sees_both_languages() -> None:
    assert has_cue(tokenize("I would never do that"))
    assert has_cue(tokenize("我不会用早停"))
    assert not has_cue(tokenize("不仅要早停，还要加正则"))
    assert not has_cue(tokenize("use early stopping"))


SPARSE = Terms.of(["L1 regularization gives sparse weights", "L1 正则产生稀疏权重"])
SIMPLER = Terms.of(["Reduce model complexity", "smaller model", "fewer parameters"])
UNDERFIT = Terms.of(["High bias means underfitting", "高偏差即欠拟合"])
UNSTABLE = Terms.of(["GAN training is unstable", "GAN 训练不稳定"])
SHARP = Terms.of(["GANs give sharp images", "GAN 生成的图像更清晰"])


@pytest.mark.parametrize(
    ("terms", "text", "inverted"),
    [
        (SPARSE, "L1 makes the weights dense", True),
        (SPARSE, "L1 让权重变得稠密", True),
        (SPARSE, "L1 gives sparse weights, not dense ones", False),  # the term itself is there
        (UNDERFIT, "high bias means the model overfits", True),
        (UNDERFIT, "高偏差说明模型过拟合", True),
        (UNDERFIT, "high bias means the model underfits", False),
        (SIMPLER, "use a larger model", True),  # weak pair next to one of the point's terms
        (SIMPLER, "add more data to a smaller model", False),
        (SIMPLER, "collect more samples", False),  # a weak opposite far from the point's terms
        (UNSTABLE, "GAN 训练非常稳定", True),  # the state the point negates, said plainly
        (UNSTABLE, "GAN 训练很不稳定", False),
        (UNSTABLE, "GAN 生成的图像很模糊", False),
        (SHARP, "GAN 的图比较模糊", True),
    ],
)
def test_opposites(terms: Terms, text: str, inverted: bool) -> None:
    assert terms.inverted(tokenize(text)) is inverted


@pytest.mark.parametrize(
    ("text", "dismissing"),
    [
        ("dropout and weight decay, I'd skip all of that", True),
        ("I wouldn't bother with any of them", True),
        ("so the net can't lean on any single path", False),
        ("it does not need all layers", False),
    ],
)
def test_dismissals_point_back_not_forward(text: str, dismissing: bool) -> None:
    tokens = tokenize(text)
    assert bool(en_dismissals(tokens, en_cues(tokens))) is dismissing
