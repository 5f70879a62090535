"""Optimizer settings written once: the same values build the optimizer and fill the card."""

from __future__ import annotations

from dataclasses import dataclass

import keras


@dataclass(frozen=True)
class AdamSettings:
    """Adam's learning rate and first-moment decay (``beta_1``)."""

    learning_rate: float
    beta_1: float = 0.9

    def build(self) -> keras.optimizers.Adam:
        """A fresh optimizer with these settings (one per trained network)."""
        return keras.optimizers.Adam(self.learning_rate, beta_1=self.beta_1)

    def describe(self) -> str:
        """How the model card names them: ``Adam(lr=2e-4, beta_1=0.5)``."""
        beta = "" if self.beta_1 == 0.9 else f", beta_1={self.beta_1:g}"
        return f"Adam(lr={self.learning_rate:.0e}{beta})".replace("e-0", "e-")


CNN_ADAM = AdamSettings(1e-3)
GAN_ADAM = AdamSettings(2e-4, beta_1=0.5)  # DCGAN's settings, for both networks
