"""The work behind each ML command, run in the inference worker: model calls plus encoding.

Pure functions of a model and a request (numpy + Pillow); the models come from a backend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from bot.ml import render
from bot.ml.backend import Classifier, Generator
from bot.ml.heldout import heldout_digits, training_digits
from bot.ml.images import decode_upload, framing_for, prepare_digit, prepare_photo
from bot.ml.ood import nearest_distance
from bot.ml.preprocess import normalize_images, to_uint8
from bot.ml.requests import JobError, MorphRequest, SampleRequest

CELL_PIXELS = 80  # a generated digit (and its margin) is scaled up smoothly to this size
MORPH_PIXELS = 256
TOP = 3


@dataclass(frozen=True)
class Sample:
    """A labelled PNG grid and the model version that drew it."""

    png: bytes
    labels: tuple[str, ...]
    model_version: str


@dataclass(frozen=True)
class Morph:
    """An animated GIF and how the label was interpolated ('embedding' or 'switch')."""

    gif: bytes
    method: str
    model_version: str


@dataclass(frozen=True)
class Prediction:
    """Class probabilities, the top classes, and a chart beside what the model saw."""

    probabilities: tuple[float, ...]
    top: tuple[tuple[str, float], ...]
    chart_png: bytes
    model_version: str
    truth: str | None = None  # held-out digits only
    not_digit: str | None = None  # uploads: why it does not look like a digit (ood.REASONS)
    index: int | None = None  # position in the held-out test split
    heldout_size: int | None = None


def latents(seed: int, count: int, latent_dim: int) -> np.ndarray:
    """Standard-normal float32 latents (count, latent_dim) drawn from ``seed`` (reproducible)."""
    return np.random.default_rng(seed).standard_normal((count, latent_dim), dtype=np.float32)


def grid_labels(count: int, digit: int | None, num_classes: int) -> np.ndarray:
    """int32 labels: ``digit`` everywhere, or every class in turn when None."""
    if digit is not None and not 0 <= digit < num_classes:
        raise JobError("bad_digit", value=digit, min=0, max=num_classes - 1)
    if digit is None:
        return (np.arange(count) % num_classes).astype(np.int32)
    return np.full(count, digit, dtype=np.int32)


def _pixels(images: np.ndarray) -> np.ndarray:
    pixels = to_uint8(images)
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def sample_grid(generator: Generator, request: SampleRequest) -> Sample:
    """Generate ``request.count`` digits and encode them as a labelled PNG grid."""
    card = generator.card
    labels = grid_labels(request.count, request.digit, len(card.class_names))
    images = generator.generate(latents(request.seed, request.count, card.latent_dim), labels)
    names = tuple(card.class_names[i] for i in labels)
    metadata = {
        "Software": "aiclub /gan sample",
        "seed": str(request.seed),
        "model_version": card.version,
        "count": str(request.count),
        "digit": "mixed" if request.digit is None else str(request.digit),
        "command": request.command(),
    }
    png = render.digit_grid_png(_pixels(images), names, cell=CELL_PIXELS, metadata=metadata)
    return Sample(png=png, labels=names, model_version=card.version)


def slerp(start: np.ndarray, end: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Spherical interpolation between two latents (rows follow ``weights`` in [0, 1])."""
    cos = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    w = weights[:, None].astype(np.float64)
    if omega < 1e-6:
        mixed = (1 - w) * start + w * end
    else:
        mixed = (np.sin((1 - w) * omega) * start + np.sin(w * omega) * end) / np.sin(omega)
    return mixed.astype(np.float32)


def morph(generator: Generator, request: MorphRequest) -> Morph:
    """Frames from ``start`` to ``end``: latents by slerp, the label through its embedding.

    Without a label embedding, the label switches halfway instead.
    """
    card = generator.card
    classes = len(card.class_names)
    grid_labels(1, request.start, classes)  # range checks against the model's classes
    grid_labels(1, request.end, classes)
    z0, z1 = latents(request.seed, 2, card.latent_dim)
    weights = np.linspace(0.0, 1.0, request.steps, dtype=np.float32)
    z = slerp(z0, z1, weights)
    start = np.full(request.steps, request.start, dtype=np.int32)
    end = np.full(request.steps, request.end, dtype=np.int32)
    if generator.label_blending:
        frames, method = generator.blend(z, start, end, weights), "embedding"
    else:
        frames, method = generator.generate(z, np.where(weights < 0.5, start, end)), "switch"
    gif = render.morph_gif(
        _pixels(frames),
        weights.tolist(),
        card.class_names[request.start],
        card.class_names[request.end],
        side=MORPH_PIXELS,
    )
    return Morph(gif, method, card.version)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def _prediction(classifier: Classifier, pixels: np.ndarray, seen: np.ndarray) -> Prediction:
    card = classifier.card
    images = normalize_images(pixels, card.raw_max)
    probabilities = _softmax(np.asarray(classifier.logits(images), dtype=np.float64)[0])
    order = np.argsort(probabilities)[::-1][:TOP]
    values = tuple(float(p) for p in probabilities)
    return Prediction(
        probabilities=values,
        top=tuple((card.class_names[i], values[i]) for i in order),
        chart_png=render.probability_chart_png(values, card.class_names, seen, top=TOP),
        model_version=card.version,
    )


def classify_upload(classifier: Classifier, data: bytes) -> Prediction:
    """Decode (ImageInputError if unusable), prepare and classify an upload.

    A photo classifier sees the whole picture; a digit classifier the digit, framed like its
    dataset's. When the card has an out-of-distribution check, ``not_digit`` says why the
    picture does not look like a digit (None when it does).
    """
    card = classifier.card
    image = decode_upload(data)
    if card.input_kind == "photo":
        pixels, seen = prepare_photo(image, card.image_shape, card.raw_max)
        return _prediction(classifier, pixels[None], seen)
    height, width, _ = card.image_shape
    framing = framing_for(str(card.dataset.get("name")), (height, width))
    prepared = prepare_digit(image, framing, card.raw_max)
    result = _prediction(classifier, prepared.pixels, prepared.seen)
    check = card.ood
    if check is None:
        return result
    distance = (
        nearest_distance(prepared.pixels, training_digits(card), check.k)
        if prepared.found_ink
        else math.inf
    )
    return replace(result, not_digit=check.reason(prepared, distance))


def classify_heldout(classifier: Classifier, pick: int) -> Prediction:
    """Classify held-out test digit number ``pick`` (modulo the split size) against its truth."""
    card = classifier.card
    images, labels = heldout_digits(card)
    index = pick % len(labels)
    pixels = images[index]
    seen = np.rint(pixels * (255.0 / card.raw_max)).astype(np.uint8)
    result = _prediction(classifier, pixels, seen)
    return replace(
        result, truth=card.class_names[int(labels[index])], index=index, heldout_size=len(labels)
    )
