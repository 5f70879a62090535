"""Pairs of strings whose ``fuzz.ratio`` reaches a cutoff, found from candidates, not all pairs.

The question bank refuses near-duplicate prompts (``ratio`` ≥ 90 on prepared prompts). Scoring
every pair costs O(n²) time and, through ``process.cdist``'s matrix, O(n²) memory: 20,000
questions took minutes and gigabytes. Here every pair is still judged by the same scorer and
cutoff, but only candidate pairs are scored:

- **MinHash buckets (LSH).** Each string becomes the set of its character q-grams (typos and
  reordered words change few of them), summarised by ``bands × rows`` MinHash values. Two
  strings land in one bucket of a band when all its ``rows`` values agree, which happens with
  probability ``J^rows`` for q-gram Jaccard similarity ``J``: a pair is a candidate with
  probability ``1 − (1 − J^rows)^bands``. Pairs that reach ratio 90 share most of their
  q-grams (``J`` ≥ 0.6 for every such pair of the generated banks in ``benchmarks/
  bench_bank.py``, even with edits spread evenly), and with 64 bands of 3 rows a pair at
  ``J`` = 0.6 is missed with probability 2·10⁻⁷ (at 0.5: 2·10⁻⁴). Unrelated prompts share few
  q-grams and rarely meet. Hashing is seeded, so a bank always gives the same answer.
- **Length filter.** ``ratio`` is ``100 · (1 − d / (|a| + |b|))`` with ``d`` the indel
  distance ≥ ``||a| − |b||``, so candidates of incompatible lengths are dropped unscored.
- Strings shorter than ``q`` have no q-grams: they are compared with every string of a
  compatible length (few strings are that short, and their partners are as short).

Each string's candidates are scored in one ``process.cdist`` call with ``score_cutoff``, so
there are no false positives and the scores are those of the full comparison. The work grows
with n and the number of similar pairs rather than n². ``tests/questions/test_similar.py``
checks the result against the full comparison; the benchmark measures both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np
from rapidfuzz import fuzz, process

BANDS = 128
ROWS = 4
# Strings up to this length are compared with every string of a compatible length: a few
# edits change most q-grams of a short string, so its Jaccard similarity says little.
# (Latin text with 3-grams; Chinese, written densely, uses 2-grams and a shorter limit.)
SHORT = 40
_SEED = 20261201
_SLACK = 1e-6  # rapidfuzz compares floats: allow a hair more distance than the exact bound
_MIX = np.uint64(0x9E3779B97F4A7C15)


def max_distance(total_length: int, cutoff: float) -> int:
    """The largest indel distance at which two strings of ``total_length`` reach ``cutoff``."""
    return math.floor(total_length * (100.0 - cutoff) / 100.0 + _SLACK)


def compatible(length_a: int, length_b: int, cutoff: float) -> bool:
    """Whether strings of these lengths can reach ``cutoff`` at all."""
    return abs(length_a - length_b) <= max_distance(length_a + length_b, cutoff)


@cache
def length_range(length: int, cutoff: float) -> tuple[int, int]:
    """The shortest and longest strings that may reach ``cutoff`` with one of ``length``."""
    others = [n for n in range(0, 2 * length + 2) if compatible(length, n, cutoff)]
    return (others[0], others[-1]) if others else (length, length)


def _gram_ids(strings: Sequence[str], q: int, skip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct q-grams of every string not skipped, as ids (one flat array), and each
    string's count (0 for skipped strings)."""
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    counts = np.zeros(len(strings), dtype=np.int64)
    for i, text in enumerate(strings):
        if skip[i]:
            continue
        grams = {text[k : k + q] for k in range(len(text) - q + 1)}
        ids.extend(vocabulary.setdefault(gram, len(vocabulary)) for gram in grams)
        counts[i] = len(grams)
    return np.array(ids, dtype=np.uint64), counts


