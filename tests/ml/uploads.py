"""Uploads for /cnn predict: a good digit picture and every kind of bad file."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from tests.ml.fakes import _class_means


def digit_png(digit: int, side: int = 96) -> bytes:
    """A dark-on-light picture of the average ``digit`` (what a phone photo roughly gives)."""
    ink = (_class_means()[digit, ..., 0] + 1.0) / 2.0  # 0 background .. 1 ink
    pixels = np.rint(255 * (1.0 - ink)).astype(np.uint8)
    image = Image.fromarray(pixels).resize((side, side), Image.Resampling.NEAREST)
    canvas = Image.new("L", (side * 2, side * 2), 255)
    canvas.paste(image, (side // 2, side // 3))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def _with_size(png: bytes, width: int, height: int) -> bytes:
    """The PNG with its header claiming another size (CRC fixed), as a bomb would."""
    header = b"IHDR" + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + header + struct.pack(">I", zlib.crc32(header)) + png[33:]


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 0).save(out, "PNG")
    return out.getvalue()


BAD_UPLOADS: dict[str, tuple[str, bytes]] = {
    "text named .png": ("digit.png", b"this is a text file, not a picture\n" * 3),
    "truncated png": ("digit.png", digit_png(3)[:200]),
    "empty file": ("digit.png", b""),
    "over 8 MB": ("huge.png", _png(8, 8) + b"\0" * (8 * 1024 * 1024)),
    "over 4096x4096": ("wide.png", _png(4097, 2)),
    "decompression bomb": ("bomb.png", _with_size(_png(1, 1), 30000, 30000)),
    "svg": (
        "digit.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
        b'<text x="0" y="8">7</text></svg>',
    ),
}
BAD_UPLOAD_CODES = {
    "text named .png": "not_image",
    "truncated png": "truncated",
    "empty file": "empty",
    "over 8 MB": "too_large",
    "over 4096x4096": "too_many_pixels",
    "decompression bomb": "too_many_pixels",
    "svg": "not_image",
}
