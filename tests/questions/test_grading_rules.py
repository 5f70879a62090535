"""Grading rules beyond alias matching: polarity, misconceptions, core/bonus scale, prompt
words, normalisation. Lexical only (the semantic layer is tested in test_semantic.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.questions.bank import build_bank
from bot.questions.scoring import DISMISSIVE_CAP, MISCONCEPTION_PENALTY, Feedback, score

BANK = build_bank(
    [
        (
            Path("rules.yaml"),
            """
questions:
  - slug: l1-vs-l2
    topic: ml-fundamentals
    difficulty: 2
    type: short
    prompt: {en: "Compare L1 and L2 regularization.", zh: "比较 L1 和 L2 正则化。"}
    reference_answer:
      en: "L1 drives many weights to exactly zero, so it gives sparse weights. L2 shrinks all weights smoothly. Use 1x1 convolutions to mix channels."
      zh: "L1 会把很多权重压到零，得到稀疏权重。L2 让所有权重平滑地变小。用 1x1 卷积混合通道。"
    key_points:
      - id: l1_sparse
        kind: core
        weight: 3
        label: {en: "L1 gives sparse weights", zh: "L1 产生稀疏权重"}
        description: {en: "L1 pushes many weights to exactly zero.", zh: "L1 把很多权重压到零。"}
        aliases: {en: ["sparse weights", "exactly zero", "l2 regularization"], zh: ["稀疏权重", "压到零"]}
      - id: l2_shrinks
        kind: core
        weight: 3
        label: {en: "L2 shrinks all weights", zh: "L2 让权重整体变小"}
        description: {en: "L2 makes every weight smaller without zeroing it.", zh: "L2 让每个权重都变小但不为零。"}
        aliases: {en: ["shrinks all weights", "weight decay"], zh: ["权重整体变小", "平滑地变小", "权重衰减"]}
      - id: pointwise
        kind: bonus
        weight: 1
        label: {en: "1x1 convolutions mix channels", zh: "1x1 卷积混合通道"}
        description: {en: "A pointwise convolution mixes channels.", zh: "逐点卷积混合通道。"}
        aliases: {en: ["1x1 convolution"], zh: ["1x1卷积"]}
    misconceptions:
      - id: l1_dense
        contradicts: l1_sparse
        label: {en: "L1 makes weights dense", zh: "L1 让权重变稠密"}
        patterns: {en: ["l1 dense"], zh: ["L1 稠密"]}
        correction: {en: "L1 makes weights sparse: many become exactly zero.", zh: "L1 让权重稀疏：很多权重变成零。"}
      - id: l2_sparse
        contradicts: l2_shrinks
        label: {en: "L2 makes weights sparse", zh: "L2 让权重稀疏"}
        patterns: {en: ["l2 sparse", "l2 exactly zero"], zh: ["L2 权重很稀疏"]}
        correction: {en: "L2 shrinks weights but rarely makes them exactly zero.", zh: "L2 让权重变小，但很少变成零。"}
