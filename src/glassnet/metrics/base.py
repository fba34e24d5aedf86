"""Stateful metrics, as Keras's: ``update_state`` per batch, ``result`` for everything seen,
``reset_state`` between epochs.

>>> m = SparseCategoricalAccuracy()
>>> m.update_state([1, 2], [[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
>>> m.result()
0.5

A model compiled with ``metrics=[m]`` reports ``m.name`` in its logs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import _registry
from glassnet.metrics.functions import hits_of


def _reduce_samplewise(values: Any, sample_weight: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Keras's ``reduce_to_samplewise_values`` with a mean: weighted values, one per sample.

    Returns
    -------
    values : ndarray of shape (batch,)
        Per-sample means (times the sample's weight, when weights are given).
    sample_weight : ndarray of shape (batch,) or None
    """
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=np.float64)
        while w.ndim > values.ndim and w.shape[-1] == 1:
            w = w[..., 0]
        while values.ndim > w.ndim and values.ndim > 1 and values.shape[-1] == 1:
            values = values[..., 0]
        if values.ndim > w.ndim:
            values = values.mean(axis=tuple(range(w.ndim, values.ndim)))
        w = np.broadcast_to(w, values.shape)
        values = values * w
        if w.ndim > 1:
            w = w.mean(axis=tuple(range(1, w.ndim)))
        sample_weight = w
    if values.ndim > 1:
        values = values.mean(axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class MetricVariable:
    """A piece of metric state, as Keras's ``Metric.add_variable`` gives: ``assign``,
    ``assign_add``, ``value`` and conversion to an array or a float."""

    def __init__(self, shape: tuple[int, ...], initializer: Any = "zeros", dtype: Any = None,
                 name: str | None = None) -> None:
        from glassnet import initializers

        self.name = name
        self._initial = initializers.get(initializer)(tuple(shape), dtype=dtype or "float32")
        self.value = self._initial.copy()

    def assign(self, value: Any) -> None:
        self.value = np.asarray(value, dtype=self._initial.dtype).reshape(self._initial.shape).copy()

    def assign_add(self, value: Any) -> None:
        self.assign(self.value + np.asarray(value))

    def assign_sub(self, value: Any) -> None:
        self.assign(self.value - np.asarray(value))

    def reset(self) -> None:
        self.value = self._initial.copy()

    def numpy(self) -> np.ndarray:
        return self.value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.value if dtype is None else self.value.astype(dtype)

    def __float__(self) -> float:
        return float(self.value)


class Metric(_registry.Configurable):
    """Base class: subclasses keep their state and define ``update_state`` and ``result``.

    A subclass may keep its state in :meth:`add_variable` variables, as in Keras; the default
    :meth:`reset_state` then resets them.

    Parameters
    ----------
    name : str, optional
        The key in the logs (``"accuracy"``, ``"val_accuracy"``). Defaults to the metric's
        snake-case name.
    dtype : str, optional
        Kept for Keras's signature; results are Python floats (arrays for several thresholds).
    """

    default_name = "metric"
    #: Whether ``fit``/``evaluate`` pass it the batch's sample weights. Keras weighs only the
    #: losses (and ``weighted_metrics``): ``compile(metrics=...)`` ignore ``sample_weight``
    #: and ``class_weight``.
    compiled_sample_weight = False

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"`name` of {type(self).__qualname__} must be a non-empty string, got {name!r}.")
        self.name = name or self.default_name
        self.dtype = dtype or "float32"
        self._variables: list[MetricVariable] = []

    def add_variable(self, shape: Any = (), initializer: Any = "zeros", dtype: Any = None,
                     aggregation: str = "sum", name: str | None = None) -> MetricVariable:
        """A state variable reset by :meth:`reset_state` (Keras's signature)."""
        variable = MetricVariable(tuple(shape), initializer, dtype or self.dtype, name)
        self._variables.append(variable)
        return variable

    @property
    def __name__(self) -> str:  # noqa: PLW3201 - how compile() labels a metric
        return self.name

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def reset_state(self) -> None:
        """Back to the state before any update (the variables' initial values)."""
        for variable in self._variables:
            variable.reset()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``update_state(*args)`` then ``result()``, as Keras's ``Metric.__call__``."""
        self.update_state(*args, **kwargs)
        return self.result()

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """One value per sample whose batch mean is this metric on the batch.

        Exact for means of per-sample values (accuracies, errors); for the others
        (precision, AUC ...) the batch's result for every sample, so a running mean over
        batches approximates the metric over the epoch.
        """
        probe = type(self).from_config(self.get_config())
        probe.update_state(y_true, y_pred)
        return np.full(len(y_pred), float(np.mean(probe.result())))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class _Reduce(Metric):
    """A metric whose state is plain float attributes, set by its own :meth:`reset_state`."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.reset_state()


class Mean(_Reduce):
    """The (weighted) mean of the values given to ``update_state(values, sample_weight)``."""

    default_name = "mean"

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, w = _reduce_samplewise(values, sample_weight)
        self.total += float(values.sum())
        self.count += float(w.sum()) if w is not None else float(values.size if values.ndim else 1)

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class Sum(_Reduce):
    """The (weighted) sum of the values given to ``update_state(values, sample_weight)``."""

    default_name = "sum"

    def reset_state(self) -> None:
        self.total = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is not None:
            w = np.asarray(sample_weight, dtype=np.float64)
            while w.ndim > values.ndim and w.shape[-1] == 1:
                w = w[..., 0]
            values = values * w.reshape(w.shape + (1,) * (values.ndim - w.ndim))
        self.total += float(values.sum())

    def result(self) -> float:
        return self.total


class MeanMetricWrapper(Mean):
    """The running mean of a function's per-sample values: ``fn(y_true, y_pred, **kwargs)``.

    Parameters
    ----------
    fn : callable
        ``fn(y_true, y_pred, **kwargs) -> ndarray of shape (batch, ...)``.
    name, dtype
        See :class:`Metric`.
    **kwargs
        Passed to ``fn`` (``threshold``, ``k`` ...).
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        self._fn = fn
        self._fn_kwargs = kwargs
        self._hits = None if kwargs else hits_of(fn)
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any,  # type: ignore[override]  # as Keras
                     sample_weight: Any = None) -> None:
        if not isinstance(y_pred, np.ndarray):
            y_pred = np.asarray(y_pred)
        hits = self._hits
        if hits is not None and sample_weight is None and y_pred.ndim == 2:
            # accuracy in the training loop: count the hits, one value per sample
            h = hits(y_true, y_pred)
            self.total += float(np.add.reduce(h))  # the number of True entries
            self.count += float(h.size)
            return
        fn = self._fn
        if sample_weight is not None and np.ndim(sample_weight) > 1:
            # weights per position (a masked sequence): the values per position too
            fn = getattr(fn, "unreduced", fn)
        values = fn(y_true, y_pred, **self._fn_kwargs)
        if sample_weight is None and isinstance(values, np.ndarray) and values.ndim == 1:
            # the training loop's case (one value per sample, no weights): two reductions
            self.total += float(np.add.reduce(values, dtype=np.float64))
            self.count += float(values.size)
            return
        super().update_state(values, sample_weight)

    def unreduced(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """The wrapped function's values, one per position (not reduced per sample)."""
        fn = getattr(self._fn, "unreduced", self._fn)
        return np.asarray(fn(y_true, np.asarray(y_pred), **self._fn_kwargs))

    def masked_weights(self, sample_weight: Any, mask: Any, y_pred: Any) -> Any:
        """The weights for an output with ``mask`` (batch, T): 0/1 per position times
        ``sample_weight``, as Keras's ``MeanMetricWrapper`` applies the mask."""
        from glassnet.losses.masks import metric_weights

        return metric_weights(sample_weight, mask, y_pred)

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        values, _ = _reduce_samplewise(self._fn(y_true, y_pred, **self._fn_kwargs), None)
        return values if values.ndim else values.reshape(1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._fn_kwargs}
