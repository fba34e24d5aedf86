"""Penalties: ``reg(w) -> float`` added to the loss, ``reg.gradient(w)`` to the gradients.

As in Keras: ``regularizers.l2(0.01)`` (or ``L2(0.01)``), ``l1``, ``l1_l2(l1=..., l2=...)``.

- A weight regularizer (``kernel_regularizer="l2"``) adds ``reg(W)`` to the training loss and
  ``reg.gradient(W)`` to ``dL/dW`` after the layer's backward pass (see ``Layer.penalty``).
- An activity regularizer (``activity_regularizer=l1(0.01)``) penalises a layer's output
  ``a`` of a batch of ``n`` samples: Keras adds ``reg(a) / n`` to the loss, so the backward
  pass adds ``reg.gradient(a) / n`` to ``dL/da`` (:meth:`Regularizer.activity`).
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from glassnet import _registry, _validate


class Regularizer(_registry.Configurable):
    """Base class: a penalty ``__call__(w) -> float`` and its ``gradient(w) -> ndarray``."""

    def __call__(self, w: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """What rebuilds the regularizer: ``type(r).from_config(r.get_config())``."""
        raise NotImplementedError

    def activity(self, outputs: np.ndarray) -> tuple[float, np.ndarray]:
        """Keras's activity penalty of a layer's outputs and its gradient.

        Parameters
        ----------
        outputs : ndarray of shape (batch, ...)
            The layer's output ``a`` for a batch.

        Returns
        -------
        penalty : float
            ``reg(a) / batch`` (Keras divides by the batch size).
        grad : ndarray of the shape of ``outputs``
            ``reg.gradient(a) / batch``, to add to ``dL/da`` in the backward pass.
        """
        outputs = np.asarray(outputs)
        n = outputs.shape[0] if outputs.ndim else 1
        grad = self.gradient(outputs)
        grad *= 1.0 / n
        return self(outputs) / n, grad


class L1L2(Regularizer):
    """``l1 * sum|w| + l2 * sum w^2`` (Keras's definition: no factor 1/2).

    Parameters
    ----------
    l1 : float, default 0.0
        L1 factor, ``>= 0``.
    l2 : float, default 0.0
        L2 factor, ``>= 0``.

    Notes
    -----
    .. math::
        R(w) = \\lambda_1 \\sum_i |w_i| + \\lambda_2 \\sum_i w_i^2, \\qquad
        \\frac{\\partial R}{\\partial w} = \\lambda_1 \\operatorname{sign}(w) + 2 \\lambda_2 w

    At :math:`w_i = 0` the L1 term has the subgradient 0.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        owner = type(self).__name__
        self.l1 = _validate.check_float(owner, "l1", l1, min=0.0)
        self.l2 = _validate.check_float(owner, "l2", l2, min=0.0)

    def __call__(self, w: np.ndarray) -> float:
        """The penalty ``R(w)`` for ``w`` of any shape."""
        w = np.asarray(w)
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(w).sum())  # l1 sum|w|
        if self.l2:
            penalty += self.l2 * float(np.vdot(w, w))  # l2 sum w^2
        return penalty

    def gradient(self, w: np.ndarray) -> np.ndarray:
        """``dR/dw``, a new array of ``w``'s shape and dtype."""
        w = np.asarray(w)
        grad = np.multiply(w, 2.0 * self.l2)  # 2 l2 w
        if self.l1:
            grad += self.l1 * np.sign(w)  # + l1 sign(w)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum|w|``; gradient ``l1 * sign(w)``."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum w^2``; gradient ``2 * l2 * w``."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


# Keras's lower-case spellings: ``regularizers.l2(0.01)`` is ``L2(0.01)``.
l1 = L1
l2 = L2
l1_l2 = L1L2

_REGISTRY: dict[str, type[Regularizer]] = {"l1": L1, "l2": L2, "l1_l2": L1L2}


@overload
def get(identifier: None) -> None: ...


@overload
def get(identifier: Regularizer | str | dict[str, Any]) -> Regularizer: ...


def get(identifier: Regularizer | str | dict[str, Any] | None) -> Regularizer | None:
    """Resolve a regularizer instance, name (``"l1"``, ``"l2"``, ``"l1_l2"``) or config dict.

    ``None`` (no regularization) is returned as it is. A name gives the defaults:
    ``"l1"`` is ``L1(0.01)``, ``"l2"`` is ``L2(0.01)``, and ``"l1_l2"`` is
    ``L1L2(0.01, 0.01)`` as Keras 2's ``l1_l2()`` (Keras 3 gives ``L1L2(0, 0)``, no penalty).

    Raises as :func:`glassnet._registry.resolve`: ValueError for an unknown name (listing the
    valid ones), TypeError for any other kind of identifier.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and _registry.lookup("regularizer", _REGISTRY, identifier) is L1L2:
        return L1L2(l1=0.01, l2=0.01)
    return _registry.resolve("regularizer", _REGISTRY, Regularizer, identifier)


def serialize(regularizer: Regularizer) -> dict[str, Any]:
    """``{"class_name": ..., "config": {...}}``, as Keras writes it."""
    return _registry.serialize(regularizer)


def deserialize(config: dict[str, Any]) -> Regularizer:
    """Rebuild a regularizer from :func:`serialize`'s output."""
    return _registry.deserialize("regularizer", _REGISTRY, config)
