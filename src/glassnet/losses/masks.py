"""Masked outputs: padded time steps left out of the loss and the metrics, as Keras does it.

A model whose output carries a mask (``Embedding(mask_zero=True)`` -> ``LSTM(...,
return_sequences=True)`` -> ``Dense``: output (batch, T, units), mask (batch, T)) is scored
on its real steps only. Keras turns the mask into *sample weights*, one per position
(``keras.losses.loss.apply_mask``), and glassnet does the same, so the one weighting
mechanism serves both::

    m = mask as 0/1, shape (batch, T)
    loss, reduction "sum_over_batch_size" (the default):
        w = m * (batch * T) / sum(m)      -> loss = sum(values * sample_weight * m) / sum(m)
    loss, other reductions, and every mean metric:
        w = m                              -> the weighted sum, or sum(values w) / sum(w)

times the sample weights of shape (batch,) when some are given. The loss's value and its
gradient both come from these weights (:meth:`Loss.value_and_gradient` takes weights of
shape (batch, T)), so a padded step adds nothing to either. A model with several outputs
weighs each output by its own mask (a list of weights, one per output).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def applies(mask: np.ndarray | None, y_pred: Any) -> bool:
    """Whether ``mask`` (batch, T) weights the loss values of ``y_pred`` (batch, T, ...):
    the values (the last axis reduced) have the mask's shape."""
    return (mask is not None and isinstance(y_pred, np.ndarray)
            and y_pred.ndim == mask.ndim + 1 and y_pred.shape[:mask.ndim] == mask.shape)


def apply_mask(sample_weight: Any, mask: np.ndarray, reduction: str | None,
               dtype: Any = np.float32) -> np.ndarray:
    """Keras's ``apply_mask``: the mask merged into the sample weights.

    Parameters
    ----------
    sample_weight : array-like of shape (batch,) or (batch, T), or None
    mask : ndarray of bool, shape (batch, T)
    reduction : str or None
        The loss's reduction; the metrics use ``"sum"`` (plain 0/1 weights).
    dtype : dtype
        Of the values the weights multiply.

    Returns
    -------
    ndarray of shape (batch, T)
        ``m * total / valid`` for "sum_over_batch_size"/"mean" (so the mean over every
        position is the mean over the real ones; 0 everywhere when none is real), else ``m``;
        times ``sample_weight``.
    """
    m = np.asarray(mask, dtype=bool)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(np.count_nonzero(m))
        scale = m.size / valid if valid else 0.0
        w = np.where(m, np.asarray(scale, dtype), np.asarray(0.0, dtype))
    else:
        w = m.astype(dtype)
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=dtype)
        while sw.ndim > w.ndim and sw.shape[-1] == 1:
            sw = sw[..., 0]
        w = w * sw.reshape(sw.shape + (1,) * (w.ndim - sw.ndim))
    return w


def reduction_of(loss: Any) -> str | None:
    """The reduction of ``loss`` (of the loss inside a ``loss_weights`` wrapper)."""
    inner = getattr(loss, "inner", loss)
    return getattr(inner, "reduction", "sum_over_batch_size")


def loss_weights(loss: Any, sample_weight: Any, mask: Any, y_pred: Any) -> Any:
    """The sample weights the loss takes for an output ``y_pred`` with ``mask``: the given
    ones when there is no mask (or it does not fit the values), else :func:`apply_mask`'s.

    Several outputs (``mask`` and ``y_pred`` lists, ``loss`` a multi-output loss with
    ``losses``): a list, one entry per output.
    """
    if isinstance(mask, list):
        return [sample_weight if each is None else loss_weights(each, sample_weight, m, p)
                for each, m, p in zip(loss.losses, mask, y_pred, strict=True)]
    if not applies(mask, y_pred):
        return sample_weight
    assert mask is not None
    return apply_mask(sample_weight, mask, reduction_of(loss), y_pred.dtype)


def metric_weights(sample_weight: Any, mask: np.ndarray | None, y_pred: Any) -> Any:
    """The sample weights of the mean metrics (Keras's ``MeanMetricWrapper``): 0/1 per
    position times the given ones."""
    if not applies(mask, y_pred):
        return sample_weight
    assert mask is not None
    return apply_mask(sample_weight, mask, "sum", np.float64)


def flatten_positions(y_true: np.ndarray, y_pred: np.ndarray, sample_weight: Any
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights of shape (batch, T) -> every position a sample of its own.

    ``y_pred`` (batch, T, ...) becomes (batch * T, ...), ``y_true`` likewise (integer labels
    (batch, T) become (batch * T,)), the weights (batch * T,). A loss whose values reduce the
    last axis then gives the same weighted sum, and the same gradient, on either shape.
    """
    w = np.asarray(sample_weight)
    lead = w.shape
    if y_pred.ndim <= w.ndim or y_pred.shape[:w.ndim] != lead \
            or np.shape(y_true)[:w.ndim] != lead:
        raise ValueError(
            f"`sample_weight` of shape {lead} must have one weight per sample (batch,) or per "
            f"position {y_pred.shape[:-1]}, for predictions of shape {y_pred.shape}.")
    n = int(np.prod(lead))
    return (y_true.reshape((n,) + y_true.shape[w.ndim:]),
            y_pred.reshape((n,) + y_pred.shape[w.ndim:]), w.reshape(n))
