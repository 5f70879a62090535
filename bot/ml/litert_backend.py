"""The LiteRT backend: the ``.tflite`` conversion beside each model, run without TensorFlow.

``aiclub train`` (and ``aiclub convert``) write ``<model>.tflite`` beside ``<model>.keras``, its
SHA-256 in the card. A conversion is served only when the card names it, the file's hash
matches and the runtime (``ai-edge-litert``) imports; ``FallbackBackend`` then serves any other
model with TensorFlow, saying why in a warning. Signatures have a fixed batch (16 for a GAN,
1 for a CNN): a request is split into chunks of that size, the last one padded.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from bot.ml.backend import Backend, Classifier, Generator, ModelLoadError
from bot.ml.cards import ModelCard, file_sha256
from bot.ml.tf_backend import TfBackend

log = logging.getLogger(__name__)
LITERT_THREADS = 1  # the models are tiny: a second thread costs more than it saves


class LiteRtBackend:
    """Loads the checked ``.tflite`` conversions of carded models into LiteRT interpreters."""

    def __init__(self, num_threads: int = LITERT_THREADS) -> None:
        self.num_threads = num_threads

    def _interpreter(self, card: ModelCard) -> Any:
        path = card.tflite_file
        if path is None:
            raise ModelLoadError(f"{card.model_file.name} has no LiteRT conversion in its card")
        if not path.is_file():
            raise ModelLoadError(f"{path.name} (its LiteRT conversion) not found")
        if file_sha256(path) != card.tflite_sha256:
            raise ModelLoadError(
                f"{path.name} does not match its card (re-convert it: "
                f"aiclub convert {card.model_file})"
            )
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise ModelLoadError(f"the LiteRT runtime does not import ({exc})") from None
        try:
            return Interpreter(model_path=str(path), num_threads=self.num_threads)
        except Exception as exc:  # the runtime raises ValueError/RuntimeError for a bad file
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ModelLoadError(f"cannot load {path.name}: {reason}") from None

    def load_generator(self, card: ModelCard) -> LiteRtGenerator:
        """The generator's conversion, checked against its card and warmed up."""
        return LiteRtGenerator(self._interpreter(card), card)

    def load_classifier(self, card: ModelCard) -> LiteRtClassifier:
        """The classifier's conversion, checked against its card and warmed up."""
        return LiteRtClassifier(self._interpreter(card), card)


class Signature:
    """One signature of a converted model, called in chunks of its fixed batch size."""

    def __init__(self, interpreter: Any, key: str, card: ModelCard) -> None:
        self.name = f"{card.tflite_file.name if card.tflite_file else '?'}:{key}"
        self._runner = interpreter.get_signature_runner(key)
        self.inputs = {
            name: (tuple(int(d) for d in detail["shape"]), np.dtype(detail["dtype"]))
            for name, detail in self._runner.get_input_details().items()
        }
        outputs = self._runner.get_output_details()
        if len(outputs) != 1:
            raise ModelLoadError(f"{self.name} has {len(outputs)} outputs, not one")
        [(self._output, detail)] = outputs.items()
        self.output_shape = tuple(int(d) for d in detail["shape"])
        self.batch = self.output_shape[0]
        if any(shape[0] != self.batch for shape, _ in self.inputs.values()):
            raise ModelLoadError(f"{self.name} has inputs of different batch sizes")

    def expect(self, inputs: dict[str, tuple[int, ...]], output: tuple[int, ...]) -> None:
        """ModelLoadError unless the per-example shapes are ``inputs`` (by name) and ``output``."""
        found = {name: shape[1:] for name, (shape, _) in self.inputs.items()}
        if found != inputs or self.output_shape[1:] != output:
            raise ModelLoadError(
                f"{self.name} takes {found} and makes {self.output_shape[1:]}, "
                f"not {inputs} and {output} as its card says"
            )

    def __call__(self, **arrays: np.ndarray) -> np.ndarray:
        """Outputs for every row of the inputs (any count; padded chunks of the batch size)."""
        count = len(next(iter(arrays.values())))
        chunks = []
        for start in range(0, count, self.batch):
            feed = {
                name: _padded(np.asarray(arrays[name][start : start + self.batch], dtype), shape)
                for name, (shape, dtype) in self.inputs.items()
            }
            chunks.append(self._runner(**feed)[self._output][: count - start])
        return np.concatenate(chunks)


def _padded(rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if len(rows) == shape[0]:
        return rows
    return np.concatenate([rows, np.zeros((shape[0] - len(rows), *shape[1:]), rows.dtype)])


class LiteRtGenerator:
    """Signature ``generate(z, label)``, and ``blend(z, start, end, weight)`` when converted."""

    def __init__(self, interpreter: Any, card: ModelCard) -> None:
        self.card = card
        keys = interpreter.get_signature_list()
        self._generate = Signature(interpreter, "generate", card)
        self._generate.expect({"z": (card.latent_dim,), "label": ()}, card.image_shape)
        self._blend = Signature(interpreter, "blend", card) if "blend" in keys else None
        if self._blend is not None:
            inputs = {"z": (card.latent_dim,), "start": (), "end": (), "weight": ()}
            self._blend.expect(inputs, card.image_shape)
        self.generate(np.zeros((1, card.latent_dim), np.float32), np.zeros(1, np.int32))

    @property
    def label_blending(self) -> bool:
        """Whether the conversion has the label-embedding path (``blend``)."""
        return self._blend is not None

    def generate(self, z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Images in [-1, 1] for float32 latents and int32 labels."""
        return self._generate(z=z, label=labels)

    def blend(
        self, z: np.ndarray, start: np.ndarray, end: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """Images for labels mixed in embedding space: (1 - w) E[start] + w E[end]."""
        if self._blend is None:
            raise ModelLoadError("this generator has no label embedding to blend")
        return self._blend(z=z, start=start, end=end, weight=weights)


class LiteRtClassifier:
    """Signature ``logits(images)``."""

    def __init__(self, interpreter: Any, card: ModelCard) -> None:
        self.card = card
        self._logits = Signature(interpreter, "logits", card)
        self._logits.expect({"images": card.image_shape}, (len(card.class_names),))
        self.logits(np.zeros((1, *card.image_shape), np.float32))

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Class scores for images in [-1, 1]."""
        return self._logits(images=images)


class FallbackBackend:
    """Each model from ``preferred`` when it can serve it, else from ``fallback`` (logged)."""

    def __init__(self, preferred: Backend, fallback: Backend) -> None:
        self.preferred = preferred
        self.fallback = fallback

    def load_generator(self, card: ModelCard) -> Generator:
        """The preferred backend's generator, or the fallback's."""
        try:
            return self.preferred.load_generator(card)
        except ModelLoadError as exc:
            self._falling_back(card, exc)
        return self.fallback.load_generator(card)

    def load_classifier(self, card: ModelCard) -> Classifier:
        """The preferred backend's classifier, or the fallback's."""
        try:
            return self.preferred.load_classifier(card)
        except ModelLoadError as exc:
            self._falling_back(card, exc)
        return self.fallback.load_classifier(card)

    def _falling_back(self, card: ModelCard, reason: ModelLoadError) -> None:
        log.warning(
            "model %s: %s; serving %s with %s instead",
            card.name, reason, card.model_file.name, type(self.fallback).__name__,
        )  # fmt: skip


def serving_backend(intra_op_threads: int = 2, inter_op_threads: int = 1) -> Backend:
    """What the bot serves with: LiteRT, and TensorFlow (its thread pools) for the rest."""
    return FallbackBackend(LiteRtBackend(), TfBackend(intra_op_threads, inter_op_threads))
