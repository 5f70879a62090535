"""bot.questions.similar finds the pairs that scoring every pair finds, from candidates only."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.questions.bank import sorted_tokens
from bot.questions.similar import compatible, max_distance, similar_pairs

WORDS = (
    "model training data loss gradient layer attention token batch norm dropout weight decay "
    "learning rate overfit bias variance precision recall embedding retrieval reranking "
    "calibration quantization pruning distillation sampling temperature"
).split()


def all_pairs(strings: list[str], cutoff: float) -> dict[tuple[int, int], float]:
    """The O(n²) reference: process.cdist over every pair."""
    scores = process.cdist(strings, strings, scorer=fuzz.ratio, score_cutoff=cutoff)
    return {(int(i), int(j)): float(scores[i, j]) for i, j in np.argwhere(np.triu(scores > 0, k=1))}


def mutate(rng: random.Random, text: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        where = rng.randrange(len(chars) + 1)
        kind = rng.random()
        if kind < 0.4 or not chars:
            chars.insert(where, rng.choice("abcdefghij "))
        elif kind < 0.8:
            del chars[min(where, len(chars) - 1)]
        else:
            chars[min(where, len(chars) - 1)] = rng.choice("xyz")
    return "".join(chars)


def sentences(rng: random.Random, count: int, words: tuple[int, int]) -> list[str]:
    return [" ".join(rng.choices(WORDS, k=rng.randint(*words))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cutoff", [90.0, 95.0])
def test_short_strings_match_the_full_comparison(seed: int, cutoff: float) -> None:
    rng = random.Random(seed)
    base = sentences(rng, 120, (1, 6))
    strings = base + [mutate(rng, rng.choice(base), rng.randint(0, 3)) for _ in range(120)]
    strings += ["", "", "a", "ab", "abc", "abd"]
    assert similar_pairs(strings, cutoff) == all_pairs(strings, cutoff)


@pytest.mark.parametrize("seed", range(4))
def test_long_strings_match_the_full_comparison(seed: int) -> None:
    """Prompt-length strings go through the MinHash buckets; reworded and typo'd copies,
    with edits spread up to the most a pair at 90 allows, are all found."""
    rng = random.Random(seed)
    base = sentences(rng, 400, (7, 16))
    copies = []
    for _ in range(200):
        text = rng.choice(base)
        copies.append(mutate(rng, text, rng.randint(1, max(1, len(text) // 12))))
    strings = base + copies
    expected = all_pairs(strings, 90.0)
    assert len(expected) > 150  # the copies are found, and some chance look-alikes
    assert similar_pairs(strings, 90.0) == expected


def test_chinese_prompts_with_two_grams() -> None:
    rng = random.Random(7)
    chars = "过拟合正则化权重衰减早停数据增强学习率批归一化注意力检索重排序召回精确"
    base = ["".join(rng.choices(chars, k=rng.randint(8, 30))) for _ in range(400)]
    copies = [mutate(rng, rng.choice(base), rng.randint(1, 2)) for _ in range(150)]
    strings = base + copies
    assert similar_pairs(strings, 90.0, q=2, short=12) == all_pairs(strings, 90.0)


def test_the_answer_does_not_depend_on_the_run() -> None:
    rng = random.Random(11)
    strings = sentences(rng, 300, (8, 14))
    strings += [mutate(rng, s, 2) for s in strings[:50]]
    first = similar_pairs(strings, 90.0)
    assert first and similar_pairs(list(strings), 90.0) == first


@given(st.lists(st.text(alphabet="ab cd\té", max_size=30), min_size=2, max_size=6))
@settings(max_examples=200, deadline=None)
def test_sorted_tokens_are_what_token_sort_ratio_compares(texts: list[str]) -> None:
    for a in texts:
        for b in texts:
            assert fuzz.ratio(sorted_tokens(a), sorted_tokens(b)) == fuzz.token_sort_ratio(a, b)


@given(st.integers(0, 400), st.integers(0, 400))
def test_the_length_filter_never_drops_a_reachable_pair(a: int, b: int) -> None:
    # ratio = 100 (1 - d / (a + b)) with d >= |a - b|: at best d = |a - b|, and 90 is
    # reached when |a - b| / (a + b) <= 1/10
    assert compatible(a, b, 90.0) == (10 * abs(a - b) <= a + b)
    assert max_distance(a + b, 90.0) >= 0
