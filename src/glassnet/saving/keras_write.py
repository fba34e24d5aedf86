"""Writing a glassnet model as a Keras 3 ``.keras`` file (see the package notes)."""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any

import numpy as np

from glassnet import activations, initializers, regularizers
from glassnet._atomic import atomic_write
from glassnet.layers.base import Layer
from glassnet.saving import _h5, _rebuild, keras_graph
from glassnet.saving.keras_common import (
    _ACTIVATION_DEFAULTS,
    _CELL_NAMES,
    _KERAS_INITIALIZER_KEYS,
    _MHA_PARTS,
    _UNSUPPORTED,
    _WRAPPED,
    KERAS_VERSION,
    _group_keys,
    weight_paths,
)


def _dtype_policy(dtype: Any) -> dict[str, Any]:
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": np.dtype(dtype or "float32").name}, "registered_name": None}


def _keras_activation(value: Any, where: str) -> str:
    if isinstance(value, str) and value not in activations.names():
        try:
            activations.get(value)
        except ValueError:  # a user's function, by name: found again when loading
            return value  # (registered, in custom_objects or a custom_object_scope)
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
    config = initializers.serialize(initializers.get(value))
    keys = _KERAS_INITIALIZER_KEYS.get(config["class_name"])
    if keys is None:
        return None  # Keras's default is used; the weights are written anyway
    inner = {k: v for k, v in config.get("config", {}).items() if k in keys}
    return {"module": "keras.initializers", "class_name": config["class_name"],
            "config": inner, "registered_name": None}


def _keras_regularizer(value: Any, where: str) -> dict[str, Any] | None:
    if value is None:
        return None
    config = regularizers.serialize(regularizers.get(value))
    if config["class_name"] not in ("L1", "L2", "L1L2"):
        raise ValueError(f"{where}: the regularizer {config} has no Keras counterpart.")
    return {"module": "keras.regularizers", **config, "registered_name": None}


