"""Reading a Keras 3 ``.keras`` file into a glassnet model (see :mod:`glassnet.saving`).

The reader translates Keras's ``config.json`` into a glassnet model config (layer by layer:
Keras's arguments to glassnet's, what has no counterpart refused by name) and calls
``Sequential.from_config`` / ``Model.from_config``; the model is then built within what the
weights file backs and the weights are set layer by layer. Functional graphs with several
inputs and outputs, shared layers and nested models are read with
:mod:`glassnet.saving.keras_graph` (a nested model becomes a
:class:`~glassnet.models.nested.ModelLayer`, its weights read from under its own group).
Every size is checked before it is allocated or inflated (:mod:`glassnet.saving._limits`),
the HDF5 member is read in a time-bounded child process (:mod:`glassnet.saving._h5`).

Compile state: a file written by glassnet carries a ``glassnet.npz`` member (compile
settings, optimizer slots, history, random streams; Keras ignores it), so training resumes
exactly. A file written by Keras has a ``compile_config``: its optimizer (with Keras's
arguments glassnet shares), loss and metrics are restored; Keras's optimizer variables are
not (a fresh optimizer state), and a compile setting glassnet lacks leaves the model
uncompiled with a warning, as Keras does.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import warnings
import zipfile
from typing import Any

import numpy as np

from glassnet import activations, initializers, losses, optimizers
from glassnet import metrics as metrics_mod
from glassnet._atomic import remove_leftovers
from glassnet.errors import KerasFormatError, ModelFileError
from glassnet.layers.base import Layer, layer_class
from glassnet.models.functional import Model as Functional
from glassnet.models.model import Model, deferred_build
from glassnet.models.sequential import Sequential
from glassnet.saving import _h5, _limits, _rebuild, keras_graph, keras_weights
from glassnet.saving.keras_common import (
    _ANY,
    _BASE_KEYS,
    _HARMLESS,
    _WRAPPED,
)

#: The member holding glassnet's compile state (see :mod:`glassnet.saving.keras_write`).
STATE_MEMBER = "glassnet.npz"
_STATE_NAMES = re.compile(r"^(__glassnet__|optimizer/[A-Za-z0-9_]{1,64})$")


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
        return initializers.serialize(initializers.get(
            {"class_name": plain["class_name"],
             "config": {k: v for k, v in plain["config"].items() if k in accepted}}))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # an initializer glassnet lacks: irrelevant once the weights are loaded


def _accepted(target: type[Layer]) -> set[str]:
    accepted = set(inspect.signature(target.__init__).parameters) | _BASE_KEYS
    for klass in target.__mro__[1:]:  # **kwargs passed on to a parent (recurrent layers)
        if klass is Layer:
            break
        accepted |= set(inspect.signature(klass.__init__).parameters)  # type: ignore[misc]
    return accepted


def _layer_config(entry: Any) -> dict[str, Any]:
    """One Keras layer entry as a glassnet layer config ``{"class_name", "config"}``."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise KerasFormatError(f"A layer entry must be a mapping with a 'config', got "
                               f"{str(entry)[:80]!r}.")
    cls = entry.get("class_name")
    config = dict(entry["config"])
    name = config.get("name")
    where = f"Keras layer '{name}' ({cls})"
    if cls in keras_graph.MODEL_CLASSES:  # a model used as a layer: its config, translated
        model_cls, model_config, _ = glassnet_config(entry)
        return {"class_name": "ModelLayer",
                "config": {"name": name, "model": {"class_name": model_cls.__name__,
                                                   "config": model_config}}}
    if cls == "Lambda":
        raise KerasFormatError(f"{where}: its function is stored as Python code, which "
                               "glassnet does not run; create the Lambda again from code.")
    try:
        target = layer_class(str(cls))
    except ValueError:
        raise KerasFormatError(f"{where} has no glassnet counterpart.") from None
    accepted = _accepted(target)
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
        elif value is not None and key in {k for k, _ in _WRAPPED.get(str(cls), ())}:
            value = _layer_config(value)  # a wrapper's inner layer, translated the same way
        kwargs[key] = value
    return {"class_name": str(cls), "config": kwargs}


def _batch_shape(config: dict[str, Any]) -> list[Any]:
    shape = config.get("batch_shape")
    if shape is None:
        shape = [None, *(config.get("shape") or [])]
    if not isinstance(shape, list) or len(shape) < 2:
        raise KerasFormatError(f"InputLayer '{config.get('name')}' has the invalid batch "
                               f"shape {shape!r}.")
    return shape


