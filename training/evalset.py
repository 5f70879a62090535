"""Pictures a member would upload, made at run time: typed and pen-drawn digits, and non-digits.

Nothing here is training data. The set is deterministic from a seed and split in two: the
``tuning`` part may guide choices (preprocessing constants, the out-of-distribution
threshold); the ``heldback`` part takes no part in any choice and gives the reported figures.
Typed digits use different fonts in each part; pen strokes, placements, colours, lighting and
noise come from different seeds.

Styles: ``dark-on-light`` (ink on white paper, PNG), ``light-on-dark`` (a dark screen, PNG),
``grey-jpeg`` (grey paper photographed: uneven light, sensor noise, JPEG).
Negatives: random noise, gradients, blank pages, letters that do not look like digits, shapes,
photo-like textures.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SPLITS = ("tuning", "heldback")
STYLES = ("dark-on-light", "light-on-dark", "grey-jpeg")
DEFAULT_FONT = "Pillow default (Aileron)"
FONTS = {
    "tuning": ("DejaVuSans.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf"),
    "heldback": (
        DEFAULT_FONT,
        "DejaVuSans-Bold.ttf",
        "DejaVuSerif.ttf",
        "DejaVuSansMono-Bold.ttf",
        "DejaVuSansCondensed-Oblique.ttf",
    ),
}
PEN_VARIANTS = 4  # pen-drawn pictures per digit and style
# Letters that are not drawn like a digit in common hands and fonts (O, I, l, S, Z, B, G, b, g,
# q, T, t, J, D, Q… are left out: a reader could take them for 0, 1, 5, 2, 8, 6, 9, 7).
LETTERS = "ACEFHKMNPRUVWXYaefhkmnpruvwxy"
NEGATIVE_KINDS = ("noise", "gradient", "blank", "letter", "shape", "texture")
NEGATIVES_PER_KIND = 24
SPLIT_SEEDS = {"tuning": 1, "heldback": 2}

# Pen strokes per digit, in a unit box (x right, y down); each variant is a list of strokes.
Stroke = Sequence[tuple[float, float]]
_OVAL = [
    (0.5 + 0.45 * math.sin(a), 0.5 - 0.5 * math.cos(a))
    for a in np.linspace(0, 2 * math.pi, 17)[:-1]
]
PEN_DIGITS: dict[int, list[list[Stroke]]] = {
    0: [[[*_OVAL, _OVAL[0], _OVAL[1]]]],
    1: [
        [[(0.5, 0.0), (0.5, 1.0)]],
        [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)]],
        [[(0.2, 0.25), (0.5, 0.0), (0.5, 1.0)], [(0.2, 1.0), (0.8, 1.0)]],
    ],
    2: [
        [[(0.1, 0.25), (0.35, 0.02), (0.7, 0.02), (0.9, 0.25), (0.8, 0.5), (0.1, 1.0), (0.95, 1.0)]]
    ],
    3: [
        [
            [(0.1, 0.12), (0.5, 0.0), (0.85, 0.15), (0.8, 0.38), (0.45, 0.48)],
            [(0.45, 0.48), (0.85, 0.6), (0.9, 0.85), (0.5, 1.0), (0.1, 0.9)],
        ],
    ],
    4: [
        [[(0.7, 1.0), (0.7, 0.0), (0.05, 0.7), (1.0, 0.7)]],
        [[(0.3, 0.0), (0.1, 0.6), (0.95, 0.6)], [(0.72, 0.25), (0.72, 1.0)]],
    ],
    5: [
        [
            [(0.85, 0.0), (0.2, 0.0), (0.15, 0.45)],
            [(0.15, 0.45), (0.55, 0.38), (0.9, 0.6), (0.85, 0.9), (0.5, 1.0), (0.1, 0.9)],
        ],
    ],
    6: [
        [
            [(0.8, 0.05), (0.4, 0.12), (0.15, 0.5), (0.15, 0.8), (0.45, 1.0)],
            [(0.45, 1.0), (0.8, 0.9), (0.85, 0.65), (0.5, 0.5), (0.18, 0.65)],
        ]
    ],
    7: [
        [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]],
        [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.3, 0.5), (0.85, 0.5)]],
    ],
    8: [
        [
            [
                (0.5, 0.48),
                (0.15, 0.28),
                (0.5, 0.0),
                (0.85, 0.25),
                (0.5, 0.48),
                (0.1, 0.75),
                (0.5, 1.0),
                (0.9, 0.75),
                (0.5, 0.48),
            ]
        ]
    ],
    9: [
        [
            [
                (0.85, 0.3),
                (0.5, 0.52),
                (0.15, 0.3),
                (0.5, 0.0),
                (0.85, 0.22),
                (0.85, 0.5),
                (0.8, 1.0),
            ]
        ],
        [
            [(0.85, 0.3), (0.5, 0.52), (0.15, 0.3), (0.5, 0.0), (0.85, 0.22)],
            [(0.85, 0.22), (0.85, 0.7), (0.6, 1.0), (0.2, 0.9)],
        ],
    ],
}


@dataclass(frozen=True)
class EvalPicture:
    """One uploadable picture: its encoded bytes, its digit (None for a negative) and origin."""

    data: bytes
    label: int | None
    kind: str  # typed, pen, or the negative's kind
    style: str
    source: str  # the font, "pen", or what made the negative
    split: str


def digits(split: str, seed: int = 0) -> list[EvalPicture]:
    """Typed digits in the split's fonts and pen-drawn digits, in every style."""
    rng = np.random.default_rng([seed, SPLIT_SEEDS[split], 10])
    pictures = []
    for font in FONTS[split]:
        loaded = _font(font, 64)
        if loaded is None:
            continue  # the font is not installed here: the set says which ones it used
        for style in STYLES:
            for digit in range(10):
                text = _glyph(str(digit), font, rng)
                pictures.append(EvalPicture(_paint(text, style, rng), digit, "typed", style, font,
                                            split))  # fmt: skip
    for style in STYLES:
        for digit in range(10):
            for _ in range(PEN_VARIANTS):
                variants = PEN_DIGITS[digit]
                strokes = variants[int(rng.integers(len(variants)))]
                ink = _pen(strokes, rng)
                pictures.append(EvalPicture(_paint(ink, style, rng), digit, "pen", style, "pen",
                                            split))  # fmt: skip
    return pictures


