"""How the CNN does on pictures members upload, and the threshold of "not a digit" (no training).

Every picture of ``training.evalset`` goes through the bot's own upload path (decode, prepare,
classify, out-of-distribution check). The thresholds are chosen on the ``tuning`` part only;
the reported figures come from the ``heldback`` part, which takes no part in any choice.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.ml.images import Framing, decode_upload, prepare_digit
from bot.ml.ood import OodCheck, nearest_distance
from training import evalset

OOD_K = 5
MAX_FALSE_REJECT = 0.04  # on the tuning digits (the target is 5 % on held-back ones)
DISTANCE_GRID = np.arange(25.0, 60.0, 0.5)
INK_SHARE_GRID = (0.2, 0.25, 0.3, 0.4, 1.0)

Logits = Callable[[np.ndarray], np.ndarray]  # raw pixels (N, H, W) -> logits (N, classes)


@dataclass(frozen=True)
class Seen:
    """What the upload path made of each picture of a set."""

    pictures: list[evalset.EvalPicture]
    predicted: np.ndarray
    found_ink: np.ndarray
    ink_share: np.ndarray
    distance: np.ndarray
    prepare_ms: float = 0.0  # median time to decode and prepare one picture
    check_ms: float = 0.0  # median time of the nearest-digits distance

    def flagged(self, check: OodCheck) -> np.ndarray:
        """Which pictures the check calls "not a digit"."""
        return (
            ~self.found_ink
            | (self.ink_share > check.max_ink_share)
            | (self.distance > check.max_distance)
        )


def look_at(
    pictures: Sequence[evalset.EvalPicture],
    logits: Logits,
    framing: Framing,
    max_value: float,
    reference: np.ndarray,
) -> Seen:
    """Run every picture through the upload path."""
    prepared, distances, prepare_s, check_s = [], [], [], []
    for picture in pictures:
        started = time.perf_counter()
        one = prepare_digit(decode_upload(picture.data), framing, max_value)
        prepared.append(one)
        measured = time.perf_counter()
        distances.append(nearest_distance(one.pixels, reference, OOD_K))
        prepare_s.append(measured - started)
        check_s.append(time.perf_counter() - measured)
    return Seen(
        pictures=list(pictures),
        predicted=np.asarray(logits(np.stack([p.pixels for p in prepared]))).argmax(axis=1),
        found_ink=np.array([p.found_ink for p in prepared]),
        ink_share=np.array([p.ink_share for p in prepared]),
        distance=np.array(distances),
        prepare_ms=float(np.median(prepare_s) * 1000),
        check_ms=float(np.median(check_s) * 1000),
    )


def choose_check(digits: Seen, negatives: Seen) -> OodCheck:
    """The thresholds that flag the most negatives with at most MAX_FALSE_REJECT of digits."""
    best: tuple[float, float, OodCheck] | None = None
    for distance in DISTANCE_GRID[::-1]:  # loosest first: ties keep the loosest thresholds
        for share in INK_SHARE_GRID[::-1]:
            check = OodCheck(k=OOD_K, max_distance=float(distance), max_ink_share=float(share))
            rejected = float(digits.flagged(check).mean())
            if rejected > MAX_FALSE_REJECT:
                continue
            # more detection first, then fewer false rejects
            key = (float(negatives.flagged(check).mean()), -rejected)
            if best is None or key > best[:2]:
                best = (*key, check)
    if best is None:
        raise ValueError("no threshold keeps false rejects low enough")
    return best[2]


def report(digits: Seen, negatives: Seen, check: OodCheck) -> dict[str, Any]:
    """Accuracy on the digits (overall, per kind, style and font), false rejects, detection."""
    labels = np.array([p.label for p in digits.pictures])
    right = digits.predicted == labels
    flagged = digits.flagged(check)
    caught = negatives.flagged(check)
    groups: dict[str, list[bool]] = defaultdict(list)
    for picture, ok in zip(digits.pictures, right, strict=True):
        for key in (picture.kind, f"{picture.kind} {picture.style}", picture.source):
            groups[key].append(bool(ok))
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for picture, hit in zip(negatives.pictures, caught, strict=True):
        per_kind[picture.kind].append(bool(hit))
    return {
        "digits": len(labels),
        "accuracy": float(right.mean()),
        "accuracy_by": {key: round(float(np.mean(v)), 4) for key, v in sorted(groups.items())},
        "false_reject_rate": float(flagged.mean()),
        "accuracy_not_rejected": float(right[~flagged].mean()) if (~flagged).any() else 0.0,
        "negatives": len(negatives.pictures),
        "detection_rate": float(caught.mean()),
        "detection_by_kind": {k: round(float(np.mean(v)), 4) for k, v in sorted(per_kind.items())},
        "prepare_ms_median": round(digits.prepare_ms, 3),
        "ood_check_ms_median": round(digits.check_ms, 3),
        "ood_check_vs_prepare": round(digits.check_ms / max(digits.prepare_ms, 1e-9), 3),
    }


def evaluate_uploads(
    logits: Logits, framing: Framing, max_value: float, reference: np.ndarray, seed: int = 0
) -> tuple[OodCheck, dict[str, Any]]:
    """Choose the check on the tuning part; figures of both parts (report the held-back one)."""
    seen = {
        split: (
            look_at(evalset.digits(split, seed), logits, framing, max_value, reference),
            look_at(evalset.negatives(split, seed), logits, framing, max_value, reference),
        )
        for split in evalset.SPLITS
    }
    check = choose_check(*seen["tuning"])
    figures = {split: report(*seen[split], check) for split in evalset.SPLITS}
    return check, {"seed": seed, **figures}
