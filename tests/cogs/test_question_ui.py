"""The feedback card: each sentence that earned points is quoted once, with every point it earned."""

from __future__ import annotations

from bot.questions.scoring import Feedback, PointResult
from cogs._question_ui import feedback_embed
from tests.helpers import lite_bank

SENTENCE = "Add weight decay, stop early on the validation set and gather more training data."


def _covered(text: str) -> str:
    question = lite_bank().get("overfit-lite")
    assert question is not None
    points = (
        PointResult("regularization", "Regularization", 2, True, SENTENCE),
        PointResult("early_stopping", "Early stopping", 2, True, SENTENCE, semantic=True),
        PointResult("more_data", "More data", 1, True, "More data helps."),
    )
    embed = feedback_embed(question, Feedback(10.0, points), "en", reveal_missed=False)
    return next(f.value for f in embed.fields if f.name == text)


def test_a_sentence_that_earned_several_points_is_quoted_once() -> None:
    covered = _covered("Key points you covered").splitlines()
    assert covered == [
        "✅ **Regularization** · **Early stopping** (credited by meaning) — “" + SENTENCE + "”",
        "✅ **More data** — “More data helps.”",
    ]