def negatives(split: str, seed: int = 0) -> list[EvalPicture]:
    """Pictures that are not digits, ``NEGATIVES_PER_KIND`` of each kind."""
    rng = np.random.default_rng([seed, SPLIT_SEEDS[split], 20])
    fonts = [f for f in FONTS[split] if _font(f, 64) is not None]
    pictures = []
    for kind in NEGATIVE_KINDS:
        for index in range(NEGATIVES_PER_KIND):
            style = STYLES[index % len(STYLES)]
            if kind == "letter":
                letter = LETTERS[int(rng.integers(len(LETTERS)))]
                font = fonts[index % len(fonts)] if fonts else DEFAULT_FONT
                data, source = _paint(_glyph(letter, font, rng), style, rng), f"{letter} {font}"
            elif kind == "shape":
                shape = _SHAPES[index % len(_SHAPES)]
                data, source = _paint(_shape(shape, rng), style, rng), shape
            else:
                data, source = _MAKERS[kind](rng)
                style = "photo"
            pictures.append(EvalPicture(data, None, kind, style, source, split))
    return pictures


def everything(split: str, seed: int = 0) -> Iterator[EvalPicture]:
    """Digits then negatives of ``split``."""
    yield from digits(split, seed)
    yield from negatives(split, seed)


# ---------------------------------------------------------------------------- ink masks
def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont | None:
    try:
        if name == DEFAULT_FONT:
            return ImageFont.load_default(size=size)
        return ImageFont.truetype(name, size)
    except OSError:
        return None