def glassnet_config(
        doc: dict[str, Any]) -> tuple[type[Sequential] | type[Functional], dict[str, Any], list[dict]]:
    """``(model class, glassnet config, Keras layer entries in weight-group order)``."""
    kind, inner = doc.get("class_name"), doc.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers", []), list):
        raise KerasFormatError("The model config is not a Keras model config.")
    entries = inner.get("layers", [])
    name = inner.get("name") if isinstance(inner.get("name"), str) else None
    if kind == "Sequential":
        input_shape = None
        layers = []
        weighted = []
        for i, e in enumerate(entries):
            if isinstance(e, dict) and e.get("class_name") == "InputLayer":
                if i != 0:
                    raise KerasFormatError("An InputLayer can only come first in a Sequential.")
                input_shape = _batch_shape(e.get("config") or {})[1:]
                continue
            layers.append(_layer_config(e))
            weighted.append(e)
        if input_shape is None:
            shape = inner.get("build_input_shape") or (doc.get("build_config") or {}).get(
                "input_shape")
            input_shape = list(shape[1:]) if isinstance(shape, list) and shape else None
        config = {"name": name, "seed": None, "dtype": "float32", "input_shape": input_shape,
                  "layers": layers}
        return Sequential, config, weighted
    if kind in ("Functional", "Model"):
        layers, calls = [], []
        nested = set()
        masks = keras_graph.mask_ops(entries)
        entries = [e for e in entries if not (isinstance(e, dict) and e.get("name") in masks)]
        for e in entries:
            if not isinstance(e, dict) or not isinstance(e.get("config"), dict):
                raise KerasFormatError("A layer entry must be a mapping with a 'config'.")
            lname = e.get("name") or e["config"].get("name")
            if not isinstance(lname, str):
                raise KerasFormatError(f"A layer entry has no name: {str(e)[:80]!r}.")
            layer: dict[str, Any]
            if e.get("class_name") == "InputLayer":
                layer = {"class_name": "InputLayer",
                         "config": {"name": lname,
                                    "input_shape": _batch_shape(e["config"])[1:]}}
            else:
                layer = _layer_config(e)
                layer["config"]["name"] = lname
            if e.get("class_name") in ("Functional", "Model"):
                nested.add(lname)
            node_refs, options = keras_graph.inbound_calls(e, f"Keras layer '{lname}'", masks)
            layer["inbound_layers"] = [n for n, _ in node_refs[0]] if node_refs else []
            layer["config"].update(options)
            layers.append(layer)
            calls.append((lname, node_refs))
        input_refs, input_keys = keras_graph.io_refs(inner.get("input_layers"),
                                                     "input_layers", nested)
        output_refs, output_keys = keras_graph.io_refs(inner.get("output_layers"),
                                                       "output_layers", nested)
        config = {"name": name, "seed": None, "dtype": "float32", "layers": layers,
                  "nodes": keras_graph.call_order(calls),
                  "input_layers": input_refs, "output_layers": output_refs}
        if input_keys is not None:
            config["input_keys"] = input_keys
        if output_keys is not None:
            config["output_keys"] = output_keys
        return Functional, config, list(entries)
    raise KerasFormatError(f"Unsupported Keras model class {kind!r} (Sequential or "
                           "Functional models only).")


