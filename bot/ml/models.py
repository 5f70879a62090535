"""The models the bot serves, loaded together so that a reload swaps them in one step.

Every ``<kind>-<dataset>.keras`` file in the models directory with a good card is served
(``gan-digits``, ``cnn-digits``, ``cnn-cifar10``, ``gan-mnist``…); the digits models are the
defaults when a command names none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ml.backend import Backend, Classifier, Generator, ModelLoadError
from bot.ml.cards import KINDS, CardError, ModelCard, read_card

log = logging.getLogger(__name__)
DATASET = "digits"


def model_file(models_dir: Path, kind: str, dataset: str = DATASET) -> Path:
    """Where the model of ``kind`` ('gan' or 'cnn') trained on ``dataset`` lives."""
    return models_dir / f"{kind}-{dataset}.keras"


def kind_of(name: str) -> str:
    """The kind of a model from its name (``cnn-cifar10`` -> ``cnn``)."""
    return name.split("-", 1)[0]


@dataclass(frozen=True)
class ModelSet:
    """The loaded models by name, and why each model that is not served is missing."""

    generators: dict[str, Generator] = field(default_factory=dict)
    classifiers: dict[str, Classifier] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    def named(self, kind: str) -> dict[str, Any]:
        """The loaded models of ``kind`` by name."""
        return dict(self.generators if kind == "gan" else self.classifiers)

    def get(self, kind: str, name: str | None = None) -> Any:
        """The model called ``name``, or by default the digits one (else the first); or None."""
        models = self.named(kind)
        if name is not None:
            return models.get(name)
        default = f"{kind}-{DATASET}"
        return models.get(default) or next(iter(sorted(models.items())), (None, None))[1]

    @property
    def generator(self) -> Generator | None:
        """The default generator."""
        return self.get("gan")

    @property
    def classifier(self) -> Classifier | None:
        """The default classifier."""
        return self.get("cnn")

    def card(self, kind: str, name: str | None = None) -> ModelCard | None:
        """The card of a loaded model (the default one of ``kind`` when ``name`` is None)."""
        model = self.get(kind, name)
        return model.card if model is not None else None

    def cards(self) -> dict[str, ModelCard | str]:
        """Every model's card, or why it is not served, by name."""
        found: dict[str, ModelCard | str] = dict(self.problems)
        for kind in KINDS:
            found.update({name: model.card for name, model in self.named(kind).items()})
        return dict(sorted(found.items()))

    def versions(self) -> list[str]:
        """Versions of the loaded models."""
        return [
            model.card.version for kind in KINDS for _, model in sorted(self.named(kind).items())
        ]


def read_cards(models_dir: Path) -> dict[str, ModelCard | str]:
    """Each model's card or the reason it cannot be served, by name (no TensorFlow needed).

    The digits models are always listed, so that a missing one says so.
    """
    found: dict[str, ModelCard | str] = {}
    for kind in KINDS:
        files = {model_file(models_dir, kind), *models_dir.glob(f"{kind}-*.keras")}
        for path in sorted(files):
            try:
                found[path.stem] = read_card(path, kind)
            except CardError as exc:
                found[path.stem] = str(exc)
    return found


def load_models(models_dir: Path, backend: Backend) -> ModelSet:
    """Load every model whose file and card check out; the backend is not touched otherwise."""
    generators: dict[str, Generator] = {}
    classifiers: dict[str, Classifier] = {}
    problems: dict[str, str] = {}
    for name, card in read_cards(models_dir).items():
        if isinstance(card, str):
            problems[name] = card
            continue
        try:
            if card.kind == "gan":
                generators[name] = backend.load_generator(card)
            else:
                classifiers[name] = backend.load_classifier(card)
        except ModelLoadError as exc:
            problems[name] = str(exc)
    for name, problem in problems.items():
        log.warning("model %s not served: %s", name, problem)
    return ModelSet(generators=generators, classifiers=classifiers, problems=problems)
