"""Conversion of trained models to LiteRT (``.tflite``), checked against Keras, for serving.

Each model is exported through serving endpoints that call it with ``training=False`` (Keras 3's
plain ``model.export`` leaves the CNN's augmentation layers on), written as a SavedModel and
converted with ``TFLiteConverter.from_saved_model`` in fp32, no quantisation (int8 changes a
third of the GAN's pixels; ``from_concrete_functions`` gave a generator that outputs NaN).
Batches are fixed: 16 for a generator (a dynamic batch takes the transposed convolution off
the fast CPU path), 1 for a classifier; the bot splits requests into padded chunks. A generator
with a label embedding also gets ``blend(z, start, end, weight)``, its tail fed with
``(1 - weight) E[start] + weight E[end]``, for ``/gan interpolate``. Every conversion is run
against the Keras model before it is written; its figures go in the card's ``tflite`` block.
"""

from __future__ import annotations

import platform
import tempfile
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.ml.preprocess import to_uint8
from bot.ml.tf_backend import embedding_tail
from training import artifacts

if TYPE_CHECKING:
    import keras

GAN_BATCH = 16
CNN_BATCH = 1
TOLERANCE = 1e-5  # |LiteRT - Keras| <= TOLERANCE * (1 + |Keras|), element-wise
CHECK_SAMPLES = 64  # probe inputs the conversion is checked on (seeded)
RUNTIME = "LiteRT (ai-edge-litert), fp32, no quantisation"


class ConversionError(artifacts.ArtifactError):
    """A conversion that does not reproduce its Keras model (message: by how much)."""


def tflite_path(model_file: Path) -> Path:
    """The conversion beside a model file (``gan-digits.keras`` -> ``gan-digits.tflite``)."""
    return model_file.with_suffix(".tflite")


def _endpoints(model: keras.Model, kind: str) -> dict[str, tuple[Any, list[Any]]]:
    """Serving functions by signature name, each with its fixed-batch input signature."""
    import tensorflow as tf

    if kind == "cnn":
        shape = tuple(model.inputs[0].shape[1:])

        def logits(images: tf.Tensor) -> dict[str, tf.Tensor]:
            return {"logits": model(images, training=False)}

        spec = [tf.TensorSpec([CNN_BATCH, *shape], tf.float32, name="images")]
        return {"logits": (logits, spec)}
    latent = int(model.inputs[0].shape[-1])
    z = tf.TensorSpec([GAN_BATCH, latent], tf.float32, name="z")

    def generate(z: tf.Tensor, label: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"images": model([z, label], training=False)}

    endpoints = {"generate": (generate, [z, tf.TensorSpec([GAN_BATCH], tf.int32, name="label")])}
    found = embedding_tail(model)
    if found is None:
        return endpoints
    table = tf.constant(found[0])
    tail = found[1]

    def blend(
        z: tf.Tensor, start: tf.Tensor, end: tf.Tensor, weight: tf.Tensor
    ) -> dict[str, tf.Tensor]:
        w = weight[:, None]
        embedded = (1 - w) * tf.gather(table, start) + w * tf.gather(table, end)
        return {"images": tail([z, embedded], training=False)}

    labels = [tf.TensorSpec([GAN_BATCH], tf.int32, name=name) for name in ("start", "end")]
    weight = tf.TensorSpec([GAN_BATCH], tf.float32, name="weight")
    endpoints["blend"] = (blend, [z, *labels, weight])
    return endpoints


def convert(model: keras.Model, kind: str) -> bytes:
    """The ``.tflite`` bytes of a CNN (signature ``logits``) or generator (``generate``…)."""
    import keras
    import tensorflow as tf

    endpoints = _endpoints(model, kind)
    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (function, signature) in endpoints.items():
        archive.add_endpoint(name, function, input_signature=signature)
    with tempfile.TemporaryDirectory(prefix="aiclub-export-") as saved:
        archive.write_out(saved, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved, signature_keys=[*endpoints])
        return bytes(converter.convert())