def _read_archive(filepath: Any) -> tuple[dict[str, Any], _h5.H5Content, bytes | None, str]:
    where = _limits.describe(filepath)
    f, size = _limits.open_model_file(filepath, "Keras file")
    budget = _limits.budget_for(size)
    with f:
        remove_leftovers(filepath)
        try:
            with zipfile.ZipFile(f) as zf:
                infos = {i.filename: i for i in _limits.check_members(zf, budget, where)}
                missing = {"config.json", "model.weights.h5"} - set(infos)
                if missing:
                    raise KerasFormatError(
                        f"{where} is not a Keras 3 .keras file: it lacks {sorted(missing)}.")
                config = _limits.read_member(zf, infos["config.json"], where)
                weights = _limits.read_member(zf, infos["model.weights.h5"], where)
                state = (_limits.read_member(zf, infos[STATE_MEMBER], where)
                         if STATE_MEMBER in infos else None)
        except ModelFileError as exc:
            raise KerasFormatError(str(exc)) from None
        except Exception as exc:  # zipfile's, zlib's, lzma's ...
            raise KerasFormatError(f"{where} is not a readable .keras file (truncated or "
                                   f"corrupt?): {type(exc).__name__}: {exc}") from None
    try:
        doc = _limits.parse_json(config, f"The config.json of {where}")
    except ModelFileError as exc:
        raise KerasFormatError(str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        raise KerasFormatError(f"The config.json of {where} is not a Keras model config.")
    h5 = _h5.read_weights(weights, budget, where)
    return doc, h5, state, where


def _shared_arguments(value: Any, get: Any) -> Any:
    """A Keras ``{"class_name", "config"}`` with only the arguments glassnet's class takes."""
    plain = _plain(value)
    if not isinstance(plain, dict):
        return plain
    accepted = set(inspect.signature(type(get(plain["class_name"])).__init__).parameters)
    return {"class_name": plain["class_name"],
            "config": {k: v for k, v in plain["config"].items()
                       if k in accepted and k != "name" and v is not None}}


def _keras_compile(model: Model, spec: Any, where: str) -> None:
    """Compile from a Keras ``compile_config`` where glassnet has every piece; else warn."""
    def loss_of(value: Any) -> Any:
        return None if value is None else losses.get(_shared_arguments(value, losses.get))

    def metric_names(value: Any) -> list[Any]:
        return [m if isinstance(m, str) else _plain(m)["config"].get("name")
                for m in value or [] if m is not None]

    def metric_objects(value: Any) -> list[Any]:
        """Names as names; a Keras metric config as glassnet's metric of that class (its
        name kept: ``FalseNegatives(name="fn")``), else by its name."""
        out = []
        for m in value or []:
            plain = _plain(m)
            cls = None if not isinstance(plain, dict) else next(
                (c for c in metrics_mod._CLASSES.values()
                 if c.__name__ == plain["class_name"]), None)
            if cls is None:
                out.extend(metric_names([m]))
                continue
            accepted = set(inspect.signature(cls.__init__).parameters)
            out.append(metrics_mod.deserialize({"class_name": plain["class_name"], "config": {
                k: v for k, v in plain["config"].items() if k in accepted and v is not None}}))
        return out

    try:
        loss, metrics = spec["loss"], spec.get("metrics")
        kwargs: dict[str, Any] = {}
        if isinstance(loss, dict) and "class_name" not in loss:  # per output, by name
            loss = {k: loss_of(v) for k, v in loss.items()}
            metrics = {k: metric_names(v) for k, v in (metrics or {}).items()}
            kwargs["loss_weights"] = spec.get("loss_weights")
        elif isinstance(loss, list):  # per output, in order
            loss = [loss_of(v) for v in loss]
            metrics = [metric_names(v) for v in metrics] if metrics else None
            kwargs["loss_weights"] = spec.get("loss_weights")
        else:
            loss, metrics = loss_of(loss), metric_objects(metrics)
        model.compile(optimizer=optimizers.get(_shared_arguments(spec["optimizer"],
                                                                 optimizers.get)),
                      loss=loss, metrics=metrics, **kwargs)
    except Exception as exc:  # as Keras: the model loads, uncompiled
        warnings.warn(f"{where}: the model's compile settings could not be restored "
                      f"({type(exc).__name__}: {exc}); it is returned uncompiled.",
                      stacklevel=3)


def _restore_state(model: Model, raw: bytes, where: str, compile: bool) -> None:
    """glassnet's ``glassnet.npz`` member: compile settings, optimizer slots, history, rng."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        arrays = _limits.read_npy_members(archive, _limits.budget_for(len(raw)), where,
                                          _STATE_NAMES)
    header = arrays.pop("__glassnet__", None)
    if header is None or header.dtype != np.uint8 or header.ndim != 1:
        raise ModelFileError(f"{where}: the glassnet state member is corrupt.")
    doc = _limits.parse_json(header.tobytes(), f"The glassnet state of {where}")
    if not isinstance(doc, dict):
        raise ModelFileError(f"{where}: the glassnet state member is corrupt.")
    if compile and doc.get("compile") is not None:
        _rebuild.compile_from(model, doc["compile"], where)
        state = {k[len("optimizer/"):]: v for k, v in arrays.items()}
        _rebuild.restore_optimizer(model, state, where)
    _rebuild.restore_history(model, doc.get("history"), where)
    _rebuild.restore_rng(model, doc.get("rng"), where)


def load_keras(filepath: str | os.PathLike[str], compile: bool = True) -> Model:
    """Rebuild a glassnet model (float32) from a Keras 3 ``.keras`` file, compiled when the
    file says how.

    Raises
    ------
    KerasFormatError
        For a missing, special, corrupt or hostile file, or a layer or argument glassnet has
        no counterpart for (named). Nothing larger than the file backs is allocated first.
    """
    doc, h5, state, where = _read_archive(filepath)
    try:
        cls, config, entries = glassnet_config(doc)
        with deferred_build():  # built below, within what the file backs
            model = cls.from_config(config)
        stored = keras_weights.layer_weights(h5, entries)
        _rebuild.build_within(model, keras_weights.count_values(stored), where)
        weights: list[np.ndarray] = []
        for layer in model.layers:
            weights += keras_weights.stored_for(layer, stored.get(str(layer.name)))
        _rebuild.set_weights(model, weights, where)
        if state is not None:
            _restore_state(model, state, where, compile)
        elif compile and doc.get("compile_config"):
            _keras_compile(model, doc["compile_config"], where)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        error = _rebuild.rebuild_error(where, exc)
        if not isinstance(error, KerasFormatError):
            error = KerasFormatError(str(error))
        raise error from exc
    return model

