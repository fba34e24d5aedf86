"""Small user-facing helpers at Keras's paths: ``keras.utils.set_random_seed`` and
``keras.utils.to_categorical``."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, preprocessing
from glassnet._custom_objects import (
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from glassnet.py_dataset import PyDataset

__all__ = ["PyDataset", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
           "get_registered_name", "get_registered_object", "next_model_seed",
           "register_keras_serializable", "serialize_keras_object", "set_random_seed",
           "to_categorical"]


def serialize_keras_object(obj: Any) -> Any:
    """Keras's ``utils.serialize_keras_object`` (:mod:`glassnet.saving.serialization`)."""
    from glassnet.saving.serialization import serialize_keras_object as serialize

    return serialize(obj)


def deserialize_keras_object(config: Any, custom_objects: Any = None, **kwargs: Any) -> Any:
    """Keras's ``utils.deserialize_keras_object`` (:mod:`glassnet.saving.serialization`)."""
    from glassnet.saving.serialization import deserialize_keras_object as deserialize

    return deserialize(config, custom_objects, **kwargs)

_GLOBAL_SEED: list[np.random.SeedSequence] = []


def set_random_seed(seed: int) -> None:
    """Make every model created afterwards reproducible, as ``keras.utils.set_random_seed``.

    Models created after this call without their own ``seed`` draw theirs, in order, from
    this seed; NumPy's legacy global generator is seeded too for user code that uses it.
    """
    seed = _validate.check_int("set_random_seed", "seed", seed, min=0)
    _GLOBAL_SEED[:] = [np.random.SeedSequence(int(seed))]
    np.random.seed(int(seed) % 2**32)  # noqa: NPY002 - Keras seeds the global generator too


def next_model_seed() -> np.random.SeedSequence:
    """Seed material for a model built without ``seed=``: from set_random_seed, else fresh."""
    if _GLOBAL_SEED:
        return _GLOBAL_SEED[0].spawn(1)[0]
    return np.random.SeedSequence()


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels, as ``keras.utils.to_categorical`` (float64).

    Parameters
    ----------
    x : array-like of int, shape (n,) or (n, 1)
        Labels in ``[0, num_classes)``.
    num_classes : int, optional
        Number of classes; by default ``max(x) + 1``.

    Returns
    -------
    ndarray of shape (n, num_classes), float64
        ``out[i, x[i]] = 1``, zeros elsewhere (Keras returns float64; models cast targets to
        their own dtype).
    """
    return preprocessing.to_categorical(x, num_classes, dtype="float64")
