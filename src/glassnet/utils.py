"""Small user-facing helpers: seeding and label encoding."""

from __future__ import annotations

import numpy as np

from glassnet.preprocessing import to_categorical

__all__ = ["next_model_seed", "set_random_seed", "to_categorical"]

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
