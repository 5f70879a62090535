"""A fast, strict, TensorFlow-free backend for the inference service, and its model files.

The fake implements the same interface as ``TfBackend``: it reads its own model files (a magic
header plus a version), refuses anything else as corrupt, checks every array's shape and dtype
like a traced ``tf.function`` would, and computes real (if simple) outputs: class-mean digits
nudged by the latents, and a nearest-centroid classifier. A ``Gate`` can hold a call in the
worker thread so tests can look at the bot while a job is running.
"""

from __future__ import annotations

import hashlib
import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.ml.backend import ModelLoadError
from bot.ml.cards import ModelCard
from bot.ml.preprocess import normalize_images

MAGIC = {"gan": b"FAKE-GAN\n", "cnn": b"FAKE-CNN\n"}
LATENT_DIM = 8
CLASSES = [str(d) for d in range(10)]


OOD = {"k": 5, "max_distance": 41.0, "max_ink_share": 0.25}  # the shipped card's kind of check


def write_fake_model(
    models_dir: Path, kind: str, version: str = "1", *, ood: dict[str, Any] | None = OOD
) -> str:
    """Write ``<kind>-digits.keras`` and its card; returns the model version.

    A CNN's card carries the out-of-distribution check ``ood`` (None: a card without one).
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    model = models_dir / f"{kind}-digits.keras"
    model.write_bytes(MAGIC[kind] + version.encode())
    model_version = f"{kind}-digits-fake{version}"
    image = {
        "shape": [None, 8, 8, 1],
        "dtype": "float32",
        "layout": "NHWC",
        "value_range": [-1.0, 1.0],
    }
    card: dict[str, Any] = {
        "card_format": 1, "name": f"{kind}-digits", "kind": kind,
        "model_file": model.name, "model_version": model_version,
        "file_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "created_utc": "2026-11-20T10:00:00+00:00", "class_names": CLASSES,
        "dataset": {"name": "digits", "source": "scikit-learn load_digits (bundled, offline)",
                    "split": "stratified 80%/20%, seed 20240601", "train_size": 1437,
                    "test_size": 360},
    }  # fmt: skip
    if kind == "cnn":
        card |= {
            "input": {**image, "raw_pixel_range": [0, 16.0]},
            "output": {"shape": [None, 10], "kind": "logits"},
            "metrics": {
                "accuracy": 0.9861,
                "svc_baseline_accuracy": 0.9806,
                "uploads": {
                    "heldback": {
                        "digits": 270,
                        "accuracy": 0.889,
                        "false_reject_rate": 0.033,
                        "detection_rate": 0.944,
                    }
                },
            },
            "gates": {"accuracy >= 0.985": True},
        }
        if ood is not None:
            card["ood"] = ood
    else:
        card |= {
            "latent_dim": LATENT_DIM,
            "inputs": {"z": {"shape": [None, LATENT_DIM]}, "label": {"shape": [None]}},
            "output": image,
            "metrics": {"frechet_distance": 12.5, "frechet_floor_train_vs_test": 8.25,
                        "frechet_ceiling_uniform_noise": 410.0, "conditional_accuracy": 0.97},
            "gates": {"conditional accuracy >= 0.95": True, "frechet <= 2 x floor": True},
        }  # fmt: skip
    (models_dir / f"{kind}-digits.json").write_text(json.dumps(card), encoding="utf-8")
    return model_version


class Gate:
    """Holds model calls in the worker until opened (``entered`` is set once one waits)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        self.entered.set()
        if not self.opened.wait(timeout=60):
            raise RuntimeError("the test never opened the gate")

    def open(self) -> None:
        self.opened.set()


@cache
def _class_means() -> np.ndarray:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    means = np.stack([bunch.images[bunch.target == d].mean(axis=0) for d in range(10)])
    return normalize_images(means, 16.0)


def _check(array: np.ndarray, dtype: type, shape: tuple[int | None, ...], what: str) -> None:
    if not isinstance(array, np.ndarray) or array.dtype != dtype:
        raise TypeError(f"{what} must be a {np.dtype(dtype)} array, got {type(array)}")
    if len(array.shape) != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        raise ValueError(f"{what} must have shape {shape}, got {array.shape}")


class FakeGenerator:
    """Class-mean digits plus a small latent-dependent perturbation."""

    def __init__(self, card: ModelCard, gate: Gate | None, blending: bool) -> None:
        self.card, self._gate, self._blending = card, gate, blending
        self._mix = np.random.default_rng(0).standard_normal((LATENT_DIM, 64)).astype(np.float32)
        self.calls = 0

    @property
    def label_blending(self) -> bool:
        return self._blending

    def _images(self, z: np.ndarray, glyphs: np.ndarray) -> np.ndarray:
        _check(z, np.float32, (len(glyphs), LATENT_DIM), "z")
        self.calls += 1
        if self._gate is not None:
            self._gate.wait()
        noise = np.tanh(z @ self._mix).reshape(-1, 8, 8, 1) * 0.3
        return np.clip(glyphs + noise, -1.0, 1.0).astype(np.float32)

    def _labels(self, labels: np.ndarray) -> np.ndarray:
        _check(labels, np.int32, (None,), "label")
        if labels.size and not (labels.min() >= 0 and labels.max() < 10):
            raise ValueError("label out of range")
        return labels

    def generate(self, z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return self._images(z, _class_means()[self._labels(labels)])

    def blend(
        self, z: np.ndarray, start: np.ndarray, end: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        if not self._blending:
            raise ModelLoadError("no label embedding")
        means = _class_means()
        w = weights.astype(np.float32)[:, None, None, None]
        return self._images(z, (1 - w) * means[self._labels(start)] + w * means[self._labels(end)])


class FakeClassifier:
    """Nearest class mean: logits are minus the squared distances."""

    def __init__(self, card: ModelCard, gate: Gate | None) -> None:
        self.card, self._gate = card, gate
        self.calls = 0

    def logits(self, images: np.ndarray) -> np.ndarray:
        _check(images, np.float32, (None, 8, 8, 1), "images")
        self.calls += 1
        if self._gate is not None:
            self._gate.wait()
        distances = ((images[:, None] - _class_means()[None]) ** 2).sum(axis=(2, 3, 4))
        return (-distances).astype(np.float32)


class FakeBackend:
    """Loads the files ``write_fake_model`` writes; anything else is a corrupt model."""

    def __init__(self, gate: Gate | None = None, *, blending: bool = True) -> None:
        self.gate, self.blending = gate, blending
        self.loads = 0
        self.generators: list[FakeGenerator] = []

    def _read(self, card: ModelCard) -> None:
        self.loads += 1
        if not card.model_file.read_bytes().startswith(MAGIC[card.kind]):
            raise ModelLoadError(f"cannot load {card.model_file.name}: not a model file")

    def load_generator(self, card: ModelCard) -> FakeGenerator:
        self._read(card)
        generator = FakeGenerator(card, self.gate, self.blending)
        self.generators.append(generator)
        return generator

    def load_classifier(self, card: ModelCard) -> FakeClassifier:
        self._read(card)
        return FakeClassifier(card, self.gate)
