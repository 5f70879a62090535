"""Datasets: the offline digits split and the keras.datasets loaders (monkeypatched)."""

from __future__ import annotations

import numpy as np
import pytest

from training.datasets import Dataset, dataset_for_shape, load_dataset


def test_digits_split_is_fixed_stratified_and_normalized(digits: Dataset) -> None:
    assert digits.input_shape == (8, 8, 1)
    assert (len(digits.y_train), len(digits.y_test)) == (1437, 360)
    assert digits.x_train.dtype == np.float32 and digits.y_train.dtype == np.int32
    assert digits.x_train.min() == -1.0 and digits.x_train.max() == 1.0
    test_share = np.bincount(digits.y_test) / np.bincount(np.r_[digits.y_train, digits.y_test])
    np.testing.assert_allclose(test_share, 0.2, atol=0.01)
    again = load_dataset("digits")
    np.testing.assert_array_equal(again.x_test, digits.x_test)
    np.testing.assert_array_equal(again.y_train, digits.y_train)


def test_head_takes_the_first_examples(digits: Dataset) -> None:
    small = digits.head(100, 20)
    assert (len(small.x_train), len(small.y_test)) == (100, 20)
    np.testing.assert_array_equal(small.y_train, digits.y_train[:100])


def test_unknown_dataset_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        load_dataset("svhn")


def test_dataset_for_shape() -> None:
    assert dataset_for_shape((8, 8, 1)) == "digits"
    assert dataset_for_shape((32, 32, 3)) == "cifar10"
    with pytest.raises(ValueError, match="no known dataset"):
        dataset_for_shape((9, 9, 1))
