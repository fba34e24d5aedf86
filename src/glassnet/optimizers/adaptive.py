"""Optimizers that divide by a root of the squared-gradient history: RMSprop and Adagrad.

Formulas, defaults and the place of ``epsilon`` follow Keras 3 (a differential test runs both
on the same arrays). PyTorch adds ``epsilon`` outside the square root, ``g / (sqrt(v) + eps)``;
Keras, and this module, inside it, ``g / sqrt(v + eps)``. The two differ only where ``v`` is of
order ``eps`` or less; the PyTorch reference tests compare with a negligible ``epsilon``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.optimizers.base import LearningRate, Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    rho : float, default 0.9
        Decay of the running average of ``g**2``, in ``[0, 1)``. (PyTorch's ``alpha``.)
    momentum : float, default 0.0
        Momentum ``mu`` in ``[0, 1]`` on the scaled step.
    epsilon : float, default 1e-7
        Added to the mean square, inside the root (as Keras).
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its RMS.
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    Keras 3's rule:

    .. math::
        v &\\leftarrow \\rho v + (1 - \\rho) g^2, \\qquad
        \\bar g \\leftarrow \\rho \\bar g + (1 - \\rho) g \\ \\text{(centered)} \\\\
        \\Delta &= \\eta \\, g / \\sqrt{v - \\bar g^2 \\text{ (centered)} + \\epsilon} \\\\
        p &\\leftarrow p - \\Delta \\qquad
        (\\text{momentum: } b \\leftarrow \\mu b + \\Delta, \\ p \\leftarrow p - b)

    PyTorch's ``RMSprop`` writes :math:`\\sqrt{v} + \\epsilon` and keeps :math:`b` without the
    rate (the same trajectory for a constant rate).
    """

    config_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate: LearningRate | None = None, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 **base: Any) -> None:
        super().__init__(learning_rate, **base)
        self.rho = _validate.check_float("RMSprop", "rho", rho, min=0.0, max=1.0, max_open=True)
        self.momentum = _validate.check_float("RMSprop", "momentum", momentum, min=0.0, max=1.0)
        self.epsilon = _validate.check_float("RMSprop", "epsilon", epsilon, min=0.0)
        self.centered = _validate.check_bool(type(self).__name__, "centered", centered)

    @property
    def slot_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("v",) + (("grad_avg",) if self.centered else ()) + (("momentum",) if self.momentum else ())

    def _update(self, p, g, slots, buf, lr, t):
        rho, v = self.rho, slots["v"]
        v *= rho  # v <- rho v
        np.multiply(g, 1.0 - rho, out=buf)  # buf = (1 - rho) g
        buf *= g  # buf = (1 - rho) g^2
        v += buf  # v <- rho v + (1 - rho) g^2
        if self.centered:
            avg = slots["grad_avg"]
            np.subtract(g, avg, out=buf)  # buf = g - avg
            buf *= 1.0 - rho  # buf = (1 - rho)(g - avg)
            avg += buf  # avg <- rho avg + (1 - rho) g
            np.multiply(avg, avg, out=buf)  # buf = avg^2
            np.subtract(v, buf, out=buf)  # buf = v - avg^2 (a variance estimate)
            buf += self.epsilon  # buf = v - avg^2 + eps
            np.maximum(buf, 0.0, out=buf)  # >= 0 also after rounding, so sqrt stays real
        else:
            np.add(v, self.epsilon, out=buf)  # buf = v + eps
        np.sqrt(buf, out=buf)  # buf = sqrt(... + eps)
        np.divide(g, buf, out=buf)  # buf = g / sqrt(... + eps)
        buf *= lr  # buf = Delta = lr g / sqrt(... + eps)
        if self.momentum:
            b = slots["momentum"]
            b *= self.momentum  # b <- mu b
            b += buf  # b <- mu b + Delta
            p -= b  # p <- p - b
        else:
            p -= buf  # p <- p - Delta


class Adagrad(Optimizer):
    """Divide by the root of the sum of all past squared gradients.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    initial_accumulator_value : float, default 0.1
        Starting value of the accumulator (Keras's default; PyTorch's is 0).
    epsilon : float, default 1e-7
        Added to the accumulator, inside the root (as Keras).
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    .. math::
        a \\leftarrow a + g^2, \\qquad p \\leftarrow p - \\eta \\, g / \\sqrt{a + \\epsilon}

    Keras 3's rule; PyTorch's ``Adagrad`` (with ``lr_decay=0``) writes
    :math:`\\sqrt a + \\epsilon`.
    """

    config_keys = ("initial_accumulator_value", "epsilon")
    slot_names = ("accumulator",)

    def __init__(self, learning_rate: LearningRate | None = None,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 **base: Any) -> None:
        super().__init__(learning_rate, **base)
        self.initial_accumulator_value = _validate.check_float(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, min=0.0
        )
        self.epsilon = _validate.check_float("Adagrad", "epsilon", epsilon, min=0.0)

    def _initial_slot_value(self, slot: str) -> float:
        return self.initial_accumulator_value

    def _update(self, p, g, slots, buf, lr, t):
        a = slots["accumulator"]
        np.multiply(g, g, out=buf)  # buf = g^2
        a += buf  # a <- a + g^2
        np.add(a, self.epsilon, out=buf)  # buf = a + eps
        np.sqrt(buf, out=buf)  # buf = sqrt(a + eps)
        np.divide(g, buf, out=buf)  # buf = g / sqrt(a + eps)
        buf *= lr  # buf = lr g / sqrt(a + eps)
        p -= buf  # p <- p - buf
