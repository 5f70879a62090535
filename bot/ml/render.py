"""Pictures the ML commands send: labelled digit grids, morph GIFs, probability charts."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

BACKGROUND, INK = (24, 25, 28), (235, 235, 235)
TOP_BAR, OTHER_BAR = 200, 80  # gray levels of the chart's bars


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # parsing the font costs more than drawing


def _upscale(image: np.ndarray, scale: int) -> Image.Image:
    return Image.fromarray(image).resize(
        (image.shape[1] * scale, image.shape[0] * scale), Image.Resampling.NEAREST
    )


def digit_grid_png(
    images: np.ndarray, labels: Sequence[str], *, scale: int, metadata: Mapping[str, str]
) -> bytes:
    """A grid of uint8 images (N, H, W) or (N, H, W, 3), each scaled up (nearest), labelled.

    ``metadata`` goes into the PNG's text chunks (seed, model version, command…).
    """
    count, height, width = images.shape[:3]
    gray = images.ndim == 3  # a grayscale sheet encodes about 4x faster than RGB
    mode, background, ink = ("L", BACKGROUND[1], INK[0]) if gray else ("RGB", BACKGROUND, INK)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    cell_w, cell_h, caption = width * scale, height * scale, max(14, scale * 2)
    pad = 6
    sheet = Image.new(
        mode, (columns * (cell_w + pad) + pad, rows * (cell_h + caption + pad) + pad), background
    )
    draw = ImageDraw.Draw(sheet)
    font = _font(caption - 4)
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        row, column = divmod(index, columns)
        x = pad + column * (cell_w + pad)
        y = pad + row * (cell_h + caption + pad)
        sheet.paste(_upscale(image, scale).convert(mode), (x, y))
        draw.text((x + cell_w // 2, y + cell_h + 1), label, fill=ink, font=font, anchor="mt")
    info = PngInfo()
    for key, value in metadata.items():
        info.add_text(key, value)
    return _png(sheet, pnginfo=info)


def _png(image: Image.Image, **options: object) -> bytes:
    """PNG bytes at zlib level 1: several times faster than the default, a little larger."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1, **options)
    return out.getvalue()


def morph_gif(frames: np.ndarray, *, scale: int, frame_ms: int = 120) -> bytes:
    """An animated GIF of uint8 frames (N, H, W), playing forth and back, looping."""
    pictures = [_upscale(frame, scale).convert("P") for frame in frames]
    sequence = pictures + pictures[-2:0:-1]
    out = io.BytesIO()
    sequence[0].save(
        out, "GIF", save_all=True, append_images=sequence[1:], duration=frame_ms, loop=0, disposal=2
    )
    return out.getvalue()


def probability_chart_png(
    probabilities: Sequence[float], class_names: Sequence[str], seen: np.ndarray, *, top: int = 3
) -> bytes:
    """Bars for every class (the top ``top`` bright) beside the small image the model saw.

    Grayscale, like the digits: it encodes several times faster than an RGB chart.
    """
    bar_h, gap, label_w, bar_w = 18, 6, 28, 260
    preview = _upscale(seen, max(1, 144 // max(seen.shape)))
    height = max(len(class_names) * (bar_h + gap) + gap, preview.height + 2 * gap)
    sheet = Image.new("L", (preview.width + 3 * gap + label_w + bar_w + 60, height), BACKGROUND[1])
    sheet.paste(preview.convert("L"), (gap, gap))
    draw = ImageDraw.Draw(sheet)
    font = _font(14)
    best = set(np.argsort(probabilities)[::-1][:top].tolist())
    x0 = preview.width + 2 * gap
    for index, (name, probability) in enumerate(zip(class_names, probabilities, strict=True)):
        y = gap + index * (bar_h + gap)
        draw.text((x0, y + bar_h // 2), name, fill=INK[0], font=font, anchor="lm")
        length = round(bar_w * float(probability))
        shade = TOP_BAR if index in best else OTHER_BAR
        draw.rectangle((x0 + label_w, y, x0 + label_w + max(length, 1), y + bar_h), fill=shade)
        draw.text(
            (x0 + label_w + length + 4, y + bar_h // 2),
            f"{probability:.0%}",
            fill=INK[0],
            font=font,
            anchor="lm",
        )
    return _png(sheet)
