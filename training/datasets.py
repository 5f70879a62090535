"""Datasets for training and evaluation, normalized by the bot's shared preprocessing.

``digits`` (the default) is scikit-learn's bundled 8x8 digits and works offline; ``mnist`` and
``cifar10`` use the real ``keras.datasets`` loaders, which download on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.ml.preprocess import normalize_images

DATASETS = ("digits", "mnist", "cifar10")
SPLIT_SEED = 20240601
TEST_FRACTION = 0.2
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
DIGIT_CLASSES = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class Dataset:
    """A normalized train/test split: images float32 (N, H, W, C) in [-1, 1], labels int32."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    max_value: float
    split: str
    split_seed: int | None = None

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """Shape of one image, (H, W, C)."""
        h, w, c = self.x_train.shape[1:]
        return int(h), int(w), int(c)

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    def head(self, n_train: int, n_test: int) -> Dataset:
        """The first examples of each split (for quick runs and tests)."""
        return Dataset(
            self.name, self.x_train[:n_train], self.y_train[:n_train],
            self.x_test[:n_test], self.y_test[:n_test], self.class_names, self.max_value,
            f"{self.split}; first {n_train} train / {n_test} test", self.split_seed,
        )  # fmt: skip


def load_dataset(name: str) -> Dataset:
    """Load a dataset by name ('digits', 'mnist' or 'cifar10') with its fixed split."""
    if name == "digits":
        return _load_digits()
    if name in ("mnist", "cifar10"):
        return _load_keras(name)
    raise ValueError(f"unknown dataset '{name}' (choose from {', '.join(DATASETS)})")


def dataset_for_shape(input_shape: tuple[int, ...]) -> str:
    """The dataset whose images have this (H, W, C) shape."""
    shapes: dict[tuple[int, ...], str] = {
        (8, 8, 1): "digits",
        (28, 28, 1): "mnist",
        (32, 32, 3): "cifar10",
    }
    try:
        return shapes[tuple(int(d) for d in input_shape)]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"no known dataset has images of shape {input_shape}") from None


def _load_digits() -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        bunch.images, bunch.target, test_size=TEST_FRACTION, stratify=bunch.target,
        random_state=SPLIT_SEED,
    )  # fmt: skip
    return Dataset(
        "digits",
        normalize_images(x_train, 16.0),
        y_train.astype(np.int32),
        normalize_images(x_test, 16.0),
        y_test.astype(np.int32),
        DIGIT_CLASSES,
        16.0,
        f"stratified {1 - TEST_FRACTION:.0%}/{TEST_FRACTION:.0%}, seed {SPLIT_SEED}",
        SPLIT_SEED,
    )


def _load_keras(name: str) -> Dataset:
    import keras

    loader = keras.datasets.mnist if name == "mnist" else keras.datasets.cifar10
    (x_train, y_train), (x_test, y_test) = loader.load_data()
    return Dataset(
        name,
        normalize_images(x_train, 255.0),
        np.asarray(y_train).reshape(-1).astype(np.int32),
        normalize_images(x_test, 255.0),
        np.asarray(y_test).reshape(-1).astype(np.int32),
        DIGIT_CLASSES if name == "mnist" else CIFAR10_CLASSES,
        255.0,
        "the dataset's official train/test split",
    )
