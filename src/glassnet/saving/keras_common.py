"""Keras 3's ``.keras`` file format, both ways: ``model.save('m.keras')`` / ``load_model``.

A ``.keras`` file is a zip archive (entries stored, not compressed) of three members:

- ``metadata.json``: ``{"keras_version": ..., "date_saved": ...}``;
- ``config.json``: the model's architecture, ``{"module": "keras", "class_name":
  "Sequential" | "Functional", "config": {...}}``, each layer as ``{"module": "keras.layers",
  "class_name": ..., "config": {...}, "build_config": {"input_shape": [...]}}`` (functional
  layers add ``"name"`` and ``"inbound_nodes"``);
- ``model.weights.h5``: HDF5 with one group per layer (a nested model's layers in groups under
  its own, ``layers/functional/layers/dense/vars``), ``layers/<key>/vars/0, 1, ...`` in the
  layer's own weight order (recurrent layers: ``layers/<key>/cell/vars/...``; layers whose
  weights Keras keeps in sublayers, MultiHeadAttention and the wrappers TimeDistributed and
  Bidirectional, in ``layers/<key>/<sublayer>/.../vars``: see :func:`weight_paths`). ``<key>`` is
  *not* the layer's name but its class name in snake case, numbered by occurrence in
  ``model.layers`` order: ``dense``, ``dense_1``, ``conv2d`` ... Each ``vars`` group has an
  attribute ``name`` holding the layer's name.

Keras and glassnet share the layer names, arguments and weight layouts of Dense, Activation,
Dropout, Flatten, Reshape, Input, Conv2D, ZeroPadding2D, the pooling layers,
BatchNormalization, LayerNormalization, SimpleRNN, LSTM, GRU, Embedding, the merge layers and
the Keras-parity layers (ReLU, Conv1D, Conv2DTranspose, the wrappers, the attention layers,
the preprocessing layers ...), so the translation is mostly a renaming of the envelope; a
wrapper's inner layer is translated the same way. Two call arguments of Keras are layer
arguments in glassnet: MultiHeadAttention's ``key`` tensor (a third input) and
``use_causal_mask`` (the attention layers). What one side can express and
the other cannot (a Keras constraint, ``groups=2``, a ``Residual`` block, a GELU with the tanh
approximation as a layer's activation ...) raises an error naming the layer and the argument.
A compiled model's ``config.json`` carries Keras's ``compile_config`` (optimizer, loss,
metrics: Keras loads it compiled, with a fresh optimizer state), and glassnet adds a member
``glassnet.npz`` (its own optimizer state, history and random streams) that Keras ignores,
so a model loaded in glassnet resumes training exactly.

Functional models: Keras orders ``model.layers`` by decreasing depth from the outputs (ties
by first visit in a depth-first walk from the outputs), and numbers the weight groups in that
order; the writer reproduces that order. Several inputs and outputs (lists or dicts), shared
layers (one ``inbound_nodes`` entry per call) and nested models (an entry ``"Functional"`` or
``"Sequential"`` holding the model's own config; its weights under
``layers/<key>/layers/...``) go both ways: :mod:`glassnet.saving.keras_graph`.

Files: ``keras_common.py`` (this: the tables of arguments both directions share),
``keras_graph.py`` (a functional model's graph, both ways), ``keras_write.py``
(``save_keras``), ``keras_read.py`` (``load_keras``).
"""

from __future__ import annotations

import re
from typing import Any

from glassnet.errors import KerasFormatError

