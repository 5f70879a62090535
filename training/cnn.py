"""The convolutional classifier behind ``/cnn predict``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import keras
import numpy as np
from keras import layers

if TYPE_CHECKING:
    from training.datasets import Dataset

CNN_BATCH_SIZE = 32
FEATURES_LAYER = "features"
MIN_CONV_SIZE = 16


def build_cnn(input_shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """Conv/pool/dense classifier returning logits; layer ``features`` is the penultimate one.

    Images smaller than 16 pixels are upsampled inside the model, and training sees random
    shifts of up to one pixel (inactive at inference).
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


def train_cnn(
    data: Dataset, *, epochs: int, batch_size: int = CNN_BATCH_SIZE, verbose: int | str = 0
) -> keras.Model:
    """Build and fit the classifier on the training split (call ``runtime.configure`` first)."""
    model = build_cnn(data.input_shape, data.num_classes)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        data.x_train, data.y_train, batch_size=batch_size, epochs=epochs, shuffle=True,
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
