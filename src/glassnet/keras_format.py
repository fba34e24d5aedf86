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
order; the writer reproduces that order (:func:`_keras_order`).
"""

from __future__ import annotations

import datetime
import inspect
import io
import json
import os
import re
import zipfile
from typing import Any

import numpy as np

from glassnet import activations, initializers, regularizers
from glassnet._atomic import atomic_write
from glassnet.layers.base import Layer, layer_class
from glassnet.models.saving import ModelFileError

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
                        "gelu": {"approximate": False}}
_KERAS_ACTIVATION_LAYERS = {"ReLU", "LeakyReLU", "Softmax", "ELU"}
_RECURRENT = {"SimpleRNN", "LSTM", "GRU"}
_CELL_NAMES = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}
_UNSUPPORTED = {
    "Residual": "Keras has no Residual layer; build the block with the functional API "
                "(Add()([x, f(x)])) to save it as .keras",
    "RandomAugmentation": "its augmenter has no Keras counterpart",
}


class KerasFormatError(ModelFileError):
    """A ``.keras`` file is corrupt, or holds something glassnet cannot represent."""


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


# =============================================================================== writing
def _dtype_policy(dtype: Any) -> dict[str, Any]:
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": np.dtype(dtype or "float32").name}, "registered_name": None}


def _keras_activation(value: Any, where: str) -> str:
    act = activations.get(value)
    config = act.get_config()
    if config and config != _ACTIVATION_DEFAULTS.get(act.name):
        raise ValueError(
            f"{where}: the activation {act.name} with {config} has no Keras activation "
            f"string (Keras's '{act.name}' means {_ACTIVATION_DEFAULTS.get(act.name, {})}); "
            "use a separate Activation layer or the default setting."
        )
    return act.name


def _keras_initializer(value: Any) -> dict[str, Any] | None:
    config = initializers.serialize(initializers.get(value))  # type: ignore[arg-type]
    keys = _KERAS_INITIALIZER_KEYS.get(config["class_name"])
    if keys is None:
        return None  # Keras's default is used; the weights are written anyway
    inner = {k: v for k, v in config.get("config", {}).items() if k in keys}
    return {"module": "keras.initializers", "class_name": config["class_name"],
            "config": inner, "registered_name": None}


def _keras_regularizer(value: Any, where: str) -> dict[str, Any] | None:
    if value is None:
        return None
    config = regularizers.serialize(regularizers.get(value))  # type: ignore[arg-type]
    if config["class_name"] not in ("L1", "L2", "L1L2"):
        raise ValueError(f"{where}: the regularizer {config} has no Keras counterpart.")
    return {"module": "keras.regularizers", **config, "registered_name": None}


def _layer_to_keras(layer: Any) -> dict[str, Any]:
    """``{"module", "class_name", "config", "registered_name", "build_config"}`` of a layer."""
    cls = type(layer).__name__
    where = f"Layer '{layer.name}' ({cls})"
    if cls in _UNSUPPORTED:
        raise ValueError(f"{where} cannot be saved in the Keras format: {_UNSUPPORTED[cls]}.")
    config = layer.get_config()
    if cls == "InputLayer":
        return {"module": "keras.layers", "class_name": "InputLayer",
                "config": {"batch_shape": [None, *layer.input_shape],
                           "dtype": np.dtype(layer.dtype or "float32").name, "sparse": False,
                           "ragged": False, "name": layer.name},
                "registered_name": None}
    out: dict[str, Any] = {"name": layer.name, "trainable": layer.trainable,
                           "dtype": _dtype_policy(layer.dtype)}
    keras_class = cls
    for key, value in config.items():
        if key in ("name", "trainable", "input_shape", "dtype") or (
                key == "input_dim" and cls != "Embedding") or (
                key == "input_length" and cls == "Embedding"):
            continue
        if key.endswith("_initializer"):
            converted = _keras_initializer(value)
            if converted is not None:
                out[key] = converted
        elif key.endswith("_regularizer"):
            out[key] = _keras_regularizer(value, where)
        elif key in ("activation", "recurrent_activation"):
            if cls == "Activation":
                act: Any = activations.get(value)
                if act.name == "leaky_relu":
                    keras_class, out = "LeakyReLU", {**out, "negative_slope": act.alpha}
                    continue
                if act.name == "elu":
                    keras_class, out = "ELU", {**out, "alpha": act.alpha}
                    continue
            out[key] = _keras_activation(value, where)
        elif key in ("padding", "kernel_size", "strides", "pool_size", "dilation_rate",
                     "target_shape") and isinstance(value, (list, tuple)):
            out[key] = json.loads(json.dumps(value))  # tuples -> lists
        else:
            out[key] = value
    if cls in ("Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
               "GlobalMaxPooling2D", "Flatten", "ZeroPadding2D"):
        out["data_format"] = "channels_last"
    if cls == "LayerNormalization" and not isinstance(out.get("axis"), list):
        out["axis"] = [out.get("axis", -1)]
    entry = {"module": "keras.layers", "class_name": keras_class, "config": out,
             "registered_name": None}
    if layer.built_input_shape is not None:
        shape: Any = layer.built_input_shape
        if getattr(layer, "multi_input", False):
            entry["build_config"] = {"input_shape": [[None, *s] for s in shape]}
        else:
            entry["build_config"] = {"input_shape": [None, *shape]}
    return entry


def _keras_order(model: Any) -> list[Any]:
    """The functional model's nodes in Keras's ``model.layers`` order (see module notes)."""
    out_node = model._output.node
    index: dict[int, int] = {}
    post: list[Any] = []
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(out_node, False)]
    while stack:  # iterative depth-first walk from the output, inputs in call order
        node, expanded = stack.pop()
        if expanded:
            if node.id not in done:
                done.add(node.id)
                post.append(node)
            continue
        if node.id in done:
            continue
        index.setdefault(node.id, len(index))
        stack.append((node, True))
        stack.extend((t.node, False) for t in reversed(node.inputs))
    depth: dict[int, int] = {}
    for node in reversed(post):
        d = depth.setdefault(node.id, 0)
        for t in node.inputs:
            depth[t.node.id] = max(d + 1, depth.get(t.node.id, 0))
    return sorted(post, key=lambda n: (-depth[n.id], index[n.id]))


def _tensor_ref(tensor: Any, dtype: str) -> dict[str, Any]:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(tensor.shape), "dtype": dtype,
                       "keras_history": [tensor.node.layer.name, 0, 0]}}


def _model_config(model: Any) -> tuple[dict[str, Any], list[Layer]]:
    """The config.json document and the layers in Keras's ``model.layers`` order."""
    dtype = model.dtype.name
    if type(model).__name__ == "Sequential":
        layers = list(model.layers)
        entries = [{"module": "keras.layers", "class_name": "InputLayer",
                    "config": {"batch_shape": list(model.input_shape), "dtype": dtype,
                               "sparse": False, "ragged": False, "name": "input_layer"},
                    "registered_name": None}]
        entries += [_layer_to_keras(layer) for layer in layers]
        inner = {"name": model.name, "trainable": True, "dtype": _dtype_policy(dtype),
                 "layers": entries, "build_input_shape": list(model.input_shape)}
        doc = {"module": "keras", "class_name": "Sequential", "config": inner,
               "registered_name": None, "build_config": {"input_shape": list(model.input_shape)}}
        return doc, layers
    nodes = _keras_order(model)
    entries = []
    for node in nodes:
        entry = _layer_to_keras(node.layer)
        entry["name"] = node.layer.name
        refs = [_tensor_ref(t, dtype) for t in node.inputs]
        if not refs:
            entry["inbound_nodes"] = []
        else:
            args = refs if getattr(node.layer, "multi_input", False) else refs[0]
            entry["inbound_nodes"] = [{"args": [args], "kwargs": {}}]
        entries.append(entry)
    inner = {"name": model.name, "trainable": True, "layers": entries,
             "input_layers": [model._input.node.layer.name, 0, 0],
             "output_layers": [model._output.node.layer.name, 0, 0]}
    doc = {"module": "keras.src.models.functional", "class_name": "Functional", "config": inner,
           "registered_name": "Functional", "build_config": {"input_shape": None}}
    return doc, [node.layer for node in nodes]


