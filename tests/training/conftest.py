"""Shared fixtures: a configured TensorFlow runtime and the digits dataset."""

from __future__ import annotations

import pytest

from training.datasets import Dataset


@pytest.fixture
def tf_runtime() -> None:
    """Seeded, deterministic TensorFlow (imported on first use)."""
    from training import runtime

    runtime.configure(0)


@pytest.fixture(scope="session")
def digits() -> Dataset:
    """The digits dataset with its fixed split."""
    from training.datasets import load_dataset

    return load_dataset("digits")
