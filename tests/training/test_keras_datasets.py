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
    assert names == ["cnn-mnist.json", "cnn-mnist.keras", "gan-mnist.json", "gan-mnist.keras"]


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