def _weights_h5(model_name: str, layers: list[Layer]) -> bytes:
    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("layers")
        for key, layer in zip(_group_keys([_keras_class(layer) for layer in layers]), layers,
                              strict=True):
            group = f.create_group(f"layers/{key}/vars")
            group.attrs["name"] = str(layer.name)
            cls = type(layer).__name__
            if cls in _RECURRENT:
                group = f.create_group(f"layers/{key}/cell/vars")
                group.attrs["name"] = _CELL_NAMES[cls]
            for i, w in enumerate(layer.get_weights()):
                group.create_dataset(str(i), data=w)
        f.create_group("vars").attrs["name"] = model_name
    return buf.getvalue()


def _keras_class(layer: Any) -> str:
    if type(layer).__name__ == "Activation":
        name = layer.activation.name
        return {"leaky_relu": "LeakyReLU", "elu": "ELU"}.get(name, "Activation")
    return type(layer).__name__


def save_keras(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` archive, atomically.

    Raises
    ------
    ValueError
        Naming the first layer (and argument) that Keras cannot represent.
    """
    if not model.built:
        model.build()
    doc, layers = _model_config(model)
    weights = _weights_h5(model.name, layers)
    meta = {"keras_version": KERAS_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    with atomic_write(filepath, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        zf.writestr("config.json", json.dumps(doc))
        zf.writestr("model.weights.h5", weights)


# =============================================================================== reading
def _plain(value: Any) -> Any:
    """A Keras serialized object ``{"class_name", "config", ...}`` -> ``{"class_name", "config"}``."""
    if isinstance(value, dict) and "class_name" in value:
        return {"class_name": value["class_name"], "config": value.get("config") or {}}
    return value


def _from_keras_activation(value: Any, where: str) -> Any:
    if isinstance(value, dict):  # {"class_name": "function", "config": "relu"} and the like
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    try:
        return activations.serialize(activations.get(value))
    except (ValueError, TypeError) as exc:
        raise KerasFormatError(f"{where}: {exc}") from None


def _from_keras_initializer(value: Any) -> Any:
    plain = _plain(value)
    if not isinstance(plain, dict):
        return plain
    try:
        cls = type(initializers.get(plain["class_name"]))
        accepted = set(inspect.signature(cls).parameters)
        return initializers.serialize(initializers.get(  # type: ignore[arg-type]
            {"class_name": plain["class_name"],
             "config": {k: v for k, v in plain["config"].items() if k in accepted}}))
    except (ValueError, TypeError, KeyError):
        return None  # an initializer glassnet lacks: irrelevant once the weights are loaded


def _layer_from_keras(entry: dict[str, Any]) -> Any:
    cls = entry.get("class_name")
    config = dict(entry.get("config") or {})
    where = f"Keras layer '{config.get('name')}' ({cls})"
    if cls == "InputLayer":
        shape = config.get("batch_shape") or [None, *config.get("shape", [])]
        input_layer: Any = layer_class("InputLayer")
        return input_layer(shape=tuple(shape[1:]), name=config.get("name"))
    if cls in _KERAS_ACTIVATION_LAYERS:
        act: Any = {"ReLU": "relu", "Softmax": "softmax"}.get(cls)
        if cls == "ReLU" and (config.get("max_value") is not None
                              or config.get("negative_slope", 0) or config.get("threshold", 0)):
            raise KerasFormatError(f"{where}: only the plain ReLU (no max_value, slope, "
                                   "threshold) has a glassnet counterpart.")
        if cls == "Softmax" and config.get("axis", -1) != -1:
            raise KerasFormatError(f"{where}: glassnet's softmax acts on the last axis only.")
        if cls == "LeakyReLU":
            act = activations.LeakyReLU(alpha=config.get("negative_slope", 0.3))
        if cls == "ELU":
            act = activations.ELU(alpha=config.get("alpha", 1.0))
        activation_layer: Any = layer_class("Activation")
        return activation_layer(act, name=config.get("name"), trainable=config.get("trainable", True))
    try:
        target = layer_class(str(cls))
    except ValueError:
        raise KerasFormatError(f"{where} has no glassnet counterpart.") from None
    accepted = set(inspect.signature(target.__init__).parameters) | _BASE_KEYS
    for klass in target.__mro__[1:]:  # **kwargs passed on to a parent (recurrent layers)
        if klass is Layer:
            break
        accepted |= set(inspect.signature(klass.__init__).parameters)  # type: ignore[misc]
    kwargs: dict[str, Any] = {}
    for key, value in config.items():
        if key == "dtype":
            continue  # the model's dtype applies (float32)
        if key not in accepted:
            default = _HARMLESS.get(key, inspect.Parameter.empty)
            if default is _ANY or (default is not inspect.Parameter.empty and value == default):
                continue
            raise KerasFormatError(
                f"{where} uses `{key}`={value!r}, which glassnet's {cls} does not support.")
        if key.endswith("_initializer"):
            value = _from_keras_initializer(value)
            if value is None:
                continue
        elif key.endswith("_regularizer"):
            value = _plain(value)
        elif key in ("activation", "recurrent_activation"):
            value = _from_keras_activation(value, where)
        kwargs[key] = value
    try:
        return target.from_config(kwargs)
    except (ValueError, TypeError, NotImplementedError) as exc:
        raise KerasFormatError(f"{where} cannot be rebuilt in glassnet: {exc}") from None


def _inbound(entry: dict[str, Any], where: str) -> list[str]:
    nodes = entry.get("inbound_nodes") or []
    if len(nodes) > 1:
        raise KerasFormatError(f"{where} is called {len(nodes)} times (a shared layer); "
                               "glassnet calls each layer once.")
    if not nodes:
        return []
    args = nodes[0].get("args", []) if isinstance(nodes[0], dict) else nodes[0]
    flat: list[Any] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
            flat.append(obj["config"]["keras_history"][0])
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item)
    walk(args)
    return flat


def _read_archive(filepath: str | os.PathLike[str]) -> tuple[dict[str, Any], Any]:
    import h5py

    try:
        with zipfile.ZipFile(filepath) as zf:
            names = set(zf.namelist())
            missing = {"config.json", "model.weights.h5"} - names
            if missing:
                raise KerasFormatError(
                    f"{str(filepath)!r} is not a Keras 3 .keras file: it lacks {sorted(missing)}.")
            for info in zf.infolist():  # no zip bomb: deflate expands at most ~1032:1
                if info.file_size > 1032 * info.compress_size + (1 << 20):
                    raise KerasFormatError(
                        f"{str(filepath)!r}: the member {info.filename!r} claims "
                        f"{info.file_size} bytes from {info.compress_size}; the file is corrupt.")
            doc = json.loads(zf.read("config.json"))
            weights = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
    except KerasFormatError:
        raise
    except FileNotFoundError as exc:
        raise KerasFormatError(f"Cannot read {str(filepath)!r}: {exc}") from exc
    except (zipfile.BadZipFile, OSError, ValueError, UnicodeDecodeError, KeyError,
            NotImplementedError, RuntimeError, EOFError) as exc:  # zipfile's, h5py's, json's
        raise KerasFormatError(
            f"{str(filepath)!r} is not a readable .keras file (truncated or corrupt?): {exc}"
        ) from None
    if not isinstance(doc, dict) or "config" not in doc:
        raise KerasFormatError(f"The config.json of {str(filepath)!r} is not a Keras model config.")
    return doc, weights


def _weight_group(h5: Any, key: str, cls: str, keras_name: str) -> list[Any]:
    """The HDF5 datasets (not yet read) of one layer, in order: ``layers/<key>/vars/0, 1 ...``
    (``cell/vars`` for recurrent layers); a group whose ``name`` attribute is the layer's name
    wins over the key."""
    groups = h5.get("layers")
    group = None
    if groups is not None:
        for candidate in groups.values():  # prefer the explicit name attribute
            vars_ = candidate.get("vars") if hasattr(candidate, "get") else None
            if vars_ is not None and vars_.attrs.get("name") == keras_name:
                group = candidate
                break
        if group is None:
            group = groups.get(key)
    holder = None if group is None else group.get("cell/vars" if cls in _RECURRENT else "vars")
    if holder is None:
        return []
    if not all(k.isdigit() for k in holder.keys()):
        raise KerasFormatError(f"The weights of layer '{keras_name}' have unexpected names "
                               f"{sorted(holder.keys())}.")
    return [holder[k] for k in sorted(holder.keys(), key=int)]


def _sizes(value: Any) -> list[int]:
    """Every int in a config value (lists included): the layer's size-like arguments."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _sizes(item)]
    return []


def _check_before_build(entry: dict[str, Any], datasets: list[Any], budget: int) -> None:
    """Refuse sizes the file cannot back, *before* building allocates them.

    A layer with weights stores at least ``units`` (``filters``, ``output_dim`` ...) numbers, so
    no size-like argument may exceed the number of values stored for it; and no stored array
    may claim more bytes than the weights file holds (Keras writes them uncompressed).
    """
    name = entry.get("config", {}).get("name")
    stored = 0
    for ds in datasets:
        shape = tuple(int(d) for d in ds.shape)
        nbytes = int(np.prod(shape, dtype=np.float64)) * ds.dtype.itemsize
        if nbytes > budget:
            raise KerasFormatError(
                f"Layer '{name}' claims a weight of shape {shape} ({nbytes} bytes), more than the "
                f"{budget}-byte weights file holds; the file is corrupt.")
        stored += int(np.prod(shape))
    if not datasets:
        return
    for key, value in entry.get("config", {}).items():
        if key in ("units", "filters", "output_dim", "input_dim", "kernel_size"):
            too_big = [n for n in _sizes(value) if n > stored]
            if too_big:
                raise KerasFormatError(
                    f"Layer '{name}' has `{key}`={value!r}, but only {stored} weight values "
                    "are stored for it; the file is corrupt.")


def load_keras(filepath: str | os.PathLike[str]) -> Any:
    """Rebuild a glassnet model from a Keras 3 ``.keras`` file (uncompiled, float32).

    Raises
    ------
    KerasFormatError
        For a corrupt file, or a layer or argument glassnet has no counterpart for (named).
    """
    from glassnet.layers.input import input_tensor
    from glassnet.models import Model, Sequential

    doc, h5 = _read_archive(filepath)
    try:
        kind, inner = doc.get("class_name"), doc["config"]
        entries = inner.get("layers", [])
        if kind == "Sequential":
            layers = [_layer_from_keras(e) for e in entries]
            model: Any = Sequential(name=inner.get("name"))
            if layers and type(layers[0]).__name__ != "InputLayer":
                shape = inner.get("build_input_shape") or (doc.get("build_config") or {}).get(
                    "input_shape")
                if shape:
                    input_layer: Any = layer_class("InputLayer")
                    model.add(input_layer(shape=tuple(shape[1:])))
            for layer in layers:
                model.add(layer)
            weighted = [(layer, e) for layer, e in zip(layers, entries, strict=True)
                        if e.get("class_name") != "InputLayer"]
        elif kind in ("Functional", "Model"):
            tensors: dict[str, Any] = {}
            weighted = []
            for e in entries:
                layer = _layer_from_keras(e)
                name = e.get("name") or e["config"].get("name")
                inbound = _inbound(e, f"Keras layer '{name}'")
                if not inbound:
                    tensors[name] = input_tensor(layer)
                else:
                    ins = [tensors[n] for n in inbound]
                    tensors[name] = layer(ins if getattr(layer, "multi_input", False) else ins[0])
                weighted.append((layer, e))
            ins = inner["input_layers"]
            outs = inner["output_layers"]
            ins = ins[0] if isinstance(ins[0], list) else ins
            outs = outs[0] if isinstance(outs[0], list) else outs
            if len(ins) != 3 or len(outs) != 3:
                raise KerasFormatError("glassnet functional models have one input and one output.")
            model = Model(tensors[ins[0]], tensors[outs[0]], name=inner.get("name"))
        else:
            raise KerasFormatError(f"Unsupported Keras model class {kind!r} (Sequential or "
                                   "Functional models only).")
        keys = _group_keys([str(e.get("class_name")) for _, e in weighted])
        budget = int(h5.id.get_filesize())
        found = []
        for key, (layer, e) in zip(keys, weighted, strict=True):
            datasets = _weight_group(h5, key, type(layer).__name__,
                                     str(e["config"].get("name", layer.name)))
            _check_before_build(e, datasets, budget)
            found.append(datasets)
        model.build()
        weights = []
        for (layer, e), datasets in zip(weighted, found, strict=True):
            expected = list(layer.params.values()) + list(layer.state.values())
            if [tuple(d.shape) for d in datasets] != [w.shape for w in expected]:
                raise KerasFormatError(
                    f"Layer '{e['config'].get('name', layer.name)}' ({type(layer).__name__}) "
                    f"needs weights of shapes {[w.shape for w in expected]}, the file holds "
                    f"{[tuple(d.shape) for d in datasets]}.")
            weights += [np.asarray(d[()]) for d in datasets]
        model.set_weights(weights)
    except KerasFormatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OSError) as exc:
        raise KerasFormatError(f"The model in {str(filepath)!r} cannot be rebuilt: {exc}") from exc
    finally:
        h5.close()
    return model
