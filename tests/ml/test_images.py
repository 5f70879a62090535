"""Preprocessing of uploads, on synthetic pictures drawn with Pillow (no model involved)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bot.ml.images import FRAMINGS, Framing, frame_ink, framing_for, prepare_digit

DIGITS = FRAMINGS["digits"]
SEVEN = [(0.1, 0.0), (0.9, 0.0), (0.35, 1.0)]


def drawing(
    strokes: list[tuple[float, float]] = SEVEN,
    *,
    size: tuple[int, int] = (300, 240),
    box: tuple[float, float, float, float] = (100, 40, 60, 150),  # left, top, width, height
    paper: int = 255,
    ink: int = 0,
    pen: int = 12,
) -> Image.Image:
    """A polyline in the unit box, drawn into ``box`` of a picture."""
    image = Image.new("L", size, paper)
    left, top, width, height = box
    points = [(left + x * width, top + y * height) for x, y in strokes]
    ImageDraw.Draw(image).line(points, fill=ink, width=pen, joint="curve")
    return image


def jpeg(image: Image.Image, quality: int = 40) -> Image.Image:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


def photographed(image: Image.Image, seed: int = 0) -> Image.Image:
    """The picture on grey paper under uneven light, with sensor noise, as a JPEG."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, np.float32) / 255.0
    height, width = pixels.shape
    light = np.linspace(0.65, 1.1, width)[None, :] * np.linspace(1.05, 0.85, height)[:, None]
    grey = (40 + pixels * 130) * light + rng.normal(0, 8, pixels.shape)
    return jpeg(Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)))


def columns_with_ink(values: np.ndarray) -> np.ndarray:
    return np.flatnonzero(values.max(axis=0) > 0)


def centre_of_mass(values: np.ndarray) -> tuple[float, float]:
    total = values.sum()
    rows, cols = np.indices(values.shape)
    return float((rows * values).sum() / total), float((cols * values).sum() / total)


def test_output_is_in_the_datasets_range_with_what_the_model_saw() -> None:
    prepared = prepare_digit(drawing(), DIGITS, 16.0)
    assert prepared.found_ink and prepared.pixels.shape == (8, 8)
    assert prepared.pixels.dtype == np.float32
    assert prepared.pixels.min() >= 0.0 and prepared.pixels.max() == 16.0
    assert prepared.seen.dtype == np.uint8
    np.testing.assert_array_equal(prepared.seen, np.rint(prepared.pixels * 255 / 16))


def test_polarity_comes_from_the_border() -> None:
    dark_on_light = prepare_digit(drawing(paper=250, ink=10), DIGITS, 16.0)
    light_on_dark = prepare_digit(drawing(paper=30, ink=230), DIGITS, 16.0)
    np.testing.assert_array_equal(dark_on_light.pixels, light_on_dark.pixels)
    assert dark_on_light.pixels[0].sum() > 0  # the 7's bar is ink, not background


def test_grey_jpeg_under_uneven_light_gives_the_clean_digit() -> None:
    clean = prepare_digit(drawing(), DIGITS, 16.0).pixels
    noisy = prepare_digit(photographed(drawing()), DIGITS, 16.0)
    assert noisy.found_ink
    assert np.abs(noisy.pixels - clean).mean() < 1.0  # of 16
    assert np.corrcoef(noisy.pixels.ravel(), clean.ravel())[0, 1] > 0.95


def test_the_ink_fills_the_height_and_keeps_its_aspect_ratio() -> None:
    narrow = prepare_digit(drawing([(0.5, 0.0), (0.5, 1.0)], pen=10), DIGITS, 16.0).pixels
    assert narrow[0].sum() > 0 and narrow[-1].sum() > 0  # top to bottom, like the dataset
    assert len(columns_with_ink(narrow)) <= 4  # a stroke stays a stroke, not a block
    wide = prepare_digit(drawing(box=(40, 60, 200, 120)), DIGITS, 16.0).pixels
    assert len(columns_with_ink(wide)) == 8


