"""Offline training and evaluation of the bot's models (``aiclub train`` / ``aiclub evaluate``)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ log lines
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
