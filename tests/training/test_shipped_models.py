"""The shipped digits models: cards complete, files intact, metrics recomputed against gates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from training.artifacts import DEFAULT_MODELS_DIR, file_sha256
from training.datasets import SPLIT_SEED

CNN = DEFAULT_MODELS_DIR / "cnn-digits.keras"
GAN = DEFAULT_MODELS_DIR / "gan-digits.keras"


def card(model: Path) -> dict[str, Any]:
    return json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("model", [CNN, GAN], ids=["cnn", "gan"])
def test_card_describes_the_file(model: Path) -> None:
    info = card(model)
    assert info["file_sha256"] == file_sha256(model)
    assert info["model_file"] == model.name
    assert info["class_names"] == [str(d) for d in range(10)]
    assert info["dataset"]["name"] == "digits"
    assert info["dataset"]["split_seed"] == SPLIT_SEED
    assert info["training"]["epochs"] > 0 and info["training"]["wall_time_s"] > 0
    assert {"tensorflow", "keras", "numpy", "scikit-learn"} <= set(info["library_versions"])
    assert info["model_version"].startswith(model.stem + "-")
    assert all(info["gates"].values())
    tflite = model.with_suffix(".tflite")  # the LiteRT conversion the bot serves
    assert info["tflite"]["file"] == tflite.name
    assert info["tflite"]["sha256"] == file_sha256(tflite)
    assert tflite.stat().st_size < 2 * 2**20
    assert info["tflite"]["check"]["max_abs_diff_vs_keras"] <= 1e-5


def test_cnn_card_says_how_to_call_it() -> None:
    info = card(CNN)
    assert info["input"]["shape"] == [None, 8, 8, 1]
    assert info["input"]["value_range"] == [-1.0, 1.0]
    assert info["output"]["kind"] == "logits"


def test_cnn_card_carries_the_not_a_digit_check_and_upload_figures() -> None:
    info = card(CNN)
    assert info["input_kind"] == "digit"
    assert {"k", "max_distance", "max_ink_share", "method"} <= set(info["ood"])
    uploads = info["metrics"]["uploads"]
    held = uploads["heldback"]  # the part no choice looked at
    assert held["digits"] > 0 and held["negatives"] > 0
    assert held["false_reject_rate"] <= 0.05 and held["detection_rate"] >= 0.9
    assert uploads["tuning"]["false_reject_rate"] <= 0.04  # how the thresholds were chosen


def test_gan_card_says_how_to_call_it() -> None:
    info = card(GAN)
    assert info["inputs"]["z"]["shape"] == [None, info["latent_dim"]]
    assert info["inputs"]["label"]["range"] == [0, 9]
    assert info["output"]["shape"] == [None, 8, 8, 1]
    assert info["output"]["value_range"] == [-1.0, 1.0]
    assert info["metrics_cnn"] == card(CNN)["model_version"]


@pytest.mark.slow
@pytest.mark.parametrize("model", [CNN, GAN], ids=["cnn", "gan"])
def test_recomputed_metrics_meet_the_gates_and_match_the_card(
    model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = model.stem.split("-")[0]
    assert main(["evaluate", kind, str(model), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"] == "digits"
    assert report["model_version"] == card(model)["model_version"]
    assert report["gates"] and all(report["gates"].values()), report["gates"]
    stored = card(model)["metrics"]
    for name, value in report["metrics"].items():
        if isinstance(value, float):  # other CPUs may round a few predictions differently
            assert value == pytest.approx(stored[name], rel=0.02, abs=0.01), name
