"""Options of /gan sample and /gan interpolate: ranges, defaults, the reproducing command."""

from __future__ import annotations

import pytest

from bot.ml.requests import MAX_SEED, JobError, MorphRequest, SampleRequest


@pytest.mark.parametrize(
    ("count", "digit", "seed", "code"),
    [
        (0, None, 1, "bad_count"),
        (65, None, 1, "bad_count"),
        (16, 10, 1, "bad_digit"),
        (16, -1, 1, "bad_digit"),
        (16, None, -1, "bad_seed"),
        (16, None, MAX_SEED + 1, "bad_seed"),
    ],
)
def test_out_of_range_options_are_refused(
    count: int, digit: int | None, seed: int, code: str
) -> None:
    with pytest.raises(JobError) as caught:
        SampleRequest.build(count, digit, seed)
    assert caught.value.code == code
    assert {"value", "min", "max"} <= set(caught.value.params)


def test_a_sample_request_knows_its_command() -> None:
    assert SampleRequest.build(1, 7, 42).command() == "/gan sample count:1 digit:7 seed:42"
    request = SampleRequest.build(64, None, 0)
    assert request.command() == "/gan sample count:64 seed:0"
    assert request.parameters() == {"count": 64, "digit": None, "seed": 0}


def test_a_missing_seed_is_drawn_at_random() -> None:
    seeds = {SampleRequest.build(16, None, None).seed for _ in range(20)}
    assert len(seeds) > 1 and all(0 <= s <= MAX_SEED for s in seeds)


def test_morph_defaults_come_from_the_seed_and_differ() -> None:
    first = MorphRequest.build(None, None, None, 5)
    assert first == MorphRequest.build(None, None, None, 5)
    assert first.start != first.end and first.steps == 12
    assert MorphRequest.build(3, None, None, 9).start == 3
    only_end = MorphRequest.build(None, 4, 2, 9)
    assert only_end.end == 4 and only_end.start != 4
    assert "from_digit:3 to_digit:8 steps:2 seed:1" in MorphRequest.build(3, 8, 2, 1).command()


@pytest.mark.parametrize(
    ("start", "end", "steps", "code"),
    [
        (10, 1, 5, "bad_digit"),
        (1, 10, 5, "bad_digit"),
        (1, 2, 1, "bad_steps"),
        (1, 2, 33, "bad_steps"),
    ],
)
def test_bad_morph_options_are_refused(start: int, end: int, steps: int, code: str) -> None:
    with pytest.raises(JobError) as caught:
        MorphRequest.build(start, end, steps, 1)
    assert caught.value.code == code
