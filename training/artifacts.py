"""Writing and reading model files and their JSON cards, atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras

DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "data" / "models"
FILE_MODE = 0o644  # shipped files are readable by the bot's user


class ArtifactError(Exception):
    """A model file or directory cannot be used; the message is one line for the user."""


def model_path(out_dir: Path, kind: str, dataset: str) -> Path:
    """Where the model of ``kind`` ('cnn' or 'gan') trained on ``dataset`` lives."""
    return out_dir / f"{kind}-{dataset}.keras"


def card_path(model_file: Path) -> Path:
    """The model card beside a model file (``x.keras`` -> ``x.json``)."""
    return model_file.with_suffix(".json")


def ensure_writable_dir(directory: Path) -> None:
    """Create ``directory`` if needed and check that files can be created in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise ArtifactError(
            f"output directory {directory} is not writable ({exc.strerror or exc})"
        ) from None


def save_model(model: keras.Model, path: Path) -> str:
    """Save ``model`` for inference (no optimizer state) to ``path`` atomically; returns SHA-256.

    The file is written to a temporary name in the same directory and renamed over ``path``,
    so a reader sees either the old file or the complete new one.
    """
    import keras

    if getattr(model, "optimizer", None) is not None:  # a fresh, uncompiled copy
        trained, model = model, keras.Model.from_config(model.get_config())
        model.set_weights(trained.get_weights())
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".keras")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        model.save(tmp)
        tmp.chmod(FILE_MODE)
        digest = file_sha256(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return digest


def write_bytes(data: bytes, path: Path) -> str:
    """Write ``data`` to ``path`` atomically (mode 0644); returns its SHA-256."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp_name, FILE_MODE)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return hashlib.sha256(data).hexdigest()


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` as indented JSON to ``path`` atomically."""
    write_bytes((json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), path)


def read_card(model_file: Path) -> dict[str, Any]:
    """The card beside ``model_file``, checked to describe that very file (ArtifactError if not)."""
    card_file = card_path(model_file)
    try:
        card: dict[str, Any] = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"no model card beside {model_file}") from None
    except ValueError as exc:
        raise ArtifactError(f"{card_file} is not valid JSON: {exc}") from None
    if card.get("file_sha256") != file_sha256(model_file):
        raise ArtifactError(f"{model_file} does not match its card (retrain it)")
    return card


def load_model(path: Path) -> keras.Model:
    """Load a ``.keras`` file for inference, turning every failure into an ArtifactError."""
    import keras

    if not path.is_file():
        raise ArtifactError(f"model file not found: {path}")
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # keras raises many types for corrupt files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArtifactError(f"cannot load model file {path}: {reason[:200]}") from None


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(model: keras.Model) -> str:
    """SHA-256 of the model's weights (shapes and values); stable across re-saves."""
    digest = hashlib.sha256()
    for array in model.get_weights():
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