def _glyph(text: str, font_name: str, rng: np.random.Generator) -> np.ndarray:
    """A character as an ink mask (float 0..1) on a canvas with room around it."""
    size = int(rng.integers(48, 160))
    font = _font(font_name, size)
    assert font is not None
    side = size * 2
    canvas = Image.new("L", (side, side), 0)
    ImageDraw.Draw(canvas).text((side / 2, side / 2), text, fill=255, font=font, anchor="mm")
    canvas = canvas.rotate(float(rng.uniform(-6, 6)), resample=Image.Resampling.BILINEAR)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def _catmull_rom(points: Stroke, per_segment: int = 10) -> list[tuple[float, float]]:
    pts = np.asarray(points, dtype=np.float64)
    padded = np.vstack([pts[:1], pts, pts[-1:]])
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        for t in np.linspace(0, 1, per_segment, endpoint=False):
            out.append(
                0.5
                * (
                    2 * p1
                    + (-p0 + p2) * t
                    + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                    + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3
                )
            )
    out.append(pts[-1])
    return [(float(x), float(y)) for x, y in out]


def _pen(strokes: Sequence[Stroke], rng: np.random.Generator) -> np.ndarray:
    """Strokes drawn by a hand: jittered, slanted, scaled, in a pen of random width."""
    side, height = 320, float(rng.uniform(120, 220))
    width = height * float(rng.uniform(0.45, 0.7))
    slant, angle = float(rng.uniform(-0.25, 0.25)), float(rng.uniform(-0.12, 0.12))
    pen = max(2, round(height * float(rng.uniform(0.03, 0.12))))
    canvas = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    cos, sin = math.cos(angle), math.sin(angle)
    for stroke in strokes:
        jittered = [
            (x + float(rng.normal(0, 0.025)), y + float(rng.normal(0, 0.02))) for x, y in stroke
        ]
        placed = []
        for x, y in _catmull_rom(jittered):
            dx, dy = (x - 0.5) * width + slant * (0.5 - y) * height, (y - 0.5) * height
            placed.append((side / 2 + cos * dx - sin * dy, side / 2 + sin * dx + cos * dy))
        draw.line(placed, fill=255, width=pen, joint="curve")
        for x, y in (placed[0], placed[-1]):
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    return np.asarray(canvas, dtype=np.float32) / 255.0


_SHAPES = ("square", "disc", "triangle", "star", "plus", "arrow", "dots", "heart", "frame")


def _shape(shape: str, rng: np.random.Generator) -> np.ndarray:
    side = 320
    canvas = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    r = float(rng.uniform(60, 120))
    c = side / 2
    line = max(3, round(r * float(rng.uniform(0.06, 0.16))))
    if shape == "square":
        draw.rectangle((c - r, c - r, c + r, c + r), fill=255)
    elif shape == "disc":
        draw.ellipse((c - r, c - r * 0.9, c + r, c + r * 0.9), fill=255)
    elif shape == "triangle":
        draw.polygon([(c, c - r), (c + r, c + r * 0.8), (c - r, c + r * 0.8)], fill=255)
    elif shape == "star":
        points = [
            (c + (r if i % 2 == 0 else r * 0.45) * math.sin(i * math.pi / 5),
             c - (r if i % 2 == 0 else r * 0.45) * math.cos(i * math.pi / 5))
            for i in range(10)
        ]  # fmt: skip
        draw.polygon(points, fill=255)
    elif shape == "plus":
        draw.rectangle((c - r, c - line, c + r, c + line), fill=255)
        draw.rectangle((c - line, c - r, c + line, c + r), fill=255)
    elif shape == "arrow":
        draw.line([(c - r, c), (c + r, c)], fill=255, width=line)
        draw.polygon([(c + r + line, c), (c + r * 0.5, c - r * 0.5), (c + r * 0.5, c + r * 0.5)],
                     fill=255)  # fmt: skip
    elif shape == "dots":
        for _ in range(int(rng.integers(3, 8))):
            x, y = rng.uniform(c - r, c + r, 2)
            d = float(rng.uniform(8, 20))
            draw.ellipse((x - d, y - d, x + d, y + d), fill=255)
    elif shape == "heart":
        draw.ellipse((c - r, c - r * 0.7, c, c + r * 0.1), fill=255)
        draw.ellipse((c, c - r * 0.7, c + r, c + r * 0.1), fill=255)
        draw.polygon([(c - r * 0.97, c - r * 0.2), (c + r * 0.97, c - r * 0.2), (c, c + r)],
                     fill=255)  # fmt: skip
    else:  # an empty frame
        draw.rectangle((c - r, c - r * 0.7, c + r, c + r * 0.7), outline=255, width=line)
    return np.asarray(canvas, dtype=np.float32) / 255.0


