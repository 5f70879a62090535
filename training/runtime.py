"""TensorFlow runtime set-up: 2 intra-op / 1 inter-op threads, seeds, op determinism."""

from __future__ import annotations

import platform

INTRA_OP_THREADS = 2
INTER_OP_THREADS = 1


def configure(seed: int) -> None:
    """Import TensorFlow configured for reproducible CPU runs and seed every generator."""
    import keras
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(INTRA_OP_THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(INTER_OP_THREADS)
    except RuntimeError:  # the runtime is already initialized (second run in one process)
        pass
    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a trained model."""
    import keras
    import numpy
    import sklearn
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }
