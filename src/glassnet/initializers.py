"""Weight initializers: ``init(shape, rng=rng, dtype=dtype) -> ndarray``.

Every initializer draws from an explicit ``np.random.Generator`` (the same generator state
gives the same array) and returns a new array of the requested floating dtype. Layers get
them by name through :func:`get`::

    W = initializers.get("glorot_uniform")((784, 128), rng=rng, dtype="float32")

Fans follow Keras: for a Dense kernel ``(in, out)``, ``fan_in = in`` and ``fan_out = out``;
for a convolution kernel ``(kh, kw, in, out)`` both are multiplied by the receptive field
``kh * kw`` (see :func:`compute_fans`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import DTypeLike

from glassnet import _registry, _validate

#: The standard deviation of a standard normal truncated to [-2, 2]; dividing by it makes a
#: truncated normal have the variance asked for (Keras's constant).
_TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape``, as Keras computes them.

    Notes
    -----
    ``()`` -> (1, 1); ``(n,)`` -> (n, n); ``(in, out)`` -> (in, out); ``(*k, in, out)`` ->
    ``(r * in, r * out)`` with receptive field ``r = prod(k)``.
    """
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class Initializer(_registry.Configurable):
    """Base class: ``__call__(shape, dtype=None, *, rng=None)`` validates, :meth:`_sample` draws.

    Standalone, as Keras's: ``GlorotUniform(seed=42)(shape=(3, 4))`` gives the same array on
    every call (a seeded initializer restarts its generator each time), an unseeded one a new
    draw. Layers pass their own generator as ``rng`` (a seed, when given, wins).
    """

    #: The seed of a random initializer (None: fresh randomness, or the caller's ``rng``).
    seed: int | None = None

    def __call__(
        self,
        shape: Sequence[int] | int,
        dtype: DTypeLike | None = None,
        *,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """A new array of ``shape`` and floating ``dtype``.

        Parameters
        ----------
        shape : tuple of int
            Shape of the weight, e.g. ``(in_features, units)`` or ``(kh, kw, in, out)``.
        dtype : dtype-like, default "float32"
            A floating dtype.
        rng : np.random.Generator, optional
            Source of randomness; by default the initializer's ``seed`` (or fresh entropy).
        """
        owner = type(self).__name__
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if not all(isinstance(d, (int, np.integer)) and d >= 0 for d in shape):
            raise ValueError(f"`shape` of {owner} must be non-negative ints, got {shape!r}.")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"`rng` of {owner} must be a np.random.Generator (np.random.default_rng(seed)), "
                f"got {type(rng).__name__}."
            )
        if self.seed is not None or rng is None:
            rng = np.random.default_rng(self.seed)
        dtype = np.dtype("float32" if dtype is None else dtype)
        if dtype.kind != "f":
            raise TypeError(f"`dtype` of {owner} must be a floating dtype, got {dtype}.")
        return self._sample(tuple(int(d) for d in shape), rng, dtype)

    def _set_seed(self, seed: int | None) -> None:
        self.seed = None if seed is None else _validate.check_int(type(self).__name__, "seed", seed, min=0)

    def _sample(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype):
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """What rebuilds the initializer: ``type(i).from_config(i.get_config())``."""
        return {}


# -- sampling primitives (generate float32 directly when asked: half the memory and time) --
def _work_dtype(dtype: np.dtype) -> type:
    return np.float32 if dtype == np.float32 else np.float64


def _uniform(rng, shape, dtype, low: float, high: float) -> np.ndarray:
    x = rng.random(shape, dtype=_work_dtype(dtype))  # U[0, 1)
    x *= high - low  # U[0, high - low)
    x += low  # U[low, high)
    return x.astype(dtype, copy=False)


def _normal(rng, shape, dtype, mean: float, stddev: float, truncated: bool) -> np.ndarray:
    x = rng.standard_normal(shape, dtype=_work_dtype(dtype))  # N(0, 1)
    if truncated:  # redraw the entries outside [-2, 2] until none is left (~4.6% per round)
        flat = x.reshape(-1)
        redo = np.flatnonzero(np.abs(flat) > 2.0)
        while redo.size:
            draw = rng.standard_normal(redo.size, dtype=flat.dtype)
            flat[redo] = draw
            redo = redo[np.abs(draw) > 2.0]
    x *= stddev  # N(0, stddev^2), truncated at 2 stddev
    x += mean
    return x.astype(dtype, copy=False)


