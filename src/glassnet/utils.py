"""Small user-facing helpers at Keras's paths: ``keras.utils.set_random_seed``,
``keras.utils.to_categorical``, ``normalize``, ``pad_sequences``, ``custom_object_scope``,
``Progbar`` ..."""

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
from glassnet.backend import clear_session
from glassnet.custom_object_scope import CustomObjectScope
from glassnet.dataset_split import pack_x_y_sample_weight, split_dataset, unpack_x_y_sample_weight
from glassnet.dtypes import standardize_dtype
from glassnet.progbar import Progbar
from glassnet.py_dataset import PyDataset
from glassnet.sequences import pad_sequences
from glassnet.timeseries import timeseries_dataset_from_array

__all__ = ["PyDataset", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
           "get_registered_name", "get_registered_object", "next_model_seed", "pad_sequences",
           "register_keras_serializable", "serialize_keras_object", "set_random_seed",
           "to_categorical"]
__all__ += ["Progbar", "clear_session", "get_source_inputs", "normalize"]
__all__ += ["CustomObjectScope", "is_keras_tensor", "pack_x_y_sample_weight", "split_dataset",
            "standardize_dtype", "timeseries_dataset_from_array", "unpack_x_y_sample_weight"]


def is_keras_tensor(x: Any) -> bool:
    """Whether ``x`` is a symbolic tensor (from ``keras.Input`` or a layer called on one)."""
    from glassnet.layers.input import SymbolicTensor

    return isinstance(x, SymbolicTensor)


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


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """``x`` divided by its ``order``-norm along ``axis``, as ``keras.utils.normalize``.

    Parameters
    ----------
    x : array-like
    axis : int, default -1
    order : int, default 2
        The norm: 2 (Euclidean), 1, ...

    Returns
    -------
    ndarray of the shape of ``x``
        A zero norm is taken as 1 (those entries stay zero).
    """
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def get_source_inputs(tensor: Any) -> list[Any]:
    """The ``Input`` tensors ``tensor`` was computed from, as ``keras.utils.get_source_inputs``.

    Parameters
    ----------
    tensor : SymbolicTensor
        An ``Input(...)`` or the output of layers called on inputs.

    Returns
    -------
    list of SymbolicTensor
        Each source once, in the order a depth-first walk from ``tensor`` meets them.
    """
    from glassnet.layers.input import SymbolicTensor

    if not isinstance(tensor, SymbolicTensor):
        raise TypeError(f"`tensor` must be a symbolic tensor (from keras.Input or a layer "
                        f"called on one), got {type(tensor).__name__}.")
    sources: list[Any] = []
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if t.node.id in seen:
            continue
        seen.add(t.node.id)
        if t.is_input:
            sources.append(t)
        stack.extend(reversed(t.node.inputs))
    return sources
