"""Loss functions, each with its gradient beside it.

A loss maps ``y_true`` and ``y_pred`` of shape ``(batch, ...)`` to one number: the mean over
the batch of a per-sample loss (Keras's ``sum_over_batch_size``; with ``sample_weight`` the
weighted sum divided by the batch size). ``gradient`` returns ``dL/dy_pred`` of the shape of
``y_pred``; ``value_and_gradient`` shares the work of both.

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

from glassnet.activations import SIGMOID

EPSILON = 1e-7  # Keras's clip for probabilities in the non-fused cross-entropies.


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return SIGMOID.forward(z)


def _positions(y_pred: np.ndarray) -> int:
    """Class distributions per sample: ``T`` for ``(batch, T, classes)``, 1 for ``(batch, C)``."""
    return y_pred[0].size // y_pred.shape[-1]


def _per_sample_mean(values: np.ndarray) -> np.ndarray:
    """Mean over every axis but the first: (batch, ...) -> (batch,)."""
    return values.reshape(values.shape[0], -1).mean(axis=1)


class Loss:
    """Base class: subclasses define ``_values`` (per sample) and ``_grads`` (per sample).

    Parameters
    ----------
    from_logits : bool
        Only for the cross-entropies: ``y_pred`` are unnormalised scores, not probabilities.
    name : str, optional
    """

    name = "loss"
    #: Name of the output activation whose Jacobian this loss cancels (see module notes).
    fused_activation: str | None = None
    accepts_logits = False

    def __init__(self, from_logits: bool = False, name: str | None = None) -> None:
        if from_logits and not self.accepts_logits:
            raise TypeError(f"{type(self).__name__} does not take `from_logits`.")
        self.from_logits = bool(from_logits)
        if name is not None:
            self.name = name

    # -- subclass hooks: y_true already shaped like y_pred -----------------------------------
    def _values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _grads(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _logit_grads(self, y_true: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- public ------------------------------------------------------------------------------
    def prepare_targets(self, y_true: np.ndarray, y_pred_shape: tuple[int | None, ...]) -> np.ndarray:
        """Check that ``y_true`` fits predictions of ``y_pred_shape``; return it reshaped.

        ``(batch,)`` targets for a ``(batch, 1)`` output are accepted, as Keras does.
        """
        y_true = np.asarray(y_true)
        if y_true.shape == tuple(y_pred_shape):
            return y_true
        if y_true.ndim == len(y_pred_shape) - 1 and y_pred_shape[-1] == 1:
            if y_true.shape == tuple(y_pred_shape[:-1]):
                return y_true[..., None]
        raise ValueError(
            f"Loss '{self.name}' needs targets shaped like the model's output "
            f"{_shape(y_pred_shape)}, got `y` of shape {_shape(y_true.shape)}."
            + self._shape_hint(y_true, y_pred_shape)
        )

    def _shape_hint(self, y_true: np.ndarray, y_pred_shape: tuple[int | None, ...]) -> str:
        return ""

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        y_pred = np.asarray(y_pred)
        y_true = self.prepare_targets(y_true, y_pred.shape)
        return _reduce(self._values(y_true, y_pred), sample_weight)

    def gradient(self, y_true, y_pred, sample_weight=None) -> np.ndarray:
        """``dL/dy_pred`` for the batch-mean loss, shape of ``y_pred``."""
        y_pred = np.asarray(y_pred)
        y_true = self.prepare_targets(y_true, y_pred.shape)
        return _scale(self._grads(y_true, y_pred), sample_weight)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """``(loss, dL/dy_pred)`` in one call (targets assumed prepared)."""
        return (
            _reduce(self._values(y_true, y_pred), sample_weight),
            _scale(self._grads(y_true, y_pred), sample_weight),
        )

    def value_and_logit_gradient(self, y_true, probs, sample_weight=None):
        """``(loss, dL/dz)`` where ``probs = fused_activation(z)`` (see module notes)."""
        return (
            _reduce(self._fused_values(y_true, probs), sample_weight),
            _scale(self._logit_grads(y_true, probs), sample_weight),
        )

    def _fused_values(self, y_true: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """Per-sample loss of probabilities straight from the fused activation."""
        return self._values(y_true, probs)

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits} if self.accepts_logits else {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


def _shape(shape) -> str:
    """Format a shape as Keras prints it: ``(None, 10)``, ``(32,)``."""
    dims = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


def _reduce(values: np.ndarray, sample_weight) -> float:
    if sample_weight is None:
        return float(np.add.reduce(values, axis=None)) / values.shape[0]
    return float(np.dot(values, sample_weight) / values.shape[0])


def _scale(grads: np.ndarray, sample_weight) -> np.ndarray:
    """Per-sample gradients -> gradient of the (weighted) batch mean."""
    n = grads.shape[0]
    if sample_weight is None:
        grads *= 1.0 / n
        return grads
    w = np.asarray(sample_weight, dtype=grads.dtype).reshape((n,) + (1,) * (grads.ndim - 1))
    grads *= w / n
    return grads


class MeanSquaredError(Loss):
    """``L = mean((y_pred - y)^2)`` over features; ``dL/dy_pred = 2 (y_pred - y) / d``."""

    name = "mean_squared_error"

    def _values(self, y_true, y_pred):
        return _per_sample_mean((y_pred - y_true) ** 2)

    def _grads(self, y_true, y_pred):
        d = y_pred[0].size
        return (y_pred - y_true) * (2.0 / d)


class MeanAbsoluteError(Loss):
    """``L = mean|y_pred - y|``; ``dL/dy_pred = sign(y_pred - y) / d``."""

    name = "mean_absolute_error"

    def _values(self, y_true, y_pred):
        return _per_sample_mean(np.abs(y_pred - y_true))

    def _grads(self, y_true, y_pred):
        return np.sign(y_pred - y_true) * (1.0 / y_pred[0].size)


class Huber(Loss):
    """Quadratic for ``|e| <= delta``, linear beyond: ``0.5 e^2`` or ``delta (|e| - delta/2)``."""

    name = "huber"

    def __init__(self, delta: float = 1.0, name: str | None = None) -> None:
        if not delta > 0:
            raise ValueError(f"`delta` must be > 0, got {delta!r}.")
        super().__init__(name=name)
        self.delta = float(delta)

    def _values(self, y_true, y_pred):
        e = np.abs(y_pred - y_true)
        quad = np.minimum(e, self.delta)
        return _per_sample_mean(0.5 * quad**2 + self.delta * (e - quad))

    def _grads(self, y_true, y_pred):
        e = y_pred - y_true
        return np.clip(e, -self.delta, self.delta) * (1.0 / y_pred[0].size)

    def get_config(self):
        return {"delta": self.delta}


class BinaryCrossentropy(Loss):
    """``L = -mean(y log p + (1 - y) log(1 - p))`` with ``p = y_pred`` or ``sigmoid(y_pred)``.

    With logits: ``max(z, 0) - z y + log1p(exp(-|z|))``, gradient ``sigmoid(z) - y``.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"
    accepts_logits = True

    def _values(self, y_true, y_pred):
        if self.from_logits:
            z = y_pred
            return _per_sample_mean(np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z))))
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return _per_sample_mean(-(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p)))

    def _grads(self, y_true, y_pred):
        d = y_pred[0].size
        if self.from_logits:
            return (_sigmoid(y_pred) - y_true) * (1.0 / d)
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        g = (p - y_true) / (p * (1.0 - p) * d)
        # Keras clips p: where the clip bites, the true gradient of the clipped loss is 0.
        g[(y_pred < EPSILON) | (y_pred > 1.0 - EPSILON)] = 0.0
        return g

    def _logit_grads(self, y_true, p):
        return (p - y_true) * (1.0 / p[0].size)


