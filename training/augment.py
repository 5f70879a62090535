"""Augmented copies of handwritten training digits (numpy + scipy, deterministic from a seed).

Each copy is redrawn at 4× the resolution (scikit-learn's digits were 32×32 bitmaps averaged
over 4×4 blocks): a random affine warp (rotation, scale, shear, shift), an elastic wobble, a
thicker or thinner stroke, a blur and sensor noise; then it is
thresholded back to a bitmap and framed exactly as the bot frames an upload
(``bot.ml.images.frame_ink``), so training sees what serving will show the model. Only
handwritten digits go in; typed digits stay an evaluation case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage  # type: ignore[import-untyped]

from bot.ml.images import Framing, frame_ink

UPSAMPLE = 4


@dataclass(frozen=True)
class Augmentation:
    """Ranges of the random changes (angles in degrees, lengths in pixels at 4×)."""

    rotation: float = 12.0
    scale: tuple[float, float] = (0.85, 1.1)
    squeeze: tuple[float, float] = (0.75, 1.15)  # extra horizontal scale: narrow and wide hands
    shear: float = 0.3
    shift: float = 2.0
    elastic: float = 2.0  # largest displacement of the smooth random field
    thickness: tuple[int, ...] = (-1, 0, 0, 1, 2)  # pixels grown (+) or eroded (-)
    blur: float = 1.0  # largest Gaussian sigma
    noise: float = 0.15  # largest noise sigma (ink is 1), added before thresholding

    def describe(self) -> str:
        """One line for the model card."""
        return (
            f"rotation ±{self.rotation:g}°, scale {self.scale}, horizontal squeeze "
            f"{self.squeeze}, shear ±{self.shear:g}, shift ±{self.shift:g} px, elastic "
            f"≤ {self.elastic:g} px, stroke {self.thickness} px, blur σ ≤ {self.blur:g} px, "
            f"noise σ ≤ {self.noise:g}; at 4× resolution, then thresholded and framed like an "
            "upload"
        )


def augment(
    images: np.ndarray,
    max_value: float,
    copies: int,
    seed: int,
    framing: Framing,
    settings: Augmentation | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``copies`` augmented versions of each (N, H, W) image; returns them and source indices.

    Values stay in [0, max_value]; the result is ``(copies * N, H, W)`` float32.
    """
    settings = settings or Augmentation()
    rng = np.random.default_rng(seed)
    count, height, width = images.shape
    out = np.empty((copies * count, height, width), np.float32)
    sources = np.tile(np.arange(count), copies)
    for i, source in enumerate(sources):
        out[i] = _one(images[source] / max_value, rng, settings, framing) * max_value
    return out, sources


def _one(
    image: np.ndarray, rng: np.random.Generator, s: Augmentation, framing: Framing
) -> np.ndarray:
    big = np.clip(ndimage.zoom(image, UPSAMPLE, order=3, mode="constant"), 0.0, 1.0)
    big_h, big_w = big.shape
    angle = np.deg2rad(rng.uniform(-s.rotation, s.rotation))
    scale = rng.uniform(*s.scale)
    scale_x = scale * rng.uniform(*s.squeeze)
    shear = rng.uniform(-s.shear, s.shear)
    cos, sin = np.cos(angle), np.sin(angle)
    forward = np.array([[cos, -sin], [sin, cos]]) @ np.array([[scale, 0.0], [shear, scale_x]])
    inverse = np.linalg.inv(forward)  # output (row, col) -> input, around the centre
    centre = np.array([(big_h - 1) / 2, (big_w - 1) / 2])
    offset = centre - inverse @ (centre + rng.uniform(-s.shift, s.shift, 2))
    rows, cols = np.mgrid[0:big_h, 0:big_w].astype(np.float64)
    coords = np.einsum("ij,jhw->ihw", inverse, np.stack([rows, cols])) + offset[:, None, None]
    wobble = [ndimage.gaussian_filter(rng.uniform(-1, 1, big.shape), 4.0) for _ in range(2)]
    peak = max(float(np.abs(np.stack(wobble)).max()), 1e-6)
    coords += np.stack(wobble) * (rng.uniform(0.0, s.elastic) / peak)
    warped = ndimage.map_coordinates(big, coords, order=1, mode="constant")
    grow = int(rng.choice(s.thickness))
    if grow > 0:
        warped = ndimage.grey_dilation(warped, size=(grow + 1, grow + 1))
    elif grow < 0:
        warped = ndimage.grey_erosion(warped, size=(1 - grow, 1 - grow))
    warped = ndimage.gaussian_filter(warped, rng.uniform(0.0, s.blur))
    warped = warped + rng.normal(0.0, rng.uniform(0.0, s.noise), warped.shape)
    mask = warped > 0.5
    if not mask.any():  # warped away entirely: frame the original instead
        mask = big > 0.5
    return frame_ink(mask, framing).astype(np.float32)
