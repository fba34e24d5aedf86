"""The `Loss` base: Keras's reductions and call signature over per-sample values and gradients.

A loss maps ``y_true`` and ``y_pred`` of shape ``(batch, ..., d)`` to Keras's unreduced values
of shape ``(batch, ...)`` (the last axis reduced: :meth:`Loss.call`), then to one number by
its ``reduction``. The training loop asks for ``(value, dL/dy_pred)`` together
(:meth:`Loss.value_and_gradient`) and works with one value per sample (``_values``: the mean
over every axis but the batch axis), so ``sum_over_batch_size`` is the batch mean.

Fused output layers
-------------------
Softmax followed by categorical cross-entropy has the Jacobian product
``dL/dz = p * sum(y) - y``, which is ``p - y`` for labels that sum to one: no ``log(0)``, no
division by a saturated probability. Likewise sigmoid + binary cross-entropy gives ``p - y``.
A model whose last activation matches :attr:`Loss.fused_activation` asks the loss for
:meth:`Loss.value_and_logit_gradient` and starts the backward pass *before* that activation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _registry, _validate

EPSILON = 1e-7  # Keras's epsilon: clip for probabilities, floor for divisors.

#: Keras's reductions. "mean" is "sum_over_batch_size"; None is "none".
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
#: The reductions whose value and gradient are rescaled from the batch mean.
_RESCALED = frozenset({"sum", "mean_with_sample_weight"})


def per_sample_mean(values: np.ndarray) -> np.ndarray:
    """Mean over every axis but the first: (batch, ...) -> (batch,)."""
    return values.reshape(values.shape[0], -1).mean(axis=1)


def positions(y_pred: np.ndarray) -> int:
    """Class distributions per sample: ``T`` for ``(batch, T, classes)``, 1 for ``(batch, C)``."""
    return y_pred[0].size // y_pred.shape[-1] if y_pred.ndim > 1 else 1


def format_shape(shape: Any) -> str:
    """Format a shape as Keras prints it: ``(None, 10)``, ``(32,)``."""
    dims = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


class Loss(_registry.Configurable):
    """Base class of every loss.

    Parameters
    ----------
    reduction : {"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None}
        How :meth:`__call__` reduces the values of shape ``(batch, ...)``: their mean (the
        default; with ``sample_weight``, the weighted sum divided by their count), their sum,
        the weighted sum divided by the sum of the weights, or not at all.
    name : str, optional
        Defaults to the snake-case loss name (``"mean_squared_error"``).
    dtype : str, optional
        Kept for Keras's signature: values are computed in the predictions' float dtype.

    Notes
    -----
    A subclass defines ``call(y_true, y_pred)`` (Keras's unreduced values), ``_values``
    (one value per sample, shape ``(batch,)``) and ``_grads`` (``d values / d y_pred``
    per sample). Targets reach them already shaped like ``y_pred`` (:meth:`prepare_targets`)
    and, except integer class labels, of ``y_pred``'s float dtype.
    """

    name = "loss"
    #: Name of the output activation whose Jacobian this loss cancels (see module notes).
    fused_activation: str | None = None
    #: True when targets are integer class labels (kept integer; never cast to float).
    integer_labels = False
    from_logits = False

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None) -> None:
        self.dtype = dtype
        self.reduction = _validate.check_choice(type(self).__name__, "reduction", reduction, REDUCTIONS)
        if name is not None:
            if not isinstance(name, str) or not name:
                raise ValueError(f"`name` of {type(self).__name__} must be a non-empty string, got {name!r}.")
            self.name = name

    # -- subclass hooks: y_true already shaped like y_pred -----------------------------------
    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Keras's unreduced values, shape ``y_pred.shape[:-1]`` (``(batch,)`` for 2-D)."""
        raise NotImplementedError

    def _values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """One value per sample, shape (batch,): the mean of :meth:`call` over its other axes."""
        values = self.call(y_true, y_pred)
        return values if values.ndim == 1 else per_sample_mean(values)

    def _grads(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``d _values[i] / d y_pred[i]`` for every sample, shape of ``y_pred``."""
        raise NotImplementedError

    def _logit_grads(self, y_true: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _fused_values(self, y_true: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """Per-sample loss of probabilities straight from the fused activation."""
        return self._values(y_true, probs)

    def _value_and_logit_gradient(self, y_true, probs, sample_weight):
        return (
            _reduce(self._fused_values(y_true, probs), sample_weight),
            _scale(self._logit_grads(y_true, probs), sample_weight),
        )

    # -- targets -----------------------------------------------------------------------------
    def prepare_targets(self, y_true: Any, y_pred_shape: tuple[int | None, ...]) -> np.ndarray:
        """Check that ``y_true`` fits predictions of ``y_pred_shape``; return it reshaped.

        ``(batch,)`` targets for a ``(batch, 1)`` output are accepted, as Keras does. Integer
        and boolean targets come back as float64 (the model casts them to its own dtype).
        """
        y_true = np.asarray(y_true)
        if y_true.dtype.kind in "biu":
            y_true = y_true.astype(np.float64)
        if y_true.shape == tuple(y_pred_shape):
            return y_true
        if y_true.ndim == len(y_pred_shape) - 1 and y_pred_shape[-1] == 1:
            if y_true.shape == tuple(y_pred_shape[:-1]):
                return y_true[..., None]
        raise ValueError(
            f"Loss '{self.name}' needs targets shaped like the model's output "
            f"{format_shape(y_pred_shape)}, got `y` of shape {format_shape(y_true.shape)}."
            + self._shape_hint(y_true, y_pred_shape)
        )

    def _shape_hint(self, y_true: np.ndarray, y_pred_shape: tuple[int | None, ...]) -> str:
        return ""

    def _like_pred(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Float targets in the predictions' dtype, so gradients keep that dtype."""
        if self.integer_labels or y_true.dtype == y_pred.dtype:
            return y_true
        return y_true.astype(y_pred.dtype)

    # -- public ------------------------------------------------------------------------------
    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The reduced loss (a float), or the values of shape ``(batch, ...)`` for "none".

        Parameters
        ----------
        y_true : array-like of shape (batch, ..., d), or integer labels (batch, ...)
        y_pred : array-like of shape (batch, ..., d)
        sample_weight : array-like of shape (batch,) or broadcastable to the values, optional
        """
        return reduce_values(unreduced(self, y_true, y_pred), sample_weight, self.reduction)

    def gradient(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> np.ndarray:
        """``dL/dy_pred`` of the reduced loss, shape of ``y_pred``."""
        y_pred = _checked_pred(self, y_true, y_pred)
        y_true = self.prepare_targets(y_true, y_pred.shape)
        return self.value_and_gradient(y_true, y_pred, sample_weight)[1]

    def value_and_gradient(self, y_true: np.ndarray, y_pred: np.ndarray,
                           sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """``(loss, dL/dy_pred)`` in one call (targets prepared by :meth:`prepare_targets`).

        ``sample_weight`` is one weight per sample (batch,) or, for sequence outputs
        (batch, T, d), one per position (batch, T): a masked output's weights
        (:mod:`glassnet.losses.masks`).
        """
        if sample_weight is not None and np.ndim(sample_weight) > 1:
            return self._per_position(self.value_and_gradient, y_true, y_pred, sample_weight)
        y_true = self._like_pred(y_true, y_pred)
        value = _reduce(self._values(y_true, y_pred), sample_weight)
        grad = _scale(self._grads(y_true, y_pred), sample_weight)
        return self._rescaled(value, grad, y_pred, sample_weight)

    def value_and_logit_gradient(self, y_true: np.ndarray, probs: np.ndarray,
                                 sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """``(loss, dL/dz)`` where ``probs = fused_activation(z)`` (see module notes)."""
        if sample_weight is not None and np.ndim(sample_weight) > 1:
            return self._per_position(self.value_and_logit_gradient, y_true, probs,
                                      sample_weight)
        if not self.integer_labels and y_true.dtype != probs.dtype:  # _like_pred, inline
            y_true = y_true.astype(probs.dtype)
        value, grad = self._value_and_logit_gradient(y_true, probs, sample_weight)
        if self.reduction in _RESCALED:
            return self._rescaled(value, grad, probs, sample_weight)
        return value, grad

    @staticmethod
    def _per_position(step: Any, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: Any) -> tuple[float, np.ndarray]:
        """``step`` with every position a sample (the weighted sum over positions is the same
        number, see :func:`~glassnet.losses.masks.flatten_positions`); the gradient in
        ``y_pred``'s shape."""
        from glassnet.losses.masks import flatten_positions

        yt, yp, w = flatten_positions(y_true, y_pred, sample_weight)
        value, grad = step(yt, yp, w)
        return value, grad.reshape(y_pred.shape)

    def _rescaled(self, value: float, grad: np.ndarray, y_pred: np.ndarray,
                  sample_weight: np.ndarray | None) -> tuple[float, np.ndarray]:
        """From the batch mean (computed above) to this loss's reduction.

        Keras's sum runs over the ``batch * T`` unreduced values (``T`` positions per
        sample); "mean_with_sample_weight" divides by the sum of the weights instead of
        the batch size. "none" trains on the mean, as "sum_over_batch_size".
        """
        if self.reduction == "sum":
            factor = float(len(y_pred) * positions(y_pred))
        elif self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            factor = len(y_pred) / float(np.sum(sample_weight))
        else:
            return value, grad
        grad *= factor
        return value * factor, grad

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


def unreduced(loss: Loss, y_true: Any, y_pred: Any) -> np.ndarray:
    """``loss.call`` on checked arrays: Keras's unreduced values, shape ``y_pred.shape[:-1]``.

    Non-float predictions become float32 (Keras's floatx); float targets take the
    predictions' dtype.
    """
    y_pred = _checked_pred(loss, y_true, y_pred)
    y_true = loss._like_pred(loss.prepare_targets(y_true, y_pred.shape), y_pred)
    return loss.call(y_true, y_pred)


def _checked_pred(loss: Loss, y_true: Any, y_pred: Any) -> np.ndarray:
    """``y_pred`` as a float array with at least one sample; both arrays real numbers."""
    y_pred = np.asarray(y_pred)
    for name, arr in (("y_true", np.asarray(y_true)), ("y_pred", y_pred)):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` of loss '{loss.name}' must hold real numbers, got an "
                            f"array of dtype {arr.dtype}.")
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(f"`{name}` of loss '{loss.name}' must hold at least one sample, "
                             f"got shape {arr.shape}.")
    return y_pred if y_pred.dtype.kind == "f" else y_pred.astype(np.float32)


def _reduce(values: np.ndarray, sample_weight) -> float:
    """Batch mean of per-sample values (weighted: the weighted sum over the batch size)."""
    if sample_weight is None:
        return float(np.add.reduce(values, axis=None)) / values.shape[0]
    return float(np.dot(values, sample_weight) / values.shape[0])


def _scale(grads: np.ndarray, sample_weight) -> np.ndarray:
    """Per-sample gradients -> gradient of the (weighted) batch mean, in place."""
    n = grads.shape[0]
    if sample_weight is None:
        grads *= 1.0 / n
        return grads
    w = np.asarray(sample_weight, dtype=grads.dtype).reshape((n,) + (1,) * (grads.ndim - 1))
    grads *= w / n
    return grads


def reduce_values(values: np.ndarray, sample_weight: Any = None,
                  reduction: str | None = "sum_over_batch_size") -> Any:
    """Keras's ``reduce_weighted_values``: weight, then reduce the unreduced values.

    Parameters
    ----------
    values : ndarray of shape (batch, ...)
    sample_weight : array-like, optional
        Shape ``(batch,)`` (expanded to the values' rank) or the values' shape.
    reduction : str or None
        See :class:`Loss`.

    Returns
    -------
    float, or the weighted values (an ndarray) for "none"/None.
    """
    values = np.asarray(values)
    if sample_weight is not None:
        values = values * _weights_for(values, sample_weight)
    if reduction is None or reduction == "none" or values.ndim == 0 or values.size == 0:
        return values
    total = float(np.sum(values, dtype=np.float64))
    divisor = _divisor(values, sample_weight, reduction)
    return total / divisor if divisor else 0.0


def _weights_for(values: np.ndarray, sample_weight: Any) -> np.ndarray:
    """``sample_weight`` in the values' dtype, its trailing axes added so that it broadcasts
    against the values (Keras's ``squeeze_or_expand_to_same_rank``)."""
    w = np.asarray(sample_weight, dtype=values.dtype)
    while w.ndim > values.ndim and w.shape[-1] == 1:
        w = w[..., 0]
    w = w.reshape(w.shape + (1,) * (values.ndim - w.ndim))
    try:
        np.broadcast_shapes(w.shape, values.shape)
    except ValueError:
        raise ValueError(
            f"`sample_weight` of shape {np.shape(sample_weight)} does not match the "
            f"{values.shape[0] if values.ndim else 0} samples (loss values of shape "
            f"{values.shape}); pass one weight per sample."
        ) from None
    return w


def _divisor(weighted: np.ndarray, sample_weight: Any, reduction: str | None) -> float:
    """What the reduction divides the weighted sum by: 1, the sum of the weights, or the
    number of weighted values."""
    if reduction == "sum":
        return 1.0
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return float(np.sum(sample_weight))
    return float(weighted.size)


def reduce_values_and_gradient(values: np.ndarray, sample_weight: Any = None,
                               reduction: str | None = "sum_over_batch_size"
                               ) -> tuple[float, np.ndarray]:
    """:func:`reduce_values` and its gradient with respect to ``values``.

    For the losses whose values are not one per sample (:class:`~glassnet.losses.Dice` over
    the whole batch). ``"none"`` trains on the mean, as for every loss.

    Parameters
    ----------
    values : ndarray of any shape
        The unreduced values (a 0-d array for a loss over the whole batch).
    sample_weight : array-like, optional
        As for :func:`reduce_values`; a 0-d ``values`` times weights of shape (batch,) gives
        (batch,) weighted values, as in Keras.
    reduction : str or None
        See :class:`Loss`.

    Returns
    -------
    value : float
        ``sum(values * w) / divisor``.
    gradient : ndarray of the shape of ``values``
        ``w / divisor``, summed over the axes the weights added.
    """
    values = np.asarray(values)
    if reduction not in ("sum", "mean_with_sample_weight"):
        reduction = "sum_over_batch_size"
    w = None if sample_weight is None else _weights_for(values, sample_weight)
    weighted = values if w is None else values * w
    divisor = _divisor(weighted, sample_weight, reduction)
    scale = 1.0 / divisor if divisor else 0.0
    value = float(np.sum(weighted, dtype=np.float64)) * scale
    grad = np.full(weighted.shape, scale, dtype=values.dtype)
    if w is not None:
        grad = grad * w
    extra = grad.ndim - values.ndim  # axes the weights added (a 0-d loss, one weight a sample)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    wide = tuple(i for i, n in enumerate(values.shape) if n == 1 and grad.shape[i] != 1)
    return value, (grad.sum(axis=wide, keepdims=True) if wide else grad).astype(values.dtype)


class NoLoss(Loss):
    """The compiled loss of a model compiled without one, ``compile(optimizer="adam")``: zero,
    with a zero gradient, so only what its layers add (``add_loss``, regularizers) trains it,
    as in Keras. ``fit``/``evaluate`` then need no ``y``.
    """

    def __init__(self) -> None:
        super().__init__(name="loss")

    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.zeros(len(y_pred))

    def prepare_targets(self, y_true: Any, y_pred_shape: tuple[int | None, ...]) -> np.ndarray:
        return np.asarray(y_true)  # never read

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        return 0.0

    def value_and_gradient(self, y_true: np.ndarray, y_pred: np.ndarray,
                           sample_weight: Any = None) -> tuple[float, np.ndarray]:
        return 0.0, np.zeros_like(y_pred)

    def value_and_logit_gradient(self, y_true: np.ndarray, probs: np.ndarray,
                                 sample_weight: Any = None) -> tuple[float, np.ndarray]:
        return 0.0, np.zeros_like(probs)
