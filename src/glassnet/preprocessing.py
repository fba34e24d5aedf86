"""Getting arrays ready for a network: splits, scaling, standardisation, one-hot labels.

>>> from glassnet.datasets import fashion_mnist
>>> from glassnet.preprocessing import scale_to_unit, to_categorical, validation_split
>>> (x, y), (x_test, y_test) = fashion_mnist.load_data()                  # doctest: +SKIP
>>> (x, y), (x_val, y_val) = validation_split(x, y, 0.1, stratify=True, seed=0)  # doctest: +SKIP
>>> x, x_val = scale_to_unit(x), scale_to_unit(x_val)                     # doctest: +SKIP
>>> y_onehot = to_categorical(y, 10)                                      # doctest: +SKIP

Random choices come from ``seed``: an int (reproducible), a ``numpy.random.Generator``
(drawn from), or None (fresh entropy); no global state is touched.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.augmentation.transforms import as_rng

Seed = int | np.random.Generator | None


def _rng(seed: Seed) -> np.random.Generator:
    return as_rng(seed, "seed", "an int, a numpy Generator or None")


def _n_test(test_size: float | int, n: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"`test_size` must be a float in (0, 1) or an int, got {test_size!r}.")
    if isinstance(test_size, numbers.Integral):
        k = int(test_size)
    elif 0.0 < test_size < 1.0:
        k = int(np.ceil(test_size * n))
    else:
        raise ValueError(f"`test_size` as a fraction must lie in (0, 1), got {test_size!r}.")
    if not 1 <= k <= n - 1:
        raise ValueError(
            f"`test_size`={test_size!r} leaves {k} of {n} samples for testing and {n - k} for "
            "training; both parts need at least one sample."
        )
    return k


def _class_ids(labels: Any, n: int, name: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] > 1:  # one-hot rows
        labels = labels.argmax(axis=1)
    elif labels.ndim == 2:
        labels = labels[:, 0]
    if labels.shape != (n,):
        raise ValueError(f"`{name}` must have shape ({n},) to match the arrays, got {labels.shape}.")
    return np.unique(labels, return_inverse=True)[1].reshape(n)


def _stratified_test_mask(ids: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask choosing ``n_test`` samples, each class in proportion to its size."""
    n = ids.shape[0]
    counts = np.bincount(ids)
    # Largest-remainder allocation: floors of the exact shares, then one more sample to the
    # classes with the largest fractional parts until the total is exactly n_test.
    exact = counts * (n_test / n)
    alloc = np.floor(exact).astype(np.int64)
    extra = n_test - int(alloc.sum())
    alloc[np.argsort(-(exact - alloc), kind="stable")[:extra]] += 1
    # Each class's samples in random order, classes contiguous; the first alloc[c] of class c
    # go to the test part.
    perm = rng.permutation(n)
    order = perm[np.argsort(ids[perm], kind="stable")]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(n) - np.repeat(starts, counts)
    mask = np.zeros(n, dtype=bool)
    mask[order] = rank < np.repeat(alloc, counts)
    return mask


