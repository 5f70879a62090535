"""Held-out metrics and quality gates for the CNN and the GAN (all on the test split)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from training.cnn import feature_extractor, predict
from training.gan import sample

if TYPE_CHECKING:
    import keras

    from training.datasets import Dataset

METRICS_SEED = 1234
SVC_MAX_TRAIN = 5000
FRECHET_MAX_SAMPLES = 2000
FRECHET_REPEATS = 10
SAMPLES_PER_CLASS = 200
COVERAGE_SAMPLES = 2000

CNN_MIN_ACCURACY = 0.985
GAN_MIN_CONDITIONAL_ACCURACY = 0.95
GAN_MAX_FRECHET_OVER_FLOOR = 2.0
GAN_MIN_CLASS_SHARE = 0.05


def cnn_metrics(cnn: keras.Model, data: Dataset) -> dict[str, Any]:
    """Test accuracy, per-class accuracy, confusion matrix, and an SVC baseline on the split."""
    from sklearn.metrics import confusion_matrix
    from sklearn.svm import SVC

    predicted = predict(cnn, data.x_test).argmax(axis=1)
    matrix = confusion_matrix(data.y_test, predicted, labels=range(data.num_classes))
    per_class = np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)
    n_svc = min(len(data.x_train), SVC_MAX_TRAIN)
    svc = SVC().fit(data.x_train[:n_svc].reshape(n_svc, -1), data.y_train[:n_svc])
    svc_accuracy = svc.score(data.x_test.reshape(len(data.x_test), -1), data.y_test)
    return {
        "accuracy": float(np.mean(predicted == data.y_test)),
        "svc_baseline_accuracy": float(svc_accuracy),
        "svc_train_size": n_svc,
        "test_size": len(data.y_test),
        "per_class_accuracy": _per_class(data, per_class),
        "confusion_matrix": matrix.tolist(),
    }


def gan_metrics(generator: keras.Model, cnn: keras.Model, data: Dataset) -> dict[str, Any]:
    """Fréchet distance (with floor and ceiling), conditional accuracy, coverage, memorisation.

    Features are the CNN's penultimate layer. Generated images for the Fréchet distance and the
    memorisation check carry the labels of the real test images they are compared with. The
    Fréchet figures are means over ``FRECHET_REPEATS`` draws of latents (generated), of
    class-matched training subsets of the test set's size (floor) and of uniform noise (ceiling).
    """
    rng = np.random.default_rng(METRICS_SEED)
    k = data.num_classes
    n = min(len(data.x_test), FRECHET_MAX_SAMPLES)
    test_idx = np.sort(rng.choice(len(data.x_test), n, replace=False))
    real_test, test_labels = data.x_test[test_idx], data.y_test[test_idx]
    generated = [
        sample(generator, test_labels, seed=METRICS_SEED + 100 + i) for i in range(FRECHET_REPEATS)
    ]
    train_sets = [data.x_train[_class_matched(data.y_train, test_labels, rng)] for _ in generated]
    noise_sets = [rng.uniform(-1.0, 1.0, real_test.shape).astype(np.float32) for _ in generated]

    extractor = feature_extractor(cnn)
    test_features = predict(extractor, real_test)

    def distances(image_sets: list[np.ndarray]) -> np.ndarray:
        return np.array(
            [frechet_distance(predict(extractor, x), test_features) for x in image_sets]
        )

    gen_fd, floor_fd, noise_fd = distances(generated), distances(train_sets), distances(noise_sets)

    requested = np.repeat(np.arange(k), SAMPLES_PER_CLASS).astype(np.int32)
    recognised = predict(cnn, sample(generator, requested, seed=METRICS_SEED + 1)).argmax(axis=1)
    per_class = (recognised == requested).reshape(k, SAMPLES_PER_CLASS).mean(axis=1)
    uniform_labels = rng.integers(0, k, COVERAGE_SAMPLES).astype(np.int32)
    unconditional = sample(generator, uniform_labels, seed=METRICS_SEED + 2)
    shares = np.bincount(predict(cnn, unconditional).argmax(axis=1), minlength=k)
    return {
        "frechet_distance": float(gen_fd.mean()),
        "frechet_floor_train_vs_test": float(floor_fd.mean()),
        "frechet_ceiling_uniform_noise": float(noise_fd.mean()),
        "frechet_distance_std": float(gen_fd.std()),
        "frechet_floor_std": float(floor_fd.std()),
        "frechet_sample_size": n,
        "frechet_repeats": FRECHET_REPEATS,
        "conditional_accuracy": float(per_class.mean()),
        "conditional_accuracy_per_class": _per_class(data, per_class),
        "conditional_samples_per_class": SAMPLES_PER_CLASS,
        "class_coverage": _per_class(data, shares / COVERAGE_SAMPLES),
        "coverage_samples": COVERAGE_SAMPLES,
        "nn_distance_median_generated": median_nn_distance(generated[0], data.x_train),
        "nn_distance_median_real_test": median_nn_distance(real_test, data.x_train),
    }


def _per_class(data: Dataset, values: np.ndarray) -> dict[str, float]:
    return dict(zip(data.class_names, map(float, values), strict=True))


def _class_matched(
    pool_labels: np.ndarray, labels: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Indices into the pool with the same number of examples of each class as ``labels``."""
    picked = []
    for label, count in zip(*np.unique(labels, return_counts=True), strict=True):
        candidates = np.flatnonzero(pool_labels == label)
        picked.append(rng.choice(candidates, count, replace=count > len(candidates)))
    return np.sort(np.concatenate(picked))


