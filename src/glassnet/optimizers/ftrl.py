"""FTRL-Proximal (McMahan et al., 2013): follow the regularized leader, with L1 sparsity."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.optimizers.base import LearningRate, Optimizer


class Ftrl(Optimizer):
    """Follow-the-regularized-leader with per-entry rates and L1/L2 penalties, Keras 3's rule.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    learning_rate_power : float, default -0.5
        How the per-entry rate falls with the accumulated squared gradients, ``<= 0``
        (``-0.5``: as ``1 / sqrt(n)``).
    initial_accumulator_value : float, default 0.1
        Starting value of the accumulator ``n``, ``>= 0``.
    l1_regularization_strength : float, default 0.0
        ``lambda_1 >= 0``: entries whose ``|z| <= lambda_1`` are set to exactly 0.
    l2_regularization_strength : float, default 0.0
        ``lambda_2 >= 0``, a stabilising L2 penalty.
    l2_shrinkage_regularization_strength : float, default 0.0
        ``lambda_s >= 0``: an L2 penalty added to the gradient (``g + 2 lambda_s p``),
        shrinking the magnitude of the weights.
    beta : float, default 0.0
        Adds ``beta / (2 lr)`` to ``lambda_2`` (the paper's beta).
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    With ``c = -learning_rate_power``, accumulator ``n`` and linear term ``z`` (0 at first),
    ``l_2 = lambda_2 + beta / (2 lr)``:

    .. math::
        n' &= n + g^2, \\qquad
        z \\leftarrow z + (g + 2 \\lambda_s p) - \\frac{n'^c - n^c}{\\eta} p, \\\\
        p &\\leftarrow \\frac{\\operatorname{clip}(z, -\\lambda_1, \\lambda_1) - z}
        {n'^c / \\eta + 2 l_2}, \\qquad n \\leftarrow n'
    """

    config_keys = ("learning_rate_power", "initial_accumulator_value",
                   "l1_regularization_strength", "l2_regularization_strength",
                   "l2_shrinkage_regularization_strength", "beta")
    slot_names = ("accumulator", "linear")

    def __init__(self, learning_rate: LearningRate | None = None,
                 learning_rate_power: float = -0.5, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 **base: Any) -> None:
        super().__init__(learning_rate, **base)
        self.learning_rate_power = _validate.check_float(
            "Ftrl", "learning_rate_power", learning_rate_power, max=0.0)
        self.initial_accumulator_value = _validate.check_float(
            "Ftrl", "initial_accumulator_value", initial_accumulator_value, min=0.0)
        self.l1_regularization_strength = _validate.check_float(
            "Ftrl", "l1_regularization_strength", l1_regularization_strength, min=0.0)
        self.l2_regularization_strength = _validate.check_float(
            "Ftrl", "l2_regularization_strength", l2_regularization_strength, min=0.0)
        self.l2_shrinkage_regularization_strength = _validate.check_float(
            "Ftrl", "l2_shrinkage_regularization_strength",
            l2_shrinkage_regularization_strength, min=0.0)
        self.beta = _validate.check_float("Ftrl", "beta", beta)

    def _initial_slot_value(self, slot: str) -> float:
        return self.initial_accumulator_value if slot == "accumulator" else 0.0

    def _update(self, p, g, slots, buf, lr, t):
        n, z = slots["accumulator"], slots["linear"]
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        new_n = n + g * g
        new_root = np.power(new_n, power)
        np.power(n, power, out=buf)
        np.subtract(new_root, buf, out=buf)
        buf *= p / lr  # (n'^c - n^c) p / lr
        z += g
        if self.l2_shrinkage_regularization_strength:
            z += (2.0 * self.l2_shrinkage_regularization_strength) * p
        z -= buf
        l1 = self.l1_regularization_strength
        np.clip(z, -l1, l1, out=buf)
        buf -= z
        new_root /= lr
        new_root += 2.0 * l2
        np.divide(buf, new_root, out=p)
        n[...] = new_n
