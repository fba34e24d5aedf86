"""Cross-entropies (binary, categorical, sparse categorical), fused with their output activation.

See :mod:`glassnet.losses.base` for why softmax + categorical cross-entropy (and sigmoid +
binary cross-entropy) have the logit gradient ``p - y``; the fast paths below compute loss and
that gradient for a whole ``(batch, classes)`` batch in a few array operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.activations import SIGMOID
from glassnet.losses.base import (
    _RESCALED,
    EPSILON,
    Loss,
    format_shape,
    per_sample_mean,
    positions,
    unreduced,
)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def smooth_binary(y_true: np.ndarray, smoothing: float) -> np.ndarray:
    """Binary label smoothing: ``y (1 - s) + s / 2``."""
    return y_true * (1.0 - smoothing) + 0.5 * smoothing if smoothing else y_true


def smooth_categorical(y_true: np.ndarray, smoothing: float) -> np.ndarray:
    """Categorical label smoothing: ``y (1 - s) + s / classes``."""
    return y_true * (1.0 - smoothing) + smoothing / y_true.shape[-1] if smoothing else y_true


class _CrossEntropy(Loss):
    """Shared options: ``from_logits`` and ``label_smoothing`` (Keras's signatures)."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        # The class axis is the last one (Keras's default); others are not supported.
        _validate.check_choice(type(self).__name__, "axis", axis, (-1,))
        self.from_logits = _validate.check_bool(type(self).__name__, "from_logits", from_logits)
        self.label_smoothing = _validate.check_float(
            type(self).__name__, "label_smoothing", label_smoothing, min=0.0, max=1.0
        )

    def _smooth(self, y_true: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class BinaryCrossentropy(_CrossEntropy):
    """``L = -mean(y log p + (1 - y) log(1 - p))`` with ``p = y_pred`` or ``sigmoid(y_pred)``.

    Parameters
    ----------
    from_logits : bool, default False
        ``y_pred`` are logits ``z``, not probabilities.
    label_smoothing : float, default 0.0
        Targets become ``y (1 - s) + s / 2``.
    reduction, name
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    With logits: ``max(z, 0) - z y + log1p(exp(-|z|))``, gradient ``sigmoid(z) - y``. On
    probabilities ``p`` is clipped to ``[1e-7, 1 - 1e-7]`` as in Keras.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def _smooth(self, y_true):
        return smooth_binary(y_true, self.label_smoothing)

    def _terms(self, y_true, y_pred):
        y_true = self._smooth(y_true)
        if self.from_logits:
            z = y_pred
            return np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return -(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p))

    def call(self, y_true, y_pred):
        return self._terms(y_true, y_pred).mean(axis=-1)

    def _values(self, y_true, y_pred):
        return per_sample_mean(self._terms(y_true, y_pred))

    def _grads(self, y_true, y_pred):
        y_true = self._smooth(y_true)
        d = y_pred[0].size
        if self.from_logits:
            return (SIGMOID.forward(y_pred) - y_true) * (1.0 / d)
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        g = (p - y_true) / (p * (1.0 - p) * d)
        # Keras clips p: where the clip bites, the true gradient of the clipped loss is 0.
        g[(y_pred < EPSILON) | (y_pred > 1.0 - EPSILON)] = 0.0
        return g

    def _logit_grads(self, y_true, p):
        return (p - self._smooth(y_true)) * (1.0 / p[0].size)


class CategoricalCrossentropy(_CrossEntropy):
    """``L = -sum_k y_k log p_k`` over the last axis, ``p = y_pred`` or ``softmax(y_pred)``.

    Parameters
    ----------
    from_logits : bool, default False
    label_smoothing : float, default 0.0
        Targets become ``y (1 - s) + s / classes``.
    reduction, name
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    With logits: ``L = logsumexp(z) - sum(y z)`` and ``dL/dz = softmax(z) sum(y) - y``.
    On probabilities (no fused softmax) ``p`` is renormalised, then clipped to
    ``[1e-7, 1 - 1e-7]``, as in Keras.
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def _smooth(self, y_true):
        return smooth_categorical(y_true, self.label_smoothing)

    def call(self, y_true, y_pred):
        y_true = self._smooth(y_true)
        if self.from_logits:
            return -np.sum(y_true * _log_softmax(y_pred), axis=-1)
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)  # Keras renormalises, then clips
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        return -np.sum(y_true * np.log(p), axis=-1)

    def _grads(self, y_true, y_pred):
        y_true = self._smooth(y_true)
        if self.from_logits:  # one-hot targets here, also when called from the sparse loss
            return CategoricalCrossentropy._plain_logit_grads(y_true, np.exp(_log_softmax(y_pred)))
        s = y_pred.sum(axis=-1, keepdims=True)
        p = y_pred / s
        inside = (p > EPSILON) & (p < 1.0 - EPSILON)
        # L = -sum_k y_k log(x_k / s): dL/dx_j = -y_j/x_j + sum(y)/s (clipped entries: 0 on log).
        g = np.where(inside, -y_true / np.where(inside, y_pred, 1.0), 0.0)
        g += np.sum(np.where(inside, y_true, 0.0), axis=-1, keepdims=True) / s
        return (g * (1.0 / positions(y_pred))).astype(y_pred.dtype, copy=False)

    @staticmethod
    def _plain_logit_grads(y_true, p):
        g = p * np.add.reduce(y_true, axis=-1, keepdims=True)
        g -= y_true
        return g if p.ndim == 2 else g * (1.0 / positions(p))

    def _logit_grads(self, y_true, p):
        return self._plain_logit_grads(self._smooth(y_true), p)

    def _fused_values(self, y_true, p):
        # Softmax rows already sum to one: skip the renormalisation, keep Keras's clip.
        logp = np.log(np.maximum(p, EPSILON))
        values = -np.einsum("...k,...k->...", self._smooth(y_true), logp)
        return values if p.ndim == 2 else per_sample_mean(values)

    def value_and_logit_gradient(self, y_true, probs, sample_weight=None):
        """The common case, ``(batch, classes)`` float targets of the predictions' dtype, no
        sample weights, the mean reduction: in five array calls, straight from the training
        step (anything else goes through :meth:`Loss.value_and_logit_gradient`).

        ``L = -(1/n) <Y, log max(P, eps)>`` as one dot product over the whole batch, and
        ``dL/dz = (P sum_k(y_k) - Y) / n`` written over the buffer that held ``log P``.
        """
        if sample_weight is not None or probs.ndim != 2 or self.label_smoothing \
                or y_true.dtype != probs.dtype or self.reduction in _RESCALED:
            return super().value_and_logit_gradient(y_true, probs, sample_weight)
        return self._batch_mean(y_true, probs)

    def _value_and_logit_gradient(self, y_true, probs, sample_weight):
        if sample_weight is not None or probs.ndim != 2 or self.label_smoothing:
            return super()._value_and_logit_gradient(y_true, probs, sample_weight)
        return self._batch_mean(y_true, probs)

    @staticmethod
    def _batch_mean(y_true, probs):
        n = probs.shape[0]
        buf = np.maximum(probs, EPSILON)
        np.log(buf, out=buf)
        loss = -float(np.vdot(y_true, buf)) / n
        np.multiply(probs, np.add.reduce(y_true, axis=-1, keepdims=True), out=buf)
        buf -= y_true
        buf *= 1.0 / n
        return loss, buf

    def _shape_hint(self, y_true, y_pred_shape):
        if y_true.ndim == 1 or (y_true.ndim == 2 and y_true.shape[-1] == 1):
            return (
                " Integer class labels need one-hot encoding (glassnet.utils.to_categorical) "
                "or loss='sparse_categorical_crossentropy'."
            )
        return ""


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels ``y`` of shape ``(batch,)``.

    Parameters
    ----------
    from_logits : bool, default False
    reduction, name
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    ``dL/dz = softmax(z) - onehot(y)``: one subtraction per row.
    """

    name = "sparse_categorical_crossentropy"
    integer_labels = True

    def __init__(self, from_logits: bool = False, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(from_logits=from_logits, reduction=reduction, name=name, dtype=dtype)

    def prepare_targets(self, y_true, y_pred_shape):
        y_true = np.asarray(y_true)
        expected = tuple(y_pred_shape[:-1])
        if y_true.shape == expected + (1,):
            y_true = y_true.reshape(expected)
        if y_true.shape != expected:
            raise ValueError(
                f"Loss '{self.name}' needs integer labels of shape "
                f"{format_shape((None,) + expected[1:])} for the model's output "
                f"{format_shape(y_pred_shape)}, got `y` of shape {format_shape(y_true.shape)}."
            )
        if y_true.dtype.kind == "f":
            if not np.all(np.mod(y_true, 1) == 0):
                raise ValueError(f"Loss '{self.name}' needs integer class labels, got fractions.")
        elif y_true.dtype.kind not in "iub":
            raise ValueError(f"Loss '{self.name}' needs integer labels, got dtype {y_true.dtype}.")
        labels = y_true.astype(np.intp)
        n_classes = y_pred_shape[-1]
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(
                f"Loss '{self.name}': labels must lie in [0, {n_classes - 1}] for "
                f"{n_classes} output units, got values in [{labels.min()}, {labels.max()}]."
            )
        return labels

    def _onehot(self, labels, like):
        onehot = np.zeros_like(like)
        np.put_along_axis(onehot, labels[..., None], 1.0, axis=-1)
        return onehot

    def call(self, y_true, y_pred):
        logp = _log_softmax(y_pred) if self.from_logits else np.log(
            np.clip(y_pred / y_pred.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
        )
        return -np.take_along_axis(logp, y_true[..., None], axis=-1)[..., 0]

    def _grads(self, y_true, y_pred):
        return super()._grads(self._onehot(y_true, y_pred), y_pred)

    def _fused_values(self, y_true, p):
        picked = np.take_along_axis(p, y_true[..., None], axis=-1)[..., 0]
        values = -np.log(np.maximum(picked, EPSILON))
        return values if p.ndim == 2 else per_sample_mean(values)

    # Integer labels: the one-hot fast path above does not apply.
    value_and_logit_gradient = Loss.value_and_logit_gradient

    def _value_and_logit_gradient(self, y_true, probs, sample_weight):
        """The common case, ``(batch, classes)`` without sample weights, by plain indexing.

        With ``p_i = P[i, y_i]``: ``L = -(1/n) sum_i log max(p_i, eps)`` and
        ``dL/dz = (P - onehot(y)) / n``.
        """
        if sample_weight is not None or probs.ndim != 2:
            return Loss._value_and_logit_gradient(self, y_true, probs, sample_weight)
        n = probs.shape[0]
        rows = np.arange(n)
        picked = np.maximum(probs[rows, y_true], EPSILON)
        loss = -float(np.add.reduce(np.log(picked, out=picked))) / n
        grad = probs * (1.0 / n)
        grad[rows, y_true] -= 1.0 / n
        return loss, grad

    def _logit_grads(self, y_true, p):
        g = p.copy()
        idx = y_true[..., None]
        np.put_along_axis(g, idx, np.take_along_axis(g, idx, axis=-1) - 1.0, axis=-1)
        return g if p.ndim == 2 else g * (1.0 / positions(p))

    def get_config(self):
        config = super().get_config()
        del config["label_smoothing"]
        return config


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> np.ndarray:
    """Binary cross-entropy averaged over the last axis, shape ``y_pred.shape[:-1]``."""
    loss = BinaryCrossentropy(from_logits, label_smoothing, axis)
    return unreduced(loss, y_true, y_pred)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> np.ndarray:
    """Categorical cross-entropy of one-hot (or soft) targets, shape ``y_pred.shape[:-1]``."""
    loss = CategoricalCrossentropy(from_logits, label_smoothing, axis)
    return unreduced(loss, y_true, y_pred)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any,
                                    from_logits: bool = False) -> np.ndarray:
    """Categorical cross-entropy of integer labels, shape ``y_pred.shape[:-1]``."""
    loss = SparseCategoricalCrossentropy(from_logits)
    return unreduced(loss, y_true, y_pred)