@pytest.mark.parametrize("corner", [(8, 8), (232, 82), (8, 82), (232, 8)])
def test_the_digit_is_centred_by_centre_of_mass_wherever_it_was(corner: tuple[int, int]) -> None:
    values = prepare_digit(drawing(box=(*corner, 60, 150)), DIGITS, 16.0).pixels
    reference = prepare_digit(drawing(), DIGITS, 16.0).pixels
    assert np.abs(values - reference).mean() < 1.0  # of 16
    _, column = centre_of_mass(values)
    assert abs(column - 3.5) <= 0.6


def test_thin_strokes_are_thickened_to_the_datasets_ink() -> None:
    thin = prepare_digit(drawing(pen=2), DIGITS, 16.0).pixels
    thick = prepare_digit(drawing(pen=14), DIGITS, 16.0).pixels
    assert DIGITS.ink_share is not None
    for values in (thin, thick):
        assert values.sum() / 16 / 64 == pytest.approx(DIGITS.ink_share, abs=0.12)


def test_specks_are_dropped() -> None:
    image = drawing()
    draw = ImageDraw.Draw(image)
    for x, y in ((20, 20), (280, 220), (20, 200)):
        draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=0)
    clean = prepare_digit(drawing(), DIGITS, 16.0)
    specked = prepare_digit(image, DIGITS, 16.0)
    np.testing.assert_array_equal(specked.pixels, clean.pixels)
    assert specked.ink_share == pytest.approx(clean.ink_share, rel=0.02)


def _gradient() -> Image.Image:
    return Image.fromarray(np.tile(np.linspace(40, 220, 200), (150, 1)).astype(np.uint8))


def _faint_noise() -> Image.Image:
    rng = np.random.default_rng(1)
    return Image.fromarray(np.clip(rng.normal(180, 4, (150, 200)), 0, 255).astype(np.uint8))


@pytest.mark.parametrize(
    "picture",
    [
        pytest.param(lambda: Image.new("L", (120, 90), 255), id="white page"),
        pytest.param(lambda: Image.new("RGB", (64, 64), (10, 10, 10)), id="black screen"),
        pytest.param(_gradient, id="gradient"),
        pytest.param(lambda: jpeg(_faint_noise()), id="grey page as JPEG"),
        pytest.param(lambda: Image.new("L", (1, 1), 0), id="one pixel"),
    ],
)
def test_no_ink_means_an_empty_input(picture: object) -> None:
    prepared = prepare_digit(picture(), DIGITS, 16.0)  # type: ignore[operator]
    assert not prepared.found_ink
    assert not prepared.pixels.any() and not prepared.seen.any()


def test_transparent_pictures_are_seen_on_white() -> None:
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(60, 20), (140, 20), (80, 180)], fill=(0, 0, 0, 255), width=10)
    assert prepare_digit(image, DIGITS, 16.0).found_ink


def test_mnist_framing_puts_the_ink_in_a_20_pixel_box_centred_by_mass() -> None:
    framing = framing_for("mnist", (28, 28))
    values = prepare_digit(drawing(), framing, 255.0).pixels
    rows = np.flatnonzero(values.max(axis=1) > 0)
    cols = np.flatnonzero(values.max(axis=0) > 0)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21
    row, column = centre_of_mass(values)
    assert abs(row - 13.5) <= 1 and abs(column - 13.5) <= 1


def test_unknown_datasets_get_a_generic_framing_of_their_size() -> None:
    assert framing_for("digits", (8, 8)) is DIGITS
    assert framing_for("digits", (16, 16)) == Framing((16, 16))
    assert framing_for("mystery", (12, 10)).size == (12, 10)


def test_frame_ink_frames_a_bitmap_like_an_upload() -> None:
    mask = np.zeros((40, 40), bool)
    mask[5:35, 18:22] = True  # a "1"
    values = frame_ink(mask, DIGITS)
    assert values.shape == (8, 8) and values.min() >= 0 and values.max() <= 1
    assert values[0].any() and values[-1].any()