def _signatures(ids: np.ndarray, counts: np.ndarray, hashes: int) -> np.ndarray:
    """MinHash signatures (one row per string with q-grams) by multiply-shift hashing."""
    rng = np.random.default_rng(_SEED)
    multipliers = rng.integers(1, 2**63, size=hashes, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    offsets = rng.integers(0, 2**63, size=hashes, dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps modulo 2**64 by design
        keys = (ids + np.uint64(1)) * _MIX
        keys ^= keys >> np.uint64(31)
        starts = np.concatenate(([0], np.cumsum(counts[counts > 0])[:-1]))
        signatures = np.empty((len(starts), hashes), dtype=np.uint64)
        for k in range(hashes):
            hashed = (keys * multipliers[k] + offsets[k]) >> np.uint64(32)
            signatures[:, k] = np.minimum.reduceat(hashed, starts)
    return signatures


def _band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit bucket key per string and band (its ``rows`` MinHash values combined)."""
    keys = np.zeros((signatures.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row in range(rows):
            keys = (keys ^ signatures[:, row::rows][:, :bands]) * _MIX
            keys ^= keys >> np.uint64(29)
    return keys


def similar_pairs(
    strings: Sequence[str],
    cutoff: float,
    *,
    q: int = 3,
    short: int = SHORT,
    bands: int = BANDS,
    rows: int = ROWS,
) -> dict[tuple[int, int], float]:
    """Pairs ``(i, j)``, ``i < j``, with ``fuzz.ratio(strings[i], strings[j]) >= cutoff``.

    Scores are as ``process.cdist`` gives them (float32), in ``(i, j)`` order.
    """
    count = len(strings)
    lengths = np.fromiter((len(s) for s in strings), dtype=np.int64, count=count)
    found: dict[tuple[int, int], float] = {}
    brute = lengths <= max(short, q - 1)
    ids, counts = _gram_ids(strings, q, skip=brute)
    hashed = np.flatnonzero(counts > 0)  # strings with q-grams, in signature-row order
    if hashed.size:
        keys = _band_keys(_signatures(ids, counts, bands * rows), bands, rows)
        orders, bounds = [], []
        for band in range(bands):
            order = np.argsort(keys[:, band], kind="stable")
            column = keys[order, band]
            edges = np.flatnonzero(np.diff(column)) + 1
            starts = np.concatenate(([0], edges))
            stops = np.concatenate((edges, [len(column)]))
            bucket = np.repeat(np.arange(len(starts)), stops - starts)
            position = np.empty_like(bucket)
            position[order] = bucket
            orders.append(hashed[order])
            bounds.append(np.stack((starts[position], stops[position]), axis=1))
        for row, i in enumerate(hashed.tolist()):
            members = [
                orders[band][start:stop]
                for band in range(bands)
                for start, stop in (bounds[band][row],)
                if stop - start > 1
            ]
            if members:
                candidates = np.unique(np.concatenate(members))
                _score(strings, i, candidates[candidates < i], lengths, cutoff, found)
    by_length = np.argsort(lengths, kind="stable")
    sorted_lengths = lengths[by_length]
    for i in np.flatnonzero(brute).tolist():  # short: every string of a compatible length
        low, high = length_range(int(lengths[i]), cutoff)
        start, stop = np.searchsorted(sorted_lengths, [low, high + 1])
        candidates = by_length[start:stop]
        _score(strings, i, candidates[candidates != i], lengths, cutoff, found)
    return dict(sorted(found.items()))


def _score(
    strings: Sequence[str],
    i: int,
    candidates: np.ndarray,
    lengths: np.ndarray,
    cutoff: float,
    found: dict[tuple[int, int], float],
) -> None:
    """Score ``strings[i]`` against the candidates of a compatible length; keep the hits."""
    if not candidates.size:
        return
    allowed = np.floor((lengths[i] + lengths[candidates]) * (100.0 - cutoff) / 100.0 + _SLACK)
    candidates = candidates[np.abs(lengths[candidates] - lengths[i]) <= allowed]
    if not candidates.size:
        return
    scores = process.cdist(
        [strings[i]],
        [strings[j] for j in candidates.tolist()],
        scorer=fuzz.ratio,
        score_cutoff=cutoff,
        dtype=np.float32,
    )[0]
    hits = scores > 0
    for j, score in zip(candidates[hits].tolist(), scores[hits].tolist(), strict=True):
        found[(min(i, j), max(i, j))] = score
