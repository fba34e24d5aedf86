"""Adadelta (Zeiler, 2012): steps scaled by the ratio of two running root mean squares."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.optimizers.base import LearningRate, Optimizer


class Adadelta(Optimizer):
    """Scale each step by ``RMS(past steps) / RMS(past gradients)``, Keras 3's rule.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
        Keras's default; the paper's method has no rate (1.0).
    rho : float, default 0.95
        Decay of both running averages, in ``[0, 1)``.
    epsilon : float, default 1e-7
        Added inside both roots.
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    With ``a`` the accumulated squared gradients and ``d`` the accumulated squared steps
    (both zero at first):

    .. math::
        a &\\leftarrow \\rho a + (1 - \\rho) g^2, \\qquad
        \\Delta = -\\frac{\\sqrt{d + \\epsilon}}{\\sqrt{a + \\epsilon}} \\, g, \\\\
        d &\\leftarrow \\rho d + (1 - \\rho) \\Delta^2, \\qquad
        p \\leftarrow p + \\eta \\Delta
    """

    config_keys = ("rho", "epsilon")
    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate: LearningRate | None = None, rho: float = 0.95,
                 epsilon: float = 1e-7, **base: Any) -> None:
        super().__init__(learning_rate, **base)
        self.rho = _validate.check_float("Adadelta", "rho", rho, min=0.0, max=1.0, max_open=True)
        self.epsilon = _validate.check_float("Adadelta", "epsilon", epsilon, min=0.0)

    def _update(self, p, g, slots, buf, lr, t):
        rho, eps = self.rho, self.epsilon
        a, d = slots["accumulated_grad"], slots["accumulated_delta_var"]
        a *= rho
        np.multiply(g, g, out=buf)
        buf *= 1.0 - rho
        a += buf  # a <- rho a + (1 - rho) g^2
        np.add(d, eps, out=buf)
        np.sqrt(buf, out=buf)
        buf *= g
        buf /= np.sqrt(a + eps)  # buf = -Delta = sqrt(d + eps) g / sqrt(a + eps)
        d *= rho
        d += (1.0 - rho) * np.square(buf)  # d <- rho d + (1 - rho) Delta^2
        buf *= lr
        p -= buf  # p <- p + lr Delta