class CategoricalCrossentropy(Loss):
    """``L = -sum_k y_k log p_k`` over the last axis, ``p = y_pred`` or ``softmax(y_pred)``.

    Notes
    -----
    With logits: ``L = logsumexp(z) - sum(y z)`` and ``dL/dz = softmax(z) sum(y) - y``.
    On probabilities (no fused softmax) ``p`` is clipped to ``[1e-7, 1 - 1e-7]`` as in Keras.
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"
    accepts_logits = True

    def _values(self, y_true, y_pred):
        if self.from_logits:
            return _per_sample_mean(-np.sum(y_true * _log_softmax(y_pred), axis=-1))
        # Keras renormalises the probabilities, then clips.
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        return _per_sample_mean(-np.sum(y_true * np.log(p), axis=-1))

    def _grads(self, y_true, y_pred):
        if self.from_logits:  # one-hot targets here, also when called from the sparse loss
            return CategoricalCrossentropy._logit_grads(self, y_true, np.exp(_log_softmax(y_pred)))
        s = y_pred.sum(axis=-1, keepdims=True)
        p = y_pred / s
        inside = (p > EPSILON) & (p < 1.0 - EPSILON)
        # L = -sum_k y_k log(x_k / s): dL/dx_j = -y_j/x_j + sum(y)/s (clipped entries: 0 on log).
        g = np.where(inside, -y_true / np.where(inside, y_pred, 1.0), 0.0)
        g += np.sum(np.where(inside, y_true, 0.0), axis=-1, keepdims=True) / s
        return (g * (1.0 / _positions(y_pred))).astype(y_pred.dtype, copy=False)

    def _logit_grads(self, y_true, p):
        g = p * np.add.reduce(y_true, axis=-1, keepdims=True)
        g -= y_true
        return g if p.ndim == 2 else g * (1.0 / _positions(p))

    def _fused_values(self, y_true, p):
        # Softmax rows already sum to one: skip the renormalisation, keep Keras's clip.
        logp = np.log(np.maximum(p, EPSILON))
        values = -np.einsum("...k,...k->...", y_true, logp)
        return values if p.ndim == 2 else _per_sample_mean(values)

    def value_and_logit_gradient(self, y_true, probs, sample_weight=None):
        """The common case, ``(batch, classes)`` without sample weights, in five array calls.

        ``L = -(1/n) <Y, log max(P, eps)>`` as one dot product over the whole batch, and
        ``dL/dz = (P sum_k(y_k) - Y) / n`` written over the buffer that held ``log P``.
        """
        if sample_weight is not None or probs.ndim != 2:
            return super().value_and_logit_gradient(y_true, probs, sample_weight)
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

    ``dL/dz = softmax(z) - onehot(y)``: one subtraction per row.
    """

    name = "sparse_categorical_crossentropy"

    def prepare_targets(self, y_true, y_pred_shape):
        y_true = np.asarray(y_true)
        expected = tuple(y_pred_shape[:-1])
        if y_true.shape == expected + (1,):
            y_true = y_true.reshape(expected)
        if y_true.shape != expected:
            raise ValueError(
                f"Loss '{self.name}' needs integer labels of shape {_shape((None,) + expected[1:])} "
                f"for the model's output {_shape(y_pred_shape)}, got `y` of shape "
                f"{_shape(y_true.shape)}."
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

    def _values(self, y_true, y_pred):
        logp = _log_softmax(y_pred) if self.from_logits else np.log(
            np.clip(y_pred / y_pred.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
        )
        picked = np.take_along_axis(logp, y_true[..., None], axis=-1)[..., 0]
        return _per_sample_mean(-picked)

    def _grads(self, y_true, y_pred):
        return super()._grads(self._onehot(y_true, y_pred), y_pred)

    def _fused_values(self, y_true, p):
        picked = np.take_along_axis(p, y_true[..., None], axis=-1)[..., 0]
        values = -np.log(np.maximum(picked, EPSILON))
        return values if p.ndim == 2 else _per_sample_mean(values)

    def value_and_logit_gradient(self, y_true, probs, sample_weight=None):
        """The common case, ``(batch, classes)`` without sample weights, by plain indexing.

        With ``p_i = P[i, y_i]``: ``L = -(1/n) sum_i log max(p_i, eps)`` and
        ``dL/dz = (P - onehot(y)) / n``.
        """
        if sample_weight is not None or probs.ndim != 2:
            return super().value_and_logit_gradient(y_true, probs, sample_weight)
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
        return g if p.ndim == 2 else g * (1.0 / _positions(p))


_REGISTRY: dict[str, type[Loss]] = {
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "huber": Huber,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "huber_loss": "huber"}
_CLASSES = {cls.__name__.lower(): name for name, cls in _REGISTRY.items()}


def names() -> list[str]:
    return sorted(set(_REGISTRY) | set(_ALIASES))


def get(identifier: str | Loss | dict) -> Loss:
    """Resolve a loss name (``'mse'``, ``'categorical_crossentropy'``...), instance or config."""
    if isinstance(identifier, Loss) and not hasattr(identifier, "call"):
        return identifier
    if callable(identifier):  # fn(y_true, y_pred) or a Loss with `call`, written with ops
        from glassnet.ops.loss_autodiff import FunctionLoss

        return identifier if isinstance(identifier, FunctionLoss) else FunctionLoss(identifier)
    if isinstance(identifier, dict):
        key = str(identifier.get("class_name", ""))
        key = _CLASSES.get(key.lower(), key)
        if key not in _REGISTRY:
            raise ValueError(f"Unknown loss config {identifier!r}. Valid losses: {names()}.")
        return _REGISTRY[key](**identifier.get("config", {}))
    if isinstance(identifier, str):
        key = identifier.lower()
        key = _ALIASES.get(key, _CLASSES.get(key, key))
        if key not in _REGISTRY:
            raise ValueError(f"Unknown loss {identifier!r}. Valid losses: {', '.join(names())}.")
        return _REGISTRY[key]()
    raise TypeError(f"`loss` must be a name or a Loss, got {type(identifier).__name__}.")


def serialize(loss: Loss) -> dict[str, Any]:
    return {"class_name": type(loss).__name__, "config": loss.get_config()}
