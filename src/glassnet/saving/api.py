"""The four entry points, choosing the format by the path's suffix (``.keras``, ``.weights.h5``
for weights, or ``.npz``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from glassnet._custom_objects import custom_object_scope
from glassnet.errors import ModelFileError
from glassnet.models.model import Model
from glassnet.saving import keras_read, keras_weights, keras_write, npz


def _path(filepath: Any, argument: str = "filepath") -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"`{argument}` must be a path (str or os.PathLike), got "
                        f"{type(filepath).__name__} {filepath!r}.")
    return os.fspath(filepath)


def _is_keras(path: str) -> bool:
    return path.endswith(".keras")


def save_model(model: Model, filepath: str | os.PathLike[str],
               include_optimizer: bool = True) -> None:
    """Write ``model`` to ``filepath`` atomically: Keras 3's format for ``.keras``, glassnet's
    ``.npz`` otherwise (architecture, weights, compile settings, optimizer state, history).

    Raises
    ------
    ValueError
        For a ``.h5``/``.hdf5`` path (Keras's legacy format, which glassnet does not write).
    """
    path = _path(filepath)
    if os.path.isdir(path):
        raise ValueError(f"`filepath` {path!r} is a directory; give a file name such as "
                         f"{os.path.join(path, 'model.npz')!r}.")
    if path.endswith((".h5", ".hdf5")):
        raise ValueError(
            f"`filepath` {path!r} asks for Keras's legacy HDF5 format, which glassnet does not "
            "write; use a '.keras' path (Keras 3's format) or '.npz' (glassnet's).")
    if _is_keras(path):
        keras_write.save_keras(model, path, include_optimizer=include_optimizer)
    else:
        npz.save_model(model, path, include_optimizer=include_optimizer)


def load_model(filepath: str | os.PathLike[str], custom_objects: Mapping[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True) -> Model:
    """Rebuild a model saved by :func:`save_model` (or by Keras, for ``.keras``), compiled
    when the file says how (``compile=False`` skips it). Keras's signature.

    Parameters
    ----------
    filepath : str or os.PathLike
    custom_objects : mapping, optional
        Names of custom functions (an activation ``custom_fn``), as Keras takes them; custom
        ``Layer`` subclasses are found by their class name and need no entry.
    compile : bool, default True
    safe_mode : bool, default True
        Accepted for Keras programs: glassnet never loads code (no pickle, no lambdas), so
        every load is safe.

    Raises
    ------
    ModelFileError
        For a missing, special, truncated, corrupt, forged or foreign file (``.keras``:
        :class:`KerasFormatError`, a subclass), naming the file and what was wrong.
    TypeError
        For ``custom_objects`` that is not a mapping.
    """
    if custom_objects is not None and not isinstance(custom_objects, Mapping):
        raise TypeError(f"`custom_objects` must be a dict or None, got "
                        f"{type(custom_objects).__name__}.")
    if not isinstance(filepath, (str, os.PathLike)):
        raise ModelFileError(f"`filepath` must be a path (str or os.PathLike), got "
                             f"{type(filepath).__name__} {filepath!r}.")
    path = os.fspath(filepath)
    with custom_object_scope(custom_objects):
        if _is_keras(path):
            return keras_read.load_keras(path, compile=compile)
        return npz.load_model(path, compile=compile)


def _is_keras_weights(path: str) -> bool:
    return path.endswith(".weights.h5")


def save_weights(model: Model, filepath: str | os.PathLike[str]) -> None:
    """Weights only, atomically: Keras 3's ``.weights.h5`` layout for a path ending so
    (Keras's ``load_weights`` reads it), else an ``.npz`` in ``get_weights`` order."""
    path = _path(filepath)
    if _is_keras_weights(path):
        keras_write.save_weights_h5(model, path)
    else:
        npz.save_weights(model, path)


def load_weights(model: Model, filepath: str | os.PathLike[str]) -> None:
    """Read weights saved by :func:`save_weights` or :func:`save_model` (``.npz``), or by
    Keras (a ``.weights.h5`` file, or a ``.keras`` file's weights: layer groups matched as
    Keras matches them, by layer class and position). A bad file raises
    :class:`ModelFileError` and leaves ``model`` unchanged."""
    if not isinstance(filepath, (str, os.PathLike)):
        raise ModelFileError(f"`filepath` must be a path (str or os.PathLike), got "
                             f"{type(filepath).__name__} {filepath!r}.")
    path = os.fspath(filepath)
    if _is_keras(path) or _is_keras_weights(path):
        keras_weights.load_keras_weights(model, path)
        return
    npz.load_weights(model, path)