#: The Keras version whose layout this module writes (readers check nothing but the layout).
KERAS_VERSION = "3.5.0"
_BASE_KEYS = {"name", "trainable"}
# Keras arguments glassnet has no counterpart for, and the value that means "not used".
_ANY = object()
_HARMLESS = {
    "kernel_constraint": None, "bias_constraint": None, "recurrent_constraint": None,
    "embeddings_constraint": None, "beta_constraint": None, "gamma_constraint": None,
    "activity_regularizer": None, "quantization_config": None, "groups": 1,
    "noise_shape": None, "synchronized": False, "renorm": False, "renorm_clipping": None,
    "renorm_momentum": _ANY, "rms_scaling": False, "zero_output_for_mask": _ANY,
    "lora_rank": None, "lora_alpha": None, "data_format": "channels_last", "dtype": _ANY,
    "input_length": None,
}
_KERAS_INITIALIZER_KEYS = {
    "Orthogonal": {"gain"}, "RandomUniform": {"minval", "maxval"},
    "RandomNormal": {"mean", "stddev"}, "TruncatedNormal": {"mean", "stddev"},
    "Constant": {"value"}, "VarianceScaling": {"scale", "mode", "distribution"},
    "Zeros": set(), "Ones": set(), "GlorotUniform": set(), "GlorotNormal": set(),
    "HeUniform": set(), "HeNormal": set(), "LecunUniform": set(), "LecunNormal": set(),
}
_ACTIVATION_DEFAULTS = {"leaky_relu": {"alpha": 0.2}, "elu": {"alpha": 1.0},
                        "gelu": {"approximate": False}, "celu": {"alpha": 1.0},
                        "squareplus": {"b": 4.0}, "soft_shrink": {"threshold": 0.5},
                        "hard_shrink": {"threshold": 0.5}}
_RECURRENT = {"SimpleRNN", "LSTM", "GRU"}
_CELL_NAMES = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}
_UNSUPPORTED = {
    "Residual": "Keras has no Residual layer; build the block with the functional API "
                "(Add()([x, f(x)])) to save it as .keras",
    "RandomAugmentation": "its augmenter has no Keras counterpart",
    "Lambda": "its function is code, which glassnet does not write into files; create the "
              "Lambda again from code after loading the rest",
}
#: Layers whose weights Keras keeps in sublayers, in glassnet's weight order.
_MHA_PARTS = ("query_dense", "key_dense", "value_dense", "output_dense")
#: Sublayers of a wrapper: ``(config key holding the inner layer, its group in the file)``.
_WRAPPED = {"TimeDistributed": (("layer", "layer"),),
            "Bidirectional": (("layer", "forward_layer"), ("backward_layer", "backward_layer"))}



def to_snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case``: ``Conv2D`` -> ``conv2d``, ``SimpleRNN`` -> ``simple_rnn``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _group_keys(class_names: list[str]) -> list[str]:
    """Keras's weight-group keys for layers of these classes, in ``model.layers`` order."""
    used: dict[str, int] = {}
    keys = []
    for cls in class_names:
        key = to_snake_case(cls)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keys.append(key)
    return keys


def weight_paths(entry: Any) -> list[str]:
    """Where Keras keeps a layer's weights, relative to its group ``layers/<key>``: the
    ``vars`` groups whose datasets, concatenated in this order, are the layer's weights in
    glassnet's order. ``entry`` is a layer's ``{"class_name", "config"}`` (Keras's or
    glassnet's: the wrappers name their inner layers under the same keys).

    Plain layers: ``["vars"]``; recurrent layers: ``["cell/vars"]``; MultiHeadAttention:
    its four projections ``query_dense/vars`` ... ``output_dense/vars``; a wrapper: its inner
    layers' paths under ``layer/`` (TimeDistributed) or ``forward_layer/`` and
    ``backward_layer/`` (Bidirectional, whose backward layer defaults to the forward one's
    configuration).
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise KerasFormatError(f"A layer entry must be a mapping with a 'config', got "
                               f"{str(entry)[:80]!r}.")
    cls, config = entry.get("class_name"), entry["config"]
    if cls in _RECURRENT:
        return ["cell/vars"]
    if cls == "MultiHeadAttention":
        return [f"{part}/vars" for part in _MHA_PARTS]
    paths = []
    for key, group in _WRAPPED.get(str(cls), ()):
        inner = config.get(key) or config.get("layer")
        paths += [f"{group}/{path}" for path in weight_paths(inner)]
    return paths or ["vars"]
