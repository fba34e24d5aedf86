"""Saving and loading models: glassnet's ``.npz`` file and Keras 3's ``.keras`` file.

``save_model(model, "m.npz")`` / ``load_model("m.npz")``: glassnet's own format (see
:mod:`glassnet.saving.npz`): architecture, weights, compile settings, optimizer state,
history and random streams, so ``fit`` resumes exactly. A path ending in ``.keras`` reads
and writes Keras 3's format instead (:mod:`glassnet.saving.keras_read`,
:mod:`glassnet.saving.keras_write`; functional graphs with several inputs and outputs,
shared layers and nested models: :mod:`glassnet.saving.keras_graph`), which Keras itself
loads; ``save_weights``/``load_weights`` with a ``.weights.h5`` path use Keras's weights file
(:mod:`glassnet.saving.keras_weights`).

Both readers treat a file as hostile: nothing larger than the file backs is allocated or
inflated, special files are refused, JSON is bounded in size and depth, HDF5 is read with a
time bound, and a loaded model is checked completely (weights and optimizer slots) before
it is returned; every problem is a :class:`ModelFileError` naming the file. Writes are
atomic, and a killed writer's temporary file is removed by the next save or load.

This package depends on :mod:`glassnet.models`, never the other way round:
``Model.save`` imports it when called, as Keras does.
"""

from glassnet._custom_objects import (
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from glassnet.custom_object_scope import CustomObjectScope
from glassnet.errors import KerasFormatError, ModelFileError
from glassnet.saving.api import load_model, load_weights, save_model, save_weights
from glassnet.saving.keras_common import KERAS_VERSION, to_snake_case
from glassnet.saving.keras_read import load_keras
from glassnet.saving.keras_write import save_keras
from glassnet.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = [
    "CustomObjectScope",
    "KERAS_VERSION",
    "KerasFormatError",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "ModelFileError",
    "load_keras",
    "load_model",
    "load_weights",
    "save_keras",
    "save_model",
    "save_weights",
    "serialize_keras_object",
    "to_snake_case",
]
