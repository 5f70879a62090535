"""What the inference service needs from a model runtime (LiteRT, else TensorFlow).

Everything here runs in the single inference worker thread. A backend turns a checked model
card into a callable model; models take and return numpy arrays.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from bot.ml.cards import ModelCard


class ModelLoadError(Exception):
    """A model file exists but cannot be loaded or does not fit its card (message: why)."""


class Generator(Protocol):
    """A conditional generator: latents and labels in, images in [-1, 1] (N, H, W, C) out."""

    card: ModelCard

    @property
    def label_blending(self) -> bool:
        """Whether ``blend`` can mix two labels (through the generator's label embedding)."""
        ...

    def generate(self, z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Images for float32 latents (N, latent_dim) and int32 labels (N,)."""
        ...

    def blend(
        self, z: np.ndarray, start: np.ndarray, end: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """Images whose label is ``(1 - w) * start + w * end`` in the label-embedding space."""
        ...


class Classifier(Protocol):
    """An image classifier: images in [-1, 1] (N, H, W, C) in, logits (N, classes) out."""

    card: ModelCard

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Unnormalized class scores in ``card.class_names`` order."""
        ...


class Backend(Protocol):
    """Loads models; raises ModelLoadError for a file it cannot serve."""

    def load_generator(self, card: ModelCard) -> Generator:
        """The generator in ``card.model_file``, ready to call (warmed up)."""
        ...

    def load_classifier(self, card: ModelCard) -> Classifier:
        """The classifier in ``card.model_file``, ready to call (warmed up)."""
        ...
