"""The TensorFlow backend: Keras models called through cached ``tf.function``s.

TensorFlow is imported on the first load (in the inference worker), never at module import.
Each model gets one ``tf.function`` with a fixed input signature (any batch size, one trace),
``training=False``, and a warm-up call, so a request costs one graph call and never
``model.predict``.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.ml.backend import ModelLoadError
from bot.ml.cards import ModelCard

if TYPE_CHECKING:
    import keras

log = logging.getLogger(__name__)


def configure_tensorflow(intra_op_threads: int, inter_op_threads: int) -> None:
    """Import TensorFlow quietly and size its thread pools (kept if it already ran)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads)
        tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads)
    except RuntimeError:  # the runtime is already initialized in this process
        log.info(
            "TensorFlow already running; keeping its thread pools (intra %d, inter %d)",
            tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads(),
        )


class TfBackend:
    """Loads ``.keras`` files for inference; TensorFlow is configured on the first load."""

    def __init__(self, intra_op_threads: int = 2, inter_op_threads: int = 1) -> None:
        self.intra_op_threads = intra_op_threads
        self.inter_op_threads = inter_op_threads
        self._configured = False

    def _load(self, card: ModelCard) -> keras.Model:
        if not self._configured:
            configure_tensorflow(self.intra_op_threads, self.inter_op_threads)
            self._configured = True
        import keras

        try:
            return keras.models.load_model(card.model_file, compile=False)
        except Exception as exc:  # Keras raises many kinds of errors for a corrupt file
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ModelLoadError(f"cannot load {card.model_file.name}: {reason}") from None

    def load_generator(self, card: ModelCard) -> TfGenerator:
        """The conditional generator of ``card``, checked against it and warmed up."""
        return TfGenerator(self._load(card), card)

    def load_classifier(self, card: ModelCard) -> TfClassifier:
        """The classifier of ``card``, checked against it and warmed up."""
        return TfClassifier(self._load(card), card)


def embedding_tail(generator: keras.Model) -> tuple[np.ndarray, keras.Model] | None:
    """The generator's label-embedding table and its tail ``[z, embedding] -> image``, if any.

    None when the generator has no single ``Embedding`` layer, or when the tail fed with the
    table's rows does not reproduce the whole generator.
    """
    import keras

    layers = [layer for layer in generator.layers if isinstance(layer, keras.layers.Embedding)]
    if len(layers) != 1:
        return None
    layer = layers[0]
    try:
        tail = keras.Model([generator.inputs[0], layer.output], generator.outputs[0])
    except Exception:  # the embedding does not feed the image the usual way
        return None
    table = np.asarray(layer.embeddings.numpy(), dtype=np.float32)
    z = np.zeros((2, int(generator.inputs[0].shape[-1])), np.float32)
    labels = np.array([0, len(table) - 1], np.int32)
    direct = np.asarray(generator([z, labels], training=False))
    if not np.allclose(direct, np.asarray(tail([z, table[labels]], training=False)), atol=1e-5):
        return None
    return table, tail


def _shape(tensor: Any) -> tuple[int | None, ...]:
    return tuple(None if d is None else int(d) for d in tensor.shape)


class TfGenerator:
    """``generator([z, label], training=False)`` through a cached tf.function."""

    def __init__(self, model: keras.Model, card: ModelCard) -> None:
        import tensorflow as tf

        self.card = card
        latent, image = card.latent_dim, card.image_shape
        if len(model.inputs) != 2 or _shape(model.inputs[0]) != (None, latent):
            raise ModelLoadError(
                f"{card.model_file.name} is not a generator([z ({latent}), label]) as its card says"
            )
        if _shape(model.outputs[0])[1:] != image:
            raise ModelLoadError(f"{card.model_file.name} does not make {image} images")

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, latent], tf.float32),
                tf.TensorSpec([None], tf.int32),
            ]
        )
        def generate(z: tf.Tensor, label: tf.Tensor) -> tf.Tensor:
            return model([z, label], training=False)

        self._generate = generate
        self._embeddings, self._from_embedding = self._embedding_path(model)
        self.generate(np.zeros((1, latent), np.float32), np.zeros(1, np.int32))  # warm-up

    @property
    def label_blending(self) -> bool:
        """Whether labels can be mixed through the generator's label embedding."""
        return self._from_embedding is not None

    def _embedding_path(self, model: keras.Model) -> tuple[np.ndarray | None, Any]:
        """The label-embedding table and a tf.function from (z, embedding) to images, if any."""
        import tensorflow as tf

        found = embedding_tail(model)
        if found is None:
            return None, None
        table, tail = found

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, self.card.latent_dim], tf.float32),
                tf.TensorSpec([None, table.shape[1]], tf.float32),
            ]
        )
        def from_embedding(z: tf.Tensor, embedded: tf.Tensor) -> tf.Tensor:
            return tail([z, embedded], training=False)

        return table, from_embedding

    def generate(self, z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Images in [-1, 1] for float32 latents and int32 labels."""
        return self._generate(z, labels).numpy()

    def blend(
        self, z: np.ndarray, start: np.ndarray, end: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """Images for labels mixed in embedding space: (1 - w) E[start] + w E[end]."""
        if self._embeddings is None:
            raise ModelLoadError("this generator has no label embedding to blend")
        w = weights.astype(np.float32)[:, None]
        embedded = (1 - w) * self._embeddings[start] + w * self._embeddings[end]
        return self._from_embedding(z, embedded).numpy()


class TfClassifier:
    """``model(images, training=False)`` (logits) through a cached tf.function."""

    def __init__(self, model: keras.Model, card: ModelCard) -> None:
        import tensorflow as tf

        self.card = card
        shape = card.image_shape
        if len(model.inputs) != 1 or _shape(model.inputs[0])[1:] != shape:
            raise ModelLoadError(f"{card.model_file.name} does not take {shape} images")
        if _shape(model.outputs[0])[1:] != (len(card.class_names),):
            raise ModelLoadError(
                f"{card.model_file.name} does not score the card's {len(card.class_names)} classes"
            )

        @tf.function(input_signature=[tf.TensorSpec([None, *shape], tf.float32)])
        def logits(images: tf.Tensor) -> tf.Tensor:
            return model(images, training=False)

        self._logits = logits
        self.logits(np.zeros((1, *shape), np.float32))  # warm-up

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Class scores for images in [-1, 1]."""
        return self._logits(images).numpy()
