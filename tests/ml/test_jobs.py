"""The work behind each command, on the fake backend: pictures, metadata, predictions, errors."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.ml import jobs
from bot.ml.images import ImageInputError
from bot.ml.models import load_models
from bot.ml.requests import JobError, MorphRequest, SampleRequest
from tests.ml.fakes import FakeBackend, FakeClassifier, FakeGenerator, write_fake_model
from tests.ml.uploads import BAD_UPLOAD_CODES, BAD_UPLOADS, digit_png


@pytest.fixture
def models(tmp_path: Path) -> tuple[FakeGenerator, FakeClassifier]:
    write_fake_model(tmp_path, "gan")
    write_fake_model(tmp_path, "cnn")
    loaded = load_models(tmp_path, FakeBackend())
    assert loaded.generator is not None and loaded.classifier is not None
    return loaded.generator, loaded.classifier  # type: ignore[return-value]


def test_latents_are_standard_normal_and_reproducible() -> None:
    z = jobs.latents(42, 2000, 8)
    assert z.dtype == np.float32 and z.shape == (2000, 8)
    assert np.array_equal(z, jobs.latents(42, 2000, 8))
    assert abs(float(z.mean())) < 0.05 and abs(float(z.std()) - 1) < 0.05
    assert not np.array_equal(z[:3], jobs.latents(43, 3, 8))


def test_grid_labels_cycle_through_the_classes_or_repeat_one_digit() -> None:
    assert jobs.grid_labels(12, None, 10).tolist() == [*range(10), 0, 1]
    assert jobs.grid_labels(3, 7, 10).tolist() == [7, 7, 7]
    with pytest.raises(JobError):
        jobs.grid_labels(3, 10, 10)


def test_same_seed_same_picture_with_seed_and_version_in_the_png(models) -> None:  # type: ignore[no-untyped-def]
    generator, _ = models
    first = jobs.sample_grid(generator, SampleRequest(16, None, 42))
    assert first.png == jobs.sample_grid(generator, SampleRequest(16, None, 42)).png
    assert first.png != jobs.sample_grid(generator, SampleRequest(16, None, 43)).png
    image = Image.open(io.BytesIO(first.png))
    assert image.text["seed"] == "42" and image.text["model_version"] == "gan-digits-fake1"
    assert image.text["command"] == "/gan sample count:16 seed:42"
    assert first.labels[:11] == ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0")


def test_digits_are_scaled_up_smoothly(models) -> None:  # type: ignore[no-untyped-def]
    generator, _ = models
    png = jobs.sample_grid(generator, SampleRequest(1, 4, 7)).png
    sheet = np.asarray(Image.open(io.BytesIO(png)))
    side = jobs.CELL_PIXELS
    cell = sheet[6 : 6 + side, 6 : 6 + side].astype(np.float32)
    assert len(np.unique(cell)) > 64  # smooth shading, not 64 flat blocks
    blocks = cell.reshape(10, side // 10, 10, side // 10)  # one pixel of margin around
    assert (blocks.std(axis=(1, 3)) > 0).mean() > 0.5
    expected = jobs._pixels(generator.generate(jobs.latents(7, 1, 8), np.array([4], np.int32)))
    small = blocks.mean(axis=(1, 3))  # averaged back down, it is the generated digit
    assert np.abs(small[1:-1, 1:-1] - expected[0]).mean() < 20  # of 255
    assert small[0].max() < 40 and small[-1].max() < 40


@pytest.mark.parametrize("blending", [True, False])
def test_morph_is_an_animated_gif(tmp_path: Path, blending: bool) -> None:
    write_fake_model(tmp_path, "gan")
    generator = load_models(tmp_path, FakeBackend(blending=blending)).generator
    assert generator is not None
    morph = jobs.morph(generator, MorphRequest(3, 8, 6, 1))
    gif = Image.open(io.BytesIO(morph.gif))
    assert gif.format == "GIF" and gif.n_frames == 2 * 6 - 2  # forth and back
    assert gif.width >= 256 and gif.height > gif.width  # the picture, then its caption
    assert morph.method == ("embedding" if blending else "switch")
    first, last = (np.asarray(frame_at(gif, i).convert("L")) for i in (0, 5))
    caption = slice(gif.width, None)
    assert not np.array_equal(first[caption], last[caption])  # the marker moves 3 -> 8


def frame_at(gif: Image.Image, index: int) -> Image.Image:
    gif.seek(index)
    return gif.copy()


def test_slerp_keeps_the_endpoints() -> None:
    a, b = jobs.latents(1, 2, 8)
    path = jobs.slerp(a, b, np.linspace(0, 1, 5, dtype=np.float32))
    assert np.allclose(path[0], a, atol=1e-5) and np.allclose(path[-1], b, atol=1e-5)
    assert np.allclose(jobs.slerp(a, a, np.array([0.5], np.float32))[0], a)


@pytest.mark.parametrize("digit", [0, 3, 7])
def test_an_uploaded_digit_is_prepared_and_classified(models, digit: int) -> None:  # type: ignore[no-untyped-def]
    _, classifier = models
    prediction = jobs.classify_upload(classifier, digit_png(digit))
    assert prediction.top[0][0] == str(digit) and len(prediction.top) == 3
    assert sum(prediction.probabilities) == pytest.approx(1.0)
    assert prediction.truth is None
    chart = Image.open(io.BytesIO(prediction.chart_png))
    assert chart.format == "PNG" and chart.width > chart.height


def test_a_heldout_digit_is_classified_against_its_truth(models) -> None:  # type: ignore[no-untyped-def]
    _, classifier = models
    prediction = jobs.classify_heldout(classifier, 360 + 5)
    assert prediction.index == 5 and prediction.heldout_size == 360
    assert prediction.truth in [str(d) for d in range(10)]


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_bad_uploads_are_refused_with_a_reason(models, name: str) -> None:  # type: ignore[no-untyped-def]
    _, classifier = models
    with pytest.raises(ImageInputError) as caught:
        jobs.classify_upload(classifier, BAD_UPLOADS[name][1])
    assert caught.value.code == BAD_UPLOAD_CODES[name]
    assert classifier.calls == 0
