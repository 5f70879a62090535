"""Alias matching primitives: word similarity, vocabulary, English and Chinese matching."""

from __future__ import annotations

import pytest

from bot.questions.matching import (
    EnAlias,
    Vocabulary,
    ZhAlias,
    compile_alias,
    match_en,
    match_zh,
    similar_stems,
)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("dropout", "dropout", True),
        ("dropuot", "dropout", True),  # transposition
        ("regulariztion", "regularization", True),  # one letter missing, long word
        ("generat", "gener", True),  # prefix form (generate / generation)
        ("optimizer", "optimiz", True),
        ("batch", "batchnorm", False),  # too much longer
        ("positiv", "position", False),
        ("train", "brain", False),  # short words must be equal
        ("l2", "l1", False),
        ("weight", "height", False),  # first letter differs
    ],
)
def test_similar_stems(a: str, b: str, same: bool) -> None:
    assert similar_stems(a, b) is same
    assert similar_stems(b, a) is same


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
    assert match_en(alias, {0: [0], 1: [2]}, sentence_of) == {0}
    assert match_en(alias, {0: [0], 1: [4]}, sentence_of) == set()  # other sentence
    assert match_en(alias, {0: [4, 0], 1: [5, 3]}, sentence_of) == {0, 1}
    assert match_en(alias, {0: [0]}, sentence_of) == set()


def test_match_zh_exact_and_gapped() -> None:
    (alias,) = compile_alias("数据增强", Vocabulary())
    assert isinstance(alias, ZhAlias)
    assert match_zh(alias, "先做数据增强|再做数据增强") == [2, 9]
    assert match_zh(alias, "对数据的增强") == [1]
    assert match_zh(alias, "数据量增加时强") == []  # window too wide
    assert match_zh(alias, "数据|增强") == []  # never across sentences
