"""TensorFlow stays out of the process until the first ML command or the background load, and
out of it altogether when the models are served by LiteRT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ml.tiny_models import SHIPPED_DIR, shipped_models_present, tiny_models

__all__ = ["tiny_models"]  # the session fixture
ROOT = Path(__file__).resolve().parents[2]


def _probe(mode: str, tmp_path: Path, models: Path) -> dict[str, object]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "tests.ml.lazy_tf_probe", mode, url, str(models)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["lazy", "preload"])
def test_tensorflow_loads_only_for_ml_work(mode: str, tmp_path: Path, tiny_models: Path) -> None:
    report = _probe(mode, tmp_path, tiny_models)
    assert report["at_import"] is False and report["at_ready"] is False  # ready before TF
    if mode == "lazy":
        assert report["after_about_and_info"] is False
        assert report["posted"] == 1
    else:
        assert report["answered_while_loading"] is True
        assert report["load_started_by_bot"] is True  # the probe waited for it, never started it
    assert report["at_end"] is True
    assert len(report["loaded"]) == 2  # type: ignore[arg-type]
    assert "gan-digits-" in str(report["about_models"])


@pytest.mark.skipif(not shipped_models_present(), reason="the shipped models are not installed")
def test_serving_on_litert_never_imports_tensorflow(tmp_path: Path) -> None:
    report = _probe("litert", tmp_path, SHIPPED_DIR)
    assert report["posted"] == 3  # /cnn predict, /gan sample, /gan interpolate
    assert report["served_by"] == ["LiteRtClassifier", "LiteRtGenerator"]
    assert report["imported"] == ["ai_edge_litert"]  # neither tensorflow nor keras
    assert report["at_end"] is False
    assert len(report["loaded"]) == 2  # type: ignore[arg-type]
