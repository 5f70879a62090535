"""What a user asked for, checked: ``/gan sample`` and ``/gan interpolate`` parameters."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_SEED = 2**32 - 1
COUNT_RANGE = (1, 64)
DIGIT_RANGE = (0, 9)
STEPS_RANGE = (2, 32)
DEFAULT_COUNT = 16
DEFAULT_STEPS = 12


class JobError(Exception):
    """A request that cannot be served as asked; ``code`` is a catalog key suffix.

    Codes: bad_count, bad_digit, bad_seed, bad_steps (the user's input), not_installed,
    stale, timeout, no_heldout (the service's answer).
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _check(value: int, bounds: tuple[int, int], code: str) -> int:
    low, high = bounds
    if not low <= value <= high:
        raise JobError(code, value=value, min=low, max=high)
    return value


def _seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(MAX_SEED + 1)
    return _check(seed, (0, MAX_SEED), "bad_seed")


@dataclass(frozen=True)
class SampleRequest:
    """A grid of ``count`` digits (``digit``, or 0-9 in turn when None) from ``seed``."""

    count: int
    digit: int | None
    seed: int

    @classmethod
    def build(cls, count: int, digit: int | None, seed: int | None) -> SampleRequest:
        """Check the options (JobError on a bad one); a missing seed is drawn at random."""
        _check(count, COUNT_RANGE, "bad_count")
        if digit is not None:
            _check(digit, DIGIT_RANGE, "bad_digit")
        return cls(count, digit, _seed(seed))

    def parameters(self) -> dict[str, Any]:
        """The options as recorded and shown."""
        return {"count": self.count, "digit": self.digit, "seed": self.seed}

    def command(self) -> str:
        """The slash command that reproduces this picture."""
        digit = f" digit:{self.digit}" if self.digit is not None else ""
        return f"/gan sample count:{self.count}{digit} seed:{self.seed}"


@dataclass(frozen=True)
class MorphRequest:
    """A morph from digit ``start`` to ``end`` in ``steps`` frames, latents from ``seed``."""

    start: int
    end: int
    steps: int
    seed: int

    @classmethod
    def build(
        cls, start: int | None, end: int | None, steps: int | None, seed: int | None
    ) -> MorphRequest:
        """Check the options; missing digits are drawn from the seed (two different ones)."""
        for digit in (start, end):
            if digit is not None:
                _check(digit, DIGIT_RANGE, "bad_digit")
        steps = _check(DEFAULT_STEPS if steps is None else steps, STEPS_RANGE, "bad_steps")
        seed = _seed(seed)
        rng = np.random.default_rng([seed, 1])
        if start is None:
            start = int(rng.integers(10)) if end is None else (end + 1 + int(rng.integers(9))) % 10
        if end is None:
            end = (start + 1 + int(rng.integers(9))) % 10
        return cls(start, end, steps, seed)

    def parameters(self) -> dict[str, Any]:
        """The options as recorded and shown."""
        return {
            "from_digit": self.start,
            "to_digit": self.end,
            "steps": self.steps,
            "seed": self.seed,
        }

    def command(self) -> str:
        """The slash command that reproduces this animation."""
        return (
            f"/gan interpolate from_digit:{self.start} to_digit:{self.end} "
            f"steps:{self.steps} seed:{self.seed}"
        )
