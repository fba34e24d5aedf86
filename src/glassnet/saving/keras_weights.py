"""Reading a Keras 3 weights file (``model.weights.h5`` in a ``.keras`` archive, or a
``.weights.h5`` file from ``save_weights``) into a model's layers.

The file keeps each layer's arrays in a group ``layers/<key>/vars`` whose key is the layer's
class in snake case numbered by position in ``model.layers`` (see
:mod:`glassnet.saving.keras_common`); a nested model's layers are under its own group,
``layers/functional/layers/<key>/vars``. Keras matches groups to layers by that key, not by
the layer's name; so does :func:`load_keras_weights`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from glassnet._atomic import remove_leftovers
from glassnet.errors import KerasFormatError
from glassnet.layers.base import Layer
from glassnet.models.model import Model
from glassnet.saving import _h5, _limits, _rebuild, keras_graph
from glassnet.saving.keras_common import _group_keys, weight_paths


def _inner_entries(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """A nested model entry's layer entries in weight-group order (a Sequential's own
    InputLayer has no group)."""
    entries = entry["config"].get("layers")
    if not isinstance(entries, list):
        raise KerasFormatError(f"The nested model {entry['config'].get('name')!r} lists no "
                               "layers.")
    if entry.get("class_name") == "Sequential":
        return [e for e in entries if not (isinstance(e, dict)
                                           and e.get("class_name") == "InputLayer")]
    return entries


def layer_weights(h5: _h5.H5Content, entries: list[dict], prefix: str = "") -> dict[str, Any]:
    """The stored arrays of each layer, by layer name (a nested model: a dict of its own
    layers' arrays, read from under its group). A ``vars`` group whose ``name`` attribute is
    the layer's name wins over the positional key (Keras's rule); weights kept in sublayers
    are gathered in glassnet's order (:func:`~glassnet.saving.keras_common.weight_paths`)."""
    keys = _group_keys([str(e.get("class_name")) for e in entries])
    depth = prefix.count("/") + 2
    by_name = {name: path for path, name in h5.names.items()
               if path.startswith(f"{prefix}layers/") and path.endswith("/vars")
               and path.count("/") == depth}
    out: dict[str, Any] = {}
    for key, e in zip(keys, entries, strict=True):
        lname = e.get("name") or e["config"].get("name")
        base = f"{prefix}layers/{key}"
        if e.get("class_name") in keras_graph.MODEL_CLASSES:
            out[lname] = layer_weights(h5, _inner_entries(e), base + "/")
            continue
        base = by_name.get(lname, base + "/vars")[: -len("/vars")]
        out[lname] = [a for path in weight_paths(e) for a in h5.group(f"{base}/{path}") or []]
    return out


def stored_for(layer: Layer, found: Any) -> list[np.ndarray]:
    """``layer``'s stored arrays in its :meth:`~Layer.get_weights` order (a model used as a
    layer: its layers' parameters, then their state), checked against its weights' shapes.

    Raises
    ------
    KerasFormatError
        When the stored arrays are not the layer's weights (count or shapes).
    """
    model = keras_graph.inner_model(layer)
    if model is not None:
        found = found if isinstance(found, dict) else {}
        parts = [(inner, stored_for(inner, found.get(str(inner.name)))) for inner in model.layers]
        return ([a for inner, arrays in parts for a in arrays[:len(inner.params)]]
                + [a for inner, arrays in parts for a in arrays[len(inner.params):]])
    found = found if isinstance(found, list) else []
    expected = [w.shape for w in list(layer.params.values()) + list(layer.state.values())]
    if [tuple(a.shape) for a in found] != expected:
        raise KerasFormatError(
            f"Layer '{layer.name}' ({type(layer).__name__}) needs weights of shapes "
            f"{expected}, the file holds {[tuple(a.shape) for a in found]}.")
    return list(found)


def count_values(stored: Any) -> int:
    """How many numbers :func:`layer_weights` found (nested models' included)."""
    if isinstance(stored, dict):
        return sum(count_values(v) for v in stored.values())
    return sum(a.size for a in stored)


def _own_entries(model: Model) -> list[dict[str, Any]]:
    """``model``'s own Keras layer entries, in weight-group order."""
    from glassnet.saving.keras_write import _model_config

    doc, _ = _model_config(model)
    entries = doc["config"]["layers"]
    return entries[1:] if doc["class_name"] == "Sequential" else entries


def load_keras_weights(model: Model, filepath: str | os.PathLike[str]) -> None:
    """Read Keras 3 weights into ``model``, groups matched to layers as Keras matches them
    (by class and position, see the module notes): from a ``.weights.h5`` file or a
    ``.keras`` archive's ``model.weights.h5``.

    Raises
    ------
    ModelFileError
        For a missing, special, corrupt or foreign file, or weights that do not fit
        ``model`` (:class:`KerasFormatError`); ``model`` is then left unchanged.
    """
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        from glassnet.saving.keras_read import _read_archive

        _, h5, _, where = _read_archive(path)
    else:
        where = _limits.describe(path)
        f, size = _limits.open_model_file(path, "weights file")
        with f:
            remove_leftovers(path)
            raw = f.read(size + 1)
        h5 = _h5.read_weights(raw, _limits.budget_for(size), where)
    if not model.built:
        model.build()
    try:
        stored = layer_weights(h5, _own_entries(model))
        weights: list[np.ndarray] = []
        for layer in model.layers:
            weights += stored_for(layer, stored.get(str(layer.name)))
    except KerasFormatError as exc:
        raise KerasFormatError(f"The weights in {where} do not fit model '{model.name}': "
                               f"{exc}") from None
    _rebuild.set_weights(model, weights, where)
