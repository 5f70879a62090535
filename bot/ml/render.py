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


def _smooth(image: np.ndarray, width: int, height: int) -> Image.Image:
    """A small uint8 image with a thin dark margin, scaled up smoothly (bicubic): not blocks."""
    pad = max(1, max(image.shape[:2]) // 8)
    margin = ((pad, pad), (pad, pad)) + ((0, 0),) * (image.ndim - 2)
    framed = np.pad(image, margin)
    return Image.fromarray(framed).resize((width, height), Image.Resampling.BICUBIC)


def digit_grid_png(
    images: np.ndarray, labels: Sequence[str], *, cell: int, metadata: Mapping[str, str]
) -> bytes:
    """A grid of uint8 images (N, H, W) or (N, H, W, 3), each scaled up smoothly, labelled.

    ``cell`` is the longer side of a scaled-up image in pixels; ``metadata`` goes into the PNG's
    text chunks (seed, model version, command…).
    """
    count, height, width = images.shape[:3]
    gray = images.ndim == 3  # a grayscale sheet encodes about 4x faster than RGB
    mode, background, ink = ("L", BACKGROUND[1], INK[0]) if gray else ("RGB", BACKGROUND, INK)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    scale = cell / max(height, width)
    cell_w, cell_h, caption = round(width * scale), round(height * scale), max(14, cell // 5)
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
        sheet.paste(_smooth(image, cell_w, cell_h).convert(mode), (x, y))
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


def morph_gif(
    frames: np.ndarray,
    weights: Sequence[float],
    start: str,
    end: str,
    *,
    side: int,
    frame_ms: int = 120,
) -> bytes:
    """An animated GIF of uint8 frames (N, H, W), playing forth and back, looping.

    Each frame is scaled up smoothly to ``side`` pixels, above a caption with the ``start`` and
    ``end`` labels and a marker at the frame's ``weight`` between them.
    """
    caption = max(36, side // 7)
    font = _font(caption * 2 // 3)
    margin = caption
    pictures = []
    gray = frames.ndim == 3  # grayscale frames map straight onto the GIF palette: fast
    mode = "L" if gray else "RGB"
    bright, dim = (INK[0], OTHER_BAR) if gray else (INK, (OTHER_BAR,) * 3)
    for frame, weight in zip(frames, weights, strict=True):
        sheet = Image.new(mode, (side, side + caption), BACKGROUND[1] if gray else BACKGROUND)
        sheet.paste(_smooth(frame, side, side).convert(mode), (0, 0))
        draw = ImageDraw.Draw(sheet)
        middle = side + caption // 2
        draw.line((margin, middle, side - margin, middle), fill=dim, width=2)
        x = margin + float(weight) * (side - 2 * margin)
        draw.ellipse((x - 5, middle - 5, x + 5, middle + 5), fill=bright)
        near_start, near_end = (bright, dim) if weight < 0.5 else (dim, bright)
        draw.text((margin // 2, middle), start, fill=near_start, font=font, anchor="mm")
        draw.text((side - margin // 2, middle), end, fill=near_end, font=font, anchor="mm")
        pictures.append(sheet.convert("P") if gray else sheet.quantize(64))
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

    Grayscale for a grayscale ``seen`` (H, W), like the digits: it encodes several times faster
    than an RGB chart, which a colour ``seen`` (H, W, 3) gets.
    """
    font = _font(14)
    bar_h, gap, bar_w = 18, 6, 260
    label_w = max(28, max(round(font.getlength(name)) for name in class_names) + 10)
    preview = _upscale(seen, max(1, 144 // max(seen.shape[:2])))
    height = max(len(class_names) * (bar_h + gap) + gap, preview.height + 2 * gap)
    mode = "RGB" if seen.ndim == 3 else "L"
    width = preview.width + 3 * gap + label_w + bar_w + 60
    sheet = Image.new(mode, (width, height), BACKGROUND if mode == "RGB" else BACKGROUND[1])
    sheet.paste(preview.convert(mode), (gap, gap))
    draw = ImageDraw.Draw(sheet)

    def gray(level: int) -> int | tuple[int, int, int]:
        return level if mode == "L" else (level, level, level)

    best = set(np.argsort(probabilities)[::-1][:top].tolist())
    x0 = preview.width + 2 * gap
    for index, (name, probability) in enumerate(zip(class_names, probabilities, strict=True)):
        y = gap + index * (bar_h + gap)
        draw.text((x0, y + bar_h // 2), name, fill=gray(INK[0]), font=font, anchor="lm")
        length = round(bar_w * float(probability))
        shade = gray(TOP_BAR if index in best else OTHER_BAR)
        draw.rectangle((x0 + label_w, y, x0 + label_w + max(length, 1), y + bar_h), fill=shade)
        draw.text(
            (x0 + label_w + length + 4, y + bar_h // 2),
            f"{probability:.0%}",
            fill=gray(INK[0]),
            font=font,
            anchor="lm",
        )
    return _png(sheet)