# ---------------------------------------------------------------------------- painting
def _paint(ink: np.ndarray, style: str, rng: np.random.Generator) -> bytes:
    """Put an ink mask on paper in ``style`` at a random size and place; encoded bytes."""
    cropped = _crop(ink)
    out_side = int(rng.integers(80, 400))
    fill = float(rng.uniform(0.35, 0.8))  # how much of the picture the mark spans
    scale = fill * out_side / max(cropped.shape)
    mark = Image.fromarray((cropped * 255).astype(np.uint8)).resize(
        (max(1, round(cropped.shape[1] * scale)), max(1, round(cropped.shape[0] * scale))),
        Image.Resampling.LANCZOS,
    )
    width = out_side + int(rng.integers(0, out_side // 2))  # often wider than tall
    alpha = np.zeros((out_side, width), np.float32)
    top = int(rng.integers(0, out_side - mark.height + 1))
    left = int(rng.integers(0, width - mark.width + 1))
    alpha[top : top + mark.height, left : left + mark.width] = np.asarray(mark) / 255.0
    if style == "dark-on-light":
        paper, ink_level = rng.uniform(225, 255), rng.uniform(0, 60)
        light = np.float32(1.0)
    elif style == "light-on-dark":
        paper, ink_level = rng.uniform(15, 60), rng.uniform(190, 255)
        light = np.float32(1.0)
    else:
        paper, ink_level = rng.uniform(130, 200), rng.uniform(20, 80)
        light = _lighting(alpha.shape, rng, strength=float(rng.uniform(0.15, 0.4)))
    picture = (np.float32(paper) * (1 - alpha) + np.float32(ink_level) * alpha) * light
    if style == "grey-jpeg":
        picture = picture + rng.normal(0, rng.uniform(4, 12), picture.shape).astype(np.float32)
        return _encode(picture, "JPEG", quality=int(rng.integers(35, 75)))
    return _encode(picture, "PNG")


def _lighting(shape: tuple[int, int], rng: np.random.Generator, strength: float) -> np.ndarray:
    """Uneven light: a tilted plane times a soft vignette, about 1 on average."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ys, xs = ys / max(h - 1, 1) - 0.5, xs / max(w - 1, 1) - 0.5
    angle = rng.uniform(0, 2 * math.pi)
    plane = 1 + strength * (math.cos(angle) * xs + math.sin(angle) * ys) * 2
    vignette = 1 - strength * 0.8 * (xs**2 + ys**2)
    return (plane * vignette).astype(np.float32)


def _encode(picture: np.ndarray, fmt: str, quality: int = 90) -> bytes:
    image = Image.fromarray(np.clip(np.rint(picture), 0, 255).astype(np.uint8))
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _crop(ink: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero((ink > 0.05).any(axis=1))
    cols = np.flatnonzero((ink > 0.05).any(axis=0))
    if rows.size == 0:
        return ink
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


# ---------------------------------------------------------------------------- negatives
def _side(rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(64, 480)), int(rng.integers(64, 480))


def _noise(rng: np.random.Generator) -> tuple[bytes, str]:
    h, w = _side(rng)
    which = ("uniform", "gaussian", "salt-and-pepper", "colour")[int(rng.integers(4))]
    if which == "uniform":
        picture = rng.uniform(0, 255, (h, w))
    elif which == "gaussian":
        picture = rng.normal(rng.uniform(60, 200), rng.uniform(20, 60), (h, w))
    elif which == "salt-and-pepper":
        picture = np.where(rng.random((h, w)) < rng.uniform(0.02, 0.2), 0.0, 255.0)
        picture = np.where(rng.random((h, w)) < 0.5, picture, 255.0 - picture)
    else:
        picture = rng.uniform(0, 255, (h, w, 3))
    return _encode(picture, "PNG"), f"{which} noise"


def _gradient(rng: np.random.Generator) -> tuple[bytes, str]:
    h, w = _side(rng)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ys, xs = ys / h - 0.5, xs / w - 0.5
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * math.pi)
        field, which = math.cos(angle) * xs + math.sin(angle) * ys + 0.5, "linear"
    else:
        field, which = np.sqrt(xs**2 + ys**2) * 1.4, "radial"
    low, high = sorted(rng.uniform(0, 255, 2))
    picture = low + (high - low) * np.clip(field, 0, 1)
    return _encode(picture + rng.normal(0, 2, picture.shape), "PNG"), f"{which} gradient"


def _blank(rng: np.random.Generator) -> tuple[bytes, str]:
    h, w = _side(rng)
    which = ("white page", "grey photo", "black screen")[int(rng.integers(3))]
    if which == "white page":
        return _encode(np.full((h, w), rng.uniform(235, 255)), "PNG"), which
    if which == "black screen":
        return _encode(np.full((h, w), rng.uniform(0, 40)), "PNG"), which
    light = _lighting((h, w), rng, strength=float(rng.uniform(0.15, 0.4)))
    picture = rng.uniform(130, 200) * light + rng.normal(0, rng.uniform(4, 12), (h, w))
    return _encode(picture, "JPEG", quality=int(rng.integers(35, 75))), which


def _texture(rng: np.random.Generator) -> tuple[bytes, str]:
    """Photo-like pictures: clouds, stripes, a checkerboard, a collage of shapes."""
    h, w = _side(rng)
    which = ("clouds", "stripes", "checkerboard", "collage")[int(rng.integers(4))]
    if which == "clouds":
        picture = np.zeros((h, w, 3), np.float32)
        for octave in range(1, 5):
            cells = rng.uniform(0, 255, (2**octave + 1, 2**octave + 1, 3)).astype(np.uint8)
            layer = Image.fromarray(cells).resize((w, h), Image.Resampling.BICUBIC)
            picture += np.asarray(layer, np.float32) / 2**octave
        picture = picture / picture.max() * 255
    elif which == "stripes":
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        angle, period = rng.uniform(0, math.pi), rng.uniform(6, 40)
        phase = (math.cos(angle) * xs + math.sin(angle) * ys) * 2 * math.pi / period
        picture = 127 + 110 * np.sin(phase)
    elif which == "checkerboard":
        cell = int(rng.integers(4, 40))
        ys, xs = np.mgrid[0:h, 0:w]
        picture = np.where((ys // cell + xs // cell) % 2 == 0, 230.0, 30.0)
    else:
        image = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 255, 3)))
        draw = ImageDraw.Draw(image)
        for _ in range(int(rng.integers(8, 30))):
            x0, x1 = sorted(rng.integers(0, w, 2))
            y0, y1 = sorted(rng.integers(0, h, 2))
            colour = tuple(int(v) for v in rng.integers(0, 255, 3))
            if rng.random() < 0.5:
                draw.rectangle((x0, y0, x1, y1), fill=colour)
            else:
                draw.ellipse((x0, y0, x1, y1), fill=colour)
        image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 2))))
        picture = np.asarray(image, np.float32)
    return _encode(picture, "JPEG", quality=int(rng.integers(50, 90))), which


_MAKERS = {"noise": _noise, "gradient": _gradient, "blank": _blank, "texture": _texture}
