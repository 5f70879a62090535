"""Uploads as members make them: the shipped CNN on typed and pen-drawn digits and non-digits.

Runs the held-back part of ``training.evalset`` (never used for any choice) through the bot's
upload path, with the out-of-distribution thresholds of the shipped card, and prints:
  * accuracy on typed and pen-drawn digits, per kind, style and font (target >= 95 %);
  * false-reject rate on those digits (target <= 5 %) and detection rate on negatives (>= 90 %);
  * the same model behind the old preprocessing in the same run (crop stretched to the frame,
    no margins, no centring): the baseline the new path is compared with;
  * the preparation time per upload, new vs old, as a ratio measured in the same run.
Run: .venv/bin/python benchmarks/bench_vision.py [--models DIR] [--split heldback|tuning]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ml.images import decode_upload, framing_for, prepare_digit  # noqa: E402
from bot.ml.ood import OodCheck  # noqa: E402
from bot.ml.preprocess import denormalize_images, normalize_images  # noqa: E402
from training import evalset, vision_eval  # noqa: E402
from training.datasets import load_dataset  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=Path, default=ROOT / "data" / "models")
    parser.add_argument("--split", choices=evalset.SPLITS, default="heldback")
    args = parser.parse_args()
    from training.artifacts import load_model
    from training.cnn import predict

    path = args.models / "cnn-digits.keras"
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

    digits, negatives = evalset.digits(args.split), evalset.negatives(args.split)
    seen = vision_eval.look_at(digits, logits, framing, 16.0, reference)
    seen_negatives = vision_eval.look_at(negatives, logits, framing, 16.0, reference)
    figures = vision_eval.report(seen, seen_negatives, check)
    labels = np.array([p.label for p in digits])
    old = logits(np.stack([stretched(p.data, (8, 8), 16.0) for p in digits])).argmax(axis=1)
    sample = [p.data for p in digits[::5]]
    new_ms = median_ms(lambda d: prepare_digit(decode_upload(d), framing, 16.0), sample)
    old_ms = median_ms(lambda d: stretched(d, (8, 8), 16.0), sample)

    print(f"model {card['model_version']}, {args.split} part: {len(digits)} digits, "
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


if __name__ == "__main__":
    main()
