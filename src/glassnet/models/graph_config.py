"""A functional model's graph as a config (plain data) and back.

Each layer is listed once (its config, and the layers feeding its first call, which older
configs give alone); ``nodes`` lists every call in order as ``[layer name, inputs]``, an input
being ``[layer name, call index]`` (and ``[..., output index]`` for one output of a layer with
several), so shared layers (several calls), nested models and multi-output layers round-trip.
Inputs and outputs given as dicts keep their keys (``input_keys``, ``output_keys``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from glassnet.layers.base import Layer, deserialize_layer, serialize_layer
from glassnet.layers.input import InputLayer, Node, SymbolicTensor, input_tensor

if TYPE_CHECKING:
    from glassnet.models.functional import Model


def tensor_ref(nodes: Sequence[Node], tensor: SymbolicTensor) -> list[Any]:
    """``[layer name, call index]``: which call of which layer produced ``tensor``; and
    ``[..., output index]`` for one output of a layer with several."""
    layer = tensor.node.layer
    calls = [node for node in nodes if node.layer is layer]
    ref = [layer.name, next(i for i, node in enumerate(calls) if node is tensor.node)]
    return ref if tensor.index is None else ref + [tensor.index]


def _lookup(calls: dict[Any, list[Any]], ref: Any) -> SymbolicTensor:
    """The tensor ``ref`` names: ``name``, ``[name, call]`` or ``[name, call, output]``."""
    if isinstance(ref, str):
        return calls[ref][0]
    out = calls[ref[0]][ref[1]]
    return out[ref[2]] if len(ref) > 2 else out


def describe(model: Model) -> dict[str, Any]:
    """The config of ``model``'s graph (see the module notes)."""
    nodes = model._nodes
    first: dict[int, Node] = {}
    for node in nodes:
        first.setdefault(id(node.layer), node)
    config: dict[str, Any] = {
        "name": model.name,
        "seed": model.seed,
        "dtype": model.dtype.name,
        "layers": [
            {**serialize_layer(node.layer),
             "inbound_layers": [t.node.layer.name for t in node.inputs]}
            for node in first.values()
        ],
        "nodes": [[node.layer.name, [tensor_ref(nodes, t) for t in node.inputs]]
                  for node in nodes],
        "input_layers": [t.node.layer.name for t in model._inputs],
        "output_layers": [tensor_ref(nodes, t) for t in model._outputs],
    }
    if model._input_keys is not None:
        config["input_keys"] = model._input_keys
    if model._output_keys is not None:
        config["output_keys"] = model._output_keys
    return config


def rebuild(config: dict[str, Any]) -> tuple[Any, Any]:
    """The ``(inputs, outputs)`` symbolic tensors (lists, or dicts) a config describes, every
    layer called again on them in order.

    Raises
    ------
    ValueError
        When a call names an unknown layer or a tensor not made before it.
    """
    layers: dict[Any, Layer] = {}
    calls: dict[Any, list[SymbolicTensor]] = {}
    order = []
    for entry in config["layers"]:
        layer = deserialize_layer(entry)
        layers[layer.name] = layer
        order.append((layer.name, [[n, 0] for n in entry.get("inbound_layers", [])]))
    for name, inbound in config.get("nodes", order):
        if name not in layers:
            raise ValueError(f"The config calls an unknown layer {name!r}.")
        layer = layers[name]
        if not inbound:
            if not isinstance(layer, InputLayer):
                raise ValueError(f"Layer {name!r} has no inbound layers.")
            calls.setdefault(name, []).append(input_tensor(layer))
            continue
        try:
            ins = [_lookup(calls, ref) for ref in inbound]
        except (KeyError, IndexError, TypeError):
            raise ValueError(
                f"Layer {name!r} is connected to {inbound}, which are not defined before "
                "it in the config.") from None
        # several inputs: a merge layer's list, or a layer whose `call` takes them by position
        calls.setdefault(name, []).append(
            layer(ins if layer.multi_input or len(ins) > 1 else ins[0]))

    try:
        inputs: Any = [_lookup(calls, n) for n in config["input_layers"]]
        outputs: Any = [_lookup(calls, r) for r in config["output_layers"]]
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"The config names an unknown input/output layer {exc}.") from None
    if config.get("input_keys"):
        inputs = dict(zip(config["input_keys"], inputs, strict=True))
    if config.get("output_keys"):
        outputs = dict(zip(config["output_keys"], outputs, strict=True))
    return inputs, outputs
