"""Fast training runs on a digits subset: files, cards, metrics and determinism."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from training.datasets import Dataset

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tf_runtime")]
FILES = (".keras", ".tflite", ".json")


def test_cnn_and_gan_train_measure_and_save(
    digits: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from training import artifacts, pipeline
    from training.metrics import COVERAGE_SAMPLES

    renamed: list[str] = []
    real_replace = os.replace

    def recording_replace(src: str | Path, dst: str | Path) -> None:
        renamed.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    data = digits.head(600, 360)
    cnn, cnn_card = pipeline.train_cnn_and_save(data, epochs=4, seed=0, out_dir=tmp_path)
    assert cnn_card["metrics"]["accuracy"] > 0.8  # loose gate for a short run
    assert cnn_card["metrics"]["svc_baseline_accuracy"] > 0.8
    assert np.sum(cnn_card["metrics"]["confusion_matrix"]) == 360
    assert cnn_card["input_kind"] == "digit" and cnn_card["ood"]["k"] > 0
    held = cnn_card["metrics"]["uploads"]["heldback"]
    assert held["digits"] > 0 and 0.0 <= held["detection_rate"] <= 1.0

    generator, gan_card = pipeline.train_gan_and_save(
        data, cnn, metrics_cnn=cnn_card["model_version"], epochs=3, seed=0, out_dir=tmp_path
    )
    gan = gan_card["metrics"]
    assert gan["frechet_floor_train_vs_test"] < gan["frechet_ceiling_uniform_noise"]
    assert 0.0 <= gan["conditional_accuracy"] <= 1.0
    assert sum(gan["class_coverage"].values()) == pytest.approx(1.0)
    assert gan["coverage_samples"] == COVERAGE_SAMPLES
    assert gan["nn_distance_median_generated"] > 0.0
    assert set(gan_card["gates"]) and all(isinstance(v, bool) for v in gan_card["gates"].values())

    files = [f"{kind}-digits{suffix}" for kind in ("cnn", "gan") for suffix in FILES]
    assert renamed == files  # each model and its conversion are in place before its card
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)  # no temp files left
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in tmp_path.iterdir())
    for kind, model in (("cnn", cnn), ("gan", generator)):
        path = artifacts.model_path(tmp_path, kind, "digits")
        card = json.loads(artifacts.card_path(path).read_text(encoding="utf-8"))
        assert card["file_sha256"] == artifacts.file_sha256(path)
        assert card["tflite"]["sha256"] == artifacts.file_sha256(path.with_suffix(".tflite"))
        assert card["model_version"].endswith(artifacts.weights_sha256(model)[:12])
        reloaded = artifacts.load_model(path)
        assert artifacts.weights_sha256(reloaded) == artifacts.weights_sha256(model)

    # after a change to the upload path: the check and upload figures are redone, nothing else
    path = artifacts.model_path(tmp_path, "cnn", "digits")
    stale = {**cnn_card, "ood": {**cnn_card["ood"], "max_distance": 0.0}}
    artifacts.write_json(stale, artifacts.card_path(path))
    updated = pipeline.update_uploads(path)
    assert updated["ood"].keys() == cnn_card["ood"].keys() and updated["ood"]["max_distance"] > 0
    assert updated["metrics"] == cnn_card["metrics"] | {"uploads": updated["metrics"]["uploads"]}
    assert {k: v for k, v in updated.items() if k not in ("ood", "metrics")} == {
        k: v for k, v in cnn_card.items() if k not in ("ood", "metrics")
    }


def test_same_seed_gives_the_same_weights(digits: Dataset) -> None:
    from training import artifacts, runtime
    from training.cnn import train_cnn
    from training.gan import train_gan

    data = digits.head(256, 64)
    digests = []
    for _ in range(2):
        runtime.configure(7)
        cnn = train_cnn(data, epochs=1)
        generator = train_gan(data, epochs=1, seed=7)
        digests.append((artifacts.weights_sha256(cnn), artifacts.weights_sha256(generator)))
    assert digests[0] == digests[1]
