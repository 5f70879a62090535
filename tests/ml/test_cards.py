"""Model cards as the bot reads them: what makes a model servable, and what does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ml.cards import CardError, read_card
from bot.ml.models import model_file, read_cards
from tests.ml.fakes import write_fake_model


def _edit_card(models_dir: Path, which: str, **changes: object) -> None:
    path = models_dir / f"{which}-digits.json"
    card = json.loads(path.read_text())
    card.update(changes)
    path.write_text(json.dumps(card))


def test_a_good_card_describes_how_to_call_the_model(tmp_path: Path) -> None:
    write_fake_model(tmp_path, "gan")
    write_fake_model(tmp_path, "cnn")
    gan = read_card(model_file(tmp_path, "gan"), "gan")
    cnn = read_card(model_file(tmp_path, "cnn"), "cnn")
    assert (gan.version, gan.latent_dim, gan.image_shape) == ("gan-digits-fake1", 8, (8, 8, 1))
    assert (cnn.raw_max, cnn.class_names[-1], cnn.split_seed) == (16.0, "9", 20240601)
    assert cnn.metrics["svc_baseline_accuracy"] == 0.9806 and cnn.gates
    assert gan.created is not None and gan.created.year == 2026
    assert cnn.input_kind == "digit" and cnn.ood is not None and cnn.ood.k == 5
    assert gan.ood is None
    assert gan.tflite_file is None and gan.tflite_sha256 is None  # no LiteRT conversion


def test_the_litert_conversion_is_named_beside_the_model(tmp_path: Path) -> None:
    write_fake_model(tmp_path, "gan")
    _edit_card(tmp_path, "gan", tflite={"file": "gan-digits.tflite", "sha256": "ab" * 32})
    card = read_card(model_file(tmp_path, "gan"), "gan")
    assert (card.tflite_file, card.tflite_sha256) == (tmp_path / "gan-digits.tflite", "ab" * 32)
    _edit_card(tmp_path, "gan", tflite={"file": "../elsewhere.tflite", "sha256": "ab" * 32})
    with pytest.raises(CardError, match=r"tflite\.file") as caught:
        read_card(model_file(tmp_path, "gan"), "gan")
    assert caught.value.code == "bad_card"


def test_a_card_without_the_newer_fields_still_serves(tmp_path: Path) -> None:
    write_fake_model(tmp_path, "cnn", ood=None)
    card = read_card(model_file(tmp_path, "cnn"), "cnn")
    assert card.input_kind == "digit" and card.ood is None


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        ("no_model", "missing"),
        ("no_card", "missing"),
        ("bad_json", "bad_card"),
        ("wrong_kind", "bad_card"),
        ("no_version", "bad_card"),
        ("odd_version", "bad_card"),
        ("file_changed", "mismatch"),
    ],
)
def test_unservable_models_are_refused_with_a_reason(
    tmp_path: Path, damage: str, code: str
) -> None:
    write_fake_model(tmp_path, "gan")
    model, card = tmp_path / "gan-digits.keras", tmp_path / "gan-digits.json"
    if damage == "no_model":
        model.unlink()
    elif damage == "no_card":
        card.unlink()
    elif damage == "bad_json":
        card.write_text("{not json")
    elif damage == "wrong_kind":
        _edit_card(tmp_path, "gan", kind="cnn")
    elif damage == "no_version":
        data = json.loads(card.read_text())
        del data["model_version"]
        card.write_text(json.dumps(data))
    elif damage == "odd_version":
        _edit_card(tmp_path, "gan", model_version="gan digits:1")
    else:
        model.write_bytes(model.read_bytes()[:5])
    with pytest.raises(CardError) as caught:
        read_card(model, "gan")
    assert caught.value.code == code and str(caught.value)


def test_read_cards_reports_every_model_by_name(tmp_path: Path) -> None:
    write_fake_model(tmp_path, "cnn")
    (tmp_path / "cnn-mnist.keras").write_bytes(b"no card beside it")
    found = read_cards(tmp_path)
    assert list(found) == ["gan-digits", "cnn-digits", "cnn-mnist"]
    assert found["gan-digits"] == "gan-digits.keras not found"  # the default is always listed
    cnn = found["cnn-digits"]
    assert not isinstance(cnn, str) and cnn.version == "cnn-digits-fake1"
    assert found["cnn-mnist"] == "cnn-mnist.json (the model card) not found"


def test_the_split_seed_also_comes_from_a_structured_field(tmp_path: Path) -> None:
    write_fake_model(tmp_path, "cnn")
    _edit_card(
        tmp_path,
        "cnn",
        dataset={"name": "digits", "split": "custom", "split_seed": 7, "test_size": 360},
    )
    assert read_card(model_file(tmp_path, "cnn"), "cnn").split_seed == 7
