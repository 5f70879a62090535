"""The "not a digit" check: thresholds from the card, reasons, and the upload job that uses it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.ml import jobs
from bot.ml.images import PreparedDigit
from bot.ml.models import load_models
from bot.ml.ood import OodCheck, nearest_distance
from tests.ml.fakes import OOD, FakeBackend, FakeClassifier, write_fake_model
from tests.ml.uploads import digit_png

CHECK = OodCheck(k=5, max_distance=41.0, max_ink_share=0.25)


def _prepared(found_ink: bool = True, ink_share: float = 0.05) -> PreparedDigit:
    pixels = np.zeros((8, 8), np.float32)
    return PreparedDigit(pixels, pixels.astype(np.uint8), found_ink, ink_share)


def test_the_card_gives_the_thresholds() -> None:
    assert OodCheck.from_card({"ood": OOD}) == CHECK
    assert OodCheck.from_card({}) is None
    assert CHECK.to_card() == OOD


@pytest.mark.parametrize(
    ("prepared", "distance", "reason"),
    [
        (_prepared(found_ink=False, ink_share=0.0), 0.0, "no_ink"),
        (_prepared(ink_share=0.6), 10.0, "too_much_ink"),
        (_prepared(), 41.5, "unlike_training"),
        (_prepared(), 41.0, None),
    ],
)
def test_each_reason(prepared: PreparedDigit, distance: float, reason: str | None) -> None:
    assert CHECK.reason(prepared, distance) == reason


def test_nearest_distance_is_the_mean_over_the_k_nearest() -> None:
    reference = np.stack([np.full((2, 2), v, np.float32) for v in (0.0, 1.0, 3.0, 10.0)])
    query = np.zeros((2, 2), np.float32)
    assert nearest_distance(query, reference, 1) == 0.0
    assert nearest_distance(query, reference, 3) == pytest.approx((0 + 2 + 6) / 3)
    assert nearest_distance(query, reference, 99) == pytest.approx((0 + 2 + 6 + 20) / 4)


def _png(pixels: np.ndarray | Image.Image) -> bytes:
    image = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels.astype(np.uint8))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _letter(text: str) -> bytes:
    image = Image.new("L", (200, 200), 255)
    font = ImageFont.load_default(size=140)
    ImageDraw.Draw(image).text((100, 100), text, fill=0, font=font, anchor="mm")
    return _png(image)


def _classifier(tmp_path: Path, ood: dict[str, float] | None = OOD) -> FakeClassifier:
    write_fake_model(tmp_path, "cnn", ood=ood)
    classifier = load_models(tmp_path, FakeBackend()).classifier
    assert isinstance(classifier, FakeClassifier)
    return classifier


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        pytest.param(lambda: _png(np.full((60, 90), 250)), "no_ink", id="blank page"),
        pytest.param(
            lambda: _png(np.random.default_rng(0).uniform(0, 255, (90, 90))),
            "no_ink",
            id="noise",
        ),
        pytest.param(lambda: _letter("X"), "unlike_training", id="letter X"),
    ],
)
def test_uploads_that_are_not_digits_say_why_and_keep_a_best_guess(
    tmp_path: Path, upload: object, reason: str
) -> None:
    prediction = jobs.classify_upload(_classifier(tmp_path), upload())  # type: ignore[operator]
    assert prediction.not_digit == reason
    assert len(prediction.top) == 3 and prediction.chart_png.startswith(b"\x89PNG")


@pytest.mark.parametrize("digit", [0, 3, 7])
def test_digits_pass_the_check(tmp_path: Path, digit: int) -> None:
    prediction = jobs.classify_upload(_classifier(tmp_path), digit_png(digit))
    assert prediction.not_digit is None and prediction.top[0][0] == str(digit)


def test_a_card_without_the_check_never_refuses(tmp_path: Path) -> None:
    prediction = jobs.classify_upload(_classifier(tmp_path, ood=None), _letter("X"))
    assert prediction.not_digit is None
