"""Discretization: bucket numbers by boundaries, given or learned as quantiles (Keras's layer).

``x`` goes to bin ``i`` when ``bin_boundaries[i-1] <= x < bin_boundaries[i]`` (``0`` below
the first boundary, ``len(bin_boundaries)`` from the last one up), NumPy's ``digitize``.

``adapt(data)`` estimates ``num_bins - 1`` quantile boundaries with Keras's summary
algorithm, so the boundaries equal Keras's: each batch is sorted and summarised by every
``max(n * epsilon, 1)``-th value with that step as weight; summaries are merged by sorting
and, above ``1 / epsilon`` entries, compressed by interpolating the cumulative weights at
``epsilon, 2 epsilon, ..., 1``; the boundaries are the compressed summary at ``1 / num_bins``
steps, without the last.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from glassnet.layers.base import Layer
from glassnet.layers.category_encoding import encode_categorical

_MODES = ("int", "one_hot", "multi_hot", "count")


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def _merge(a: np.ndarray, b: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((a, b), axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


class Discretization(Layer):
    """Bucket numeric inputs into bins (Keras's ``Discretization``).

    Parameters
    ----------
    bin_boundaries : list of float, optional
        Sorted boundaries; ``len + 1`` bins.
    num_bins : int, optional
        Learn ``num_bins - 1`` quantile boundaries with :meth:`adapt` (instead of
        ``bin_boundaries``).
    epsilon : float, default 0.01
        The accuracy of the quantile summary of :meth:`adapt`.
    output_mode : {'int', 'one_hot', 'multi_hot', 'count'}, default 'int'
        ``'int'``: the bins (int32, the input's shape); the others encode as vectors of
        ``len(bin_boundaries) + 1`` (float32).
    sparse : bool, default False
        Only False is supported.
    dtype : str, optional
        The float type of the non-``'int'`` outputs.
    name : str, optional
    **kwargs
        ``trainable`` ... of :class:`~glassnet.layers.base.Layer`.

    Notes
    -----
    Nothing flows back (the bins are integers): ``backward`` returns zeros.
    """

    def __init__(self, bin_boundaries: Any = None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False,
                 dtype: Any = None, name: str | None = None, **kwargs: Any) -> None:
        if isinstance(dtype, dict):  # Keras's DTypePolicy config
            dtype = dtype.get("config", {}).get("name")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("Discretization `sparse=True` is not supported: outputs are "
                             "dense arrays (pass sparse=False).")
        if output_mode not in _MODES:
            raise ValueError("Invalid value for argument `output_mode` of Discretization. "
                             f"Expected one of {_MODES}. Received: output_mode={output_mode!r}")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        if bin_boundaries is not None:
            bounds = np.asarray(bin_boundaries, dtype=np.float64)
            if bounds.ndim != 1 or np.any(np.diff(bounds) < 0):
                raise ValueError("Discretization `bin_boundaries` must be a sorted list of "
                                 f"numbers, got {bin_boundaries!r}.")
            bin_boundaries = bounds.tolist()
        self.bin_boundaries: list[float] | None = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learn ``num_bins - 1`` quantile boundaries from ``data``.

        Parameters
        ----------
        data : array-like or iterable of batches
            An array, or an iterable (list of arrays, generator, ``PyDataset``) of batches.
        steps : int, optional
            With an iterable of batches: how many to read at most.
        """
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        self.summary = np.array([[], []], dtype="float32")
        if isinstance(data, np.ndarray) or not isinstance(data, Iterable):
            batches: Iterable[Any] = [data]
        else:
            batches = data
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            values = np.array(batch[0] if isinstance(batch, tuple) else batch).astype("float32")
            self.summary = _merge(_summarize(values, self.epsilon), self.summary, self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def _depth(self) -> int:
        if self.bin_boundaries is not None:
            return len(self.bin_boundaries) + 1
        return int(self.num_bins or 0)

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if self.output_mode == "one_hot" and input_shape and input_shape[-1] == 1:
            return input_shape[:-1] + (self._depth(),)
        if self.output_mode == "one_hot":
            return input_shape + (self._depth(),)
        return input_shape[:-1] + (self._depth(),)

    def forward(self, x, training=False):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can start "
                             "using the `Discretization` layer.")
        x = np.asarray(x)
        self._cache = x.shape
        dtype = self.dtype or np.dtype("float32")
        bounds = np.asarray(self.bin_boundaries, dtype=x.dtype if x.dtype.kind == "f"
                            else np.float64)
        bins = np.digitize(x, bounds)
        if self.output_mode == "int":
            return bins.astype(np.int32)
        return encode_categorical(bins, self._depth(), self.output_mode, dtype)

    def backward(self, grad_y):
        return np.zeros(self._cache, dtype=np.float32)

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins,
                      epsilon=self.epsilon, output_mode=self.output_mode, sparse=False)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            bounds = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(bounds)
            return layer
        return super().from_config(config)
