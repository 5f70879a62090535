"""The LiteRT backend: equal to Keras, chosen only for a checked conversion, TensorFlow otherwise."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.ml import jobs
from bot.ml.cards import read_card
from bot.ml.heldout import heldout_digits
from bot.ml.litert_backend import (
    LiteRtBackend,
    LiteRtClassifier,
    LiteRtGenerator,
    serving_backend,
)
from bot.ml.models import load_models, model_file
from bot.ml.preprocess import normalize_images, to_uint8
from bot.ml.requests import MorphRequest, SampleRequest
from bot.ml.tf_backend import TfBackend, TfClassifier, TfGenerator
from tests.ml.tiny_models import (
    SHIPPED_DIR,
    copy_models,
    shipped_models_present,
    tiny_litert_models,
    tiny_models,
)

__all__ = ["tiny_litert_models", "tiny_models"]  # the session fixtures
ROOT = Path(__file__).resolve().parents[2]


def close(got: np.ndarray, expected: np.ndarray) -> bool:
    """Equal within 1e-5 (relative to the value's size, as the card's check)."""
    return bool(np.allclose(got, expected, rtol=1e-5, atol=1e-5))


@pytest.fixture(scope="module")
def both(tiny_litert_models: Path):  # type: ignore[no-untyped-def]
    litert = load_models(tiny_litert_models, LiteRtBackend())
    assert not litert.problems, litert.problems
    return litert, load_models(tiny_litert_models, TfBackend())


def test_conversions_give_the_tensorflow_outputs_for_any_count(both) -> None:  # type: ignore[no-untyped-def]
    litert, tf = both
    assert isinstance(litert.generator, LiteRtGenerator)
    assert isinstance(litert.classifier, LiteRtClassifier)
    for count in (1, 16, 17, 64):  # chunks of 16, the last one padded
        z, labels = jobs.latents(count, count, 32), jobs.grid_labels(count, None, 10)
        got = litert.generator.generate(z, labels)
        assert got.shape == (count, 8, 8, 1)
        assert close(got, tf.generator.generate(z, labels))
    images = np.random.default_rng(0).uniform(-1, 1, (5, 8, 8, 1)).astype(np.float32)
    assert close(litert.classifier.logits(images), tf.classifier.logits(images))


def test_labels_blend_through_the_converted_embedding(both) -> None:  # type: ignore[no-untyped-def]
    litert, tf = both
    assert litert.generator.label_blending
    z = jobs.latents(8, 20, 32)
    start, end = np.full(20, 1, np.int32), np.full(20, 7, np.int32)
    weights = np.linspace(0, 1, 20, dtype=np.float32)
    blended = litert.generator.blend(z, start, end, weights)
    assert close(blended, tf.generator.blend(z, start, end, weights))
    assert close(blended[-1:], litert.generator.generate(z[-1:], end[-1:]))
    assert jobs.morph(litert.generator, MorphRequest(1, 7, 4, 8)).method == "embedding"


def test_the_commands_run_on_the_conversions(both) -> None:  # type: ignore[no-untyped-def]
    from tests.ml.uploads import digit_png

    generator, classifier = both[0].generator, both[0].classifier
    sample = jobs.sample_grid(generator, SampleRequest(16, None, 3))
    assert sample.png == jobs.sample_grid(generator, SampleRequest(16, None, 3)).png
    assert len(jobs.classify_upload(classifier, digit_png(4)).top) == 3
    assert jobs.classify_heldout(classifier, 5).truth is not None


def _damage(models: Path, damage: str) -> None:
    """Break the CNN's conversion the way ``damage`` says."""
    tflite, card_file = models / "cnn-digits.tflite", models / "cnn-digits.json"
    card = json.loads(card_file.read_text())
    if damage == "missing":
        tflite.unlink()
    elif damage == "changed":
        tflite.write_bytes(tflite.read_bytes() + b"\0")
    elif damage == "uncarded":
        del card["tflite"]
    else:  # corrupt, yet recorded in the card
        tflite.write_bytes(b"TFL3 not a model")
        card["tflite"]["sha256"] = hashlib.sha256(b"TFL3 not a model").hexdigest()
    card_file.write_text(json.dumps(card))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("missing", "cnn-digits.tflite (its LiteRT conversion) not found"),
        ("changed", "cnn-digits.tflite does not match its card (re-convert it: aiclub convert "),
        ("uncarded", "cnn-digits.keras has no LiteRT conversion in its card"),
        ("corrupt", "cannot load cnn-digits.tflite: "),
    ],
)
def test_a_conversion_that_cannot_be_trusted_is_served_by_tensorflow(
    damage: str,
    reason: str,
    tiny_litert_models: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    models = copy_models(tiny_litert_models, tmp_path / "models")
    _damage(models, damage)
    with caplog.at_level(logging.WARNING, logger="bot.ml.litert_backend"):
        served = load_models(models, serving_backend())
    assert not served.problems
    assert isinstance(served.classifier, TfClassifier)
    assert isinstance(served.generator, LiteRtGenerator)  # the other model is not affected
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.ml.litert_backend"]
    assert line.startswith(f"model cnn-digits: {reason}")
    assert line.endswith("; serving cnn-digits.keras with TfBackend instead")


def test_without_the_runtime_every_model_is_served_by_tensorflow(
    tiny_litert_models: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)  # import fails
    with caplog.at_level(logging.WARNING, logger="bot.ml.litert_backend"):
        served = load_models(tiny_litert_models, serving_backend())
    assert isinstance(served.generator, TfGenerator)
    assert isinstance(served.classifier, TfClassifier)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.ml.litert_backend"]
    assert len(lines) == 2 and all("the LiteRT runtime does not import" in x for x in lines)


def test_a_conversion_unlike_its_card_is_refused(tiny_litert_models: Path, tmp_path: Path) -> None:
    from bot.ml.backend import ModelLoadError

    models = copy_models(tiny_litert_models, tmp_path / "models")
    card_file = models / "gan-digits.json"
    card = json.loads(card_file.read_text())
    card["latent_dim"] = 64
    card["inputs"]["z"]["shape"] = [None, 64]
    card_file.write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match=r"gan-digits.tflite:generate takes .* as its card"):
        LiteRtBackend().load_generator(read_card(model_file(models, "gan"), "gan"))


