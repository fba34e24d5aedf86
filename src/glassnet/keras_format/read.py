"""Reading a Keras 3 ``.keras`` file into a glassnet model (see the package notes)."""

from __future__ import annotations

import inspect
import io
import json
import os
import zipfile
from typing import Any

import numpy as np

from glassnet import activations, initializers
from glassnet.keras_format._common import (
    _ANY,
    _BASE_KEYS,
    _HARMLESS,
    _KERAS_ACTIVATION_LAYERS,
    _RECURRENT,
    KerasFormatError,
    _group_keys,
)
from glassnet.layers.base import Layer, layer_class


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
