"""The shared input normalization used by training and the bot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from bot.ml.preprocess import INPUT_RANGE, denormalize_images, normalize_images, to_uint8


def test_maps_pixel_range_to_minus_one_one() -> None:
    images = normalize_images(np.array([[0, 8, 16]]), max_value=16)
    assert images.dtype == np.float32
    assert images.shape == (1, 1, 3, 1)
    np.testing.assert_allclose(images.ravel(), [-1.0, 0.0, 1.0])
    assert INPUT_RANGE == (-1.0, 1.0)


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((8, 8), (1, 8, 8, 1)), ((5, 8, 8), (5, 8, 8, 1)), ((2, 32, 32, 3), (2, 32, 32, 3))],
)
def test_adds_batch_and_channel_axes(shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert normalize_images(np.zeros(shape, np.uint8), max_value=255).shape == expected


def test_clips_out_of_range_values() -> None:
    images = normalize_images(np.array([[-3.0, 300.0]]), max_value=255)
    np.testing.assert_allclose(images.ravel(), [-1.0, 1.0])


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((1, 2, 2, 1, 1))])
def test_rejects_other_ranks(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="expected"):
        normalize_images(bad, max_value=16)


def test_rejects_non_positive_max_value() -> None:
    with pytest.raises(ValueError, match="max_value"):
        normalize_images(np.zeros((2, 2)), max_value=0)


def test_denormalize_inverts_normalize() -> None:
    pixels = np.array([0.0, 3.0, 8.0, 16.0], dtype=np.float32).reshape(1, 1, 4, 1)
    np.testing.assert_allclose(denormalize_images(normalize_images(pixels, 16), 16), pixels)


def test_to_uint8_inverts_the_range() -> None:
    pixels = np.array([0, 1, 128, 254, 255], dtype=np.uint8).reshape(1, 1, 5, 1)
    np.testing.assert_array_equal(to_uint8(normalize_images(pixels, 255)), pixels)
    np.testing.assert_array_equal(to_uint8(np.array([-5.0, 5.0])), [0, 255])


def test_bot_and_training_cli_do_not_import_tensorflow() -> None:
    code = (
        "import sys, bot.ml.preprocess, training.cli, training.datasets; "
        "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
