"""A functional model's graph in Keras 3's ``config.json``, both ways.

Keras writes each layer once, with one ``inbound_nodes`` entry per call (a shared layer has
several)::

    {"class_name": "Dense", "name": "dense", "config": {...},
     "inbound_nodes": [{"args": [<tensor>], "kwargs": {}}, ...]}

    <tensor> = {"class_name": "__keras_tensor__",
                "config": {"shape": [null, 8], "dtype": "float32",
                           "keras_history": [layer name, call index, output index]}}

A layer with several inputs takes them as one list argument (``"args": [[t1, t2]]``).
``input_layers`` and ``output_layers`` are one ``[name, call, 0]``, a list of them, or a
dict of them (inputs or outputs given as a dict). A model used as a layer is an entry whose
``class_name`` is ``"Functional"`` or ``"Sequential"`` and whose ``config`` is that model's
own config; Keras counts the calls of a nested *functional* model from 1 in
``input_layers``/``output_layers`` (not in the call arguments), and so does this module.

Keras orders ``model.layers`` (and so the weight groups of the ``.weights.h5`` file) by
decreasing depth from the outputs, ties by first visit in a depth-first walk from the
outputs (``keras.src.ops.function.map_graph``); :func:`keras_order` reproduces it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from glassnet.errors import KerasFormatError
from glassnet.layers.base import Layer
from glassnet.models import graph_config

#: Keras's class names of a model used as a layer.
MODEL_CLASSES = ("Functional", "Sequential", "Model")


def inner_model(layer: Any) -> Any:
    """The model a :class:`~glassnet.models.nested.ModelLayer` runs (None for other layers)."""
    return vars(layer).get("model") if type(layer).__name__ == "ModelLayer" else None


def keras_class(model: Any) -> str:
    """``"Sequential"`` or ``"Functional"``: how Keras names a model's class."""
    return "Sequential" if type(model).__name__ == "Sequential" else "Functional"


# ----------------------------------------------------------------- writing
def _flat_outputs(model: Any) -> list[Any]:
    """The output tensors in Keras's flattened order (a dict's by sorted key)."""
    outputs = list(model._outputs)
    if model._output_keys is not None:
        by_key = dict(zip(model._output_keys, outputs, strict=True))
        return [by_key[k] for k in sorted(by_key)]
    return outputs


def keras_order(model: Any) -> list[Layer]:
    """The functional model's layers in Keras's ``model.layers`` order (module notes)."""
    index: dict[int, int] = {}  # layer -> first visit in the depth-first walk
    post: list[Any] = []  # nodes, inputs before the nodes that use them
    done: set[int] = set()
    for out in _flat_outputs(model):
        stack: list[tuple[Any, bool]] = [(out.node, False)]
        while stack:  # Keras's recursive walk, iteratively: inputs in call order
            node, expanded = stack.pop()
            if expanded:
                if node.id not in done:
                    done.add(node.id)
                    post.append(node)
                continue
            if node.id in done:
                continue
            index.setdefault(id(node.layer), len(index))
            stack.append((node, True))
            stack.extend((t.node, False) for t in reversed(node.inputs))
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(post):
        depth = max(node_depth.setdefault(node.id, 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[node.id] = depth
        for t in node.inputs:
            node_depth[t.node.id] = max(depth + 1, node_depth.get(t.node.id, 0))
    layers = {id(node.layer): node.layer for node in post}
    for t in model._inputs:  # an Input no output depends on still belongs to the model
        if id(t.node.layer) not in layers:
            layers[id(t.node.layer)] = t.node.layer
            layer_depth[id(t.node.layer)], index[id(t.node.layer)] = 0, -1
    return sorted(layers.values(), key=lambda layer: (-layer_depth[id(layer)],
                                                      index[id(layer)]))


def _tensor(model: Any, tensor: Any, dtype: str) -> dict[str, Any]:
    name, call = graph_config.tensor_ref(model._nodes, tensor)
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(tensor.shape), "dtype": dtype,
                       "keras_history": [name, call, 0]}}


