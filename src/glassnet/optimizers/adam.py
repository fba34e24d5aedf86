"""The Adam family: Adam (and AMSGrad), AdamW, Adamax and Nadam, with Keras 3's formulas.

All keep a first moment ``m`` (mean of the gradients) and a second one (``v``, or Adamax's
infinity norm ``u``), corrected for their zero start. Where ``epsilon`` sits follows Keras:
Adam adds it to the *uncorrected* ``sqrt(v)`` after folding both corrections into the rate;
PyTorch adds it to ``sqrt(v_hat)``. The two differ only in the first steps where ``v`` is
small; the PyTorch reference tests compare with a negligible ``epsilon``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.optimizers.base import LearningRate, Optimizer


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2015), optionally AMSGrad.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    beta_1 : float, default 0.9
        Decay of the first-moment (mean) estimate, in ``[0, 1)``.
    beta_2 : float, default 0.999
        Decay of the second-moment (uncentered variance) estimate, in ``[0, 1)``.
    epsilon : float, default 1e-7
        Added to :math:`\\sqrt{v}` (Keras's value and place; PyTorch's default is 1e-8).
    amsgrad : bool, default False
        Divide by the running maximum of ``v`` (Reddi et al., 2018).
    **base
        ``lr``, ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``:
        see :class:`~glassnet.optimizers.Optimizer`.

    Notes
    -----
    At update :math:`t = 1, 2, \\ldots` (Keras 3's ``Adam.update_step``):

    .. math::
        m &\\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2
        \\quad (\\text{AMSGrad: } v_{max} \\leftarrow \\max(v_{max}, v) \\text{ in place of } v) \\\\
        \\alpha_t &= \\eta \\sqrt{1 - \\beta_2^t} / (1 - \\beta_1^t), \\qquad
        p \\leftarrow p - \\alpha_t \\, m / (\\sqrt v + \\epsilon)

    The paper's (and PyTorch's) form :math:`\\eta \\hat m / (\\sqrt{\\hat v} + \\epsilon)` is the
    same with :math:`\\epsilon \\sqrt{1 - \\beta_2^t}` in place of :math:`\\epsilon`.
    """

    config_keys: tuple[str, ...] = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 **base: Any) -> None:
        super().__init__(learning_rate, **base)
        owner = type(self).__name__
        self.beta_1 = _validate.check_float(owner, "beta_1", beta_1, min=0.0, max=1.0, max_open=True)
        self.beta_2 = _validate.check_float(owner, "beta_2", beta_2, min=0.0, max=1.0, max_open=True)
        self.epsilon = _validate.check_float(owner, "epsilon", epsilon, min=0.0)
        self.amsgrad = _validate.check_bool(type(self).__name__, "amsgrad", amsgrad)

    @property
    def slot_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def _moments(self, g, slots, buf) -> None:
        """``m <- b1 m + (1 - b1) g`` and ``v <- b2 v + (1 - b2) g^2``, in place."""
        b1, b2, m, v = self.beta_1, self.beta_2, slots["m"], slots["v"]
        np.subtract(g, m, out=buf)  # buf = g - m
        buf *= 1.0 - b1  # buf = (1 - b1)(g - m)
        m += buf  # m <- m + (1 - b1)(g - m) = b1 m + (1 - b1) g
        v *= b2  # v <- b2 v
        np.multiply(g, 1.0 - b2, out=buf)  # buf = (1 - b2) g
        buf *= g  # buf = (1 - b2) g^2
        v += buf  # v <- b2 v + (1 - b2) g^2

    def _update(self, p, g, slots, buf, lr, t):
        self._moments(g, slots, buf)
        v = slots["v"]
        if self.amsgrad:
            np.maximum(slots["v_max"], v, out=slots["v_max"])  # v_max <- max(v_max, v)
            v = slots["v_max"]
        alpha = lr * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        np.sqrt(v, out=buf)  # buf = sqrt(v)
        buf += self.epsilon  # buf = sqrt(v) + eps
        np.divide(slots["m"], buf, out=buf)  # buf = m / (sqrt(v) + eps)
        buf *= alpha  # buf = alpha_t m / (sqrt(v) + eps)
        p -= buf  # p <- p - buf


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    weight_decay : float, default 0.004
        Decay ``lambda >= 0``, applied to the weights, not added to the gradient (Keras's
        default; PyTorch's is 0.01).
    beta_1, beta_2, epsilon, amsgrad, **base
        See :class:`Adam`.

    Notes
    -----
    Before the :class:`Adam` update of the same step (in the base class, as Keras does for
    every optimizer given a ``weight_decay``):

    .. math:: p \\leftarrow p - \\eta \\lambda p
    """

    def __init__(self, learning_rate: LearningRate | None = None, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **base: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad,
                         weight_decay=weight_decay, **base)


class Adamax(Adam):
    """Adam with the infinity norm in place of the second moment (Kingma & Ba, section 7).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    beta_2 : float, default 0.999
        Decay of the running maximum ``u`` of ``|g|``.
    beta_1, epsilon, **base
        As for :class:`Adam`.

    Notes
    -----
    .. math::
        m \\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad
        u \\leftarrow \\max(\\beta_2 u, |g|), \\qquad
        p \\leftarrow p - \\frac{\\eta \\, m}{(1 - \\beta_1^t)(u + \\epsilon)}
    """

    config_keys = ("beta_1", "beta_2", "epsilon")
    slot_names = ("m", "u")  # type: ignore[assignment]

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **base: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **base)

    def _update(self, p, g, slots, buf, lr, t):
        m, u = slots["m"], slots["u"]
        np.subtract(g, m, out=buf)  # buf = g - m
        buf *= 1.0 - self.beta_1
        m += buf  # m <- b1 m + (1 - b1) g
        u *= self.beta_2  # u <- b2 u
        np.abs(g, out=buf)  # buf = |g|
        np.maximum(u, buf, out=u)  # u <- max(b2 u, |g|)
        np.add(u, self.epsilon, out=buf)  # buf = u + eps
        np.divide(m, buf, out=buf)  # buf = m / (u + eps)
        buf *= lr / (1.0 - self.beta_1**t)
        p -= buf


class Nadam(Adam):
    """Adam with Nesterov momentum (Dozat, 2016), Keras's schedule of ``beta_1``.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    beta_1, beta_2, epsilon, **base
        As for :class:`Adam`.

    Notes
    -----
    With :math:`\\mu_t = \\beta_1 (1 - 0.5 \\cdot 0.96^t)` and
    :math:`\\Pi_t = \\prod_{s \\le t} \\mu_s`:

    .. math::
        \\hat m = \\frac{\\mu_{t+1} m}{1 - \\Pi_t \\mu_{t+1}} + \\frac{(1 - \\mu_t) g}{1 - \\Pi_t},
        \\qquad \\hat v = \\frac{v}{1 - \\beta_2^t}, \\qquad
        p \\leftarrow p - \\eta \\hat m / (\\sqrt{\\hat v} + \\epsilon)
    """

    config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **base: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **base)
        self._product = (0, 1.0)  # (t, Pi_t), extended one step at a time

    def _mu(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def _u_product(self, t: int) -> float:
        done, value = self._product
        if done > t:  # restarted (set_state): recompute from the first step
            done, value = 0, 1.0
        for s in range(done + 1, t + 1):
            value *= self._mu(s)
        self._product = (t, value)
        return value

    def _update(self, p, g, slots, buf, lr, t):
        self._moments(g, slots, buf)
        mu_t, mu_next, prod_t = self._mu(t), self._mu(t + 1), self._u_product(t)
        np.multiply(slots["v"], 1.0 / (1.0 - self.beta_2**t), out=buf)  # buf = v_hat
        np.sqrt(buf, out=buf)
        buf += self.epsilon  # buf = sqrt(v_hat) + eps
        step = slots["m"] * (lr * mu_next / (1.0 - prod_t * mu_next))  # lr mu_{t+1} m / (1 - Pi_{t+1})
        step += g * (lr * (1.0 - mu_t) / (1.0 - prod_t))  # + lr (1 - mu_t) g / (1 - Pi_t)
        step /= buf
        p -= step
