"""Rubric scoring: matching, evidence, anti-gaming rules, choice scoring, properties.

These tests pin the lexical rules, so `score` here grades without the sentence encoder;
tests/questions/test_semantic.py covers the semantic layer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.questions.bank import Question, QuestionBank, load_bank
from bot.questions.scoring import (
    Feedback,
    Lang,
    Rubric,
    detect_lang,
    rubric_for,
    score_choice,
)
from bot.questions.scoring import score as grade

BANK: QuestionBank = load_bank(Path(__file__).parent / "fixtures" / "bank")
OVERFITTING = BANK["overfitting"]
BATCH_NORM = BANK["batch-norm"]
RAG = BANK["rag-basics"]

GOOD_EN = (
    "Add weight decay and dropout to regularize the network. Use data augmentation such as "
    "random crops so every epoch looks a little different. Stop early once the validation "
    "loss starts rising, and collect more training data if you can."
)
GOOD_ZH = (
    "可以加入权重衰减和 dropout 做正则化。再进行数据增强，并根据验证集早停，同时收集更多数据。"
)


def score(question: Question, text: str, lang: Lang | None = None) -> Feedback:
    """Lexical grading only (see the module docstring)."""
    return grade(question, text, lang, semantic=False)


def covered(feedback: Feedback) -> set[str]:
    return {point.id for point in feedback.points if point.covered}


def test_a_complete_answer_scores_ten() -> None:
    feedback = score(OVERFITTING, GOOD_EN)
    assert feedback.score == 10.0
    assert feedback.reason is None and feedback.lang == "en"
    assert [p.id for p in feedback.points] == [
        "regularization",
        "dropout",
        "data_augmentation",
        "early_stopping",
        "more_data",
    ]


def test_score_is_the_weighted_share_of_points() -> None:
    # regularization (3) + dropout (2) of 10 → 5.0
    feedback = score(OVERFITTING, "I would use dropout, and weight decay on the large layers.")
    assert covered(feedback) == {"regularization", "dropout"}
    assert feedback.score == 5.0


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("Regularisation keeps the weights small.", "regularization"),  # British spelling
        ("I think dropuot helps a lot here.", "dropout"),  # transposition typo
        ("Apply some regulariztion to the model.", "regularization"),  # missing letter
        ("Augmenting the data gives the model more variety.", "data_augmentation"),
        ("The weights should decay during training.", "regularization"),  # inflection, order
        ("Stopping early on the validation curve works well.", "early_stopping"),
        ("We could take random crop of each image in the batch.", "data_augmentation"),
    ],
)
def test_english_matching_tolerates_typos_inflection_and_order(text: str, point: str) -> None:
    assert point in covered(score(OVERFITTING, text))


@pytest.mark.parametrize(
    "text",
    [
        "The model drops out nothing here, it decays nowhere.",
        "Batch size and learning rate matter most.",
        "Data cleaning and a stronger model.",  # "data" alone is not "data augmentation"
    ],
)
def test_unrelated_english_matches_nothing(text: str) -> None:
    assert covered(score(OVERFITTING, text)) == set()


def test_chinese_matching() -> None:
    feedback = score(OVERFITTING, GOOD_ZH)
    assert feedback.lang == "zh"
    assert feedback.score == 10.0
    assert feedback.points[0].label == "正则化（权重衰减）"


def test_chinese_matching_allows_small_insertions_but_not_other_terms() -> None:
    assert "data_augmentation" in covered(score(OVERFITTING, "训练时对数据的增强做得越多越好。"))
    assert covered(score(OVERFITTING, "训练时对数据做一些清洗，然后增加模型强度。")) == set()


def test_traditional_chinese_is_matched() -> None:
    feedback = score(OVERFITTING, "我會加入權重衰減，並且在驗證集上提前停止訓練。")
    assert covered(feedback) == {"regularization", "early_stopping"}


def test_code_switched_answer() -> None:
    feedback = score(
        OVERFITTING, "我们可以用 dropout 和 weight decay 来防止过拟合，也可以做 data augmentation。"
    )
    assert covered(feedback) == {"regularization", "dropout", "data_augmentation"}
    assert feedback.lang == "zh"


def test_evidence_is_the_original_sentence() -> None:
    text = "Ｆｉｒｓｔ， I'd look at the curves.  我會用 Dropout！Then WEIGHT-DECAY, definitely."
    feedback = score(OVERFITTING, text)
    evidence = {p.id: p.evidence for p in feedback.points if p.covered}
    assert evidence == {
        "dropout": "我會用 Dropout！",
        "regularization": "Then WEIGHT-DECAY, definitely.",
    }
    assert all(p.evidence is None for p in feedback.points if not p.covered)


def test_labels_follow_the_requested_language() -> None:
    feedback = score(OVERFITTING, GOOD_EN, lang="zh")
    assert feedback.lang == "zh" and feedback.points[1].label == "随机失活"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Use dropout and weight decay.", "en"),
        ("用 dropout 和 weight decay 防止过拟合", "zh"),
        ("用 dropout 和 weight decay", "en"),
        ("", "en"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("?!。", "empty"),
        ("dropout", "too_short"),
        ("ok", "too_short"),
        ("正则化", "too_short"),
        ("dropout " * 12, "repetitive"),
        ("正则化正则化正则化正则化正则化正则化", "repetitive"),
        ("Dropout, dropout, DROPOUT! Dropout dropout dropout; dropout dropout.", "repetitive"),
        (OVERFITTING.prompt.en, "copied_question"),
        (OVERFITTING.prompt.zh, "copied_question"),
        (f"{OVERFITTING.prompt.en} {OVERFITTING.prompt.en}", "copied_question"),
    ],
)
def test_degenerate_answers_score_zero_with_a_reason(text: str, reason: str) -> None:
    feedback = score(OVERFITTING, text)
    assert (feedback.score, feedback.reason) == (0.0, reason)
    assert not covered(feedback)


def test_prompt_copy_followed_by_a_real_answer_still_counts() -> None:
    feedback = score(OVERFITTING, f"{OVERFITTING.prompt.en} {GOOD_EN}")
    assert feedback.score == 10.0


def test_reusing_prompt_terms_is_not_copying() -> None:
    feedback = score(
        BATCH_NORM, "Batch normalization normalizes activations with batch statistics."
    )
    assert feedback.reason is None
    assert "normalize_activations" in covered(feedback)


@pytest.mark.parametrize(
    "text",
    [
        "dropout, weight decay, early stopping, data augmentation, more training data",
        "Dropout; weight decay; early stopping; data augmentation; random crops; more data.",
        "dropout and weight decay and early stopping and data augmentation and more data",
        "dropout weight decay early stopping data augmentation",
        "Dropout.\nWeight decay.\nEarly stopping.\nData augmentation.",
        "- dropout\n- weight decay\n- early stopping\n- random crops",
        "权重衰减、dropout、数据增强、早停、更多数据",
        # other questions' buzzwords pasted in too
        "dropout, weight decay, early stopping, data augmentation, attention, LoRA, RAG, RLHF,"
        " vector database, chunking, embeddings, beam search, batch statistics",
    ],
)
def test_keyword_dumps_score_low(text: str) -> None:
    feedback = score(OVERFITTING, text)
    assert feedback.reason == "keyword_dump"
    assert feedback.score <= 2.5
    assert len(covered(feedback)) >= 4  # coverage is reported honestly, credit is not


def test_padding_a_dump_with_unrelated_prose_does_not_help() -> None:
    dump = "dropout, weight decay, early stopping, data augmentation, more training data."
    padding = " I have always enjoyed learning new things, and I hope this answer shows my passion."
    assert score(OVERFITTING, dump + padding * 3).score <= score(OVERFITTING, dump).score


def test_an_enumeration_inside_prose_is_not_a_dump() -> None:
    text = (
        "To fight it I would regularize: add weight decay, then dropout in the dense layers. "
        "Augmenting the data, stopping early and getting more data help as well."
    )
    feedback = score(OVERFITTING, text)
    assert feedback.reason is None and feedback.score == 10.0


def test_rubric_is_compiled_once_per_question_object() -> None:
    assert rubric_for(OVERFITTING) is rubric_for(OVERFITTING)
    copy = Question.model_validate(OVERFITTING.model_dump())
    assert rubric_for(copy) is not rubric_for(OVERFITTING)
    assert Rubric(copy).score(GOOD_EN, semantic=False) == score(OVERFITTING, GOOD_EN)


def test_choice_questions_have_no_rubric() -> None:
    with pytest.raises(ValueError, match="only short questions"):
        score(BANK["dropout-inference"], "b")


def test_single_answer_choice() -> None:
    question = BANK["dropout-inference"]
    right = score_choice(question, {"b"})
    assert right.score == 10.0 and right.reason is None
    assert [(p.id, p.weight, p.covered) for p in right.points] == [
        ("a", 0, False),
        ("b", 1, True),
        ("c", 0, False),
    ]
    assert score_choice(question, {"a"}).score == 0.0
    assert score_choice(question, {"a", "b"}).score == 0.0
    assert score_choice(question, {"b"}, lang="zh").points[1].label == "关闭 dropout，不再缩放"


def test_multi_answer_choice_partial_credit() -> None:
    question = BANK["overfitting-signs"]  # correct: a, c
    assert score_choice(question, ["a", "c"]).score == 10.0
    assert score_choice(question, {"a"}).score == 5.0
    assert score_choice(question, {"a", "b"}).score == 0.0
    assert score_choice(question, {"a", "b", "c", "d"}).score == 0.0
    assert score_choice(question, {"a", "c", "d"}).score == 5.0


def test_choice_errors() -> None:
    question = BANK["dropout-inference"]
    empty = score_choice(question, set())
    assert (empty.score, empty.reason) == (0.0, "empty")
    with pytest.raises(ValueError, match="unknown option"):
        score_choice(question, {"z"})
    with pytest.raises(ValueError, match="not a choice question"):
        score_choice(OVERFITTING, {"a"})


QUESTIONS = [OVERFITTING, BATCH_NORM, RAG]


@settings(max_examples=300, deadline=None)
@given(question=st.sampled_from(QUESTIONS), text=st.text(max_size=400))
def test_any_text_scores_within_bounds(question: Question, text: str) -> None:
    feedback = score(question, text)
    assert 0.0 <= feedback.score <= 10.0
    assert len(feedback.points) == len(question.key_points or ())
    assert all(p.evidence is None or p.evidence in text for p in feedback.points)


BASES = [
    GOOD_EN,
    GOOD_ZH,
    "I would use dropout, and weight decay on the large layers.",
    "Batch normalization normalizes activations with batch statistics, then applies a "
    "learnable scale so training is stable even with a higher learning rate.",
    "Documents are split into chunks and stored as embeddings in a vector index; we retrieve "
    "the top-k similar chunks and put them into the prompt as context.",
    "RAG 先把文档切块并向量化，存进向量数据库，提问时检索相似的片段，放入提示词作为上下文。",
]
FILLER_WORDS = [
    *("the", "weather", "was", "pleasant", "yesterday", "afternoon", "I", "enjoy", "hiking"),
    *("with", "friends", "一起", "去", "公园", "散步", "吃饭", "天气", "很好", "music"),
    *("guitar", "coffee", "mountains", "2024"),
]
FILLER = st.lists(
    st.sampled_from(FILLER_WORDS),
    min_size=1,
    max_size=40,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    question=st.sampled_from(QUESTIONS),
    base=st.sampled_from(BASES),
    filler=FILLER,
    glue=st.sampled_from([". ", "。", "\n", " "]),
    before=st.booleans(),
)
def test_adding_unrelated_text_never_raises_the_score(
    question: Question, base: str, filler: str, glue: str, before: bool
) -> None:
    original = score(question, base)
    assume(original.reason is None)
    padded = score(question, f"{filler}{glue}{base}" if before else f"{base}{glue}{filler}")
    assert padded.score <= original.score
