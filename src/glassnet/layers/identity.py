"""Layers that pass their input through unchanged: Identity, and ActivityRegularization
(whose only effect is the penalty on what passes through)."""

from __future__ import annotations

from typing import Any

from glassnet import _validate, regularizers
from glassnet.layers.base import Layer


class Identity(Layer):
    """``y = x`` (Keras's ``Identity``): a placeholder that keeps a layer's slot.

    Notes
    -----
    ``dL/dx = dL/dy``.
    """

    def __init__(self, **base: Any) -> None:
        super().__init__(**base)

    def forward(self, x, training=False):
        return x

    def backward(self, grad_y):
        return grad_y


class ActivityRegularization(Identity):
    """``y = x``, with ``l1 * sum|x| + l2 * sum(x^2)`` (per sample) added to the loss.

    Parameters
    ----------
    l1 : float, default 0.0
    l2 : float, default 0.0

    Notes
    -----
    The layer is an :class:`Identity` whose ``activity_regularizer`` is ``L1L2(l1, l2)``:
    the model adds the penalty of its output (divided by the batch size, as Keras does) to
    the loss and lists it in ``model.losses``; its gradient joins ``dL/dy`` in backward.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **base: Any) -> None:
        base.pop("activity_regularizer", None)  # Keras's config leaves it out: l1, l2 say it
        for arg, value in (("l1", l1), ("l2", l2)):
            _validate.check_float("ActivityRegularization", arg, value, min=0.0)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **base)
        self.l1 = l1
        self.l2 = l2

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update(l1=self.l1, l2=self.l2)
        return config
