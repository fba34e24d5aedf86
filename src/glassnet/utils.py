"""Small user-facing helpers: seeding and label encoding."""

from __future__ import annotations

import numpy as np

_GLOBAL_SEED: list[np.random.SeedSequence] = []


def set_random_seed(seed: int) -> None:
    """Make every model created afterwards reproducible, as ``keras.utils.set_random_seed``.

    Models created after this call without their own ``seed`` draw theirs, in order, from
    this seed; NumPy's legacy global generator is seeded too for user code that uses it.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, got {seed!r}.")
    _GLOBAL_SEED[:] = [np.random.SeedSequence(int(seed))]
    np.random.seed(int(seed) % 2**32)  # noqa: NPY002 - Keras seeds the global generator too


def next_model_seed() -> np.random.SeedSequence:
    """Seed material for a model built without ``seed=``: from set_random_seed, else fresh."""
    if _GLOBAL_SEED:
        return _GLOBAL_SEED[0].spawn(1)[0]
    return np.random.SeedSequence()


def to_categorical(y, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer labels: ``(n,)`` -> ``(n, num_classes)`` (Keras's function).

    Raises
    ------
    ValueError
        If labels are negative, not integers, or not below ``num_classes``.
    """
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        raise ValueError("`y` must hold integer class labels, got non-integer values.")
    if y.size and y.dtype.kind not in "iufb":
        raise ValueError(f"`y` must hold integer class labels, got dtype {y.dtype}.")
    labels = y.astype(np.intp)
    if labels.size and labels.min() < 0:
        raise ValueError(f"`y` must hold non-negative labels, got minimum {labels.min()}.")
    top = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = top
    elif top > num_classes:
        raise ValueError(
            f"`num_classes` is {num_classes} but `y` holds the label {top - 1}."
        )
    out = np.zeros(labels.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out
