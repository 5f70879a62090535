"""Normalization: width, case, script variants, punctuation, sentences, stemming."""

from __future__ import annotations

import pytest
from opencc import OpenCC

from bot.questions.normalize import (
    fold_chars,
    is_cjk,
    normalize,
    segment,
    split_sentences,
    stem,
    tokenize,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ　１２３", "abc 123"),  # full width letters, digits, ideographic space
        ("Ｄｒｏｐｏｕｔ！", "dropout"),
        ("Dropout", "dropout"),
        ("STRASSE Straße", "strasse strasse"),  # casefold, not lower
        ("ﬁne-tuning", "fine tuning"),  # NFKC ligature, hyphen
        ("過擬合與權重衰減", "过拟合与权重衰减"),  # traditional → simplified
        ("用Dropout和L2正則化！", "用 dropout 和 l2 正则化"),  # code-switched
        ("  weight\tdecay,\n(L2)...  ", "weight decay l2"),
        ("snake_case_word", "snake case word"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_char_table_agrees_with_opencc_on_characters() -> None:
    text = "機器學習中的過擬合、權重衰減與資料增強。驗證集損失不再下降時應當提前停止訓練。"
    assert fold_chars(text) == OpenCC("t2s").convert(text)
    assert fold_chars("ＡＢ，ｃ！") == "AB,c。"


def test_fold_chars_beyond_the_table_falls_back() -> None:
    assert fold_chars("過𝔸") == "过𝔸"
    assert normalize("過𝔸") == "过 a"


def test_tokenize_separates_scripts_and_drops_punctuation() -> None:
    assert tokenize("我们用Dropout，和weight decay。") == [
        "我们用",
        "dropout",
        "和",
        "weight",
        "decay",
    ]
    assert [is_cjk(t) for t in tokenize("用dropout")] == [True, False]


def test_segment_pairs_original_sentences_with_folded_tokens() -> None:
    parts = segment("Use Ｄｒｏｐｏｕｔ！用權重衰減。  ＬＲ warmup\n\n")
    assert parts.sentences == ["Use Ｄｒｏｐｏｕｔ！", "用權重衰減。", "ＬＲ warmup"]
    assert parts.lines == [["use", "dropout"], ["用权重衰减"], ["learning", "rate", "warmup"]]
    # folding changes the length here (ligature, ß): offsets are mapped back
    parts = segment("The ﬁrst step. Straße two！Three")
    assert parts.sentences == ["The ﬁrst step.", "Straße two！", "Three"]
    assert parts.lines == [["the", "first", "step"], ["strasse", "two"], ["three"]]
    assert parts.pieces == ["The ﬁrst step", "Straße two", "Three"]


def test_segment_splits_clauses_and_pieces() -> None:
    parts = segment(
        "High bias means the model overfits, but high variance is fine and we add data."
    )
    assert parts.pieces == [
        "High bias means the model overfits",
        "but high variance is fine",
        "and we add data",
    ]
    assert parts.piece_clause == [0, 1, 1]  # "and" starts a piece, not a clause
    parts = segment("方差高而偏差低，所以要加数据并且用dropout；但是不要用早停。")
    assert parts.pieces == ["方差高", "而偏差低", "所以要加数据", "并且用dropout", "但是不要用早停"]
    assert parts.piece_clause == [0, 1, 2, 2, 3]
    assert parts.clause_text(2) == "所以要加数据 并且用dropout"
    assert "".join(parts.lines[0]) == "方差高而偏差低所以要加数据并且用dropout但是不要用早停"


def test_multiplication_sign_and_superscripts_fold() -> None:
    assert normalize("1×1 卷积, x²") == "1x1 卷积 x2"


def test_split_sentences_keeps_decimals_terminators_and_handles_chinese() -> None:
    text = "Use a rate of 0.5 here. Then stop early!  第一句。第二句；还是第二句\n\nlast one"
    assert split_sentences(text) == [
        "Use a rate of 0.5 here.",
        "Then stop early!",
        "第一句。",
        "第二句；还是第二句",
        "last one",
    ]
    assert split_sentences("Dropout!然后呢？！好的…对") == ["Dropout!", "然后呢？！", "好的…", "对"]
    assert split_sentences("e.g. this, i.e. that. End") == ["e.g.", "this, i.e.", "that.", "End"]
    assert split_sentences(" \n ") == []


@pytest.mark.parametrize(
    "words",
    [
        ("regularization", "regularisation", "regularize", "regularizing", "regularized"),
        ("augment", "augmenting", "augmented"),
        ("overfit", "overfitting", "overfits", "overfitted"),
        ("embedding", "embeddings", "embedded", "embed"),
        ("bias", "biases"),
        ("class", "classes"),
        ("strategy", "strategies"),
        ("sample", "samples", "sampling"),
        ("distill", "distilling", "distillation"),
    ],
)
def test_stem_conflates_inflections(words: tuple[str, ...]) -> None:
    assert len({stem(word) for word in words}) == 1, {word: stem(word) for word in words}


def test_stem_keeps_short_and_non_alphabetic_tokens() -> None:
    assert stem("l2") == "l2"
    assert stem("gan") == "gan"
    assert stem("early") == "early"


def test_shorthand_reads_as_the_words_it_stands_for() -> None:
    parts = segment("wd 1e-4, ES on val loss; CV tasks")
    assert parts.piece_tokens[0] == ["weight", "decay", "1e", "4"]
    assert parts.piece_tokens[1] == ["early", "stopping", "on", "validation", "loss"]
    assert parts.piece_tokens[2] == ["cv", "tasks"]  # vision or cross-validation: left alone
    assert parts.pieces[:2] == ["wd 1e-4", "ES on val loss"]  # evidence keeps the wording