# -- constants -------------------------------------------------------------------------------
class Constant(Initializer):
    """Every entry equal to ``value``."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = _validate.check_float(type(self).__name__, "value", value)

    def _sample(self, shape, rng, dtype):
        return np.full(shape, self.value, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class Zeros(Constant):
    """All zeros (Keras's bias default)."""

    def __init__(self) -> None:
        super().__init__(0.0)

    def get_config(self) -> dict[str, Any]:
        return {}


class Ones(Constant):
    """All ones (BatchNormalization's gamma default)."""

    def __init__(self) -> None:
        super().__init__(1.0)

    def get_config(self) -> dict[str, Any]:
        return {}


# -- fixed distributions -----------------------------------------------------------------
class RandomNormal(Initializer):
    """``N(mean, stddev^2)`` entries."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean = _validate.check_float(type(self).__name__, "mean", mean)
        self.stddev = _validate.check_float(type(self).__name__, "stddev", stddev, min=0.0)
        self._set_seed(seed)

    def _sample(self, shape, rng, dtype):
        return _normal(rng, shape, dtype, self.mean, self.stddev, truncated=False)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """``N(mean, stddev^2)`` redrawn until within ``mean +- 2 stddev`` (as Keras)."""

    def _sample(self, shape, rng, dtype):
        return _normal(rng, shape, dtype, self.mean, self.stddev, truncated=True)


class RandomUniform(Initializer):
    """``U[minval, maxval)`` entries."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval = _validate.check_float(type(self).__name__, "minval", minval)
        self.maxval = _validate.check_float(type(self).__name__, "maxval", maxval, min=minval)
        self._set_seed(seed)

    def _sample(self, shape, rng, dtype):
        return _uniform(rng, shape, dtype, self.minval, self.maxval)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


# -- variance scaling (Glorot / He / LeCun) ------------------------------------------------
class VarianceScaling(Initializer):
    """Entries with variance ``scale / n``, ``n`` a fan of the shape (Keras's definition).

    Parameters
    ----------
    scale : float, default 1.0
        Target variance times ``n``; ``> 0``.
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
        Which ``n``: ``fan_in``, ``fan_out`` or ``(fan_in + fan_out) / 2``.
    distribution : {"truncated_normal", "untruncated_normal", "uniform"}, default
        "truncated_normal"
        ``"normal"`` is accepted for ``"truncated_normal"``, as in Keras.

    Notes
    -----
    With :math:`\\sigma^2 = s / \\max(1, n)`:

    - truncated normal: :math:`N(0, (\\sigma / 0.8796)^2)` cut at two of its standard
      deviations, whose variance is :math:`\\sigma^2`;
    - untruncated normal: :math:`N(0, \\sigma^2)`;
    - uniform: :math:`U[-\\sqrt{3}\\sigma, \\sqrt{3}\\sigma]`, whose variance is :math:`\\sigma^2`.
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform", "normal")

    def __init__(
        self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
        seed: int | None = None,
    ) -> None:
        owner = type(self).__name__
        self.scale = _validate.check_float(owner, "scale", scale, min=0.0, min_open=True)
        self.mode = _validate.check_choice(owner, "mode", mode, self.MODES)
        _validate.check_choice(owner, "distribution", distribution, self.DISTRIBUTIONS)
        self.distribution = "truncated_normal" if distribution == "normal" else distribution
        self._set_seed(seed)

    def _sample(self, shape, rng, dtype):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        std = math.sqrt(self.scale / max(1.0, n))  # the target standard deviation sigma
        if self.distribution == "uniform":
            limit = math.sqrt(3.0) * std  # Var U[-a, a] = a^2 / 3
            return _uniform(rng, shape, dtype, -limit, limit)
        truncated = self.distribution == "truncated_normal"
        return _normal(rng, shape, dtype, 0.0, std / _TRUNCATED_STD if truncated else std, truncated)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _NamedVarianceScaling(VarianceScaling):
    """A :class:`VarianceScaling` with fixed arguments ``_args`` and no settings of its own."""

    _args: ClassVar[tuple[float, str, str]]

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self._args, seed=seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class GlorotUniform(_NamedVarianceScaling):
    """Glorot/Xavier uniform, ``U[-a, a]`` with ``a = sqrt(6 / (fan_in + fan_out))``.

    Keras's default for Dense and convolution kernels.
    """

    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_NamedVarianceScaling):
    """Glorot/Xavier normal: variance ``2 / (fan_in + fan_out)``, truncated at 2 std.

    Truncated like Keras's ``GlorotNormal`` (PyTorch's ``xavier_normal_`` is not truncated;
    the variance is the same).
    """

    _args = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_NamedVarianceScaling):
    """He/Kaiming uniform, ``U[-a, a]`` with ``a = sqrt(6 / fan_in)`` (for ReLU)."""

    _args = (2.0, "fan_in", "uniform")


class HeNormal(_NamedVarianceScaling):
    """He/Kaiming normal: variance ``2 / fan_in``, truncated at 2 std (as Keras)."""

    _args = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_NamedVarianceScaling):
    """LeCun uniform, ``U[-a, a]`` with ``a = sqrt(3 / fan_in)``."""

    _args = (1.0, "fan_in", "uniform")


class LecunNormal(_NamedVarianceScaling):
    """LeCun normal: variance ``1 / fan_in``, truncated at 2 std (as Keras; for SELU)."""

    _args = (1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``, as Keras's ``Orthogonal`` (for RNN kernels).

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; rows or columns, whichever
    are fewer, come out orthonormal.

    Notes
    -----
    ``Q, R = qr(A)`` for a standard normal ``A`` of shape ``(max(r, c), min(r, c))``;
    ``Q * sign(diag(R))`` is then Haar-distributed (uniform over orthogonal matrices).
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain = _validate.check_float(type(self).__name__, "gain", gain)
        self._set_seed(seed)

    def _sample(self, shape, rng, dtype):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of at least 2 axes, got {shape}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))  # float64 for the QR
        q, r = np.linalg.qr(a)  # (max, min) with orthonormal columns
        q *= np.sign(np.diag(r))  # fix the signs so that Q is uniformly distributed
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only), as Keras's ``Identity``."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _validate.check_float(type(self).__name__, "gain", gain)

    def _sample(self, shape, rng, dtype):
        if len(shape) != 2:
            raise ValueError(f"Identity needs a 2-D shape, got {shape}.")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


_REGISTRY: dict[str, type[Initializer]] = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "normal": RandomNormal,  # Keras's short names
    "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "xavier_uniform": GlorotUniform,
    "xavier_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
    "identity": Identity,
}

InitializerLike = Initializer | str | dict[str, Any] | Callable[..., np.ndarray]


def get(identifier: InitializerLike) -> Initializer | Callable[..., np.ndarray]:
    """Resolve an initializer instance, name, config dict or callable.

    Parameters
    ----------
    identifier : Initializer, str, dict or callable
        An instance (returned as it is); a name, case-insensitive (``"glorot_uniform"``,
        ``"he_normal"``, ``"zeros"`` ..., or the class name) with default settings;
        ``{"class_name": "RandomNormal", "config": {"stddev": 0.1}}``; or a function
        ``f(shape, rng=rng, dtype=dtype) -> ndarray``, returned as it is.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    TypeError
        For any other kind of identifier.
    """
    return _registry.resolve("initializer", _REGISTRY, Initializer, identifier, allow_callable=True)


def serialize(initializer: Initializer | Callable[..., np.ndarray]) -> dict[str, Any]:
    """``{"class_name": ..., "config": {...}}``, as Keras writes it (a plain function, which
    :func:`get` accepts, raises a ValueError: its code cannot be saved)."""
    return _registry.serialize(initializer)


def deserialize(config: dict[str, Any]) -> Initializer:
    """Rebuild an initializer from :func:`serialize`'s output."""
    return _registry.deserialize("initializer", _REGISTRY, config)


# Keras's lower-case names are the classes themselves (``keras.initializers.zeros is Zeros``),
# and ``IdentityInitializer``/``OrthogonalInitializer`` are the long names of two of them.
constant = Constant
zeros = Zeros
ones = Ones
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
identity = Identity
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
