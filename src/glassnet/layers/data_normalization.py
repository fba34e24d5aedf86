"""Normalization: standardise features with a mean and variance learned by ``adapt(data)``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers.base import Layer

#: Keras's ``backend.epsilon()``: the smallest standard deviation divided by.
EPSILON = 1e-7


class Normalization(Layer):
    """``y = (x - mean) / sqrt(variance)`` per feature (Keras's ``Normalization``).

    Parameters
    ----------
    axis : int, tuple of int or None, default -1
        Axes (counted with the batch axis, as in Keras) that keep their own statistics; the
        others are averaged over. ``None``: one mean and variance for everything.
    mean, variance : float or array-like, optional
        Fixed statistics; give both or neither. Without them call :meth:`adapt` first.
    invert : bool, default False
        Apply the inverse, ``y = x * sqrt(variance) + mean`` (to undo a normalisation).

    Notes
    -----
    Without fixed statistics the layer keeps Keras's three non-trainable weights in
    ``state``: ``mean`` and ``variance`` (shape of the kept axes) and ``count`` (an int32
    scalar that Keras 3 creates but leaves at 0, and so does this layer), so ``set_weights``
    of a Keras layer's ``get_weights()`` lines up. With
    ``s = max(sqrt(variance), 1e-7)``::

        y = (x - mean) / s          dL/dx = dL/dy / s
        y = x * s + mean            dL/dx = dL/dy * s         (invert=True)
    """

    tuple_config_keys = ("axis",)

    def __init__(self, axis: int | tuple[int, ...] | None = -1, mean: Any = None,
                 variance: Any = None, invert: bool = False, **base: Any) -> None:
        super().__init__(**base)
        if axis is None:
            axes: tuple[int, ...] = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axes = (int(axis),)
        elif isinstance(axis, (tuple, list)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            axes = tuple(int(a) for a in axis)
        else:
            raise ValueError(
                f"Normalization `axis` must be an int, a tuple of ints or None, got {axis!r}.")
        if 0 in axes:
            raise ValueError("Normalization `axis` cannot include 0, the batch axis.")
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and `variance` must "
                f"be set, got mean={mean!r} and variance={variance!r}."
            )
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(
                "Normalization `mean` and `variance` must have the same shape, got "
                f"{np.shape(mean)} and {np.shape(variance)}."
            )
        if mean is not None and len(np.shape(mean)) > len(axes):
            raise ValueError(
                f"Normalization: the rank of `mean` ({len(np.shape(mean))}) must be at most the "
                f"number of axes ({len(axes)}), got axis={axis!r}."
            )
        self.axis = axes
        self.input_mean = mean
        self.input_variance = variance
        self.invert = _validate.check_bool(type(self).__name__, "invert", invert)
        self._adapted: tuple[np.ndarray, np.ndarray] | None = None
        self._keep: tuple[int, ...] = ()

    # -- shapes ---------------------------------------------------------------------------------
    def _kept_axes(self, input_shape: tuple[Any, ...]) -> tuple[int, ...]:
        """The kept axes of a batched input, as non-negative positions (> 0)."""
        ndim = len(input_shape) + 1
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization '{self.name}' `axis` {self.axis} is out of range for inputs "
                f"of shape {(None,) + tuple(input_shape)}."
            )
        keep = tuple(sorted(a % ndim for a in self.axis))
        if 0 in keep:
            raise ValueError("Normalization `axis` cannot include 0, the batch axis.")
        for a in keep:
            if input_shape[a - 1] is None:
                raise ValueError(
                    f"Normalization '{self.name}' keeps axis {a}, whose size is unknown in "
                    f"inputs of shape {(None,) + tuple(input_shape)}."
                )
        return keep

    def _stat_shape(self, input_shape: tuple[Any, ...]) -> tuple[int, ...]:
        return tuple(int(input_shape[a - 1]) for a in self._keep)

    def _broadcast(self, stat: np.ndarray, ndim: int) -> np.ndarray:
        """A statistic of the kept axes' shape, reshaped to broadcast over a batch."""
        shape = [1] * ndim
        stat = np.asarray(stat)
        for i in range(1, stat.ndim + 1):  # trailing dims line up with the last kept axes
            shape[self._keep[-i]] = stat.shape[-i]
        return stat.reshape(shape)

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        self._keep = self._kept_axes(input_shape)
        super().build(input_shape, rng)
        if self.input_mean is None:
            shape = self._stat_shape(input_shape)
            dtype = self.dtype or np.dtype("float32")
            self.state["mean"] = np.zeros(shape, dtype=dtype)
            self.state["variance"] = np.ones(shape, dtype=dtype)
            self.state["count"] = np.zeros((), dtype=np.int32)
            if self._adapted is not None and self._adapted[0].shape == shape:
                # adapt() ran before a model (re)built this layer: keep what it learned
                self.state["mean"][...] = self._adapted[0]
                self.state["variance"][...] = self._adapted[1]

    # -- adapt ----------------------------------------------------------------------------------
    def adapt(self, data: Any) -> None:
        """Compute the mean and variance of ``data`` over every axis but the kept ones.

        Parameters
        ----------
        data : ndarray of shape (n, ...) or an iterable of such batches
            Batches are combined exactly (Chan et al.'s parallel mean and variance).
        """
        if self.input_mean is not None:
            raise ValueError(
                f"Normalization '{self.name}' was given a fixed `mean` and `variance`; adapt() "
                "would ignore them. Create the layer without them to adapt it."
            )
        if isinstance(data, np.ndarray) or np.isscalar(data):
            batches: Iterable[Any] = [data]
        elif isinstance(data, Iterable):
            batches = data
        else:
            raise TypeError(
                "Normalization.adapt() expects an array or an iterable of arrays (batches), "
                f"got {type(data).__name__}."
            )
        total_mean: np.ndarray | None = None
        total_var: np.ndarray | None = None
        total = 0
        for batch in batches:
            batch = np.asarray(batch, dtype=np.float64)
            if batch.ndim < 1 or batch.dtype.kind not in "f":
                raise ValueError(f"Normalization.adapt() needs numeric batches, got {batch!r}.")
            if not self.built:
                self.build(batch.shape[1:], np.random.default_rng(0))
            elif self._stat_shape(batch.shape[1:]) != self.state["mean"].shape:
                raise ValueError(
                    f"Normalization '{self.name}' was built for inputs of shape "
                    f"{(None,) + tuple(self.built_input_shape or ())}, but adapt() received "
                    f"a batch of shape {batch.shape}."
                )
            reduce = tuple(a for a in range(batch.ndim) if a not in self._keep)
            count = int(np.prod([batch.shape[a] for a in reduce]))
            mean, var = batch.mean(axis=reduce), batch.var(axis=reduce)
            if total_mean is None or total_var is None:
                total_mean, total_var, total = mean, var, count
                continue
            w = count / (total + count)  # the new batch's share
            new_mean = total_mean * (1 - w) + mean * w
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - w)
                         + (var + (mean - new_mean) ** 2) * w)
            total_mean, total = new_mean, total + count
        if total_mean is None or total_var is None:
            raise ValueError("Normalization.adapt() received no data (an empty iterable).")
        self.state["mean"][...] = total_mean
        self.state["variance"][...] = total_var
        self._adapted = (self.state["mean"].copy(), self.state["variance"].copy())

    # -- computation ----------------------------------------------------------------------------
    def _statistics(self, ndim: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        if self.input_mean is not None:
            mean, var = np.asarray(self.input_mean), np.asarray(self.input_variance)
        else:
            mean, var = self.state["mean"], self.state["variance"]
        mean = self._broadcast(mean, ndim).astype(dtype, copy=False)
        std = np.maximum(np.sqrt(self._broadcast(var, ndim)), EPSILON).astype(dtype, copy=False)
        return mean, std

    def forward(self, x, training=False):
        dtype = x.dtype if x.dtype.kind == "f" else (self.dtype or np.dtype("float32"))
        mean, std = self._statistics(x.ndim, dtype)
        self._cache = std
        if self.invert:
            return x * std + mean
        return (x - mean) / std

    def backward(self, grad_y):
        std = self._cache
        return grad_y * std if self.invert else grad_y / std

    def get_config(self):
        config = super().get_config()

        def plain(v: Any) -> Any:
            return None if v is None else np.asarray(v).tolist()

        config.update(axis=list(self.axis), invert=self.invert, mean=plain(self.input_mean),
                      variance=plain(self.input_variance))
        return config