def inbound_nodes(model: Any, layer: Layer, dtype: str) -> list[dict[str, Any]]:
    """Keras's ``inbound_nodes`` of ``layer``: one entry per call, in call order."""
    out: list[dict[str, Any]] = []
    for node in (n for n in model._nodes if n.layer is layer and n.inputs):
        refs = [_tensor(model, t, dtype) for t in node.inputs]
        # a call argument in Keras, a layer argument in glassnet
        kwargs = {"use_causal_mask": True} if getattr(layer, "use_causal_mask", False) else {}
        if type(layer).__name__ == "MultiHeadAttention":  # mha(query, value, key)
            out.append({"args": refs, "kwargs": kwargs})
        else:
            arg: Any = refs if getattr(layer, "multi_input", False) else refs[0]
            out.append({"args": [arg], "kwargs": kwargs})
    return out


def io_layers(model: Any, tensors: list[Any], keys: list[str] | None) -> Any:
    """``input_layers``/``output_layers``: a triple, a list or a dict of them."""
    refs = []
    for t in tensors:
        name, call = graph_config.tensor_ref(model._nodes, t)
        if inner_model(t.node.layer) is not None and keras_class(
                inner_model(t.node.layer)) == "Functional":
            call += 1  # Keras's count for a nested functional model (module notes)
        refs.append([name, call, 0])
    if keys is not None:
        return dict(zip(keys, refs, strict=True))
    return refs[0] if len(refs) == 1 else refs


