"""Model cards as the bot reads them: the JSON written beside each model by ``aiclub train``.

Only what serving needs is checked; everything else (metrics, gates, training details) is
kept as-is for ``/ml info``. See ``training/cards.py`` for the writer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.ml.ood import OodCheck

KINDS = ("gan", "cnn")
MAX_VERSION_LENGTH = 48  # the version travels in button custom_ids (100 characters at most)
_VERSION = re.compile(r"[A-Za-z0-9._-]+")
_SPLIT_SEED = re.compile(r"seed (\d+)")


class CardError(Exception):
    """A model or its card cannot be served; ``code`` names why, the message says what."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ModelCard:
    """What the bot needs to call a model and to describe it."""

    kind: str
    name: str
    version: str
    model_file: Path
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]  # (H, W, C) of the model's images
    raw_max: float  # the dataset's pixel maximum (CNN input scaling)
    latent_dim: int  # GAN only (0 for a CNN)
    created: datetime | None
    file_sha256: str
    data: dict[str, Any] = field(repr=False, compare=False)
    input_kind: str = "digit"  # CNN: "digit" (one digit, cropped and framed) or "photo"
    ood: OodCheck | None = None  # CNN: the "not a digit" check, when the card has one
    tflite_file: Path | None = None  # the LiteRT conversion beside the model, when carded
    tflite_sha256: str | None = None

    @property
    def dataset(self) -> dict[str, Any]:
        """The card's ``dataset`` block (name, source, split, sizes)."""
        return dict(self.data.get("dataset") or {})

    @property
    def metrics(self) -> dict[str, Any]:
        """Held-out metrics as trained."""
        return dict(self.data.get("metrics") or {})

    @property
    def gates(self) -> dict[str, bool]:
        """Quality gates and whether each passed."""
        return dict(self.data.get("gates") or {})

    @property
    def split_seed(self) -> int | None:
        """Seed of the dataset's train/test split (from ``split_seed`` or the split text)."""
        dataset = self.dataset
        if isinstance(dataset.get("split_seed"), int):
            return int(dataset["split_seed"])
        found = _SPLIT_SEED.search(str(dataset.get("split", "")))
        return int(found.group(1)) if found else None


def card_path(model_file: Path) -> Path:
    """The card beside a model file (``gan-digits.keras`` -> ``gan-digits.json``)."""
    return model_file.with_suffix(".json")


def read_card(model_file: Path, kind: str) -> ModelCard:
    """Read and check the card of ``model_file``; raise CardError if the pair can't be served.

    Codes: ``missing`` (no model file or no card), ``bad_card`` (unreadable or incomplete
    card, or a card for another kind), ``mismatch`` (the file is not the one the card
    describes: retrained or corrupted since).
    """
    if not model_file.is_file():
        raise CardError("missing", f"{model_file.name} not found")
    path = card_path(model_file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CardError("missing", f"{path.name} (the model card) not found") from None
    except (OSError, ValueError) as exc:
        raise CardError("bad_card", f"{path.name} is not valid JSON: {exc}") from None
    try:
        card = _parse(data, model_file, kind)
    except (KeyError, TypeError, ValueError) as exc:
        raise CardError("bad_card", f"{path.name}: missing or invalid {exc}") from None
    if file_sha256(model_file) != card.file_sha256:
        raise CardError("mismatch", f"{model_file.name} does not match its card (retrain it)")
    return card


def _parse(data: dict[str, Any], model_file: Path, kind: str) -> ModelCard:
    if data["kind"] != kind:
        raise ValueError(f"kind (expected {kind!r}, found {data['kind']!r})")
    version = str(data["model_version"])
    if not _VERSION.fullmatch(version) or len(version) > MAX_VERSION_LENGTH:
        raise ValueError("model_version")
    shape_key = "output" if kind == "gan" else "input"
    _, height, width, channels = data[shape_key]["shape"]
    latent_dim = int(data["latent_dim"]) if kind == "gan" else 0
    raw_max = float(data["input"]["raw_pixel_range"][1]) if kind == "cnn" else 0.0
    class_names = tuple(str(name) for name in data["class_names"])
    if not class_names or (kind == "gan" and latent_dim <= 0) or (kind == "cnn" and raw_max <= 0):
        raise ValueError("class_names, latent_dim or raw_pixel_range")
    created = data.get("created_utc")
    tflite = data.get("tflite")
    tflite_name = str(tflite["file"]) if tflite is not None else None
    if tflite_name is not None and Path(tflite_name).name != tflite_name:
        raise ValueError("tflite.file (a file name beside the model)")
    return ModelCard(
        kind=kind,
        name=str(data.get("name", model_file.stem)),
        version=version,
        model_file=model_file,
        class_names=class_names,
        image_shape=(int(height), int(width), int(channels)),
        raw_max=raw_max,
        latent_dim=latent_dim,
        created=datetime.fromisoformat(created) if created else None,
        file_sha256=str(data["file_sha256"]),
        data=data,
        input_kind=str(data.get("input_kind", "digit")),
        ood=OodCheck.from_card(data) if kind == "cnn" else None,
        tflite_file=model_file.with_name(tflite_name) if tflite_name is not None else None,
        tflite_sha256=str(tflite["sha256"]) if tflite is not None else None,
    )


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
