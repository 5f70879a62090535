"""Turn an uploaded picture into the digit the CNN expects (pure: Pillow + numpy, no TF).

The steps follow what a person would do by hand: decode safely, honour EXIF orientation,
take the first frame, go grayscale, make the digit light on dark, crop to the ink, pad to a
square with a margin, shrink to the model's input size, stretch the contrast and scale to the
dataset's pixel range.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SIDE = 4096
WORK_SIDE = 512  # larger pictures are shrunk to this before the per-pixel steps
ALLOWED_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP", "BMP"})


class ImageInputError(ValueError):
    """Why an upload cannot be classified; ``code`` is a catalog key suffix."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class PreparedDigit:
    """The model input (H, W) in the dataset's pixel range and what the model saw (uint8)."""

    pixels: np.ndarray
    seen: np.ndarray


def check_upload_size(size: int) -> None:
    """Refuse an upload by its size alone (``empty``, ``too_large``), e.g. before downloading."""
    if size <= 0:
        raise ImageInputError("empty")
    if size > MAX_UPLOAD_BYTES:
        raise ImageInputError("too_large", limit_mb=MAX_UPLOAD_BYTES // 2**20)


def decode_upload(data: bytes) -> Image.Image:
    """Decode an upload into a loaded Pillow image, refusing what is unsafe or not an image.

    Errors: ``empty``, ``too_large`` (over 8 MB), ``not_image`` (SVG, text, unknown
    format), ``truncated``, ``too_many_pixels`` (over 4096×4096 or a decompression bomb).
    """
    check_upload_size(len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
            if image.width > MAX_SIDE or image.height > MAX_SIDE:
                raise ImageInputError("too_many_pixels", side=MAX_SIDE)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError("too_many_pixels", side=MAX_SIDE) from None
    except UnidentifiedImageError:
        raise ImageInputError("not_image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageInputError):
            raise
        raise ImageInputError("truncated") from None
    return image


def prepare_digit(
    image: Image.Image, size: tuple[int, int], max_value: float, margin: float = 0.15
) -> PreparedDigit:
    """The image as a light-on-dark digit of ``size`` (H, W) with values in [0, max_value].

    ``margin`` is the empty border around the digit's box, as a fraction of its longer side,
    matching how the dataset framed its digits (0 for scikit-learn's, 0.2 for MNIST's).
    """
    image.seek(0)  # first frame of an animation
    frame = ImageOps.exif_transpose(image.copy())
    if frame.mode in ("RGBA", "LA") or "transparency" in frame.info:
        background = Image.new("RGBA", frame.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(background, frame.convert("RGBA"))
    work = frame.convert("L")
    work.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BOX)  # the digit ends up tiny anyway
    gray = np.asarray(work, dtype=np.float32)
    if _is_dark_on_light(gray):
        gray = 255.0 - gray
    gray = _crop_to_ink(gray)
    square = _pad_square(gray, margin=margin)
    height, width = size
    small = Image.fromarray(square.astype(np.uint8)).resize((width, height), Image.Resampling.BOX)
    values = np.asarray(small, dtype=np.float32)
    peak = float(values.max())
    if peak > 0:  # stretch contrast: thin strokes shrink to faint pixels otherwise
        values = values * (255.0 / peak)
    seen = np.rint(values).astype(np.uint8)
    pixels = values * np.float32(max_value / 255.0)
    return PreparedDigit(pixels=pixels, seen=seen)


def _is_dark_on_light(gray: np.ndarray) -> bool:
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border)) > 127.0


def _crop_to_ink(gray: np.ndarray) -> np.ndarray:
    threshold = max(float(gray.max()) * 0.2, 1.0)
    rows = np.flatnonzero((gray > threshold).any(axis=1))
    cols = np.flatnonzero((gray > threshold).any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return gray  # a blank picture: nothing to crop
    return gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _pad_square(gray: np.ndarray, margin: float) -> np.ndarray:
    side = round(max(gray.shape) * (1 + 2 * margin))
    canvas = np.zeros((side, side), dtype=np.float32)
    top = (side - gray.shape[0]) // 2
    left = (side - gray.shape[1]) // 2
    canvas[top : top + gray.shape[0], left : left + gray.shape[1]] = gray
    return canvas