def functional_doc(model: Any, layer_entry: Callable[[Layer], dict[str, Any]]
                   ) -> tuple[dict[str, Any], list[Layer]]:
    """The ``{"class_name": "Functional", "config": ...}`` document of ``model`` and its
    layers in Keras's order; ``layer_entry`` translates one layer (a nested model too)."""
    dtype = model.dtype.name
    layers = keras_order(model)
    entries = []
    for layer in layers:
        entry = layer_entry(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = inbound_nodes(model, layer, dtype)
        entries.append(entry)
    inner = {"name": model.name, "trainable": True, "layers": entries,
             "input_layers": io_layers(model, model._inputs, model._input_keys),
             "output_layers": io_layers(model, model._outputs, model._output_keys)}
    doc = {"module": "keras.src.models.functional", "class_name": "Functional", "config": inner,
           "registered_name": "Functional", "build_config": {"input_shape": None}}
    return doc, layers


# ----------------------------------------------------------------- reading
def _tensor_refs(obj: Any, where: str) -> list[list[Any]]:
    """``[layer name, call index]`` of the Keras tensors in ``obj``, depth-first, in order."""
    flat: list[list[Any]] = []
    stack = [obj]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
            history = (obj.get("config") or {}).get("keras_history")
            if (not isinstance(history, list) or len(history) < 2
                    or not isinstance(history[0], str) or not isinstance(history[1], int)
                    or isinstance(history[1], bool) or history[1] < 0
                    or (len(history) > 2 and history[2] != 0)):
                raise KerasFormatError(f"{where} has a malformed (or a second output's) "
                                       f"input tensor reference {history!r}.")
            flat.append([history[0], history[1]])
        elif isinstance(obj, (list, tuple)):
            stack.extend(reversed(obj))
        elif isinstance(obj, dict):
            stack.extend(reversed(list(obj.values())))
    return flat


def mask_ops(entries: list[Any]) -> set[str]:
    """Names of the ``NotEqual`` op nodes by which Keras records the mask of an
    ``Embedding(mask_zero=True)`` (``not_equal(tokens, 0)``, passed on as ``mask=``). glassnet
    computes that mask itself as the data flow, so the reader drops these nodes."""
    return {str(e.get("name")) for e in entries
            if isinstance(e, dict) and e.get("class_name") == "NotEqual"
            and str(e.get("module", "")).startswith("keras.src.ops")}


def inbound_calls(entry: dict[str, Any], where: str, masks: set[str] | None = None
                  ) -> tuple[list[list[list[Any]]], dict[str, Any]]:
    """``(one list of input refs per call, layer options)`` of a Keras layer entry.
    MultiHeadAttention's ``key`` tensor follows the query and value; ``use_causal_mask``, a
    call argument in Keras, is a layer argument in glassnet; a ``mask`` made by one of the
    ``masks`` ops (:func:`mask_ops`) is the mask glassnet propagates itself; any other tensor
    passed by keyword is refused."""
    nodes = entry.get("inbound_nodes") or []
    if not isinstance(nodes, list):
        raise KerasFormatError(f"{where} has malformed inbound nodes.")
    calls, options = [], {}
    for node in nodes:
        args = node.get("args", []) if isinstance(node, dict) else node
        kwargs = node.get("kwargs") if isinstance(node, dict) else None
        kwargs = kwargs if isinstance(kwargs, dict) else {}
        refs = _tensor_refs(args, where)
        for key, value in kwargs.items():
            if key == "key" and entry.get("class_name") == "MultiHeadAttention":
                refs += _tensor_refs(value, where)
            elif key == "use_causal_mask" and value:
                options["use_causal_mask"] = True
            elif key == "mask" and all(n in (masks or set()) for n, _ in
                                       _tensor_refs(value, where)):
                continue  # the Embedding's mask, which glassnet passes on by itself
            elif _tensor_refs(value, where):
                raise KerasFormatError(f"{where} is called with a tensor as `{key}`, which "
                                       "glassnet does not support.")
        calls.append(refs)
    return calls, options


def call_order(layers: list[tuple[str, list[list[list[Any]]]]]) -> list[list[Any]]:
    """glassnet's ``nodes`` (``[layer name, [[name, call], ...]]``, every call after the
    calls it reads) from each layer's calls (an InputLayer has none: one call without inputs
    stands for it). Layers are taken in file order; a call whose input is not made yet waits
    for it (Keras's loader sweeps the list again instead; a forged file with the layers in
    reverse order would make that quadratic).

    Raises
    ------
    KerasFormatError
        When a call reads a tensor that no layer makes (a disconnected or cyclic graph).
    """
    made: dict[str, int] = {}
    pending = {name: list(calls) or [[]] for name, calls in layers}
    waiting: dict[tuple[str, int], list[str]] = {}  # a tensor -> the layers waiting for it
    nodes: list[list[Any]] = []
    queue = deque(name for name, _ in layers)
    while queue:
        name = queue.popleft()
        calls = pending.get(name)
        while calls:
            missing = next(((n, i) for n, i in calls[0] if made.get(n, 0) <= i), None)
            if missing is not None:
                waiting.setdefault((missing[0], missing[1]), []).append(name)
                break
            nodes.append([name, calls.pop(0)])
            made[name] = made.get(name, 0) + 1
            queue.extend(waiting.pop((name, made[name] - 1), []))
    stuck = sorted(n for n, calls in pending.items() if calls)
    if stuck:
        raise KerasFormatError(f"The layers {stuck[:5]} read tensors that no layer makes "
                               "(the graph is disconnected or cyclic).")
    return nodes


def io_refs(value: Any, what: str, nested: set[str]) -> tuple[list[list[Any]], list[str] | None]:
    """``input_layers``/``output_layers`` -> ``([[name, call], ...], dict keys or None)``;
    ``nested`` names the nested functional models (their calls count from 1)."""
    keys = None
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        items = list(value.values())
    elif isinstance(value, list) and value and isinstance(value[0], str):
        items = [value]
    else:
        items = value if isinstance(value, list) else []
    refs = []
    for item in items:
        if (not isinstance(item, list) or len(item) != 3 or not isinstance(item[0], str)
                or not isinstance(item[1], int) or item[2] != 0):
            raise KerasFormatError(f"The model's `{what}` is malformed: {value!r}.")
        call = item[1] - 1 if item[0] in nested else item[1]
        refs.append([item[0], max(call, 0)])
    if not refs:
        raise KerasFormatError(f"The model's `{what}` is empty or malformed: {value!r}.")
    return refs, keys
