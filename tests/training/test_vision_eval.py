"""Choosing the "not a digit" thresholds on the tuning part, and the figures reported."""

from __future__ import annotations

import numpy as np
import pytest

from training import evalset, vision_eval
from training.vision_eval import Seen


def _seen(labels: list[int | None], distance: list[float], ink: list[float]) -> Seen:
    pictures = [
        evalset.EvalPicture(b"", label, "pen" if label is not None else "letter", "s", "x", "t")
        for label in labels
    ]
    n = len(labels)
    return Seen(
        pictures=pictures,
        predicted=np.array([label if label is not None else 0 for label in labels]),
        found_ink=np.ones(n, bool),
        ink_share=np.array(ink),
        distance=np.array(distance),
    )


def test_the_check_flags_most_negatives_within_the_false_reject_budget() -> None:
    digits = _seen(list(range(10)) * 5, [20.0 + i * 0.4 for i in range(50)], [0.05] * 50)
    negatives = _seen([None] * 10, [30, 36, 40, 45, 50, 55, 60, 25, 26, 27], [0.5] + [0.1] * 9)
    check = vision_eval.choose_check(digits, negatives)
    assert digits.flagged(check).mean() <= vision_eval.MAX_FALSE_REJECT
    assert check.max_distance == pytest.approx(39.5)  # as many caught, one digit (39.6) lost
    assert check.max_ink_share < 0.5  # the texture-like negative is caught by its ink
    figures = vision_eval.report(digits, negatives, check)
    assert figures["accuracy"] == 1.0 and figures["digits"] == 50
    assert figures["false_reject_rate"] <= 0.04 and figures["detection_rate"] == 0.6
    assert figures["detection_by_kind"] == {"letter": 0.6}


def test_no_threshold_within_budget_is_an_error() -> None:
    digits = _seen([1] * 10, [100.0] * 10, [0.9] * 10)
    with pytest.raises(ValueError, match="false rejects"):
        vision_eval.choose_check(digits, _seen([None], [50.0], [0.1]))
