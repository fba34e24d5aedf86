"""Weight constraints (Keras's ``keras.constraints``): a projection applied to a weight after
each optimizer update.

``Dense(64, kernel_constraint=MaxNorm(3))`` keeps each column of the kernel (the weights into
one unit, ``axis=0``) at norm <= 3: after every training step, the model replaces the kernel
``w`` by ``constraint(w)``. A model without constraints does no extra work.

Each constraint is a function of the weight array with ``get_config`` (as Keras's)::

    MaxNorm(m):        w * clip(n, 0, m) / (eps + n)            n = ||w|| along axis
    MinMaxNorm(a, b):  w * (rate clip(n, a, b) + (1 - rate) n) / (eps + n)
    UnitNorm():        w / (eps + n)
    NonNeg():          max(w, 0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _registry, config

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "serialize"]


class Constraint(_registry.Configurable):
    """Base class: ``__call__(w)`` returns the projected weight (the identity here)."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        return w


def _norms(w: np.ndarray, axis: Any) -> np.ndarray:
    axis = tuple(axis) if isinstance(axis, list) else axis
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Scale the weights into each unit (the slices along ``axis``) down to norm <= ``max_value``.

    Parameters
    ----------
    max_value : float, default 2
    axis : int or list of int, default 0
        ``0`` for Dense's kernel (in, units); ``[0, 1, 2]`` for Conv2D's (h, w, in, out).
    """

    def __init__(self, max_value: float = 2, axis: int | list[int] = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = np.asarray(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (config.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """``max(w, 0)``: the weights stay non-negative."""

    def __call__(self, w):
        return np.maximum(w, 0)


class UnitNorm(Constraint):
    """Scale the weights into each unit to norm 1 (``axis`` as :class:`MaxNorm`'s)."""

    def __init__(self, axis: int | list[int] = 0) -> None:
        self.axis = axis

    def __call__(self, w):
        w = np.asarray(w)
        return (w / (config.epsilon() + _norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move the norm of the weights into each unit toward ``[min_value, max_value]``.

    Parameters
    ----------
    min_value, max_value : float, default 0.0, 1.0
    rate : float, default 1.0
        1.0 enforces the interval at once; smaller values move the norm part of the way.
    axis : int or list of int, default 0
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int | list[int] = 0) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = np.asarray(w)
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) \
            + (1 - self.rate) * norms
        return (w * (desired / (config.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras's lower-case spellings
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_REGISTRY: dict[str, type[Constraint]] = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
                                          "non_neg": NonNeg, "unit_norm": UnitNorm}


def get(identifier: Any) -> Any:
    """A constraint from an instance, a name (``"non_neg"``, ``"MaxNorm"``), a class, a config
    dict, or any callable ``w -> w`` (kept as it is); None stays None."""
    if identifier is None:
        return None
    return _registry.resolve("constraint", _REGISTRY, Constraint, identifier,
                             allow_callable=True)


def serialize(constraint: Constraint) -> dict[str, Any]:
    """``{"class_name": ..., "config": {...}}``, as Keras writes it."""
    return _registry.serialize(constraint)


def deserialize(config: dict[str, Any]) -> Constraint:
    """Rebuild a constraint from :func:`serialize`'s output."""
    return _registry.deserialize("constraint", _REGISTRY, config)
