"""Lion (Chen et al., 2023): the sign of an interpolated momentum as the step."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.optimizers.base import LearningRate, Optimizer


class Lion(Optimizer):
    """Evolved sign momentum: every entry moves by exactly ``lr`` (or stays), Keras 3's rule.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
        Usually 3 to 10 times smaller than Adam's, the step being a sign.
    beta_1 : float, default 0.9
        Interpolation between momentum and gradient for the step, in ``(0, 1]``.
    beta_2 : float, default 0.99
        Decay of the momentum.
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    .. math::
        p \\leftarrow p - \\eta \\operatorname{sign}(\\beta_1 m + (1 - \\beta_1) g), \\qquad
        m \\leftarrow \\beta_2 m + (1 - \\beta_2) g
    """

    config_keys = ("beta_1", "beta_2")
    slot_names = ("momentum",)

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float = 0.9,
                 beta_2: float = 0.99, **base: Any) -> None:
        super().__init__(learning_rate, **base)
        self.beta_1 = _validate.check_float("Lion", "beta_1", beta_1, min=0.0, max=1.0,
                                            min_open=True)
        self.beta_2 = _validate.check_float("Lion", "beta_2", beta_2, min=0.0, max=1.0)

    def _update(self, p, g, slots, buf, lr, t):
        m = slots["momentum"]
        np.multiply(m, self.beta_1, out=buf)
        buf += g * (1.0 - self.beta_1)  # beta_1 m + (1 - beta_1) g
        np.sign(buf, out=buf)
        buf *= lr
        p -= buf
        m *= self.beta_2
        np.multiply(g, 1.0 - self.beta_2, out=buf)
        m += buf  # m <- beta_2 m + (1 - beta_2) g
