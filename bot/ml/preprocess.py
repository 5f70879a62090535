"""The one input normalization shared by training and the bot's inference (numpy only).

Every model in ``data/models`` takes images as float32 arrays of shape (N, H, W, C) with values
in [-1, 1]: 0 (background) maps to -1 and the dataset's maximum pixel value maps to +1. The GAN
generator produces images in the same range; ``to_uint8`` turns them back into pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

INPUT_RANGE = (-1.0, 1.0)


def normalize_images(images: ArrayLike, max_value: float) -> np.ndarray:
    """Map raw pixels in [0, max_value] to float32 in [-1, 1], shaped (N, H, W, C).

    Accepts one grayscale image (H, W), a grayscale batch (N, H, W) or a batch (N, H, W, C).
    Values outside [0, max_value] are clipped.
    """
    if max_value <= 0:
        raise ValueError(f"max_value must be positive, got {max_value}")
    array = np.asarray(images, dtype=np.float32)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4:
        raise ValueError(f"expected (H, W), (N, H, W) or (N, H, W, C) images, got {array.shape}")
    scaled = np.clip(array, 0.0, max_value) * np.float32(2.0 / max_value) - np.float32(1.0)
    return scaled.astype(np.float32, copy=False)


def to_uint8(images: ArrayLike) -> np.ndarray:
    """Map model-range images in [-1, 1] back to uint8 pixels in [0, 255] (same shape)."""
    array = np.clip(np.asarray(images, dtype=np.float32), -1.0, 1.0)
    return np.rint((array + 1.0) * 127.5).astype(np.uint8)


def denormalize_images(images: ArrayLike, max_value: float) -> np.ndarray:
    """Map model-range images in [-1, 1] back to raw float32 pixels in [0, max_value]."""
    array = np.clip(np.asarray(images, dtype=np.float32), -1.0, 1.0)
    return (array + np.float32(1.0)) * np.float32(max_value / 2)
