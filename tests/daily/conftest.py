"""A small in-memory question bank for the daily-question service tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.questions.bank import QuestionBank, build_bank

BANK_YAML = """
questions:
  - slug: overfit-lite
    topic: dl-training
    difficulty: 2
    type: short
    prompt: {en: "How do you fight overfitting?", zh: "如何应对过拟合？"}
    reference_answer: {en: "Regularize, stop early, add data.", zh: "正则化、早停、增加数据。"}
    key_points:
      - id: regularization
        weight: 2
        label: {en: "Regularization", zh: "正则化"}
        aliases: {en: ["weight decay", "l2 regularization"], zh: ["权重衰减", "正则化"]}
      - id: early_stopping
        weight: 2
        label: {en: "Early stopping", zh: "早停"}
        aliases: {en: ["early stopping"], zh: ["早停", "提前停止"]}
      - id: more_data
        weight: 1
        label: {en: "More data", zh: "更多数据"}
        aliases: {en: ["more training data", "collect more data"], zh: ["更多数据", "增加数据"]}
  - slug: metrics-lite
    topic: evaluation-metrics
    difficulty: 1
    type: short
    prompt: {en: "Which metrics evaluate a classifier?", zh: "用哪些指标评估分类器？"}
    reference_answer: {en: "Precision, recall, F1.", zh: "精确率、召回率、F1。"}
    key_points:
      - id: precision
        weight: 1
        label: {en: "Precision", zh: "精确率"}
        aliases: {en: ["precision"], zh: ["精确率", "查准率"]}
      - id: recall
        weight: 1
        label: {en: "Recall", zh: "召回率"}
        aliases: {en: ["recall"], zh: ["召回率", "查全率"]}
      - id: f1
        weight: 1
        label: {en: "F1 score", zh: "F1 分数"}
        aliases: {en: ["f1 score", "f1"], zh: ["F1分数", "F1值"]}
  - slug: choice-lite
    topic: ml-fundamentals
    difficulty: 1
    type: choice
    prompt: {en: "Which loss suits binary classification?", zh: "二分类适合哪种损失？"}
    reference_answer: {en: "Binary cross-entropy.", zh: "二元交叉熵。"}
    options:
      - {id: a, en: "Mean squared error", zh: "均方误差"}
      - {id: b, en: "Binary cross-entropy", zh: "二元交叉熵"}
    correct: [b]
"""


@pytest.fixture
def bank() -> QuestionBank:
    """Three questions over three topics (two short, one choice)."""
    return build_bank([(Path("lite.yaml"), BANK_YAML)])
