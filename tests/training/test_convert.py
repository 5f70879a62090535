"""``aiclub convert`` and the checked LiteRT conversion behind it and behind ``aiclub train``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.ml.tiny_models import copy_models, tiny_models
from tests.training.test_keras_datasets import fake_keras_datasets

__all__ = ["fake_keras_datasets", "tiny_models"]  # fixtures


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()


@pytest.mark.parametrize("kind", ["cnn", "gan"])
def test_convert_writes_the_tflite_and_records_it_in_the_card(
    kind: str, tiny_models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from training.artifacts import file_sha256

    models = copy_models(tiny_models, tmp_path / "models")
    keras_file, card_file = models / f"{kind}-digits.keras", models / f"{kind}-digits.json"
    before = json.loads(card_file.read_text())
    assert main(["convert", str(keras_file)]) == 0
    out = capsys.readouterr().out
    tflite = models / f"{kind}-digits.tflite"
    assert out.startswith(f"wrote {tflite} (") and out.rstrip().endswith("and updated its card")
    card = json.loads(card_file.read_text())
    block = card.pop("tflite")
    assert card == before  # the model is not retrained: everything else is as it was
    assert block["file"] == tflite.name and block["sha256"] == file_sha256(tflite)
    assert block["size_bytes"] == tflite.stat().st_size < 4 * 2**20
    assert block["batch"] == (16 if kind == "gan" else 1)
    assert block["signatures"] == (["generate", "blend"] if kind == "gan" else ["logits"])
    assert block["check"]["max_abs_diff_vs_keras"] <= 1e-5
    assert block["check"].get("uint8_pixels_differing", 0) == 0
    assert tflite.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in models.iterdir() if p.name.startswith(kind)) == sorted(
        f"{kind}-digits{suffix}" for suffix in (".json", ".keras", ".tflite")
    )  # no temporary files left


def test_a_conversion_unlike_its_model_is_refused(tiny_models: Path) -> None:
    from training import runtime
    from training.artifacts import load_model
    from training.cnn import build_cnn
    from training.convert import ConversionError, check, convert

    runtime.configure(0)
    model = load_model(tiny_models / "cnn-digits.keras")
    other = build_cnn((8, 8, 1), 10)  # fresh weights
    with pytest.raises(ConversionError, match=r"the converted cnn \(logits\) differs from Keras"):
        check(convert(other, "cnn"), model, "cnn", 10)


def test_convert_refuses_a_model_its_card_does_not_describe(
    tiny_models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = copy_models(tiny_models, tmp_path / "models")
    gan, cnn = models / "gan-digits.keras", models / "cnn-digits.keras"
    gan.write_bytes(cnn.read_bytes())  # a loadable model, not the one in the card
    assert main(["convert", str(gan)]) == 1
    assert error_lines(capsys) == [f"aiclub: error: {gan} does not match its card (retrain it)"]
    assert not (models / "gan-digits.tflite").exists()


@pytest.mark.usefixtures("fake_keras_datasets")
def test_train_stops_at_a_conversion_that_does_not_reproduce_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from training import convert

    def differs(*args: object) -> None:
        raise convert.ConversionError("the converted cnn (logits) differs from Keras by 0.5")

    monkeypatch.setattr(convert, "check", differs)
    assert (
        main(["train", "cnn", "--dataset", "mnist", "--epochs", "1", "--out", str(tmp_path)]) == 1
    )
    assert error_lines(capsys)[-1] == (
        "aiclub: error: the converted cnn (logits) differs from Keras by 0.5; "
        "no card was written, so the bot does not serve the new model"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn-mnist.keras"]


@pytest.mark.parametrize("missing", ["model", "card"])
def test_convert_needs_the_model_and_its_card(
    missing: str, tiny_models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = copy_models(tiny_models, tmp_path / "models")
    path = models / "cnn-digits.keras"
    (path if missing == "model" else models / "cnn-digits.json").unlink()
    assert main(["convert", str(path)]) == 1
    expected = (
        f"model file not found: {path}" if missing == "model" else f"no model card beside {path}"
    )
    assert error_lines(capsys) == [f"aiclub: error: {expected}"]
