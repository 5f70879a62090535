"""The upload evaluation set: deterministic, split in two, typed digits never in training."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from training import augment, evalset

Parts = dict[str, tuple[list[evalset.EvalPicture], list[evalset.EvalPicture]]]


@pytest.fixture(scope="module")
def parts() -> Parts:
    """Digits and negatives of each split, made once (a few seconds)."""
    return {split: (evalset.digits(split), evalset.negatives(split)) for split in evalset.SPLITS}


def test_the_set_is_the_same_for_the_same_seed_and_differs_by_split(parts: Parts) -> None:
    negatives = parts["tuning"][1]
    assert [p.data for p in negatives] == [p.data for p in evalset.negatives("tuning")]
    assert [p.data for p in negatives] != [p.data for p in evalset.negatives("tuning", seed=1)]
    tuning = {p.data for p in parts["tuning"][0]}
    assert not tuning & {p.data for p in parts["heldback"][0]}


def test_each_split_has_every_digit_style_and_kind(parts: Parts) -> None:
    for pictures, negatives in parts.values():
        assert Counter(p.label for p in pictures) == Counter(
            {d: len(pictures) // 10 for d in range(10)}
        )
        assert {p.style for p in pictures} == set(evalset.STYLES)
        assert {p.kind for p in pictures} == {"typed", "pen"}
        assert Counter(p.kind for p in negatives) == {
            kind: evalset.NEGATIVES_PER_KIND for kind in evalset.NEGATIVE_KINDS
        }
        assert all(p.label is None for p in negatives)


def test_fonts_of_the_two_parts_differ(parts: Parts) -> None:
    tuning = {p.source for p in parts["tuning"][0] if p.kind == "typed"}
    heldback = {p.source for p in parts["heldback"][0] if p.kind == "typed"}
    assert evalset.DEFAULT_FONT in heldback  # bundled with Pillow: there on every machine
    assert not tuning & heldback


def test_styles_look_as_named(parts: Parts) -> None:
    pictures = {p.style: p for p in parts["tuning"][0] if p.kind == "pen"}
    light = np.asarray(Image.open(io.BytesIO(pictures["dark-on-light"].data)).convert("L"))
    dark = np.asarray(Image.open(io.BytesIO(pictures["light-on-dark"].data)).convert("L"))
    assert np.median(light) > 200 and np.median(dark) < 70
    assert Image.open(io.BytesIO(pictures["grey-jpeg"].data)).format == "JPEG"


def test_augmented_copies_are_deterministic_framed_digits() -> None:
    from sklearn.datasets import load_digits

    from bot.ml.images import FRAMINGS

    images = load_digits().images[:20]
    copies, sources = augment.augment(images, 16.0, 2, seed=3, framing=FRAMINGS["digits"])
    again, _ = augment.augment(images, 16.0, 2, seed=3, framing=FRAMINGS["digits"])
    assert copies.shape == (40, 8, 8) and copies.dtype == np.float32
    np.testing.assert_array_equal(copies, again)
    np.testing.assert_array_equal(sources, np.tile(np.arange(20), 2))
    assert copies.min() >= 0 and copies.max() <= 16
    assert (copies[:, 0].max(axis=1) > 0).all() and (copies[:, -1].max(axis=1) > 0).all()
    assert not np.array_equal(copies[:20], copies[20:])