def train_test_split(
    *arrays: Any,
    test_size: float | int = 0.25,
    stratify: Any = None,
    shuffle: bool = True,
    seed: Seed = None,
) -> list[np.ndarray]:
    """Split arrays into random train and test parts, as scikit-learn's function does.

    Parameters
    ----------
    *arrays : array-likes of shape (n, ...)
        Split along the first axis, all with the same ``n``.
    test_size : float or int, default 0.25
        Fraction of the samples (rounded up) or their number in the test part.
    stratify : array-like of shape (n,) or (n, n_classes), optional
        Class labels (or one-hot rows): each class keeps its share in both parts.
    shuffle : bool, default True
        Shuffle before splitting; without it the last samples are the test part.
    seed : int, Generator or None
        Source of the shuffle.

    Returns
    -------
    list of ndarray
        ``[a_train, a_test, b_train, b_test, ...]`` -- scikit-learn's order.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array.")
    arrays = tuple(np.asarray(a) for a in arrays)
    n = arrays[0].shape[0] if arrays[0].ndim else 0
    lengths = [a.shape[0] if a.ndim else 0 for a in arrays]
    if any(m != n for m in lengths):
        raise ValueError(f"All arrays must have the same number of samples, got lengths {lengths}.")
    n_test = _n_test(test_size, n)
    if stratify is not None:
        if not shuffle:
            raise ValueError("A stratified split needs `shuffle=True`, got `shuffle=False`.")
        rng = _rng(seed)
        mask = _stratified_test_mask(_class_ids(stratify, n, "stratify"), n_test, rng)
        train_idx = rng.permutation(np.flatnonzero(~mask))
        test_idx = rng.permutation(np.flatnonzero(mask))
    elif shuffle:
        perm = _rng(seed).permutation(n)
        train_idx, test_idx = perm[n_test:], perm[:n_test]
    else:
        train_idx, test_idx = np.arange(n - n_test), np.arange(n - n_test, n)
    return [part for a in arrays for part in (a[train_idx], a[test_idx])]


def validation_split(
    x: Any,
    y: Any,
    fraction: float = 0.1,
    stratify: bool = False,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Hold out ``fraction`` of ``(x, y)`` for validation.

    Parameters
    ----------
    x : array-like of shape (n, ...)
    y : array-like of shape (n, ...)
    fraction : float, default 0.1
        Share held out, in (0, 1) (rounded up to whole samples).
    stratify : bool, default False
        Keep each class's share (``y`` holds labels or one-hot rows).
    shuffle : bool, default True
        Without it the *last* samples are held out, as Keras's ``fit(validation_split=...)``.
    seed : int, Generator or None
        Source of the shuffle.

    Returns
    -------
    (x_train, y_train), (x_val, y_val)
    """
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not (
        0.0 < fraction < 1.0
    ):
        raise ValueError(f"`fraction` must be a float in (0, 1), got {fraction!r}.")
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=float(fraction), stratify=y if stratify else None, shuffle=shuffle,
        seed=seed,
    )
    return (x_train, y_train), (x_val, y_val)


