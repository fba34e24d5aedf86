"""A functional model's graph as a config (plain data) and back.

Each layer is listed once (its config, and the layers feeding its first call, which older
configs give alone); ``nodes`` lists every call in order as ``[layer name, inputs]``, an input
being ``[layer name, call index]``, so shared layers (several calls) and nested models round-trip.
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
    """``[layer name, call index]``: which call of which layer produced ``tensor``."""
    layer = tensor.node.layer
    calls = [node for node in nodes if node.layer is layer]
    return [layer.name, next(i for i, node in enumerate(calls) if node is tensor.node)]


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
            ins = [calls[n][i] for n, i in inbound]
        except (KeyError, IndexError):
            raise ValueError(
                f"Layer {name!r} is connected to {inbound}, which are not defined before "
                "it in the config.") from None
        calls.setdefault(name, []).append(layer(ins if layer.multi_input else ins[0]))

    def tensor(ref: Any) -> SymbolicTensor:
        n, i = (ref, 0) if isinstance(ref, str) else ref
        return calls[n][i]

    try:
        inputs: Any = [tensor(n) for n in config["input_layers"]]
        outputs: Any = [tensor(r) for r in config["output_layers"]]
    except (KeyError, IndexError) as exc:
        raise ValueError(f"The config names an unknown input/output layer {exc}.") from None
    if config.get("input_keys"):
        inputs = dict(zip(config["input_keys"], inputs, strict=True))
    if config.get("output_keys"):
        outputs = dict(zip(config["output_keys"], outputs, strict=True))
    return inputs, outputs