@pytest.mark.skipif(not shipped_models_present(), reason="the shipped models are not installed")
def test_the_shipped_conversions_equal_keras_pixel_for_pixel() -> None:
    import keras

    from bot.ml.tf_backend import embedding_tail

    served = load_models(SHIPPED_DIR, LiteRtBackend())
    generator, classifier = served.generator, served.classifier
    assert isinstance(generator, LiteRtGenerator) and isinstance(classifier, LiteRtClassifier)
    gan = keras.models.load_model(model_file(SHIPPED_DIR, "gan"), compile=False)
    for seed in (0, 1, 2):  # /gan sample 16 at three seeds: the same picture on either backend
        z, labels = jobs.latents(seed, 16, 32), jobs.grid_labels(16, None, 10)
        expected = np.asarray(gan([z, labels], training=False))
        got = generator.generate(z, labels)
        assert np.abs(got - expected).max() <= 1e-5
        assert np.array_equal(to_uint8(got), to_uint8(expected))
    table, tail = embedding_tail(gan)  # type: ignore[misc]
    weights = np.linspace(0, 1, 8, dtype=np.float32)
    start, end = np.full(8, 1, np.int32), np.full(8, 7, np.int32)
    z = jobs.latents(4, 8, 32)
    embedded = (1 - weights[:, None]) * table[start] + weights[:, None] * table[end]
    expected = np.asarray(tail([z, embedded], training=False))
    assert np.abs(generator.blend(z, start, end, weights) - expected).max() <= 1e-5

    cnn = keras.models.load_model(model_file(SHIPPED_DIR, "cnn"), compile=False)
    images = normalize_images(heldout_digits(classifier.card)[0][:8], 16.0)
    assert close(classifier.logits(images), np.asarray(cnn(images, training=False)))


_RUNTIME_LINE = """
import sys
from ai_edge_litert.interpreter import Interpreter
from bot.console.terminal import quiet_native_stderr

if sys.argv[2] == "filtered":
    with quiet_native_stderr():
        Interpreter(model_path=sys.argv[1]).allocate_tensors()
        print("still shown", file=sys.stderr)
else:
    Interpreter(model_path=sys.argv[1]).allocate_tensors()
"""


def test_the_runtime_info_line_stays_out_of_the_console(tiny_litert_models: Path) -> None:
    model = str(tiny_litert_models / "gan-digits.tflite")

    def stderr(mode: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _RUNTIME_LINE, model, mode],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stderr

    assert "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." in stderr("plain")
    assert stderr("filtered").splitlines() == ["still shown"]
