"""Random arrays at Keras's path ``keras.random``, seeded as Keras seeds them.

``seed`` is, as in Keras, an int (the same numbers on every call), a :class:`SeedGenerator`
(new numbers on every call, reproducible from its own seed), or None (new numbers, drawn
after :func:`glassnet.utils.set_random_seed` reproducibly). Every function returns a NumPy
array. The numbers are NumPy's (PCG64), not those of Keras's backends.

>>> from glassnet import random
>>> random.normal((2, 3), seed=1).shape
(2, 3)
>>> bool((random.uniform((4,), seed=7) == random.uniform((4,), seed=7)).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import config, ops

__all__ = ["SeedGenerator", "categorical", "dropout", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]


class SeedGenerator:
    """A stream of random numbers: each call of a ``glassnet.random`` function given it draws
    new numbers, and two generators made with the same ``seed`` draw the same ones.

    Parameters
    ----------
    seed : int, optional
        None: from :func:`glassnet.utils.set_random_seed`'s stream, else fresh.
    """

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"`seed` must be an integer or None, got {seed!r}.")
        unknown = set(kwargs) - {"name", "backend"}
        if unknown:
            raise TypeError(f"SeedGenerator got unexpected keyword arguments {sorted(unknown)}.")
        self.seed = seed
        self.generator = _fresh() if seed is None else np.random.default_rng(int(seed))

    def next(self) -> np.ndarray:
        """A new seed drawn from the stream (two uint32 words, as Keras's state)."""
        return self.generator.integers(0, 2**32, size=2, dtype=np.uint32)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


def _fresh() -> np.random.Generator:
    from glassnet.utils import next_model_seed

    return np.random.default_rng(next_model_seed())


def _generator(seed: Any) -> np.random.Generator:
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if seed is None:
        return _fresh()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            "`seed` must be an integer, a `keras.random.SeedGenerator` instance or None, "
            f"got {seed!r}."
        )
    return np.random.default_rng(int(seed))


def _float(dtype: Any) -> np.dtype:
    return np.dtype(dtype or config.floatx())


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Any = None) -> np.ndarray:
    """Samples of ``N(mean, stddev^2)`` of ``shape`` (float32 by default)."""
    out = _generator(seed).normal(mean, stddev, size=_shape(shape))
    return out.astype(_float(dtype))


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> np.ndarray:
    """Normal samples redrawn until within two standard deviations of ``mean``."""
    rng = _generator(seed)
    out = rng.standard_normal(_shape(shape))
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return (mean + stddev * out).astype(_float(dtype))


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Any = None) -> np.ndarray:
    """Samples of ``U[minval, maxval)`` of ``shape`` (float32 by default)."""
    dt = _float(dtype)
    if dt.kind != "f":
        raise ValueError(
            "`keras.random.uniform` requires a floating point `dtype`. Received: "
            f"dtype={dtype}. For integers, use `keras.random.randint` instead.")
    return _generator(seed).uniform(minval, maxval, size=_shape(shape)).astype(dt)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32",
            seed: Any = None) -> np.ndarray:
    """Integers uniform in ``[minval, maxval)`` of ``shape``."""
    return _generator(seed).integers(minval, maxval, size=_shape(shape)).astype(np.dtype(dtype))


def categorical(logits: Any, num_samples: int, dtype: Any = "int32",
                seed: Any = None) -> np.ndarray:
    """For each row of ``logits`` (batch, classes), ``num_samples`` class indices drawn with
    probabilities ``softmax(logits)``; shape (batch, num_samples)."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"`logits` should be a 2-D array, got shape {logits.shape}.")
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)  # (batch, classes)
    u = _generator(seed).random((len(logits), int(num_samples)))
    idx = np.array([np.searchsorted(c, row, side="right") for c, row in zip(cum, u, strict=True)])
    return np.minimum(idx, logits.shape[1] - 1).astype(np.dtype(dtype))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> np.ndarray:
    """A copy of ``x`` with its entries along ``axis`` in a random order."""
    x = np.asarray(x)
    order = _generator(seed).permutation(x.shape[axis])
    return np.take(x, order, axis=axis)


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Any:
    """Inverted dropout of ``inputs``: each entry zeroed with probability ``rate``, the rest
    divided by ``1 - rate`` (``noise_shape`` broadcasts one draw over the axes of size 1).

    Differentiable: on a traced value inside a layer's ``call`` the gradient flows through
    the kept entries (a NumPy array in, a NumPy array out)."""
    x = ops.convert_to_numpy(inputs)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a float in [0, 1), got {rate!r}.")
    shape = x.shape if noise_shape is None else tuple(
        size if want is None else want for size, want in zip(x.shape, noise_shape, strict=True))
    keep = _generator(seed).random(shape) >= rate
    dtype = x.dtype if x.dtype.kind == "f" else _float(None)
    scale = (keep / (1 - rate)).astype(dtype)
    if isinstance(inputs, np.ndarray) or np.isscalar(inputs):
        return (np.broadcast_to(x, np.broadcast_shapes(x.shape, shape)) * scale).astype(dtype)
    return ops.multiply(inputs, scale)