def cnn_gates(metrics: dict[str, Any]) -> dict[str, bool]:
    """Quality gates of the shipped CNN."""
    return {f"accuracy >= {CNN_MIN_ACCURACY}": metrics["accuracy"] >= CNN_MIN_ACCURACY}


def gan_gates(metrics: dict[str, Any]) -> dict[str, bool]:
    """Quality gates of the shipped GAN."""
    floor = metrics["frechet_floor_train_vs_test"]
    return {
        f"conditional accuracy >= {GAN_MIN_CONDITIONAL_ACCURACY}": metrics["conditional_accuracy"]
        >= GAN_MIN_CONDITIONAL_ACCURACY,
        f"frechet <= {GAN_MAX_FRECHET_OVER_FLOOR:g} x floor": metrics["frechet_distance"]
        <= GAN_MAX_FRECHET_OVER_FLOOR * floor,
        f"every class >= {GAN_MIN_CLASS_SHARE:.0%} of unconditional samples": min(
            metrics["class_coverage"].values()
        )
        >= GAN_MIN_CLASS_SHARE,
        "median NN distance >= real test's": metrics["nn_distance_median_generated"]
        >= metrics["nn_distance_median_real_test"],
    }


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (rows are samples).

    tr(sqrt(A B)) is computed as the sum of square roots of the eigenvalues of the symmetric
    matrix sqrt(A) B sqrt(A), which stays stable when a covariance is singular.
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    sqrt_a = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    cross = np.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a)
    trace = np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.sum(np.sqrt(np.clip(cross, 0.0, None)))
    return float(np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2) + trace)


def median_nn_distance(queries: np.ndarray, references: np.ndarray, chunk: int = 256) -> float:
    """Median Euclidean distance from each query image to its nearest reference image."""
    q = queries.reshape(len(queries), -1).astype(np.float64)
    r = references.reshape(len(references), -1).astype(np.float64)
    r_sq = np.sum(r**2, axis=1)
    nearest = []
    for i in range(0, len(q), chunk):
        block = q[i : i + chunk]
        d2 = np.sum(block**2, axis=1)[:, None] + r_sq[None, :] - 2.0 * block @ r.T
        nearest.append(np.sqrt(np.maximum(d2.min(axis=1), 0.0)))
    return float(np.median(np.concatenate(nearest)))
