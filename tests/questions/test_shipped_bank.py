"""The shipped bank against its own rubrics: reference answers earn 10, prompts earn 0, the
expert review's wrong and trivial answers stay under 2, the seed answers score at least 9.

The regression answers (tests/questions/regressions/*.yaml) are the bank's own checks; the
grader's thresholds are tuned on tests/questions/golden/ instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.questions.bank import load_bank
from bot.questions.scoring import rubric_for, score

BANK = load_bank()
SHORT = BANK.filter(type="short")
REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.yaml"))
CASES = [
    (path.stem, case["slug"], case["text"])
    for path in REGRESSIONS
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
]

# The seed article's complete answers: its core points, said plainly.
SEED_ANSWERS = {
    ("overfitting", "en"): "Reduce the model's complexity, get more training data, add L1 or L2 "
    "regularization to the loss, and use early stopping on the validation set.",
    ("overfitting", "zh"): "可以降低模型复杂度，增加训练数据，在损失里加入 L1 或 L2 正则化，"
    "并且在验证集上使用早停。",
    ("model-evaluation", "en"): "Report accuracy, precision, recall and the F1 score on a "
    "held-out test set, and explain what each one tells you.",
    ("model-evaluation", "zh"): "在独立的测试集上看准确率、精确率、召回率和 F1 分数，"
    "并解释每个指标说明了什么。",
    ("training-optimization", "en"): "Choose a suitable architecture such as residual "
    "connections, decay the learning rate over training, add batch normalization, and use an "
    "adaptive optimizer like Adam or AdamW.",
    ("training-optimization", "zh"): "选择合适的网络结构（比如残差连接），训练中对学习率做衰减，"
    "加入批归一化，并使用 Adam 或 AdamW 这样的自适应优化器。",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("slug", [q.slug for q in SHORT])
def test_reference_answers_earn_every_point(slug: str, lang: str) -> None:
    question = BANK[slug]
    feedback = score(question, question.reference_answer.get(lang), lang)  # type: ignore[arg-type]
    missed = [p.id for p in feedback.points if not p.covered]
    assert feedback.score == 10.0 and not feedback.misconceptions, (missed, feedback.reason)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("slug", [q.slug for q in SHORT])
def test_the_prompt_alone_earns_nothing(slug: str, lang: str) -> None:
    question = BANK[slug]
    feedback = score(question, question.prompt.get(lang), lang)  # type: ignore[arg-type]
    assert feedback.score == 0.0, [p.id for p in feedback.points if p.covered]


def test_no_alias_is_made_of_its_prompt_words() -> None:
    assert {
        q.slug: rubric_for(q).prompt_aliases for q in SHORT if rubric_for(q).prompt_aliases
    } == {}


@pytest.mark.parametrize(
    ("file", "slug", "text"), CASES, ids=[f"{c[0]}:{c[1]}:{i}" for i, c in enumerate(CASES)]
)
def test_the_reviews_wrong_and_trivial_answers_stay_under_two(
    file: str, slug: str, text: str
) -> None:
    feedback = score(BANK[slug], text)
    assert feedback.score < 2, [(p.id, p.evidence) for p in feedback.points if p.covered]


@pytest.mark.parametrize(("slug", "lang"), list(SEED_ANSWERS))
def test_the_seed_articles_complete_answers_score_at_least_nine(slug: str, lang: str) -> None:
    feedback = score(BANK[slug], SEED_ANSWERS[slug, lang], lang)  # type: ignore[arg-type]
    assert feedback.score >= 9, [
        p.id for p in feedback.points if p.kind == "core" and not p.covered
    ]


def test_the_bank_is_ready_for_grading_by_meaning() -> None:
    assert len(CASES) >= 40 and len(REGRESSIONS) == 10
    for question in SHORT:
        assert len(question.misconceptions) >= 2, question.slug
        for point in question.key_points or ():
            assert point.description.en != point.label.en, (question.slug, point.id)
            assert point.description.zh != point.label.zh, (question.slug, point.id)
    core = {
        q: {p.id for p in BANK[q].key_points or () if p.kind == "core"}
        for q in ("overfitting", "model-evaluation", "training-optimization")
    }
    assert core == {
        "overfitting": {"reduce_complexity", "more_data", "regularization", "early_stopping"},
        "model-evaluation": {"accuracy", "precision", "recall", "f1"},
        "training-optimization": {"architecture", "lr_schedule", "batch_norm", "optimizer"},
    }


def test_the_review_corrections_are_in() -> None:
    nan = BANK["loss-nan-debug"].reference_answer
    assert "underflow" in nan.en and "下溢" in nan.zh
    assert "equivariant" in BANK["positional-encoding"].reference_answer.en
    assert BANK["reparameterization-trick"].difficulty == 2 and BANK["dpo-vs-ppo"].difficulty == 2
    assert BANK["data-leakage"].difficulty == 2 and BANK["l1-sparsity"].difficulty == 1
    assert BANK["function-calling"].difficulty == 1
    latent = " ".join(q.reference_answer.zh + q.prompt.zh for q in BANK if q.topic == "generative")
    assert "隐空间" not in latent and "隐变量" not in latent
