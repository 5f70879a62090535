""" "This doesn't look like a digit": an out-of-distribution check on what the model saw (numpy).

An upload is refused as a digit when the preprocessing found no ink (a blank page, a gradient,
noise too faint to be strokes), when ink covers too much of the picture (textures, photos), or
when the framed image is far from every handwritten digit the model learned from (letters,
shapes): the mean Euclidean distance to its ``k`` nearest training images, in the dataset's
pixel range. The thresholds are chosen on data at training time and written in the model card
(``ood``); a card without them gets no check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.ml.images import PreparedDigit

REASONS = ("no_ink", "too_much_ink", "unlike_training")


@dataclass(frozen=True)
class OodCheck:
    """The thresholds of the check, as the card gives them."""

    k: int
    max_distance: float
    max_ink_share: float

    @classmethod
    def from_card(cls, data: dict[str, Any]) -> OodCheck | None:
        """The check a card's ``ood`` block describes, or None when it has none."""
        block = data.get("ood")
        if not isinstance(block, dict):
            return None
        return cls(
            k=int(block["k"]),
            max_distance=float(block["max_distance"]),
            max_ink_share=float(block["max_ink_share"]),
        )

    def to_card(self) -> dict[str, Any]:
        """The card's ``ood`` block (without the notes the trainer adds)."""
        return {"k": self.k, "max_distance": self.max_distance, "max_ink_share": self.max_ink_share}

    def reason(self, prepared: PreparedDigit, distance: float) -> str | None:
        """Why the upload does not look like a digit, or None when it does."""
        if not prepared.found_ink:
            return "no_ink"
        if prepared.ink_share > self.max_ink_share:
            return "too_much_ink"
        if distance > self.max_distance:
            return "unlike_training"
        return None


def nearest_distance(pixels: np.ndarray, reference: np.ndarray, k: int) -> float:
    """Mean Euclidean distance from ``pixels`` (H, W) to its ``k`` nearest reference images."""
    flat = np.asarray(reference, np.float64).reshape(len(reference), -1)
    query = np.asarray(pixels, np.float64).reshape(-1)
    distances = np.sqrt(((flat - query) ** 2).sum(axis=1))
    k = min(k, len(distances))
    return float(np.partition(distances, k - 1)[:k].mean())
