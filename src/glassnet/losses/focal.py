"""Focal cross-entropies (Lin et al., 2018): cross-entropy times a factor that fades the easy
examples, ``(1 - p_t)^gamma``, with Keras's clipping and label smoothing.

Both keep the values of Keras 3 exactly: probabilities are clipped to ``[1e-7, 1 - 1e-7]``
inside the logarithm only, so the gradient of a clipped entry's log term is 0, as automatic
differentiation of Keras's formula gives it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.activations import SIGMOID
from glassnet.losses.base import EPSILON, per_sample_mean, positions, unreduced
from glassnet.losses.crossentropy import (
    _CrossEntropy,
    _log_softmax,
    smooth_binary,
    smooth_categorical,
)


def _power_grad(base: np.ndarray, gamma: float) -> np.ndarray:
    """``d base^gamma / d base = gamma base^(gamma - 1)``, 0 for ``gamma = 0`` and, for
    ``gamma < 1``, 0 where ``base = 0`` (the one-sided limit there is infinite)."""
    if gamma == 0.0:
        return np.zeros_like(base)
    if gamma >= 1.0:
        return gamma * np.power(base, gamma - 1.0)
    out = np.zeros_like(base)
    np.power(base, gamma - 1.0, out=out, where=base > 0)
    return gamma * out


class BinaryFocalCrossentropy(_CrossEntropy):
    """Binary cross-entropy times the focal factor ``(1 - p_t)^gamma``, averaged over the
    last axis.

    Parameters
    ----------
    apply_class_balancing : bool, default False
        Weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
    alpha : float, default 0.25
        The weight of class 1 when balancing, in ``[0, 1]``.
    gamma : float, default 2.0
        The focusing exponent, ``>= 0``; 0 gives the binary cross-entropy.
    from_logits : bool, default False
        ``y_pred`` are logits ``z`` and ``p = sigmoid(z)``.
    label_smoothing : float, default 0.0
        Targets become ``y (1 - s) + s / 2``.
    axis : int, default -1
        The axis averaged over (the last one; others are not supported).
    reduction : str or None, default "sum_over_batch_size"
        See :class:`~glassnet.losses.Loss`.
    name : str, default "binary_focal_crossentropy"
    dtype : str, optional
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    Per entry, with ``c = clip(p, 1e-7, 1 - 1e-7)``:

    .. math::
        b &= -(y \\log c + (1 - y) \\log(1 - c)), \\qquad
        1 - p_t = y (1 - p) + (1 - y) p, \\\\
        e &= w \\, (1 - p_t)^\\gamma \\, b, \\qquad w = \\alpha y + (1 - \\alpha)(1 - y)
        \\ \\text{(balancing; else 1)}.

    Gradient, with ``f = (1 - p_t)^gamma`` and ``[c = p]`` the entries the clip leaves alone:

    .. math::
        \\frac{\\partial e}{\\partial p} = w \\left(\\gamma (1 - p_t)^{\\gamma - 1}
        (1 - 2y) \\, b + f \\, \\frac{p - y}{p (1 - p)} [c = p]\\right);

    with logits the chain rule's ``p (1 - p)`` cancels the division:
    ``de/dz = w (gamma (1 - p_t)^(gamma - 1) (1 - 2y) b p (1 - p) + f (p - y) [c = p])``.
    """

    name = "binary_focal_crossentropy"

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "binary_focal_crossentropy", dtype: Any = None) -> None:
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
                         reduction=reduction, name=name, dtype=dtype)
        owner = type(self).__name__
        self.axis = axis
        self.apply_class_balancing = _validate.check_bool(owner, "apply_class_balancing",
                                                          apply_class_balancing)
        self.alpha = _validate.check_float(owner, "alpha", alpha, min=0.0, max=1.0)
        self.gamma = _validate.check_float(owner, "gamma", gamma, min=0.0)

    def _smooth(self, y_true: np.ndarray) -> np.ndarray:
        return smooth_binary(y_true, self.label_smoothing)

    def _parts(self, y_true: np.ndarray, y_pred: np.ndarray):
        """``(y, p, w, 1 - p_t, b)`` of the notes, every one of ``y_pred``'s shape."""
        y = self._smooth(y_true)
        p = SIGMOID.forward(y_pred) if self.from_logits else y_pred
        c = np.clip(p, EPSILON, 1.0 - EPSILON)
        bce = -(y * np.log(c) + (1.0 - y) * np.log(1.0 - c))
        base = y * (1.0 - p) + (1.0 - y) * p
        w = self.alpha * y + (1.0 - self.alpha) * (1.0 - y) if self.apply_class_balancing \
            else np.ones_like(p)
        return y, p, w, base, bce

    def _terms(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        _, _, w, base, bce = self._parts(y_true, y_pred)
        return w * np.power(base, self.gamma) * bce

    def call(self, y_true, y_pred):
        return self._terms(y_true, y_pred).mean(axis=-1)

    def _values(self, y_true, y_pred):
        return per_sample_mean(self._terms(y_true, y_pred))

    def _grads(self, y_true, y_pred):
        y, p, w, base, bce = self._parts(y_true, y_pred)
        inside = (p >= EPSILON) & (p <= 1.0 - EPSILON)
        focal_grad = _power_grad(base, self.gamma) * (1.0 - 2.0 * y) * bce  # d f / dp * b
        factor = np.power(base, self.gamma)
        if self.from_logits:
            g = focal_grad * (p * (1.0 - p)) + np.where(inside, factor * (p - y), 0.0)
        else:
            safe = np.where(inside, p, 0.5)
            g = focal_grad + np.where(inside, factor * (p - y) / (safe * (1.0 - safe)), 0.0)
        return (w * g * (1.0 / y_pred[0].size)).astype(y_pred.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis,
                "apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma}


class CategoricalFocalCrossentropy(_CrossEntropy):
    """Categorical cross-entropy with each class's term times ``alpha (1 - p_k)^gamma``.

    Parameters
    ----------
    alpha : float or list of float, default 0.25
        The weight of every class, or one weight per class.
    gamma : float, default 2.0
        The focusing exponent, ``>= 0``; 0 with ``alpha=1`` gives the categorical
        cross-entropy.
    from_logits : bool, default False
        ``y_pred`` are logits and ``p = softmax(y_pred)``.
    label_smoothing : float, default 0.0
        Targets become ``y (1 - s) + s / classes``.
    axis : int, default -1
        The class axis (the last one; others are not supported).
    reduction : str or None, default "sum_over_batch_size"
        See :class:`~glassnet.losses.Loss`.
    name : str, default "categorical_focal_crossentropy"
    dtype : str, optional
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    With ``o = p / sum(p)`` and ``c = clip(o, 1e-7, 1 - 1e-7)`` (Keras's renormalisation
    and clip), per row:

    .. math::
        L = -\\sum_k \\alpha_k (1 - c_k)^\\gamma \\, y_k \\log c_k .

    Gradient: with ``a_k = dL/dc_k = alpha_k y_k (gamma (1 - c_k)^(gamma - 1) log c_k -
    (1 - c_k)^gamma / c_k)`` where the clip leaves ``o_k`` alone (else 0),

    .. math::
        \\frac{\\partial L}{\\partial x_j} = \\frac{a_j - \\sum_k a_k o_k}{\\sum_k x_k}

    for ``x = y_pred``; with logits ``x = softmax(z)`` and
    ``dL/dz_j = x_j (G_j - sum_k G_k x_k)`` for ``G = dL/dx``.
    """

    name = "categorical_focal_crossentropy"

    def __init__(self, alpha: float | list[float] = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "categorical_focal_crossentropy", dtype: Any = None) -> None:
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
                         reduction=reduction, name=name, dtype=dtype)
        owner = type(self).__name__
        self.axis = axis
        if np.ndim(alpha) == 0:
            self.alpha: float | list[float] = _validate.check_float(owner, "alpha", alpha)
        else:
            self.alpha = [_validate.check_float(owner, "alpha", a) for a in np.ravel(alpha)]
        self.gamma = _validate.check_float(owner, "gamma", gamma, min=0.0)

    def _smooth(self, y_true: np.ndarray) -> np.ndarray:
        return smooth_categorical(y_true, self.label_smoothing)

    def _alpha(self, y_pred: np.ndarray) -> Any:
        if isinstance(self.alpha, float):
            return self.alpha
        if len(self.alpha) != y_pred.shape[-1]:
            raise ValueError(
                f"`alpha` of {type(self).__name__} must hold one weight per class "
                f"({y_pred.shape[-1]}), got {len(self.alpha)}.")
        return np.asarray(self.alpha, dtype=y_pred.dtype)

    def _probs(self, y_pred: np.ndarray) -> np.ndarray:
        return np.exp(_log_softmax(y_pred)) if self.from_logits else y_pred

    def call(self, y_true, y_pred):
        y = self._smooth(y_true)
        x = self._probs(y_pred)
        c = np.clip(x / x.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
        return np.sum(self._alpha(y_pred) * np.power(1.0 - c, self.gamma) * (-y * np.log(c)),
                      axis=-1)

    def _grads(self, y_true, y_pred):
        y = self._smooth(y_true)
        x = self._probs(y_pred)
        s = x.sum(axis=-1, keepdims=True)
        o = x / s
        inside = (o >= EPSILON) & (o <= 1.0 - EPSILON)
        c = np.clip(o, EPSILON, 1.0 - EPSILON)
        a = self._alpha(y_pred) * y * (_power_grad(1.0 - c, self.gamma) * np.log(c)
                                       - np.power(1.0 - c, self.gamma) / c)
        a = np.where(inside, a, 0.0)
        g = (a - np.sum(a * o, axis=-1, keepdims=True)) / s  # dL/dx
        if self.from_logits:
            g = x * (g - np.sum(g * x, axis=-1, keepdims=True))
        return (g * (1.0 / positions(y_pred))).astype(y_pred.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "alpha": self.alpha,
                "gamma": self.gamma}


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> np.ndarray:
    """Binary focal cross-entropy averaged over the last axis, shape ``y_pred.shape[:-1]``
    (see :class:`BinaryFocalCrossentropy`)."""
    loss = BinaryFocalCrossentropy(apply_class_balancing, alpha, gamma, from_logits,
                                   label_smoothing, axis)
    return unreduced(loss, y_true, y_pred)


def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: float | list[float] = 0.25,
                                   gamma: float = 2.0, from_logits: bool = False,
                                   label_smoothing: float = 0.0, axis: int = -1) -> np.ndarray:
    """Categorical focal cross-entropy of one-hot (or soft) targets, shape
    ``y_pred.shape[:-1]`` (see :class:`CategoricalFocalCrossentropy`)."""
    loss = CategoricalFocalCrossentropy(alpha, gamma, from_logits, label_smoothing, axis)
    return unreduced(loss, y_true, y_pred)
