"""LAMB (You et al., 2020): Adam's direction, rescaled per weight array by a trust ratio."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.optimizers.base import LearningRate, Optimizer


class Lamb(Optimizer):
    """Layer-wise adaptive moments: each weight array's Adam step scaled to its own norm.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    beta_1 : float, default 0.9
        Decay of the first-moment estimate, in ``[0, 1)``.
    beta_2 : float, default 0.999
        Decay of the second-moment estimate, in ``[0, 1)``.
    epsilon : float, default 1e-7
        Added to the root of the corrected second moment.
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    For each weight array (a model hands the arrays one by one, :attr:`per_weight`):

    .. math::
        m &\\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2, \\\\
        u &= \\frac{m / (1 - \\beta_1^t)}{\\sqrt{v / (1 - \\beta_2^t)} + \\epsilon}, \\qquad
        r = \\frac{\\lVert p \\rVert}{\\lVert u \\rVert} \\ (1 \\text{ if either norm is 0}),
        \\qquad p \\leftarrow p - r \\eta u
    """

    config_keys = ("beta_1", "beta_2", "epsilon")
    slot_names = ("momentum", "velocity")
    per_weight = True

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **base: Any) -> None:
        super().__init__(learning_rate, **base)
        self.beta_1 = _validate.check_float("Lamb", "beta_1", beta_1, min=0.0, max=1.0,
                                            max_open=True)
        self.beta_2 = _validate.check_float("Lamb", "beta_2", beta_2, min=0.0, max=1.0,
                                            max_open=True)
        self.epsilon = _validate.check_float("Lamb", "epsilon", epsilon, min=0.0)

    def _update(self, p, g, slots, buf, lr, t):
        m, v = slots["momentum"], slots["velocity"]
        np.subtract(g, m, out=buf)
        buf *= 1.0 - self.beta_1
        m += buf  # m <- beta_1 m + (1 - beta_1) g
        np.multiply(g, g, out=buf)
        buf -= v
        buf *= 1.0 - self.beta_2
        v += buf  # v <- beta_2 v + (1 - beta_2) g^2
        np.multiply(v, 1.0 / (1.0 - self.beta_2**t), out=buf)
        np.sqrt(buf, out=buf)
        buf += self.epsilon
        np.divide(m, buf, out=buf)
        buf *= 1.0 / (1.0 - self.beta_1**t)  # buf = u
        w_norm = math.sqrt(float(np.vdot(p, p)))
        u_norm = math.sqrt(float(np.vdot(buf, buf)))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        buf *= ratio * lr
        p -= buf
