"""The conditional DCGAN behind ``/gan sample``: ``generator([z, label])`` -> image in [-1, 1]."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from training.optimizers import GAN_ADAM

if TYPE_CHECKING:
    from training.datasets import Dataset

GAN_BATCH_SIZE = 64
LATENT_DIM = 32
LABEL_EMBEDDING = 16


def build_generator(
    input_shape: tuple[int, int, int], num_classes: int, latent_dim: int = LATENT_DIM
) -> keras.Model:
    """Generator with inputs ``z`` float32 (N, latent_dim) and ``label`` int32 (N,)."""
    height, width, channels = input_shape
    upsamplings = 1 if max(height, width) <= 8 else 2
    base_h, base_w = height // 2**upsamplings, width // 2**upsamplings
    z = keras.Input(shape=(latent_dim,), name="z")
    label = keras.Input(shape=(), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, LABEL_EMBEDDING, name="label_embedding")(label)
    x = layers.Concatenate()([z, embedded])
    x = layers.Dense(base_h * base_w * 128, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((base_h, base_w, 128))(x)
    for filters in (128, 64)[-upsamplings:]:
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    image = layers.Conv2D(channels, 3, padding="same", activation="tanh", name="image")(x)
    return keras.Model([z, label], image, name="generator")


def build_discriminator(input_shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """Projection discriminator: logit = dense(h) + <embed(label), h>."""
    image = keras.Input(shape=input_shape, name="image")
    label = keras.Input(shape=(), dtype="int32", name="label")
    x = image
    for filters in (64, 128):
        x = layers.Conv2D(filters, 3, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    h = layers.LeakyReLU(0.2)(layers.Dense(128)(x))
    projection = layers.Dot(axes=1)([layers.Embedding(num_classes, 128)(label), h])
    logit = layers.Add()([layers.Dense(1)(h), projection])
    return keras.Model([image, label], logit, name="discriminator")


class ConditionalGAN(keras.Model):
    """Conditional DCGAN trained by ``fit(images, labels)`` through its own ``train_step``."""

    def __init__(
        self, generator: keras.Model, discriminator: keras.Model, latent_dim: int, seed: int
    ) -> None:
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, g_optimizer: Any, d_optimizer: Any) -> None:  # type: ignore[override]
        super().compile()
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    @property
    def metrics(self) -> list[Any]:
        return [self.d_loss_tracker, self.g_loss_tracker]

    def _noise(self, batch: Any) -> Any:
        return keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)

    def train_step(self, data: Any) -> dict[str, Any]:
        real, labels = data
        batch = tf.shape(real)[0]
        generator, discriminator = self.generator, self.discriminator

        # Train the discriminator: real images of each label should read "real" (0.9: one-sided
        # label smoothing keeps it from growing over-confident), generated ones "fake".
        with tf.GradientTape() as tape:
            fake = generator([self._noise(batch), labels], training=True)
            real_logits = discriminator([real, labels], training=True)
            fake_logits = discriminator([fake, labels], training=True)
            d_loss = self.bce(tf.fill(tf.shape(real_logits), 0.9), real_logits) + self.bce(
                tf.zeros_like(fake_logits), fake_logits
            )
        grads = tape.gradient(d_loss, discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights, strict=True))

        # Train the generator on fresh noise: it gains when the discriminator calls its pictures
        # "real" (the non-saturating loss); only the generator's weights move.
        with tf.GradientTape() as tape:
            fake = generator([self._noise(batch), labels], training=True)
            fake_logits = discriminator([fake, labels], training=True)
            g_loss = self.bce(tf.ones_like(fake_logits), fake_logits)
        grads = tape.gradient(g_loss, generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, generator.trainable_weights, strict=True))

        # Report the running mean of both losses (shown per epoch by fit()).
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def train_gan(
    data: Dataset,
    *,
    epochs: int,
    seed: int,
    batch_size: int = GAN_BATCH_SIZE,
    latent_dim: int = LATENT_DIM,
    verbose: int | str = 0,
) -> keras.Model:
    """Fit a conditional DCGAN on the training split and return its generator."""
    gan = ConditionalGAN(
        build_generator(data.input_shape, data.num_classes, latent_dim),
        build_discriminator(data.input_shape, data.num_classes),
        latent_dim,
        seed,
    )
    gan.compile(
        g_optimizer=GAN_ADAM.build(),
        d_optimizer=GAN_ADAM.build(),
    )
    gan.fit(
        data.x_train, data.y_train, batch_size=batch_size, epochs=epochs, shuffle=True,
        verbose=verbose,
    )  # fmt: skip
    return gan.generator


def sample(
    generator: keras.Model, labels: np.ndarray, seed: int, batch_size: int = 512
) -> np.ndarray:
    """Images for ``labels`` with standard-normal latents drawn from ``seed`` (inference mode)."""
    latent_dim = int(generator.inputs[0].shape[-1])
    z = np.random.default_rng(seed).standard_normal((len(labels), latent_dim), dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int32)
    outputs = [
        np.asarray(generator([z[i : i + batch_size], labels[i : i + batch_size]], training=False))
        for i in range(0, len(labels), batch_size)
    ]
    return np.concatenate(outputs)
