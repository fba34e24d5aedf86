"""Random draws at Keras's paths: ``keras.random.normal``, ``uniform``, ``randint``,
``truncated_normal``, ``dropout``, ``shuffle`` and ``SeedGenerator``.

Custom layers use them in ``call`` (a VAE's sampling layer, a hand-written dropout). Each
function takes ``seed``: an int (the same draw every time), a :class:`SeedGenerator` (a
stream: a new draw each call) or None (fresh randomness). The numbers are NumPy's, so they
differ from Keras's backends draw for draw; their distributions are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["SeedGenerator", "dropout", "normal", "randint", "shuffle", "truncated_normal",
           "uniform"]


class SeedGenerator:
    """A stream of random draws (Keras's ``keras.random.SeedGenerator``).

    Parameters
    ----------
    seed : int, optional
        Where the stream starts (None: fresh randomness).
    """

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"SeedGenerator `seed` must be a non-negative int or None, got "
                             f"{seed!r}.")
        self.seed = seed
        self.generator = np.random.default_rng(seed)

    def __repr__(self) -> str:
        return f"<SeedGenerator seed={self.seed}>"


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise ValueError(f"`seed` must be an int, a SeedGenerator or None, got {seed!r}.")


def _shape(shape: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in (shape if isinstance(shape, Sequence) else (shape,)))


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Any = None) -> np.ndarray:
    """Draws from N(``mean``, ``stddev``^2), an array of ``shape`` (float32 by default)."""
    out = _rng(seed).normal(mean, stddev, _shape(shape))
    return out.astype(dtype or "float32")


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Any = None) -> np.ndarray:
    """Draws from U[``minval``, ``maxval``), an array of ``shape`` (float32 by default)."""
    return _rng(seed).uniform(minval, maxval, _shape(shape)).astype(dtype or "float32")


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32",
            seed: Any = None) -> np.ndarray:
    """Integers in [``minval``, ``maxval``), an array of ``shape``."""
    return _rng(seed).integers(minval, maxval, _shape(shape)).astype(dtype)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> np.ndarray:
    """Normal draws, redrawn until within two standard deviations of ``mean``."""
    rng, size = _rng(seed), _shape(shape)
    out = rng.normal(0.0, 1.0, size)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(out) > 2.0
    return (mean + stddev * out).astype(dtype or "float32")


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Any:
    """``inputs`` with a fraction ``rate`` of entries set to 0 and the rest scaled by
    ``1 / (1 - rate)`` (differentiable: works on traced values inside ``call``)."""
    from glassnet import ops

    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout `rate` must be a float in [0, 1), got {rate!r}.")
    shape = np.shape(ops.convert_to_numpy(inputs)) if noise_shape is None else \
        tuple(np.shape(ops.convert_to_numpy(inputs))[i] if d is None else int(d)
              for i, d in enumerate(noise_shape))
    keep = _rng(seed).random(shape) >= rate
    scale = (keep / (1.0 - rate)).astype(np.result_type(ops.convert_to_numpy(inputs),
                                                        np.float32))
    return ops.multiply(inputs, scale)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> np.ndarray:
    """``x`` with its entries along ``axis`` in a random order."""
    x = np.asarray(x)
    order = _rng(seed).permutation(x.shape[axis])
    return np.take(x, order, axis=axis)