def _float_dtype(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if np.issubdtype(dtype, np.floating) else np.dtype(np.float32)


class StandardScaler:
    """Shift and scale to zero mean and unit variance, with statistics learnt on training data.

    Parameters
    ----------
    axis : int, tuple of int or None, default 0
        Axes the statistics are taken over. 0: one mean per feature/pixel (scikit-learn's);
        None: a single mean and deviation; ``(0, 1, 2)`` on ``(n, h, w, c)``: per channel.

    Attributes
    ----------
    mean_, scale_ : ndarray
        The statistics, of the input shape with ``axis`` removed. A feature that is constant
        in the training data gets ``scale_`` 1 (it is centred, not divided by zero).

    Notes
    -----
    ``transform(x) = (x - mean_) / scale_``. Integer inputs become float32; float inputs keep
    their dtype. The statistics are computed in float64.
    """

    def __init__(self, axis: int | Sequence[int] | None = 0) -> None:
        self.axis = axis if axis is None or isinstance(axis, int) else tuple(axis)
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def _axes(self, ndim: int) -> tuple[int, ...]:
        if self.axis is None:
            return tuple(range(ndim))
        axes = (self.axis,) if isinstance(self.axis, int) else self.axis
        if not all(isinstance(a, numbers.Integral) and -ndim <= a < ndim for a in axes):
            raise ValueError(
                f"StandardScaler `axis` must name axes of the {ndim}-D input, got {self.axis!r}."
            )
        return tuple(sorted({int(a) % ndim for a in axes}))

    def fit(self, x: Any) -> StandardScaler:
        """Learn the mean and standard deviation of ``x`` over ``axis``; returns self."""
        x = np.asarray(x)
        if x.size == 0:
            raise ValueError(f"StandardScaler.fit needs a non-empty array, got shape {x.shape}.")
        axes = self._axes(x.ndim)
        mean = x.mean(axis=axes, dtype=np.float64, keepdims=True)
        std = x.std(axis=axes, dtype=np.float64, keepdims=True)
        # A constant feature has std 0 up to rounding of its mean: centre it, do not divide.
        self._scale = np.where(std > 1e-12 * np.abs(mean), std, 1.0)
        self._mean = mean
        self._fitted = (x.ndim, axes, _kept(x.shape, axes), x.shape)
        self.mean_ = mean.squeeze(axis=axes)
        self.scale_ = self._scale.squeeze(axis=axes)
        return self

    def _check(self, x: Any, method: str) -> np.ndarray:
        if self.mean_ is None:
            raise ValueError(f"StandardScaler.{method} was called before `fit`.")
        x = np.asarray(x)
        ndim, axes, kept, shape = self._fitted
        if x.ndim != ndim or _kept(x.shape, axes) != kept:
            raise ValueError(
                f"StandardScaler was fitted on an array of shape {shape} (statistics over axes "
                f"{axes}), so `x` must match it outside those axes; got shape {x.shape}."
            )
        return x

    def transform(self, x: Any) -> np.ndarray:
        """``(x - mean_) / scale_``: float32 for integer ``x``, else ``x``'s dtype."""
        x = self._check(x, "transform")
        dt = _float_dtype(x.dtype)
        return ((x - self._mean.astype(dt)) / self._scale.astype(dt)).astype(dt, copy=False)

    def fit_transform(self, x: Any) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def inverse_transform(self, x: Any) -> np.ndarray:
        """``x * scale_ + mean_``: undo :meth:`transform`."""
        x = self._check(x, "inverse_transform")
        dt = _float_dtype(x.dtype)
        return (x * self._scale.astype(dt) + self._mean.astype(dt)).astype(dt, copy=False)


def _kept(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def standardize(
    x_train: Any, *others: Any, axis: int | Sequence[int] | None = 0
) -> np.ndarray | tuple[np.ndarray, ...]:
    """Standardise ``x_train`` and ``others`` with statistics learnt on ``x_train`` alone.

    Parameters
    ----------
    x_train : array-like of shape (n, ...)
        The statistics come from here only (never from test data: that would leak it).
    *others : array-likes
        E.g. the validation and test sets, transformed with the same statistics.
    axis : int, tuple of int or None, default 0
        See :class:`StandardScaler`.

    Returns
    -------
    ndarray, or tuple of ndarray when ``others`` are given
        ``x_train`` standardised (then each of ``others``).
    """
    scaler = StandardScaler(axis=axis).fit(x_train)
    if not others:
        return scaler.transform(x_train)
    return tuple(scaler.transform(a) for a in (x_train, *others))


def scale_to_unit(
    x: Any, max_value: float | None = None, dtype: Any = "float32"
) -> np.ndarray:
    """Map grey levels ``0..max_value`` to ``[0, 1]``: ``x / max_value`` as ``dtype``.

    Parameters
    ----------
    x : array-like
        Pixel values in ``[0, max_value]``, e.g. uint8 images.
    max_value : float, optional
        The brightest level: by default 255 for uint8 and 65535 for uint16; required for any
        other dtype (e.g. 16 for :mod:`glassnet.datasets.digits`).
    dtype : dtype, default "float32"
        A floating dtype for the result.

    Returns
    -------
    ndarray of the shape of ``x``, values in [0, 1]
    """
    x = np.asarray(x)
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"`dtype` must be a floating dtype, got {dt}.")
    if max_value is None:
        if x.dtype not in (np.uint8, np.uint16):
            raise TypeError(
                f"`max_value` is needed for arrays of dtype {x.dtype}; it defaults only for "
                "uint8 (255) and uint16 (65535)."
            )
        max_value = float(np.iinfo(x.dtype).max)
    elif isinstance(max_value, bool) or not isinstance(max_value, numbers.Real) or not (
        np.isfinite(max_value) and max_value > 0
    ):
        raise ValueError(f"`max_value` must be a finite number > 0, got {max_value!r}.")
    if x.size and (x.min() < 0 or x.max() > max_value):
        raise ValueError(
            f"`x` must lie in [0, max_value={max_value:g}], got values from {x.min()} to "
            f"{x.max()}."
        )
    return (x.astype(dt) / dt.type(max_value)).astype(dt, copy=False)


def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = "float32") -> np.ndarray:
    """One-hot encode integer class labels, as Keras's ``to_categorical``.

    Parameters
    ----------
    y : array-like of int, shape (n,) or (n, 1) (any shape; a trailing axis of 1 is dropped)
        Labels in ``[0, num_classes)``.
    num_classes : int, optional
        Number of classes; by default ``max(y) + 1``.
    dtype : dtype, default "float32"

    Returns
    -------
    ndarray of shape (n, num_classes)
        ``out[i, y[i]] = 1``, zeros elsewhere.
    """
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.dtype.kind not in "biuf":
        raise TypeError(f"`y` must hold integer class labels, got dtype {y.dtype}.")
    if y.dtype.kind == "f" and y.size and not np.all(np.mod(y, 1) == 0):
        raise ValueError("`y` must hold integer class labels, got non-integer floats.")
    labels = y.astype(np.int64)
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("`num_classes` is needed when `y` is empty.")
        num_classes = int(labels.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or (
        num_classes < 1
    ):
        raise ValueError(f"`num_classes` must be a positive int, got {num_classes!r}.")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"`y` must hold labels in [0, {num_classes}) for num_classes={num_classes}, got "
            f"values from {labels.min()} to {labels.max()}."
        )
    out = np.zeros(labels.shape + (int(num_classes),), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out
