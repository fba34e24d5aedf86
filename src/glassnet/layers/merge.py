"""Merge layers: combine several tensors into one (``Add``, ``Concatenate`` ...), as in Keras.

A merge layer follows the multi-input convention of :class:`glassnet.layers.base.Layer`:
``build``/``output_shape`` receive a list of one-sample shapes, ``forward`` a list of arrays
``[x_1, ..., x_n]``, and ``backward(dL/dy)`` returns the list ``[dL/dx_1, ..., dL/dx_n]``.
They have no parameters. The residual connection of a ResNet is ``Add()([x, f(x)])``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from glassnet.layers.base import Layer, Shape


def _batched(shape: Sequence[int | None]) -> tuple[int | None, ...]:
    """``(4,)`` -> ``(None, 4)``: shapes in messages carry the batch axis, as users see them."""
    return (None,) + tuple(shape)


def _same(a: int | None, b: int | None) -> bool:
    return a is None or b is None or a == b


class _Merge(Layer):
    """Base of the merge layers: checks the inputs, keeps the multi-input bookkeeping.

    Subclasses implement ``_merge(xs) -> y`` and ``_grads(grad_y) -> [grad_x_i]``, and may set
    ``n_inputs`` when they take an exact number of tensors.
    """

    multi_input = True
    n_inputs: int | None = None

    def _check_count(self, shapes: Sequence[Any]) -> list[tuple[int | None, ...]]:
        if not isinstance(shapes, (list, tuple)) or not all(
            isinstance(s, (list, tuple)) for s in shapes
        ):
            raise TypeError(
                f"{type(self).__name__} expects a list of input shapes (one per tensor), "
                f"got {shapes!r}."
            )
        shapes = [tuple(s) for s in shapes]
        if self.n_inputs is not None and len(shapes) != self.n_inputs:
            raise ValueError(
                f"{type(self).__name__} expects exactly {self.n_inputs} inputs, "
                f"got {len(shapes)}."
            )
        if len(shapes) < 2:
            raise ValueError(
                f"{type(self).__name__} expects a list of at least 2 inputs, got {len(shapes)}."
            )
        return shapes

    def output_shape(  # type: ignore[override]  # multi_input: a list of shapes, see Layer
        self, input_shape: Sequence[Shape]
    ) -> Shape:
        """Elementwise merges: every input has the same shape, and so has the output."""
        shapes = self._check_count(input_shape)
        first = shapes[0]
        for other in shapes[1:]:
            if len(other) != len(first) or not all(map(_same, first, other)):
                raise ValueError(
                    f"{type(self).__name__} expects inputs of equal shapes, got "
                    f"{_batched(first)} and {_batched(other)}."
                )
        return first

    def build(self, input_shape, rng=None):
        self.output_shape(input_shape)  # validates
        super().build(input_shape, rng)
        # a list of shapes for a merge layer (see Layer's multi-input notes)
        self.built_input_shape = cast(Any, tuple(tuple(s) for s in input_shape))

    def forward(self, xs, training=False):
        if not isinstance(xs, (list, tuple)):
            raise TypeError(
                f"{type(self).__name__} '{self.name}' expects a list of arrays, got "
                f"{type(xs).__name__}."
            )
        self._n = len(xs)
        return self._merge(list(xs))

    def _merge(self, xs: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def _grads(self, grad_y: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    def backward(self, grad_y):
        return self._grads(grad_y)


class Add(_Merge):
    """``y = x_1 + x_2 + ... + x_n`` (equal shapes): the residual connection.

    Notes
    -----
    Shapes: every ``x_i`` and ``y`` are (batch, ...)::

        y = sum_i x_i               forward
        dL/dx_i = dL/dy             for every i: addition passes the gradient through

    Each input gets its own copy of ``dL/dy``, so a layer downstream that writes into the
    gradient it receives cannot corrupt another branch's.
    """

    def _merge(self, xs):
        y = xs[0] + xs[1]  # a new array: the inputs stay untouched
        for x in xs[2:]:
            y += x
        return y

    def _grads(self, grad_y):
        return [grad_y] + [grad_y.copy() for _ in range(self._n - 1)]


class Subtract(_Merge):
    """``y = x_1 - x_2`` (exactly two inputs of equal shapes).

    Notes
    -----
    ::

        y = x_1 - x_2               forward
        dL/dx_1 = dL/dy,  dL/dx_2 = -dL/dy
    """

    n_inputs = 2

    def _merge(self, xs):
        return xs[0] - xs[1]

    def _grads(self, grad_y):
        return [grad_y, -grad_y]


class Multiply(_Merge):
    """``y = x_1 * x_2 * ... * x_n`` elementwise (equal shapes): gates, attention masks.

    Notes
    -----
    ::

        y = prod_i x_i                          forward
        dL/dx_i = dL/dy * prod_{j != i} x_j     the product rule, one factor left out

    The inputs are cached; the products leaving one factor out are formed directly (no
    division by ``x_i``, which may be zero).
    """

    def _merge(self, xs):
        self._cache = xs
        y = xs[0] * xs[1]
        for x in xs[2:]:
            y *= x
        return y

    def _grads(self, grad_y):
        xs = self._cache
        grads = []
        for i in range(len(xs)):
            g = grad_y.copy()
            for j, x in enumerate(xs):
                if j != i:
                    g *= x
            grads.append(g)
        return grads


class Average(_Merge):
    """``y = (x_1 + ... + x_n) / n`` elementwise (equal shapes).

    Notes
    -----
    ::

        y = (1/n) sum_i x_i          forward
        dL/dx_i = dL/dy / n          for every i
    """

    def _merge(self, xs):
        y = xs[0] + xs[1]
        for x in xs[2:]:
            y += x
        y *= 1.0 / len(xs)  # in place: keeps the inputs' dtype
        return y

    def _grads(self, grad_y):
        share = grad_y * (1.0 / self._n)
        return [share] + [share.copy() for _ in range(self._n - 1)]


class Concatenate(_Merge):
    """Join the inputs along ``axis`` (Keras's default: the last, features).

    Parameters
    ----------
    axis : int, default -1
        Axis of the batched tensors ``(batch, ...)``; the batch axis 0 cannot be joined.

    Notes
    -----
    Shapes: ``x_i`` (batch, ..., d_i, ...), ``y`` (batch, ..., d_1 + ... + d_n, ...)::

        y = [x_1 | x_2 | ... | x_n]              forward, along ``axis``
        dL/dx_i = dL/dy[..., o_i : o_i + d_i]    backward: split at the same offsets
    """

    config_keys = ("axis",)

    def __init__(self, axis: int = -1, **base: Any) -> None:
        super().__init__(**base)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis == 0:
            raise ValueError(
                f"Concatenate `axis` must be a non-zero integer (axis 0 is the batch), "
                f"got {axis!r}."
            )
        self.axis = int(axis)

    def _sample_axis(self, rank: int) -> int:
        """Position of ``axis`` in a one-sample shape of ``rank`` dimensions."""
        k = self.axis - 1 if self.axis > 0 else rank + self.axis
        if not 0 <= k < rank:
            raise ValueError(
                f"Concatenate `axis`={self.axis} is out of range for inputs of rank "
                f"{rank + 1} (batch axis included)."
            )
        return k

    def output_shape(self, input_shape):
        shapes = self._check_count(input_shape)
        first = shapes[0]
        k = self._sample_axis(len(first))
        for other in shapes[1:]:
            if len(other) != len(first) or not all(
                _same(a, b) for i, (a, b) in enumerate(zip(first, other, strict=True)) if i != k
            ):
                raise ValueError(
                    f"Concatenate expects inputs with equal shapes except along axis "
                    f"{self.axis}, got {_batched(first)} and {_batched(other)}."
                )
        sizes = [s[k] for s in shapes]
        joined = None if any(d is None for d in sizes) else sum(int(d) for d in sizes if d)
        return first[:k] + (joined,) + first[k + 1:]

    def _merge(self, xs):
        axis = self.axis  # counts the batch axis, as the arrays do
        self._cache = (axis, np.cumsum([x.shape[axis] for x in xs[:-1]]))
        return np.concatenate(xs, axis=axis)

    def _grads(self, grad_y):
        axis, offsets = self._cache
        return np.split(grad_y, offsets, axis=axis)  # views, one per input


class _Extremum(_Merge):
    """Elementwise maximum/minimum; the gradient goes to the input that won (the first, on a
    tie)."""

    _pick: Any = staticmethod(np.argmax)

    def _merge(self, xs):
        stacked = np.stack(xs)  # (n, batch, ...)
        winner = np.asarray(self._pick(stacked, axis=0))  # (batch, ...): which input gave y
        self._cache = winner
        return np.take_along_axis(stacked, winner[None], axis=0)[0]

    def _grads(self, grad_y):
        winner = self._cache
        return [np.where(winner == i, grad_y, 0.0).astype(grad_y.dtype) for i in range(self._n)]


class Maximum(_Extremum):
    """``y = max(x_1, ..., x_n)`` elementwise (equal shapes).

    Notes
    -----
    ::

        y = max_i x_i                   forward
        dL/dx_i = dL/dy where x_i won, else 0
    """

    _pick = staticmethod(np.argmax)


class Minimum(_Extremum):
    """``y = min(x_1, ..., x_n)`` elementwise (equal shapes); the gradient as :class:`Maximum`."""

    _pick = staticmethod(np.argmin)


class Dot(_Merge):
    """Dot product of two tensors along ``axes``, sample by sample (Keras's ``Dot``).

    Parameters
    ----------
    axes : int or tuple of two ints
        The axis (of the batched tensors, batch = 0) summed over, for both inputs or each.
    normalize : bool, default False
        L2-normalise both inputs along ``axes`` first: the result is the cosine similarity.

    Notes
    -----
    ``a`` (batch, *s_a) and ``b`` (batch, *s_b) with the summed axes moved last/first
    (``a`` -> (batch, P, k), ``b`` -> (batch, k, Q))::

        y[n] = a[n] @ b[n]                      (P, k) @ (k, Q) -> (P, Q)
        dL/da[n] = dL/dy[n] @ b[n]^T,   dL/db[n] = a[n]^T @ dL/dy[n]

    Two vectors (batch, k) give (batch, 1), as in Keras. With ``normalize``,
    ``u = x / |x|`` and ``dL/dx = (dL/du - u * sum(dL/du * u)) / |x|``.
    """

    config_keys = ("axes", "normalize")

    n_inputs = 2

    def __init__(self, axes: int | tuple[int, int], normalize: bool = False,
                 **base: Any) -> None:
        super().__init__(**base)
        pair = tuple(axes) if isinstance(axes, (list, tuple)) else (axes, axes)
        if len(pair) != 2 or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                                     and a != 0 for a in pair):
            raise ValueError(
                f"Dot `axes` must be a non-zero integer or a pair of them (axis 0 is the "
                f"batch), got {axes!r}.")
        self.axes = axes if isinstance(axes, int) else [int(a) for a in pair]
        self._pair = (int(pair[0]), int(pair[1]))
        self.normalize = bool(normalize)

    def _axis(self, which: int, rank: int) -> int:
        """The summed axis of input ``which`` in its batched rank ``rank``."""
        a = self._pair[which]
        k = a if a > 0 else rank + a
        if not 1 <= k < rank:
            raise ValueError(f"Dot `axes`={self.axes} is out of range for an input of rank {rank}.")
        return k

    def output_shape(self, input_shape):
        shapes = self._check_count(input_shape)
        a, b = shapes
        ka, kb = self._axis(0, len(a) + 1) - 1, self._axis(1, len(b) + 1) - 1
        if not _same(a[ka], b[kb]):
            raise ValueError(
                f"Dot needs the summed axes to have equal sizes: {_batched(a)} axis {ka + 1} "
                f"({a[ka]}) and {_batched(b)} axis {kb + 1} ({b[kb]}).")
        out = a[:ka] + a[ka + 1:] + b[:kb] + b[kb + 1:]
        return out if out else (1,)

    def _merge(self, xs):
        a, b = xs
        ka, kb = self._axis(0, a.ndim), self._axis(1, b.ndim)
        norms = None
        if self.normalize:
            na = np.sqrt(np.maximum(np.sum(a * a, axis=ka, keepdims=True), 1e-12))
            nb = np.sqrt(np.maximum(np.sum(b * b, axis=kb, keepdims=True), 1e-12))
            a, b, norms = a / na, b / nb, (na, nb)
        a3 = np.moveaxis(a, ka, -1)  # (batch, *rest_a, k)
        b3 = np.moveaxis(b, kb, 1)  # (batch, k, *rest_b)
        rest_a, rest_b = a3.shape[1:-1], b3.shape[2:]
        am = a3.reshape(len(a), -1, a3.shape[-1])  # (batch, P, k)
        bm = b3.reshape(len(b), b3.shape[1], -1)  # (batch, k, Q)
        y = np.matmul(am, bm)  # (batch, P, Q)
        self._cache = (am, bm, a3.shape, b3.shape, ka, kb, a, b, norms)
        if not rest_a and not rest_b:
            return y.reshape(len(a), 1)  # two vectors: (batch, 1), as Keras
        return y.reshape((len(a), *rest_a, *rest_b))

    def _grads(self, grad_y):
        am, bm, a3_shape, b3_shape, ka, kb, a, b, norms = self._cache
        g = grad_y.reshape(len(am), am.shape[1], bm.shape[2])  # (batch, P, Q)
        ga = np.matmul(g, bm.transpose(0, 2, 1))  # (batch, P, k)
        gb = np.matmul(am.transpose(0, 2, 1), g)  # (batch, k, Q)
        ga = np.moveaxis(ga.reshape(a3_shape), -1, ka)
        gb = np.moveaxis(gb.reshape(b3_shape), 1, kb)
        if norms is not None:  # through u = x / |x|
            na, nb = norms
            ga = (ga - a * np.sum(ga * a, axis=ka, keepdims=True)) / na
            gb = (gb - b * np.sum(gb * b, axis=kb, keepdims=True)) / nb
        return [np.ascontiguousarray(ga), np.ascontiguousarray(gb)]


# ------------------------------------------------------------------ Keras's functions
def add(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Add(**kwargs)(inputs)``: the elementwise sum of ``inputs``."""
    return Add(**kwargs)(inputs)


def subtract(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Multiply(**kwargs)(inputs)``: the elementwise product."""
    return Multiply(**kwargs)(inputs)


def average(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Average(**kwargs)(inputs)``: the elementwise mean."""
    return Average(**kwargs)(inputs)


def maximum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Maximum(**kwargs)(inputs)``: the elementwise maximum."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Minimum(**kwargs)(inputs)``: the elementwise minimum."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: Sequence[Any], axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis=axis, **kwargs)(inputs)``: the inputs joined along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Sequence[Any], axes: int | tuple[int, int], normalize: bool = False,
        **kwargs: Any) -> Any:
    """``Dot(axes, normalize, **kwargs)(inputs)``: the per-sample dot product along ``axes``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