""",
        )
    ]
)
QUESTION = BANK["l1-vs-l2"]


def grade(text: str) -> Feedback:
    return score(QUESTION, text, semantic=False)


def covered(feedback: Feedback) -> set[str]:
    return {p.id for p in feedback.points if p.covered}


def test_all_core_points_earn_nine_and_bonus_fills_to_ten() -> None:
    core = grade("L1 gives sparse weights. L2 shrinks all weights toward zero smoothly.")
    assert covered(core) == {"l1_sparse", "l2_shrinks"} and core.score == 9.0
    full = grade(
        "L1 gives sparse weights. L2 shrinks all weights smoothly. A 1x1 convolution mixes channels."
    )
    assert full.score == 10.0
    half = grade("L1 gives sparse weights, that is what it is for.")
    assert half.score == 4.5
    kinds = {p.id: p.kind for p in full.points}
    assert kinds == {"l1_sparse": "core", "l2_shrinks": "core", "pointwise": "bonus"}


def test_a_stated_misconception_costs_points_and_names_the_correction() -> None:
    feedback = grade("L1 makes the weights dense. L2 shrinks all weights smoothly.")
    (item,) = feedback.misconceptions
    assert item.id == "l1_dense" and item.contradicts == "l1_sparse"
    assert item.correction.startswith("L1 makes weights sparse")
    assert item.evidence == "L1 makes the weights dense"
    assert covered(feedback) == {"l2_shrinks"}
    assert feedback.score == pytest.approx(4.5 - MISCONCEPTION_PENALTY)
    assert feedback.reason == "misconception"


def test_a_misconception_denies_its_point_even_when_stated_elsewhere() -> None:
    feedback = grade("L1 gives sparse weights. Then again L1 makes weights dense.")
    assert "l1_sparse" not in covered(feedback) and feedback.misconceptions


def test_a_negated_misconception_is_not_stated() -> None:
    feedback = grade("L1 does not make weights dense: it gives sparse weights.")
    assert not feedback.misconceptions and "l1_sparse" in covered(feedback)


def test_chinese_misconception_and_its_correction_in_chinese() -> None:
    feedback = score(QUESTION, "L1 会让权重变得稠密，L2 让权重整体变小。", semantic=False)
    (item,) = feedback.misconceptions
    assert item.label == "L1 让权重变稠密" and item.correction.startswith("L1 让权重稀疏")


@pytest.mark.parametrize(
    "text",
    [
        "L2 never shrinks all weights, it is useless.",
        "I would not use weight decay at all.",
        "L2 正则不会让权重整体变小。",
        "我从不用权重衰减。",
    ],
)
def test_negated_key_points_earn_nothing(text: str) -> None:
    assert "l2_shrinks" not in covered(grade(text))


def test_an_opposite_word_inverts_the_point() -> None:
    assert "l1_sparse" not in covered(grade("L1 regularization gives dense weights, not sparse."))
    assert "l1_sparse" in covered(grade("L1 gives sparse weights, not dense ones."))


def test_aliases_made_of_prompt_words_are_never_credited() -> None:
    # "l2 regularization" is an alias of l1_sparse here, but the prompt says it already
    assert grade("Compare L1 and L2 regularization.").score == 0
    assert "l1_sparse" not in covered(grade("I know L2 regularization well, it is popular."))


def test_multiplication_sign_matches_x() -> None:
    assert "pointwise" in covered(
        grade("L1 gives sparse weights; a 1×1 convolution mixes channels.")
    )


def test_chinese_keyword_lists_with_long_items_are_dumps() -> None:
    feedback = grade("稀疏权重、权重整体变小、1x1卷积")
    assert feedback.reason == "keyword_dump"


@pytest.mark.parametrize(
    "text",
    [
        "Sparse weights are a myth. L2 never shrinks all weights, and weight decay is useless.",
        "我觉得没必要纠结稀疏权重。L2 也不会让权重整体变小，1x1卷积更没用。",
    ],
)
def test_an_answer_arguing_against_the_ideas_is_capped(text: str) -> None:
    feedback = grade(text)
    assert feedback.reason == "dismissive" and feedback.score <= DISMISSIVE_CAP


def test_correct_negations_and_modesty_are_not_dismissive() -> None:
    modest = grade(
        "L1 gives sparse weights. L2 shrinks all weights smoothly. Not sure about the rest."
    )
    assert modest.reason is None and modest.score == 9.0
    one = grade("L1 gives sparse weights, not dense ones. L2 shrinks all weights smoothly.")
    assert one.reason is None and one.score == 9.0


def test_chinese_patterns_accept_any_degree_word() -> None:
    # the pattern is "L2 权重很稀疏"
    for text in ("L2 会让权重非常稀疏。", "L2 让权重稀疏。", "L2 让权重最稀疏。"):
        assert [m.id for m in grade(text).misconceptions] == ["l2_sparse"], text
    for text in ("L2 让权重不稀疏。", "L2 的权重衰减得很平滑，稀疏的是 L1。"):
        assert not grade(text).misconceptions, text


def test_hyphenated_and_space_separated_lists_are_dumps() -> None:
    assert grade("sparse weights, weight decay, 1x1 convolution, human-in-the-loop").reason == (
        "keyword_dump"
    )
    assert grade("稀疏权重 权重衰减 压到零").reason == "keyword_dump"
