"""Keras 3's ``.keras`` file format, both ways: ``model.save('m.keras')`` / ``load_model``.

A ``.keras`` file is a zip archive (entries stored, not compressed) of three members:

- ``metadata.json``: ``{"keras_version": ..., "date_saved": ...}``;
- ``config.json``: the model's architecture, ``{"module": "keras", "class_name":
  "Sequential" | "Functional", "config": {...}}``, each layer as ``{"module": "keras.layers",
  "class_name": ..., "config": {...}, "build_config": {"input_shape": [...]}}`` (functional
  layers add ``"name"`` and ``"inbound_nodes"``);
- ``model.weights.h5``: HDF5 with one group per layer, ``layers/<key>/vars/0, 1, ...`` in the
  layer's own weight order (recurrent layers: ``layers/<key>/cell/vars/...``). ``<key>`` is
  *not* the layer's name but its class name in snake case, numbered by occurrence in
  ``model.layers`` order: ``dense``, ``dense_1``, ``conv2d`` ... Each ``vars`` group has an
  attribute ``name`` holding the layer's name.

Keras and glassnet share the layer names, arguments and weight layouts of Dense, Activation,
Dropout, Flatten, Reshape, Input, Conv2D, ZeroPadding2D, the pooling layers,
BatchNormalization, LayerNormalization, SimpleRNN, LSTM, GRU, Embedding and the merge
layers, so the translation is mostly a renaming of the envelope. What one side can express and
the other cannot (a Keras constraint, ``groups=2``, a ``Residual`` block, a GELU with the tanh
approximation as a layer's activation ...) raises an error naming the layer and the argument.
The optimizer state is not written: a model loaded in Keras is uncompiled.

Functional models: Keras orders ``model.layers`` by decreasing depth from the output (ties by
first visit in a depth-first walk from the output), and numbers the weight groups in that
order; the writer reproduces that order (:func:`.write._keras_order`).

Files: ``_common.py`` (the tables of arguments both directions share), ``write.py``
(``save_keras``), ``read.py`` (``load_keras``).
"""

from glassnet.keras_format._common import KERAS_VERSION, KerasFormatError, to_snake_case
from glassnet.keras_format.read import load_keras
from glassnet.keras_format.write import save_keras

__all__ = ["KERAS_VERSION", "KerasFormatError", "load_keras", "save_keras", "to_snake_case"]