def _layer_to_keras(layer: Any) -> dict[str, Any]:
    """``{"module", "class_name", "config", "registered_name", "build_config"}`` of a layer."""
    cls = type(layer).__name__
    where = f"Layer '{layer.name}' ({cls})"
    if layer.multi_output:
        raise ValueError(
            f"{where} has several outputs, which the '.keras' writer does not support; save "
            "the model to a '.npz' path (glassnet's format), which keeps them.")
    model = keras_graph.inner_model(layer)
    if model is not None:  # a model used as a layer: its own document (Keras's nesting)
        doc, _ = _model_config(model)
        if doc["class_name"] == "Functional":
            doc["compile_config"] = {}
        return doc
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
    if cls in ("SpatialDropout1D", "SpatialDropout2D", "Discretization"):
        del out["trainable"]  # these Keras constructors refuse it
    keras_class = cls
    inner = _inner_layers(layer)
    for key, value in config.items():
        if key in inner:
            out[key] = _layer_to_keras(inner[key])
            continue
        if key in ("name", "trainable", "input_shape", "dtype", "use_causal_mask") or (
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
        if cls == "MultiHeadAttention":  # Keras's build(query_shape, value_shape, key_shape)
            names = ("query_shape", "value_shape", "key_shape")
            entry["build_config"] = {"shapes_dict": {n: [None, *s]
                                                     for n, s in zip(names, shape, strict=False)}}
        elif getattr(layer, "multi_input", False):
            entry["build_config"] = {"input_shape": [[None, *s] for s in shape]}
        else:
            entry["build_config"] = {"input_shape": [None, *shape]}
    return entry


def _inner_layers(layer: Any) -> dict[str, Any]:
    """A wrapper's inner layers by the config key Keras stores them under."""
    cls = type(layer).__name__
    if cls == "TimeDistributed":
        return {"layer": layer.layer}
    if cls == "Bidirectional":
        return {"layer": layer.forward_layer, "backward_layer": layer.backward_layer}
    return {}


def _weight_counts(layer: Any) -> list[int]:
    """How many of ``layer.get_weights()`` go to each of its :func:`weight_paths`."""
    cls = type(layer).__name__
    if cls == "MultiHeadAttention":
        return [2 if layer.use_bias else 1] * len(_MHA_PARTS)
    inner = _inner_layers(layer)
    if inner:
        return [n for key, _ in _WRAPPED[cls] for n in _weight_counts(inner[key])]
    return [len(layer.params) + len(layer.state)]


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
    return keras_graph.functional_doc(model, _layer_to_keras)


def keras_document(model: Any) -> dict[str, Any]:
    """Keras's serialized model (``model.to_json()`` in Keras): the architecture, built first
    when its input shape is known. Raises ValueError naming what Keras cannot represent."""
    if not model.built:
        model.build()
    return _model_config(model)[0]


def _keras_layers(model: Any) -> list[Layer]:
    """A model's layers in Keras's ``model.layers`` order (a Sequential's InputLayer aside)."""
    if type(model).__name__ == "Sequential":
        return list(model.layers)
    return keras_graph.keras_order(model)


def _write_layers(f: Any, prefix: str, layers: list[Layer]) -> None:
    """The weight groups ``<prefix>layers/<key>/...`` of ``layers``; a nested model's under
    its own group, ``<prefix>layers/functional/layers/dense/vars`` (Keras's layout)."""
    f.require_group(f"{prefix}layers")
    for key, layer in zip(_group_keys([_keras_class(layer) for layer in layers]), layers,
                          strict=True):
        f.create_group(f"{prefix}layers/{key}/vars").attrs["name"] = str(layer.name)
        model = keras_graph.inner_model(layer)
        if model is not None:
            f[f"{prefix}layers/{key}/vars"].attrs["name"] = str(model.name)
            _write_layers(f, f"{prefix}layers/{key}/", _keras_layers(model))
            continue
        weights = layer.get_weights()
        paths = weight_paths({"class_name": type(layer).__name__,
                              "config": layer.get_config()})
        for path, count in zip(paths, _weight_counts(layer), strict=True):
            group = f.require_group(f"{prefix}layers/{key}/{path}")
            owner = path[: -len("/vars")].rsplit("/", 1)[-1] if path != "vars" else ""
            if path == "cell/vars":
                owner = _CELL_NAMES.get(type(layer).__name__, owner)
            group.attrs["name"] = owner or str(layer.name)
            for i, w in enumerate(weights[:count]):
                group.create_dataset(str(i), data=w)
            weights = weights[count:]


def _weights_h5(model_name: str, layers: list[Layer]) -> bytes:
    h5py = _h5.require_h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        _write_layers(f, "", layers)
        f.create_group("vars").attrs["name"] = model_name
    return buf.getvalue()


def _keras_class(layer: Any) -> str:
    model = keras_graph.inner_model(layer)
    if model is not None:
        return keras_graph.keras_class(model)
    if type(layer).__name__ == "Activation":
        name = layer.activation.name
        return {"leaky_relu": "LeakyReLU", "elu": "ELU"}.get(name, "Activation")
    return type(layer).__name__


def _compile_config(model: Any) -> dict[str, Any] | None:
    """Keras's ``compile_config`` (optimizer, loss, metrics), so Keras loads the model
    compiled too; None when the model is uncompiled or uses a learning-rate schedule."""
    spec = _rebuild.compile_spec(model)
    if spec is None or isinstance(spec["optimizer"]["config"].get("learning_rate"), dict):
        return None
    optimizer = {"module": "keras.optimizers", "class_name": spec["optimizer"]["class_name"],
                 "config": spec["optimizer"]["config"], "registered_name": None}

    def keras_loss(config: dict[str, Any]) -> dict[str, Any]:
        return {"module": "keras.losses", "class_name": config["class_name"],
                "config": config.get("config", {}), "registered_name": None}

    per_output = spec["loss"].get("per_output")
    if per_output is not None:  # several outputs: dicts by output name, as Keras writes them
        loss: Any = {k: None if v is None else keras_loss(v) for k, v in per_output.items()}
        loss_weights = spec["loss"].get("loss_weights")
        metrics: Any = {k: ms for k, ms in spec["metrics"].items() if ms} or None
    else:
        metrics = [m if isinstance(m, str) else
                   {"module": "keras.metrics", "class_name": m["class_name"],
                    "config": m.get("config", {}), "registered_name": None}
                   for m in spec["metrics"]] or None
        loss, loss_weights = keras_loss(spec["loss"]), None
    return {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _state_npz(model: Any, include_optimizer: bool) -> bytes | None:
    """glassnet's own state (compile settings, optimizer slots, history, random streams) as
    an ``.npz`` member; Keras ignores it, glassnet's reader resumes training from it."""
    spec = _rebuild.compile_spec(model) if include_optimizer else None
    header = {"compile": spec,
              "history": model.history.to_dict() if model.history is not None else None,
              "rng": _rebuild.rng_states(model)}
    arrays: dict[str, Any] = {}
    if spec is not None:
        arrays = {f"optimizer/{k}": v for k, v in _rebuild.optimizer_state(model).items()}
    arrays["__glassnet__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def save_keras(model: Any, filepath: str | os.PathLike[str], include_optimizer: bool = True) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` archive, atomically.

    Keras reads the architecture and the weights; glassnet also reads back the compile
    settings, the optimizer state, the history and the random streams (member
    ``glassnet.npz``), so training resumes exactly.

    Raises
    ------
    ValueError
        Naming the first layer (and argument) that Keras cannot represent.
    """
    if not model.built:
        model.build()
    doc, layers = _model_config(model)
    compile_config = _compile_config(model) if include_optimizer else None
    if compile_config is not None:
        doc["compile_config"] = compile_config
    weights = _weights_h5(model.name, layers)
    state = _state_npz(model, include_optimizer)
    meta = {"keras_version": KERAS_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    with atomic_write(filepath, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        zf.writestr("config.json", json.dumps(doc))
        zf.writestr("model.weights.h5", weights)
        if state is not None:
            zf.writestr("glassnet.npz", state)


def save_weights_h5(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Write ``model``'s weights as Keras 3's ``.weights.h5`` file (the layout of a
    ``.keras`` archive's ``model.weights.h5``), atomically; Keras's ``load_weights`` reads it.

    Raises
    ------
    ValueError
        Naming the first layer that Keras cannot represent.
    """
    if not model.built:
        model.build()
    _, layers = _model_config(model)
    weights = _weights_h5(model.name, layers)
    with atomic_write(filepath, "wb") as f:
        f.write(weights)
