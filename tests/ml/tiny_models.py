"""Small real Keras models with real cards, written by the training code (untrained weights).

Serving does not care how good the weights are, so the architectures of ``training/`` are saved
straight after building: seconds instead of minutes, and the card format is the real one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "models"


def shipped_models_present() -> bool:
    """Whether data/models holds the shipped GAN and CNN with their cards."""
    return all(
        (SHIPPED_DIR / name).is_file()
        for name in ("gan-digits.keras", "gan-digits.json", "cnn-digits.keras", "cnn-digits.json")
    )


def build_tiny_models(out_dir: Path, *, seed: int = 0) -> dict[str, str]:
    """Write gan-digits and cnn-digits (.keras + .json) to ``out_dir``; returns their versions."""
    from training import artifacts, cards, runtime
    from training.cnn import build_cnn
    from training.datasets import load_dataset
    from training.gan import LATENT_DIM, build_generator

    runtime.configure(seed)
    data = load_dataset("digits")
    out_dir.mkdir(parents=True, exist_ok=True)
    cnn = build_cnn(data.input_shape, data.num_classes)
    path = artifacts.model_path(out_dir, "cnn", data.name)
    card = cards.cnn_card(
        data, weights_digest=artifacts.weights_sha256(cnn), file_sha256=artifacts.save_model(cnn, path),
        training={"seed": seed, "epochs": 0}, metrics={"accuracy": 0.1,
                                                      "svc_baseline_accuracy": 0.98},
        gates={"accuracy >= 0.985": False},
    )  # fmt: skip
    artifacts.write_json(card, artifacts.card_path(path))
    generator = build_generator(data.input_shape, data.num_classes, LATENT_DIM)
    path = artifacts.model_path(out_dir, "gan", data.name)
    gan_card = cards.gan_card(
        data, weights_digest=artifacts.weights_sha256(generator),
        file_sha256=artifacts.save_model(generator, path), latent_dim=LATENT_DIM,
        training={"seed": seed, "epochs": 0}, metrics_cnn=card["model_version"],
        metrics={"frechet_distance": 99.0, "frechet_floor_train_vs_test": 5.0,
                 "frechet_ceiling_uniform_noise": 300.0, "conditional_accuracy": 0.1},
        gates={"conditional accuracy >= 0.95": False},
    )  # fmt: skip
    artifacts.write_json(gan_card, artifacts.card_path(path))
    return {"cnn": card["model_version"], "gan": gan_card["model_version"]}


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with small real gan-digits and cnn-digits models (imports TensorFlow)."""
    out = tmp_path_factory.mktemp("tiny-models")
    build_tiny_models(out)
    return out


def copy_models(source: Path, target: Path) -> Path:
    """A private copy of a models directory (tests may break or replace files in it)."""
    shutil.copytree(source, target)
    return target


def convert_models(models_dir: Path) -> Path:
    """Write every model's LiteRT conversion beside it and into its card (``aiclub convert``)."""
    from training.convert import convert_file

    for path in sorted(models_dir.glob("*.keras")):
        convert_file(path)
    return models_dir


@pytest.fixture(scope="session")
def tiny_litert_models(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny models with their ``.tflite`` conversions (imports TensorFlow)."""
    return convert_models(copy_models(tiny_models, tmp_path_factory.mktemp("litert") / "models"))


def build_other_models(out_dir: Path) -> dict[str, str]:
    """Tiny ``cnn-cifar10``, ``cnn-mnist`` and ``gan-mnist`` trained for one epoch on generated
    data of the real shapes (keras.datasets loaders monkeypatched: nothing is downloaded).

    Returns the models' versions by name.
    """
    import json

    import keras

    from bot.cli import main
    from tests.training.test_keras_datasets import fake_loader
    from training import pipeline

    with pytest.MonkeyPatch.context() as patch:
        for name in ("mnist", "cifar10"):
            patch.setattr(getattr(keras.datasets, name), "load_data", fake_loader(name))
        patch.setitem(pipeline.DEFAULT_EPOCHS, ("cnn", "mnist"), 1)
        for kind, dataset in (("cnn", "cifar10"), ("gan", "mnist")):
            argv = ["train", kind, "--dataset", dataset, "--epochs", "1", "--out", str(out_dir)]
            assert main(argv) == 0
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))["model_version"]
        for path in out_dir.glob("*.json")
    }
