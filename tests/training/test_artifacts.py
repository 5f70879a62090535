"""Atomic writes: a failed save leaves the previous file and no temporary file behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_failed_save_keeps_the_old_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    from training import artifacts, runtime

    runtime.configure(0)
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "cnn-digits.keras"
    digest = artifacts.save_model(model, path)
    assert digest == artifacts.file_sha256(path)
    reloaded = artifacts.load_model(path)
    assert artifacts.weights_sha256(reloaded) == artifacts.weights_sha256(model)
    assert getattr(reloaded, "optimizer", None) is None  # shipped for inference only

    def broken_save(self: keras.Model, filepath: str | Path, **kwargs: object) -> None:
        Path(filepath).write_bytes(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        artifacts.save_model(model, path)
    assert artifacts.file_sha256(path) == digest
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_json_replaces_whole_files(tmp_path: Path) -> None:
    from training.artifacts import write_json

    card = tmp_path / "cnn-digits.json"
    write_json({"a": 1}, card)
    write_json({"b": "二"}, card)
    assert json.loads(card.read_text(encoding="utf-8")) == {"b": "二"}
    assert [p.name for p in tmp_path.iterdir()] == [card.name]


def test_a_card_must_describe_its_file(tmp_path: Path) -> None:
    from training import artifacts

    model = tmp_path / "cnn-digits.keras"
    model.write_bytes(b"weights")
    with pytest.raises(artifacts.ArtifactError, match="no model card beside"):
        artifacts.read_card(model)
    artifacts.card_path(model).write_text("{", encoding="utf-8")
    with pytest.raises(artifacts.ArtifactError, match="is not valid JSON"):
        artifacts.read_card(model)
    artifacts.write_json({"file_sha256": "0" * 64}, artifacts.card_path(model))
    with pytest.raises(artifacts.ArtifactError, match="does not match its card"):
        artifacts.read_card(model)
    card = {"file_sha256": artifacts.file_sha256(model), "kind": "cnn"}
    artifacts.write_json(card, artifacts.card_path(model))
    assert artifacts.read_card(model) == card


def test_only_a_digits_cnn_gets_upload_figures() -> None:
    from training import artifacts, pipeline

    generator = artifacts.DEFAULT_MODELS_DIR / "gan-digits.keras"
    with pytest.raises(artifacts.ArtifactError, match="is not a digits CNN"):
        pipeline.update_uploads(generator)
