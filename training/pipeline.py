"""Train -> measure -> save (model, then card) for each model kind; used by the CLI and tests."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.ml.images import FRAMINGS
from bot.ml.preprocess import denormalize_images, normalize_images
from training import artifacts, cards, convert, metrics, runtime, vision_eval
from training.augment import Augmentation
from training.cnn import AUGMENT_COPIES, CNN_BATCH_SIZE, predict, train_cnn
from training.gan import GAN_BATCH_SIZE, LATENT_DIM, train_gan
from training.optimizers import CNN_ADAM, GAN_ADAM

if TYPE_CHECKING:
    import keras

    from training.datasets import Dataset

DEFAULT_EPOCHS = {
    ("cnn", "digits"): 12,
    ("gan", "digits"): 100,
    ("cnn", "mnist"): 5,
    ("gan", "mnist"): 20,
    ("cnn", "cifar10"): 15,
    ("gan", "cifar10"): 30,
}


def default_epochs(kind: str, dataset: str) -> int:
    """Epochs that the shipped models were trained for."""
    return DEFAULT_EPOCHS[(kind, dataset)]


def augmentation_note(dataset: str) -> str:
    """What the CNN's training data went through, for its card."""
    copies = AUGMENT_COPIES.get(dataset, 0)
    if not copies:
        return "none"
    return (
        f"{copies} augmented copies of each training image: {Augmentation().describe()}; "
        "plus random shifts of up to 1 pixel (RandomTranslation, training only)"
    )


def evaluate_cnn(cnn: keras.Model, data: Dataset) -> dict[str, Any]:
    """Every CNN metric and its gates: ``{"metrics": ..., "gates": ...}``."""
    values = metrics.cnn_metrics(cnn, data)
    return {"metrics": values, "gates": metrics.cnn_gates(values)}


def evaluate_gan(generator: keras.Model, cnn: keras.Model, data: Dataset) -> dict[str, Any]:
    """Every GAN metric and its gates: ``{"metrics": ..., "gates": ...}``."""
    values = metrics.gan_metrics(generator, cnn, data)
    return {"metrics": values, "gates": metrics.gan_gates(values)}


def train_cnn_and_save(
    data: Dataset, *, epochs: int, seed: int, out_dir: Path, verbose: int | str = 0
) -> tuple[keras.Model, dict[str, Any]]:
    """Train the CNN, measure it, write ``cnn-<dataset>.keras``, its ``.tflite``, then its card."""
    runtime.configure(seed)
    started = time.perf_counter()
    model = train_cnn(data, epochs=epochs, batch_size=CNN_BATCH_SIZE, seed=seed, verbose=verbose)
    train_seconds = time.perf_counter() - started
    report = evaluate_cnn(model, data)
    uploads = evaluate_uploads(model, data)
    path = artifacts.model_path(out_dir, "cnn", data.name)
    file_sha = artifacts.save_model(model, path)
    tflite = convert.write_tflite(model, "cnn", path, data.num_classes)
    training = {
        "seed": seed,
        "epochs": epochs,
        "batch_size": CNN_BATCH_SIZE,
        "optimizer": CNN_ADAM.describe(),
        "loss": "sparse categorical cross-entropy on logits",
        "augmentation": augmentation_note(data.name),
        "wall_time_s": round(train_seconds, 1),
        "command": f"aiclub train cnn --dataset {data.name} --epochs {epochs} --seed {seed}",
    }
    card = cards.cnn_card(
        data, weights_digest=artifacts.weights_sha256(model), file_sha256=file_sha,
        training=training, uploads=uploads, tflite=tflite, **report,
    )  # fmt: skip
    artifacts.write_json(card, artifacts.card_path(path))
    return model, card


def evaluate_uploads(cnn: keras.Model, data: Dataset) -> dict[str, Any] | None:
    """The out-of-distribution check and upload figures of a digits CNN (None for others)."""
    framing = FRAMINGS.get(data.name)
    if data.name != "digits" or framing is None:
        return None  # other datasets: no evaluation set, no reference digits at serving

    def logits(pixels: np.ndarray) -> np.ndarray:
        return predict(cnn, normalize_images(pixels, data.max_value))

    reference = denormalize_images(data.x_train[..., 0], data.max_value)
    check, figures = vision_eval.evaluate_uploads(logits, framing, data.max_value, reference)
    return {"check": check, "figures": figures}


def update_uploads(model_file: Path) -> dict[str, Any]:
    """Re-choose a carded digits CNN's not-a-digit check and re-measure the evaluation set.

    For a change to the upload path (``bot.ml.images``) without retraining: the weights, the
    conversion and every other figure stay; the card's ``ood`` block and ``metrics.uploads`` are
    rewritten. Returns the updated card.
    """
    from training.datasets import load_dataset

    card = artifacts.read_card(model_file)
    if card.get("kind") != "cnn" or card.get("dataset", {}).get("name") != "digits":
        raise artifacts.ArtifactError(f"{model_file} is not a digits CNN: no evaluation set")
    uploads = evaluate_uploads(artifacts.load_model(model_file), load_dataset("digits"))
    assert uploads is not None  # a digits CNN always has them
    updated = cards.with_uploads(card, uploads)
    artifacts.write_json(updated, artifacts.card_path(model_file))
    return updated


def train_gan_and_save(
    data: Dataset,
    cnn: keras.Model,
    *,
    metrics_cnn: str,
    epochs: int,
    seed: int,
    out_dir: Path,
    verbose: int | str = 0,
) -> tuple[keras.Model, dict[str, Any]]:
    """Train the GAN, score it with ``cnn``, write its generator (.keras, .tflite), then a card."""
    runtime.configure(seed)
    started = time.perf_counter()
    generator = train_gan(
        data, epochs=epochs, seed=seed, batch_size=GAN_BATCH_SIZE, verbose=verbose
    )
    train_seconds = time.perf_counter() - started
    report = evaluate_gan(generator, cnn, data)
    path = artifacts.model_path(out_dir, "gan", data.name)
    file_sha = artifacts.save_model(generator, path)
    tflite = convert.write_tflite(generator, "gan", path, data.num_classes)
    training = {
        "seed": seed,
        "epochs": epochs,
        "batch_size": GAN_BATCH_SIZE,
        "optimizer": f"{GAN_ADAM.describe()} for generator and discriminator",
        "loss": "non-saturating GAN loss, one-sided label smoothing 0.9",
        "architecture": "conditional DCGAN, projection discriminator",
        "wall_time_s": round(train_seconds, 1),
        "command": f"aiclub train gan --dataset {data.name} --epochs {epochs} --seed {seed}",
    }
    card = cards.gan_card(
        data, weights_digest=artifacts.weights_sha256(generator), file_sha256=file_sha,
        latent_dim=LATENT_DIM, training=training, metrics_cnn=metrics_cnn, tflite=tflite,
        **report,
    )  # fmt: skip
    artifacts.write_json(card, artifacts.card_path(path))
    return generator, card
