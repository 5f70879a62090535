"""The CNN's digits re-created from the card's split (scikit-learn, no TF).

The bot never imports ``training``: the split is rebuilt from what the card records
(``load_digits`` + a stratified ``train_test_split`` with the card's test size and seed). The
test part gives held-out digits to classify; the training part is what the out-of-distribution
check compares an upload with.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from bot.ml.cards import ModelCard
from bot.ml.requests import JobError


def heldout_digits(card: ModelCard) -> tuple[np.ndarray, np.ndarray]:
    """Raw test images (N, 8, 8) in [0, 16] and their labels; JobError 'no_heldout' if unknown."""
    _, _, x_test, y_test = _split(*_split_of(card))
    return x_test, y_test


def training_digits(card: ModelCard) -> np.ndarray:
    """Raw training images (N, 8, 8) in [0, 16]; JobError 'no_heldout' if the split is unknown."""
    x_train, _, _, _ = _split(*_split_of(card))
    return x_train


def _split_of(card: ModelCard) -> tuple[int, int]:
    dataset = card.dataset
    seed, test_size = card.split_seed, dataset.get("test_size")
    if dataset.get("name") != "digits" or seed is None or not isinstance(test_size, int):
        raise JobError("no_heldout", dataset=dataset.get("name", "?"))
    return test_size, seed


@cache
def _split(test_size: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    parts = train_test_split(
        bunch.images, bunch.target, test_size=test_size, stratify=bunch.target,
        random_state=seed,
    )  # fmt: skip
    for part in parts:
        part.setflags(write=False)
    x_train, x_test, y_train, y_test = parts
    return x_train, y_train, x_test, y_test
