"""Optimizers that scale each coordinate by its gradient history: RMSprop, Adagrad, Adam, AdamW.

Formulas and update order follow PyTorch's ``torch.optim`` (which a test compares with over
50-step trajectories, to 1e-8 relative in float64); defaults follow Keras. Where Keras's
formula differs, the class's Notes say how. The main difference is where ``epsilon`` sits:
PyTorch, and this module, add it *outside* the square root, ``g / (sqrt(v) + eps)``; Keras's
RMSprop and Adagrad add it inside, ``g / sqrt(v + eps)``, and Keras's Adam adds it to the
*uncorrected* ``sqrt(v)``. The results differ only where ``v`` is of order ``eps`` or less.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet import _config
from glassnet.optimizers.base import LearningRate, Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
        Step size (``lr=`` is accepted as an alias).
    rho : float, default 0.9
        Decay of the running average of ``g**2``, in ``[0, 1)``. (PyTorch's ``alpha``.)
    momentum : float, default 0.0
        Momentum ``mu`` in ``[0, 1]`` on the scaled step.
    epsilon : float, default 1e-7
        Added to the root mean square (outside the root, as PyTorch).
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its RMS.
    lr, clipnorm, clipvalue, global_clipnorm, name
        See :class:`~glassnet.optimizers.SGD` and :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    .. math::
        v &\\leftarrow \\rho v + (1 - \\rho) g^2, \\qquad
        \\bar g \\leftarrow \\rho \\bar g + (1 - \\rho) g \\ \\text{(centered)} \\\\
        d &= \\sqrt{v - \\bar g^2 \\text{ (centered)}} + \\epsilon \\\\
        p &\\leftarrow p - \\eta \\, g / d \\qquad
        (\\text{momentum: } b \\leftarrow \\mu b + g / d, \\ p \\leftarrow p - \\eta b)

    This is PyTorch's ``RMSprop``. Keras puts ``epsilon`` inside the root,
    :math:`\\sqrt{v + \\epsilon}`, and its momentum buffer holds :math:`\\eta g / d`
    (the same trajectory for a constant rate).
    """

    def __init__(
        self,
        learning_rate: LearningRate | None = None,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        *,
        lr: LearningRate | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            self._pick_learning_rate("RMSprop", learning_rate, lr, default=0.001),
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
        )
        check = _config.check_number
        self.rho = check("RMSprop", "rho", rho, low=0.0, high=1.0, high_open=True)
        self.momentum = check("RMSprop", "momentum", momentum, low=0.0, high=1.0)
        self.epsilon = check("RMSprop", "epsilon", epsilon, low=0.0)
        self.centered = bool(centered)

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
            np.maximum(buf, 0.0, out=buf)  # >= 0 also after rounding, so sqrt stays real
            np.sqrt(buf, out=buf)  # buf = sqrt(v - avg^2)
        else:
            np.sqrt(v, out=buf)  # buf = sqrt(v)
        buf += self.epsilon  # buf = d = sqrt(...) + eps
        np.divide(g, buf, out=buf)  # buf = g / d
        if self.momentum:
            b = slots["momentum"]
            b *= self.momentum  # b <- mu b
            b += buf  # b <- mu b + g / d
            np.multiply(b, lr, out=buf)  # buf = lr b
        else:
            buf *= lr  # buf = lr g / d
        p -= buf  # p <- p - buf

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adagrad(Optimizer):
    """Divide by the root of the sum of all past squared gradients.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
        Step size (``lr=`` is accepted as an alias).
    initial_accumulator_value : float, default 0.1
        Starting value of the accumulator (Keras's default; PyTorch's is 0).
    epsilon : float, default 1e-7
        Added to the root (outside it, as PyTorch).
    lr, clipnorm, clipvalue, global_clipnorm, name
        See :class:`~glassnet.optimizers.SGD` and :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    .. math::
        a \\leftarrow a + g^2, \\qquad p \\leftarrow p - \\eta \\, g / (\\sqrt a + \\epsilon)

    PyTorch's ``Adagrad`` (with ``lr_decay=0``); Keras writes :math:`\\sqrt{a + \\epsilon}`.
    """

    slot_names = ("accumulator",)

    def __init__(
        self,
        learning_rate: LearningRate | None = None,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        *,
        lr: LearningRate | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            self._pick_learning_rate("Adagrad", learning_rate, lr, default=0.001),
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
        )
        self.initial_accumulator_value = _config.check_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0.0
        )
        self.epsilon = _config.check_number("Adagrad", "epsilon", epsilon, low=0.0)

    def _initial_slot_value(self, slot: str) -> float:
        return self.initial_accumulator_value

    def _update(self, p, g, slots, buf, lr, t):
        a = slots["accumulator"]
        np.multiply(g, g, out=buf)  # buf = g^2
        a += buf  # a <- a + g^2
        np.sqrt(a, out=buf)  # buf = sqrt(a)
        buf += self.epsilon  # buf = sqrt(a) + eps
        np.divide(g, buf, out=buf)  # buf = g / (sqrt(a) + eps)
        buf *= lr  # buf = lr g / (sqrt(a) + eps)
        p -= buf  # p <- p - buf

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2015), optionally AMSGrad.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
        Step size (``lr=`` is accepted as an alias).
    beta_1 : float, default 0.9
        Decay of the first-moment (mean) estimate, in ``[0, 1)``.
    beta_2 : float, default 0.999
        Decay of the second-moment (uncentered variance) estimate, in ``[0, 1)``.
    epsilon : float, default 1e-7
        Added to :math:`\\sqrt{\\hat v}` (Keras's default value; PyTorch's is 1e-8).
    amsgrad : bool, default False
        Divide by the running maximum of ``v`` (Reddi et al., 2018).
    lr, clipnorm, clipvalue, global_clipnorm, name
        See :class:`~glassnet.optimizers.SGD` and :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    At update :math:`t = 1, 2, \\ldots`:

    .. math::
        m &\\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2 \\\\
        \\hat m &= m / (1 - \\beta_1^t), \\qquad
        \\hat v = v / (1 - \\beta_2^t) \\quad
        (\\text{AMSGrad: } v_{max} \\leftarrow \\max(v_{max}, v) \\text{ in place of } v) \\\\
        p &\\leftarrow p - \\eta \\, \\hat m / (\\sqrt{\\hat v} + \\epsilon)

    This is the paper's and PyTorch's form. Keras folds the corrections into the rate,
    :math:`p \\leftarrow p - \\eta \\sqrt{1 - \\beta_2^t} / (1 - \\beta_1^t) \\cdot
    m / (\\sqrt v + \\epsilon)`, which equals the above with
    :math:`\\epsilon \\sqrt{1 - \\beta_2^t}` in place of :math:`\\epsilon`: the two differ
    in the first steps, where ``v`` is small.
    """

    def __init__(
        self,
        learning_rate: LearningRate | None = None,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        *,
        lr: LearningRate | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        owner = type(self).__name__
        super().__init__(
            self._pick_learning_rate(owner, learning_rate, lr, default=0.001),
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
        )
        check = _config.check_number
        self.beta_1 = check(owner, "beta_1", beta_1, low=0.0, high=1.0, high_open=True)
        self.beta_2 = check(owner, "beta_2", beta_2, low=0.0, high=1.0, high_open=True)
        self.epsilon = check(owner, "epsilon", epsilon, low=0.0)
        self.amsgrad = bool(amsgrad)

    @property
    def slot_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def _update(self, p, g, slots, buf, lr, t):
        b1, b2, m, v = self.beta_1, self.beta_2, slots["m"], slots["v"]
        np.subtract(g, m, out=buf)  # buf = g - m
        buf *= 1.0 - b1  # buf = (1 - b1)(g - m)
        m += buf  # m <- m + (1 - b1)(g - m) = b1 m + (1 - b1) g   (PyTorch's lerp)
        v *= b2  # v <- b2 v
        np.multiply(g, 1.0 - b2, out=buf)  # buf = (1 - b2) g
        buf *= g  # buf = (1 - b2) g^2
        v += buf  # v <- b2 v + (1 - b2) g^2
        if self.amsgrad:
            np.maximum(slots["v_max"], v, out=slots["v_max"])  # v_max <- max(v_max, v)
            v = slots["v_max"]
        # Both bias corrections are scalars: fold them into the rate and epsilon (one pass
        # fewer, same function): lr m_hat / (sqrt(v_hat) + eps) = lr_t m / (sqrt(v) + eps_t).
        c2 = math.sqrt(1.0 - b2**t)
        lr_t = lr * c2 / (1.0 - b1**t)
        np.sqrt(v, out=buf)  # buf = sqrt(v)
        buf += self.epsilon * c2  # buf = sqrt(v) + eps sqrt(1 - b2^t)
        np.divide(m, buf, out=buf)  # buf = m / (sqrt(v) + eps_t)
        buf *= lr_t  # buf = lr m_hat / (sqrt(v_hat) + eps)
        p -= buf  # p <- p - buf

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as PyTorch's ``AdamW``.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
        Step size (``lr=`` is accepted as an alias).
    weight_decay : float, default 0.004
        Decay ``lambda >= 0``, applied to the weights, not added to the gradient (Keras's
        default; PyTorch's is 0.01).
    beta_1, beta_2, epsilon, amsgrad, lr, clipnorm, clipvalue, global_clipnorm, name
        See :class:`Adam`.

    Notes
    -----
    Before the :class:`Adam` update of the same step:

    .. math:: p \\leftarrow p \\, (1 - \\eta \\lambda)

    Keras applies the same decay, ``p -= lr * wd * p``, also before the Adam step.
    """

    def __init__(
        self,
        learning_rate: LearningRate | None = None,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        *,
        lr: LearningRate | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
            amsgrad,
            lr=lr,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
        )
        self.weight_decay = _config.check_number("AdamW", "weight_decay", weight_decay, low=0.0)

    def _update(self, p, g, slots, buf, lr, t):
        if self.weight_decay:
            p *= 1.0 - lr * self.weight_decay  # p <- p (1 - lr wd), decoupled from g
        super()._update(p, g, slots, buf, lr, t)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "weight_decay": self.weight_decay}