def _probes(
    model: keras.Model, kind: str, classes: int
) -> dict[str, tuple[dict[str, np.ndarray], Any]]:
    """Seeded inputs for each signature and the Keras outputs they should give."""
    rng = np.random.default_rng(0)
    if kind == "cnn":
        images = rng.uniform(-1.0, 1.0, (CHECK_SAMPLES, *model.inputs[0].shape[1:]))
        images = images.astype(np.float32)
        return {"logits": ({"images": images}, np.asarray(model(images, training=False)))}
    latent = int(model.inputs[0].shape[-1])
    z = rng.standard_normal((CHECK_SAMPLES, latent), dtype=np.float32)
    labels = (np.arange(CHECK_SAMPLES) % classes).astype(np.int32)
    probes = {
        "generate": ({"z": z, "label": labels}, np.asarray(model([z, labels], training=False)))
    }
    found = embedding_tail(model)
    if found is not None:
        table, tail = found
        start, end = labels, labels[::-1].copy()
        weight = np.linspace(0.0, 1.0, CHECK_SAMPLES, dtype=np.float32)
        embedded = (1 - weight[:, None]) * table[start] + weight[:, None] * table[end]
        expected = np.asarray(tail([z, embedded], training=False))
        probes["blend"] = ({"z": z, "start": start, "end": end, "weight": weight}, expected)
    return probes


def check(tflite: bytes, model: keras.Model, kind: str, classes: int) -> dict[str, Any]:
    """Run the conversion on seeded inputs beside Keras; ConversionError if they disagree.

    Returns the figures for the card: the largest difference, and for a generator how many
    8-bit pixels differ (0: a seed draws the same picture on either backend).
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite, num_threads=1)
    batch = GAN_BATCH if kind == "gan" else CNN_BATCH
    probes = _probes(model, kind, classes)
    worst, pixels = 0.0, 0
    for key, (inputs, expected) in probes.items():
        runner = interpreter.get_signature_runner(key)
        outputs = np.concatenate([
            next(iter(runner(**{k: v[i : i + batch] for k, v in inputs.items()}).values()))
            for i in range(0, CHECK_SAMPLES, batch)
        ])  # fmt: skip
        if not np.all(np.isfinite(outputs)):
            raise ConversionError(f"the converted {kind} ({key}) outputs NaN or infinity")
        gap = float(np.abs(outputs - expected).max())
        if not np.allclose(outputs, expected, rtol=TOLERANCE, atol=TOLERANCE):
            raise ConversionError(f"the converted {kind} ({key}) differs from Keras by {gap:.3g}")
        worst = max(worst, gap)
        if kind == "gan":
            pixels += int(np.count_nonzero(to_uint8(outputs) != to_uint8(expected)))
    figures: dict[str, Any] = {
        "signatures": list(probes),
        "outputs_checked": CHECK_SAMPLES * len(probes),
        "max_abs_diff_vs_keras": worst,
    }
    if kind == "gan":
        figures["uint8_pixels_differing"] = pixels
    return figures


def write_tflite(model: keras.Model, kind: str, model_file: Path, classes: int) -> dict[str, Any]:
    """Convert, check and write the ``.tflite`` beside ``model_file``; returns the card block.

    ``classes``: how many classes the model knows (a generator's labels are checked on them).
    """
    tflite = convert(model, kind)
    figures = check(tflite, model, kind, classes)
    path = tflite_path(model_file)
    digest = artifacts.write_bytes(tflite, path)
    signatures = figures.pop("signatures")
    return {
        "file": path.name,
        "sha256": digest,
        "size_bytes": len(tflite),
        "runtime": RUNTIME,
        "batch": CNN_BATCH if kind == "cnn" else GAN_BATCH,
        "signatures": signatures,
        "check": {**figures, "tolerance": f"|LiteRT - Keras| <= {TOLERANCE:g} (1 + |Keras|)"},
        "converted_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "converter_versions": _versions(),
    }


def _versions() -> dict[str, str]:
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "ai-edge-litert": version("ai-edge-litert"),
    }


def convert_file(model_file: Path) -> dict[str, Any]:
    """(Re)convert a carded ``.keras`` file: write its ``.tflite``, record it in its card.

    The model is not retrained; its card must describe it. Returns the updated card.
    """
    card = artifacts.read_card(model_file)
    card_file = artifacts.card_path(model_file)
    kind, classes = card.get("kind"), card.get("class_names")
    if kind not in ("cnn", "gan") or not isinstance(classes, list) or not classes:
        raise artifacts.ArtifactError(f"{card_file} has no valid kind and class_names")
    model = artifacts.load_model(model_file)
    card["tflite"] = write_tflite(model, kind, model_file, len(classes))
    artifacts.write_json(card, card_file)
    return card
