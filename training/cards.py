"""Model cards: the JSON beside each model file that says how to use it and how good it is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.ml.preprocess import INPUT_RANGE
from training.runtime import INTER_OP_THREADS, INTRA_OP_THREADS, library_versions

if TYPE_CHECKING:
    from training.datasets import Dataset

CARD_FORMAT = 1
INPUT_KINDS = {"digits": "digit", "mnist": "digit"}  # others: whole RGB/gray photos
OOD_METHOD = (
    "not a digit when the preprocessing finds no ink, when ink covers more than max_ink_share "
    "of the picture, or when the mean distance from the framed image (pixels 0-16) to its k "
    "nearest training digits exceeds max_distance; thresholds chosen on the tuning part of "
    "training.evalset (most negatives flagged with at most 4 % of its digits), figures in "
    "metrics.uploads.heldback"
)
DATASET_SOURCES = {
    "digits": "scikit-learn load_digits (bundled, offline)",
    "mnist": "keras.datasets.mnist",
    "cifar10": "keras.datasets.cifar10",
}


def model_version(kind: str, dataset: str, weights_sha256: str) -> str:
    """The version string of a model: its name and the start of its weights digest."""
    return f"{kind}-{dataset}-{weights_sha256[:12]}"


def _dataset(data: Dataset) -> dict[str, Any]:
    return {
        "name": data.name,
        "source": DATASET_SOURCES.get(data.name, data.name),
        "split": data.split,
        "split_seed": data.split_seed,
        "train_size": len(data.y_train),
        "test_size": len(data.y_test),
    }


def _image(data: Dataset) -> dict[str, Any]:
    return {
        "shape": [None, *data.input_shape],
        "dtype": "float32",
        "layout": "NHWC",
        "value_range": list(INPUT_RANGE),
    }


def _input(data: Dataset) -> dict[str, Any]:
    return {
        **_image(data),
        "raw_pixel_range": [0, data.max_value],
        "normalization": (
            f"bot.ml.preprocess.normalize_images(pixels, max_value={data.max_value:g}): "
            f"0 -> -1 (background), {data.max_value:g} -> +1 (ink)"
        ),
    }


def _common(
    kind: str,
    data: Dataset,
    weights_digest: str,
    file_sha256: str,
    training: dict[str, Any],
    tflite: dict[str, Any] | None,
) -> dict[str, Any]:
    name = f"{kind}-{data.name}"
    card = {
        "card_format": CARD_FORMAT,
        "name": name,
        "kind": kind,
        "model_file": f"{name}.keras",
        "model_version": model_version(kind, data.name, weights_digest),
        "file_sha256": file_sha256,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "class_names": list(data.class_names),
        "dataset": _dataset(data),
        "training": {
            **training,
            "threads": {"intra_op": INTRA_OP_THREADS, "inter_op": INTER_OP_THREADS},
        },
        "library_versions": library_versions(),
    }
    if tflite is not None:  # the LiteRT conversion the bot serves (training.convert)
        card["tflite"] = tflite
    return card


def cnn_card(
    data: Dataset,
    *,
    weights_digest: str,
    file_sha256: str,
    training: dict[str, Any],
    metrics: dict[str, Any],
    gates: dict[str, bool],
    uploads: dict[str, Any] | None = None,
    tflite: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Card of a trained classifier (``weights_digest``: SHA-256 of its weights).

    ``uploads``: the out-of-distribution check and the evaluation-set figures, when measured;
    ``tflite``: its LiteRT conversion (``training.convert.write_tflite``).
    """
    card = {
        **_common("cnn", data, weights_digest, file_sha256, training, tflite),
        "usage": "logits = model(images, training=False); probabilities = softmax(logits)",
        "input_kind": INPUT_KINDS.get(data.name, "photo"),
        "input": _input(data),
        "output": {
            "shape": [None, data.num_classes],
            "kind": "logits",
            "note": "unnormalized scores in class_names order; apply softmax for probabilities",
        },
        "feature_layer": "features",
        "metrics": metrics,
        "gates": gates,
    }
    return card if uploads is None else with_uploads(card, uploads)


def with_uploads(card: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
    """A classifier's card with its not-a-digit check (``ood``) and evaluation-set figures."""
    return {
        **card,
        "ood": {**uploads["check"].to_card(), "method": OOD_METHOD},
        "metrics": {**card["metrics"], "uploads": uploads["figures"]},
    }


def gan_card(
    data: Dataset,
    *,
    weights_digest: str,
    file_sha256: str,
    latent_dim: int,
    training: dict[str, Any],
    metrics: dict[str, Any],
    gates: dict[str, bool],
    metrics_cnn: str,
    tflite: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Card of a trained conditional generator (``metrics_cnn`` names the scoring CNN)."""
    return {
        **_common("gan", data, weights_digest, file_sha256, training, tflite),
        "usage": (
            "images = generator([z, label], training=False); "
            "pixels = bot.ml.preprocess.to_uint8(images)"
        ),
        "latent_dim": latent_dim,
        "inputs": {
            "z": {
                "shape": [None, latent_dim],
                "dtype": "float32",
                "distribution": "standard normal N(0, 1)",
            },
            "label": {
                "shape": [None],
                "dtype": "int32",
                "range": [0, data.num_classes - 1],
                "meaning": "index into class_names",
            },
        },
        "output": {
            **_image(data),
            "kind": "images (tanh)",
            "to_pixels": "bot.ml.preprocess.to_uint8(images) -> uint8 0..255",
        },
        "metrics_cnn": metrics_cnn,
        "metrics": metrics,
        "gates": gates,
    }
