"""Alias matching primitives: word similarity, vocabulary, English and Chinese matching."""

from __future__ import annotations

import pytest

from bot.questions.matching import (
    EnAlias,
    Vocabulary,
    ZhAlias,
    compile_alias,
    compile_pattern,
    match_en,
    match_pattern_en,
    match_pattern_zh,
    match_zh,
    similar_stems,
)


@pytest.mark.parametrize(
    ("word", "known", "same"),
    [
        ("dropout", "dropout", True),
        ("dropuot", "dropout", True),  # transposition
        ("regulariztion", "regularization", True),  # one letter missing, long word
        ("generation", "generat", True),  # the answer word extends the alias word
        ("optimizer", "optimiz", True),
        ("optimiz", "optimizer", False),  # never the reverse: "optimize" is not "optimizer"
        ("image", "imagenet", False),
        ("under", "underfit", False),
        ("batch", "batchnorm", False),  # too much longer
        ("positiv", "position", False),
        ("train", "brain", False),  # short words must be equal
        ("l2", "l1", False),
        ("weight", "height", False),  # first letter differs
        ("replac", "replay", False),  # six letters: no typo allowed
        ("though", "thought", False),
        ("unconditional", "conditional", False),  # first letter differs
        ("pretrain", "retrain", False),
    ],
)
def test_similar_stems(word: str, known: str, same: bool) -> None:
    assert similar_stems(word, known) is same


def test_typos_are_symmetric() -> None:
    assert similar_stems("dropout", "dropuot") and similar_stems("dropuot", "dropout")


def test_joined_compounds_match_only_whole() -> None:
    vocabulary = Vocabulary()
    (_words, joined) = compile_alias("batch size", vocabulary)
    assert joined.ids[0] in vocabulary.matches("batchsize")
    assert joined.ids[0] not in vocabulary.matches("batch")


def test_is_is_kept_in_short_aliases() -> None:
    vocabulary = Vocabulary()
    (alias,) = compile_alias("is metric", vocabulary)[:1]
    assert len(alias.ids) == 2  # "is" stays: the alias is not the bare word "metric"


def test_vocabulary_matches_by_stem_and_by_spelling() -> None:
    vocabulary = Vocabulary()
    learning = vocabulary.add("learning")
    rate = vocabulary.add("rate")
    assert vocabulary.add("learned") == learning  # same stem, same id
    assert vocabulary.matches("learns") == (learning,)
    assert vocabulary.matches("learing") == (learning,)  # stems diverge, spellings don't
    assert vocabulary.matches("rates") == (rate,)
    assert vocabulary.matches("weather") == ()
    assert vocabulary.memo["learing"] == (learning,)


def test_compile_alias_kinds() -> None:
    vocabulary = Vocabulary()
    english = compile_alias("Fine-tuning of the model", vocabulary)
    assert [type(item) for item in english] == [EnAlias, EnAlias]
    assert len(english[0].ids) == 3  # fine, tuning, model ("of", "the" dropped)
    assert english[1].ids == (vocabulary.add("finetuningmodel"),)
    (chinese,) = compile_alias("L2 正則化", vocabulary)
    assert isinstance(chinese, ZhAlias) and chinese.text == "l2正则化"
    assert compile_alias("?!", vocabulary) == []


def test_match_en_needs_all_words_close_together_in_one_sentence() -> None:
    alias = EnAlias((0, 1), reach=4)
    sentence_of = [0, 0, 0, 0, 1, 1]
    assert match_en(alias, {0: [0], 1: [2]}, sentence_of) == [(0, 2)]
    assert match_en(alias, {0: [0], 1: [4]}, sentence_of) == []  # other sentence
    assert match_en(alias, {0: [4, 0], 1: [5, 3]}, sentence_of) == [(4, 5), (0, 3)]
    assert match_en(alias, {0: [0]}, sentence_of) == []


def test_match_zh_exact_and_gapped() -> None:
    (alias,) = compile_alias("数据增强", Vocabulary())
    assert isinstance(alias, ZhAlias)
    assert match_zh(alias, "先做数据增强|再做数据增强") == [(2, 6), (9, 13)]
    assert match_zh(alias, "对数据的增强") == [(1, 6)]
    assert match_zh(alias, "数据量增加时强") == []  # window too wide
    assert match_zh(alias, "数据|增强") == []  # never across sentences


def test_misconception_patterns_in_order_within_a_clause() -> None:
    vocabulary = Vocabulary()
    pattern = compile_pattern("high bias overfit", vocabulary)
    assert pattern is not None
    tokens = ["high", "bias", "means", "the", "model", "overfits", "high", "variance"]
    positions: dict[int, list[int]] = {}
    for pos, token in enumerate(tokens):
        for vid in vocabulary.matches(token):
            positions.setdefault(vid, []).append(pos)
    assert match_pattern_en(pattern, positions, [0] * 8) == [(0, 5)]
    assert match_pattern_en(pattern, positions, [0, 0, 0, 1, 1, 1, 1, 1]) == []  # two clauses
    reordered = {k: [7 - p for p in v] for k, v in positions.items()}
    assert match_pattern_en(pattern, reordered, [0] * 8) == []  # order matters
    chinese = compile_pattern("高偏差 过拟合", vocabulary)
    assert chinese is not None and chinese.parts == ("高偏差", "过拟合")
    assert match_pattern_zh(chinese, "高偏差说明模型过拟合") == (0, 10)
    assert match_pattern_zh(chinese, "过拟合是高方差，高偏差是欠拟合") is None
