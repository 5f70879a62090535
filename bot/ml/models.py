"""The models the bot serves, loaded together so that a reload swaps them in one step."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.ml.backend import Backend, Classifier, Generator, ModelLoadError
from bot.ml.cards import KINDS, CardError, ModelCard, read_card

log = logging.getLogger(__name__)
DATASET = "digits"


def model_file(models_dir: Path, kind: str) -> Path:
    """Where the served model of ``kind`` ('gan' or 'cnn') lives."""
    return models_dir / f"{kind}-{DATASET}.keras"


@dataclass(frozen=True)
class ModelSet:
    """The loaded generator and classifier (None when unusable) and why each is missing."""

    generator: Generator | None = None
    classifier: Classifier | None = None
    problems: dict[str, str] = field(default_factory=dict)

    def card(self, kind: str) -> ModelCard | None:
        """The card of the loaded model of ``kind``."""
        model = self.generator if kind == "gan" else self.classifier
        return model.card if model is not None else None

    def versions(self) -> list[str]:
        """Versions of the loaded models."""
        return [card.version for kind in KINDS if (card := self.card(kind)) is not None]


def read_cards(models_dir: Path) -> dict[str, ModelCard | str]:
    """Each kind's card, or the reason it cannot be served (no TensorFlow needed)."""
    found: dict[str, ModelCard | str] = {}
    for kind in KINDS:
        try:
            found[kind] = read_card(model_file(models_dir, kind), kind)
        except CardError as exc:
            found[kind] = str(exc)
    return found


def load_models(models_dir: Path, backend: Backend) -> ModelSet:
    """Load every model whose file and card check out; the backend is not touched otherwise."""
    generator: Generator | None = None
    classifier: Classifier | None = None
    problems: dict[str, str] = {}
    for kind, card in read_cards(models_dir).items():
        if isinstance(card, str):
            problems[kind] = card
            continue
        try:
            if kind == "gan":
                generator = backend.load_generator(card)
            else:
                classifier = backend.load_classifier(card)
        except ModelLoadError as exc:
            problems[kind] = str(exc)
    for kind, problem in problems.items():
        log.warning("%s model not served: %s", kind, problem)
    return ModelSet(generator=generator, classifier=classifier, problems=problems)
