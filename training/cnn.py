"""The convolutional classifier behind ``/cnn predict``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import keras
import numpy as np
from keras import layers

from bot.ml.images import FRAMINGS
from bot.ml.preprocess import denormalize_images, normalize_images
from training.augment import augment
from training.optimizers import CNN_ADAM

if TYPE_CHECKING:
    from training.datasets import Dataset

CNN_BATCH_SIZE = 64
AUGMENT_COPIES = {"digits": 6}  # augmented copies of each training image, per dataset
FEATURES_LAYER = "features"
MIN_CONV_SIZE = 16


def build_cnn(input_shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """Conv/pool/dense classifier returning logits; layer ``features`` is the penultimate one.

    Images smaller than 16 pixels are upsampled inside the model, and training sees random
    shifts of up to one pixel (inactive at inference) on top of ``training.augment``'s copies.
    """
    height, width, _ = input_shape
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.RandomTranslation(
        1.0 / height, 1.0 / width, fill_mode="constant", fill_value=-1.0, name="shift"
    )(inputs)
    scale = math.ceil(MIN_CONV_SIZE / min(height, width))
    if scale > 1:
        x = layers.UpSampling2D(scale, interpolation="bilinear", name="upsample")(x)
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="cnn")


def training_images(data: Dataset, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training split plus its augmented copies (digit datasets only), normalized."""
    copies = AUGMENT_COPIES.get(data.name, 0)
    framing = FRAMINGS.get(data.name)
    if not copies or framing is None:
        return data.x_train, data.y_train
    raw = denormalize_images(data.x_train[..., 0], data.max_value)
    extra, sources = augment(raw, data.max_value, copies, seed, framing)
    images = np.concatenate([data.x_train, normalize_images(extra, data.max_value)])
    return images, np.concatenate([data.y_train, data.y_train[sources]])


def train_cnn(
    data: Dataset,
    *,
    epochs: int,
    batch_size: int = CNN_BATCH_SIZE,
    seed: int = 0,
    verbose: int | str = 0,
) -> keras.Model:
    """Build and fit the classifier on the (augmented) training split.

    Call ``runtime.configure`` first.
    """
    x_train, y_train = training_images(data, seed)
    model = build_cnn(data.input_shape, data.num_classes)
    model.compile(
        optimizer=CNN_ADAM.build(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        x_train, y_train, batch_size=batch_size, epochs=epochs, shuffle=True,
        verbose=verbose,
    )  # fmt: skip
    return model


def feature_extractor(cnn: keras.Model) -> keras.Model:
    """A model mapping images to the classifier's penultimate-layer features."""
    return keras.Model(cnn.input, cnn.get_layer(FEATURES_LAYER).output)


def predict(model: keras.Model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Run ``model`` in inference mode over ``images`` in batches; returns numpy outputs."""
    outputs = [
        np.asarray(model(images[i : i + batch_size], training=False))
        for i in range(0, len(images), batch_size)
    ]
    return np.concatenate(outputs)
