"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.optimizers.base import LearningRate, Optimizer


class SGD(Optimizer):
    """Gradient descent with optional momentum, Keras's formulation.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.01
    momentum : float, default 0.0
        Velocity decay ``mu`` in ``[0, 1]``; 0 is plain gradient descent.
    nesterov : bool, default False
        Use Nesterov momentum.
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    With gradient :math:`g`, learning rate :math:`\\eta` and velocity :math:`v` (zero at first):

    .. math::
        v &\\leftarrow \\mu v - \\eta g \\\\
        p &\\leftarrow p + v \\qquad
        (\\text{Nesterov: } p \\leftarrow p + \\mu v - \\eta g)

    Without momentum this is :math:`p \\leftarrow p - \\eta g`. PyTorch keeps
    :math:`b = \\mu b + g` and steps :math:`p \\leftarrow p - \\eta b`; for a constant rate
    :math:`v = -\\eta b` and the two give the same trajectory. They differ only when the rate
    changes (a schedule): here the velocity remembers past rates.
    """

    config_keys = ("momentum", "nesterov")
    default_learning_rate = 0.01

    def __init__(self, learning_rate: LearningRate | None = None, momentum: float = 0.0,
                 nesterov: bool = False, **base: Any) -> None:
        super().__init__(learning_rate, **base)
        self.momentum = _validate.check_float("SGD", "momentum", momentum, min=0.0, max=1.0)
        self.nesterov = _validate.check_bool(type(self).__name__, "nesterov", nesterov)

    @property
    def slot_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("velocity",) if self.momentum else ()

    def _update(self, p, g, slots, buf, lr, t):
        np.multiply(g, lr, out=buf)  # buf = lr g
        if not slots:
            p -= buf  # p <- p - lr g
            return
        v, mu = slots["velocity"], self.momentum
        v *= mu  # v <- mu v
        v -= buf  # v <- mu v - lr g
        if self.nesterov:
            p -= buf  # p <- p - lr g
            np.multiply(v, mu, out=buf)  # buf = mu v
            p += buf  # p <- p + mu v - lr g
        else:
            p += v  # p <- p + v
