"""Train the digits CNN and GAN over several seeds; print gate figures, means and wall times.

Usage: ``python benchmarks/bench_training.py [--seeds 0 1 2] [--out DIR]``. Each seed runs what
``aiclub train cnn --seed S`` then ``aiclub train gan --seed S`` do, into a scratch directory
(never data/models). Times depend on what else runs on the machine's cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

COLUMNS = (
    ("cnn", "accuracy"),
    ("cnn", "svc_baseline_accuracy"),
    ("cnn", "uploads_accuracy"),
    ("cnn", "uploads_false_reject_rate"),
    ("cnn", "uploads_detection_rate"),
    ("cnn", "wall_time_s"),
    ("gan", "conditional_accuracy"),
    ("gan", "frechet_distance"),
    ("gan", "frechet_floor_train_vs_test"),
    ("gan", "frechet_ceiling_uniform_noise"),
    ("gan", "frechet_over_floor"),
    ("gan", "min_class_share"),
    ("gan", "nn_distance_median_generated"),
    ("gan", "nn_distance_median_real_test"),
    ("gan", "wall_time_s"),
)


def run_seed(seed: int, out_dir: Path) -> dict[tuple[str, str], float]:
    """Train both models with ``seed`` and return the figures of ``COLUMNS``."""
    from training import pipeline
    from training.datasets import load_dataset

    data = load_dataset("digits")
    cnn, cnn_card = pipeline.train_cnn_and_save(
        data, epochs=pipeline.default_epochs("cnn", "digits"), seed=seed, out_dir=out_dir
    )
    _, gan_card = pipeline.train_gan_and_save(
        data, cnn, metrics_cnn=cnn_card["model_version"],
        epochs=pipeline.default_epochs("gan", "digits"), seed=seed, out_dir=out_dir,
    )  # fmt: skip
    figures: dict[tuple[str, str], float] = {}
    for kind, card in (("cnn", cnn_card), ("gan", gan_card)):
        values = {**card["metrics"], "wall_time_s": card["training"]["wall_time_s"]}
        if kind == "gan":
            values["min_class_share"] = min(values["class_coverage"].values())
            values["frechet_over_floor"] = (
                values["frechet_distance"] / values["frechet_floor_train_vs_test"]
            )
            print(f"seed {seed} gan gates: {card['gates']}")
        else:
            held = values["uploads"]["heldback"]  # the evaluation set's held-back part
            values.update({f"uploads_{name}": held[name] for name in
                           ("accuracy", "false_reject_rate", "detection_rate")})  # fmt: skip
            print(f"seed {seed} cnn gates: {card['gates']}")
        figures.update({(kind, name): float(values[name]) for k, name in COLUMNS if k == kind})
    return figures


def main() -> None:
    """Run every seed and print one row per seed plus the mean."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, help="scratch directory (default: a temp dir)")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        for seed in args.seeds:
            started = time.perf_counter()
            out = (args.out or Path(scratch)) / f"seed-{seed}"
            out.mkdir(parents=True, exist_ok=True)
            rows[seed] = run_seed(seed, out)
            print(f"seed {seed} done in {time.perf_counter() - started:.0f} s", flush=True)
    print("\t".join(["seed", *(f"{kind}.{name}" for kind, name in COLUMNS)]))
    for seed, figures in rows.items():
        print("\t".join([str(seed), *(f"{figures[c]:.4f}" for c in COLUMNS)]))
    means = [np.mean([figures[c] for figures in rows.values()]) for c in COLUMNS]
    print("\t".join(["mean", *(f"{value:.4f}" for value in means)]))


if __name__ == "__main__":
    main()
