"""The mnist and cifar10 paths, with keras.datasets loaders monkeypatched (no downloads)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main

N_TRAIN, N_TEST = 64, 32
SHAPES = {"mnist": ((28, 28), (-1,)), "cifar10": ((32, 32, 3), (-1, 1))}


def fake_loader(name: str) -> Callable[[], tuple]:
    """A stand-in for ``keras.datasets.<name>.load_data`` with the real shapes and dtypes."""
    image_shape, label_shape = SHAPES[name]
    rng = np.random.default_rng(0)

    def split(n: int) -> tuple[np.ndarray, np.ndarray]:
        images = rng.integers(0, 256, (n, *image_shape), dtype=np.uint8)
        return images, np.arange(n, dtype=np.uint8).reshape(label_shape) % 10

    return lambda: (split(N_TRAIN), split(N_TEST))


@pytest.fixture
def fake_keras_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    for name in SHAPES:
        monkeypatch.setattr(getattr(keras.datasets, name), "load_data", fake_loader(name))


@pytest.mark.usefixtures("fake_keras_datasets", "tf_runtime")
@pytest.mark.parametrize(
    ("name", "shape", "classes"),
    [("mnist", (28, 28, 1), "0"), ("cifar10", (32, 32, 3), "airplane")],
)
def test_loads_normalizes_and_fits_one_step(name: str, shape: tuple, classes: str) -> None:
    from training.cnn import train_cnn
    from training.datasets import load_dataset
    from training.gan import sample, train_gan

    data = load_dataset(name)
    assert data.input_shape == shape and data.class_names[0] == classes
    assert data.x_train.shape == (N_TRAIN, *shape) and data.x_train.dtype == np.float32
    assert data.y_train.shape == (N_TRAIN,) and data.y_train.dtype == np.int32
    assert -1.0 <= data.x_test.min() < data.x_test.max() <= 1.0
    cnn = train_cnn(data, epochs=1, batch_size=N_TRAIN)
    assert cnn.output_shape == (None, 10)
    generator = train_gan(data, epochs=1, seed=0, batch_size=N_TRAIN)
    images = sample(generator, np.arange(3), seed=0)
    assert images.shape == (3, *shape) and np.abs(images).max() <= 1.0


@pytest.mark.slow
@pytest.mark.usefixtures("fake_keras_datasets")
def test_cli_trains_gan_on_mnist_training_the_cnn_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from training import pipeline

    monkeypatch.setitem(pipeline.DEFAULT_EPOCHS, ("cnn", "mnist"), 1)
    argv = ["train", "gan", "--dataset", "mnist", "--epochs", "1", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "No CNN at" in out and "training it first" in out
    assert "frechet_distance" in out and "gate: conditional accuracy" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        f"{m}.{s}" for m in ("cnn-mnist", "gan-mnist") for s in ("json", "keras", "tflite")
    ]
    _served_on_litert_as_on_tensorflow(tmp_path)


def _served_on_litert_as_on_tensorflow(models_dir: Path) -> None:
    """The models just trained, converted by ``aiclub train``, serve the same on either backend."""
    from bot.ml import jobs
    from bot.ml.litert_backend import LiteRtBackend, LiteRtGenerator
    from bot.ml.models import load_models
    from bot.ml.requests import MorphRequest
    from bot.ml.tf_backend import TfBackend

    litert, tf = load_models(models_dir, LiteRtBackend()), load_models(models_dir, TfBackend())
    assert set(litert.problems) == {"cnn-digits", "gan-digits"}  # not in this directory
    generator, reference = litert.get("gan", "gan-mnist"), tf.get("gan", "gan-mnist")
    assert isinstance(generator, LiteRtGenerator)
    z, labels = jobs.latents(3, 20, generator.card.latent_dim), jobs.grid_labels(20, None, 10)
    assert np.allclose(generator.generate(z, labels), reference.generate(z, labels), atol=1e-5)
    assert jobs.morph(generator, MorphRequest(2, 5, 4, 1)).method == "embedding"
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
    cnn, tf_cnn = litert.get("cnn", "cnn-mnist"), tf.get("cnn", "cnn-mnist")
    assert np.allclose(cnn.logits(images), tf_cnn.logits(images), rtol=1e-5, atol=1e-5)


def test_offline_download_failure_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import keras

    def offline() -> tuple:
        raise Exception("URL fetch failure on https://example.invalid/mnist.npz\nsecond line")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    assert main(["train", "cnn", "--dataset", "mnist", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "aiclub: error: cannot load dataset 'mnist' (needs internet once): "
        "URL fetch failure on https://example.invalid/mnist.npz"
    ]
