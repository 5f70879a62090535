"""The TensorFlow backend on small real models: tf.function calls, checks, warm-up, threads."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from bot.ml import jobs
from bot.ml.backend import ModelLoadError
from bot.ml.cards import read_card
from bot.ml.models import load_models, model_file
from bot.ml.requests import MorphRequest, SampleRequest
from bot.ml.tf_backend import TfBackend, TfGenerator
from tests.ml.tiny_models import copy_models, tiny_models

__all__ = ["tiny_models"]  # the session fixture


@pytest.fixture(scope="module")
def served(tiny_models: Path):  # type: ignore[no-untyped-def]
    models = load_models(tiny_models, TfBackend())
    assert not models.problems, models.problems
    return models


def test_models_are_called_through_tf_functions_never_predict(
    served,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import keras

    def no_predict(*args: object, **kwargs: object) -> None:
        raise AssertionError("model.predict must not be used per request")

    monkeypatch.setattr(keras.Model, "predict", no_predict)
    generator, classifier = served.generator, served.classifier
    sample = jobs.sample_grid(generator, SampleRequest(16, None, 3))
    assert sample.png == jobs.sample_grid(generator, SampleRequest(16, None, 3)).png
    assert jobs.classify_heldout(classifier, 1).truth is not None
    assert generator._generate.experimental_get_tracing_count() == 1  # fixed signature
    assert classifier._logits.experimental_get_tracing_count() == 1
    jobs.sample_grid(generator, SampleRequest(64, 2, 4))  # another batch size, same trace
    assert generator._generate.experimental_get_tracing_count() == 1


def test_outputs_match_the_keras_model_in_inference_mode(served, tiny_models: Path) -> None:  # type: ignore[no-untyped-def]
    import keras

    model = keras.models.load_model(model_file(tiny_models, "gan"), compile=False)
    z, labels = jobs.latents(5, 4, 32), np.array([0, 3, 5, 9], np.int32)
    expected = np.asarray(model([z, labels], training=False))
    assert np.allclose(served.generator.generate(z, labels), expected, atol=1e-5)


def test_labels_blend_through_the_embedding(served) -> None:  # type: ignore[no-untyped-def]
    generator = served.generator
    assert generator.label_blending
    z = jobs.latents(8, 3, 32)
    start, end = np.array([1, 1, 1], np.int32), np.array([7, 7, 7], np.int32)
    blended = generator.blend(z, start, end, np.array([0.0, 0.5, 1.0], np.float32))
    assert np.allclose(blended[0], generator.generate(z[:1], start[:1])[0], atol=1e-5)
    assert np.allclose(blended[2], generator.generate(z[2:], end[2:])[0], atol=1e-5)
    assert jobs.morph(generator, MorphRequest(1, 7, 4, 8)).method == "embedding"


def test_a_generator_without_a_label_embedding_switches_labels(tiny_models: Path) -> None:
    import keras

    card = read_card(model_file(tiny_models, "gan"), "gan")
    z = keras.Input((32,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    onehot = keras.layers.CategoryEncoding(10, output_mode="one_hot")(label)
    x = keras.layers.Dense(64, activation="tanh")(keras.layers.Concatenate()([z, onehot]))
    model = keras.Model([z, label], keras.layers.Reshape((8, 8, 1))(x))
    generator = TfGenerator(model, card)
    assert not generator.label_blending
    assert jobs.morph(generator, MorphRequest(2, 6, 4, 1)).method == "switch"


@pytest.mark.parametrize("damage", ["garbage", "wrong_shape"])
def test_unloadable_files_are_model_load_errors(
    tiny_models: Path, tmp_path: Path, damage: str
) -> None:
    models = copy_models(tiny_models, tmp_path / "models")
    card_file = models / "cnn-digits.json"
    card = json.loads(card_file.read_text())
    if damage == "garbage":
        (models / "cnn-digits.keras").write_bytes(b"PK\x03\x04broken zip")
        card["file_sha256"] = hashlib.sha256(b"PK\x03\x04broken zip").hexdigest()
    else:
        card["input"]["shape"] = [None, 28, 28, 1]
    card_file.write_text(json.dumps(card))
    with pytest.raises(ModelLoadError) as caught:
        TfBackend().load_classifier(read_card(models / "cnn-digits.keras", "cnn"))
    assert "cnn-digits.keras" in str(caught.value)


def test_thread_pools_follow_the_settings(served) -> None:  # type: ignore[no-untyped-def]
    import tensorflow as tf

    assert tf.config.threading.get_intra_op_parallelism_threads() == 2
    assert tf.config.threading.get_inter_op_parallelism_threads() == 1
