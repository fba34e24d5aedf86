"""The functional API: a model is any graph of layers from its inputs to its outputs.

::

    x = Input(shape=(64,))
    h = Dense(64, activation="relu")(x)
    h = Add()([x, Dense(64)(h)])                 # a residual connection: y = x + f(x)
    y = Dense(10, activation="softmax")(h)
    model = Model(x, y)                          # then compile / fit / evaluate as usual

As in Keras, a model may take several inputs and give several outputs (lists or dicts of
tensors; data, targets, losses, loss weights and metrics then come as lists or dicts too, see
:mod:`glassnet.models.multi_io`), a layer called twice is *shared* (one set of weights), a
model called on tensors becomes one layer of a bigger graph (:mod:`glassnet.models.nested`),
and ``None`` in an input shape is a size that varies from batch to batch. The functions of
:mod:`glassnet.ops` and Python's operators apply to the symbolic tensors too
(``y = ops.mean(h, axis=-1, keepdims=True) * 2``, ``a, b = ops.split(x, 2, axis=-1)``,
``h[:, :3]``): they record operation nodes (:mod:`glassnet.ops.symbolic`), which run and
backpropagate as layers do but are not layers (``model.layers`` leaves them out, ``summary``
shows them); such a model saves its weights, not its architecture.

The graph is what the symbolic tensors recorded (:mod:`glassnet.layers.input`): each
:class:`~glassnet.layers.input.Node` knows its layer and the tensors it consumed. The model
orders the nodes topologically (by creation number) and hands them to the one graph walker,
:class:`glassnet.layers.graph.Graph`, which builds, runs forward and runs backward every
model kind (a :class:`~glassnet.models.Sequential` is this class with a chain of nodes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from glassnet.layers.base import Layer, Shape
from glassnet.layers.graph import Graph, unique_name
from glassnet.layers.input import InputLayer, Node, SymbolicTensor, is_symbolic
from glassnet.layers.random_transforms import eager_augmentation
from glassnet.models import data, graph_config, multi_io
from glassnet.models.model import Model as BaseModel
from glassnet.models.model import _deferred
from glassnet.models.multi_io import Packing
from glassnet.models.parameters import FlatParameters
from glassnet.models.summary import _fmt_shape
from glassnet.models.training import RELEASE_CACHES
from glassnet.ops import layer_autodiff
from glassnet.ops.symbolic import TensorOperation


def _structure(tensors: Any, what: str) -> tuple[list[SymbolicTensor], list[str] | None]:
    """``x``, ``[x, y]`` or ``{"title": x, ...}`` -> the tensors in order, and the dict's keys
    (None unless a dict was given). A list of one is one tensor, as in Keras."""
    keys = None
    if isinstance(tensors, dict):
        keys = [str(k) for k in tensors]
        tensors = list(tensors.values())
    elif isinstance(tensors, (list, tuple)):  # nested lists (an RNN's states) flattened
        tensors = [t for part in tensors
                   for t in (part if isinstance(part, (list, tuple)) else [part])]
    else:
        tensors = [tensors]
    if not tensors:
        raise ValueError(f"`{what}` must hold at least one symbolic tensor, got none.")
    for t in tensors:
        if not isinstance(t, SymbolicTensor):
            raise TypeError(
                f"`{what}` must be a symbolic tensor (from Input(...) or a layer called on "
                f"one), or a list or dict of them, got {type(t).__name__}."
            )
    if len({id(t) for t in tensors}) != len(tensors):
        raise ValueError(f"`{what}` lists the same tensor twice.")
    return tensors, keys


def _source(tensor: SymbolicTensor) -> str:
    layer = tensor.node.layer
    name = f" '{layer.name}'" if layer.name else ""
    return f"{type(layer).__name__}{name} of shape {tensor.shape}"


def _graph_nodes(inputs: list[SymbolicTensor], outputs: list[SymbolicTensor]) -> list[Node]:
    """Every node the outputs depend on, and the inputs' nodes, in topological (creation)
    order.

    Raises
    ------
    ValueError
        When an output depends on an Input that is not among ``inputs``: the graph is not
        connected to the model's inputs.
    """
    seen: dict[int, Node] = {t.node.id: t.node for t in inputs}
    stack = [t.node for t in outputs]
    while stack:  # iterative: no recursion limit for very deep graphs
        node = stack.pop()
        if node.id in seen:
            continue
        if isinstance(node.layer, InputLayer) and not node.inputs:
            raise ValueError(
                f"`outputs` is not connected to `inputs`: it depends on the Input "
                f"{_source(node.output)}, which is not one of the model's inputs "
                f"({', '.join(_source(t) for t in inputs)})."
            )
        seen[node.id] = node
        stack.extend(t.node for t in node.inputs)
    return [seen[k] for k in sorted(seen)]


class Model(BaseModel):
    """A model from input tensors to output tensors through any graph of layers.

    Parameters
    ----------
    inputs : SymbolicTensor, list or dict of them
        Tensors returned by ``Input(shape=...)``. With a dict, data may be given as a dict
        with the same keys; with a list, as a list or a dict keyed by the Inputs' names.
    outputs : SymbolicTensor, list or dict of them
        Tensors computed from ``inputs`` by calling layers. Several outputs are named by the
        dict's keys, else by their layers' names (``output_names``): those names key targets,
        losses and metrics given as dicts, and the logs (``<name>_loss``, ``<name>_<metric>``).
        ``predict`` returns an array, a list, or a dict, as the outputs were given.
    name : str, optional
    seed : int, optional
        Seeds initialisation, shuffling and dropout (three independent streams).
    dtype : {'float32', 'float64', 'float16'}, default 'float32'

    Raises
    ------
    ValueError
        If ``outputs`` does not depend on ``inputs`` alone, or two layers share a name.

    Examples
    --------
    >>> x = Input(shape=(4,))
    >>> h = Dense(4, activation="relu")(x)
    >>> model = Model(x, Dense(2)(Add()([x, h])))
    >>> title, tags = Input(shape=(None,), name="title"), Input(shape=(12,), name="tags")
    >>> h = concatenate([LSTM(8)(Embedding(1000, 16)(title)), tags])
    >>> model = Model([title, tags], {"priority": Dense(1)(h), "department": Dense(4)(h)})
    """

    default_name = "functional"
    # A Sequential (this class with a chain) has no symbolic inputs or outputs: one of each.
    _inputs: list[SymbolicTensor] = []
    _outputs: list[SymbolicTensor] = []
    _input_keys: list[str] | None = None
    _output_keys: list[str] | None = None
    _input_packing: Packing | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that defines ``call`` is Keras's third way of building a model: it runs
        as a :class:`glassnet.models.subclassed.SubclassedModel` (layers as attributes, the
        backward pass from the tape)."""
        super().__init_subclass__(**kwargs)
        if "call" in cls.__dict__:
            from glassnet.models.subclassed import adopt

            adopt(cls)

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None,
                 seed: int | None = None, dtype: str = "float32") -> None:
        super().__init__(name=name, seed=seed, dtype=dtype)
        self._inputs, self._input_keys = _structure(inputs, "inputs")
        self._outputs, self._output_keys = _structure(outputs, "outputs")
        for t in self._inputs:
            if not t.is_input:
                raise ValueError(
                    f"`inputs` must be the tensor returned by Input(...) (one per input), got "
                    f"the output of {_source(t)}."
                )
        self._input, self._output = self._inputs[0], self._outputs[0]
        self._nodes = _graph_nodes(self._inputs, self._outputs)
        self._name_layers()
        # Tensor numbers for the walker: 0 is the data (the list of arrays for several
        # inputs), k + 1 the output of node k; an InputLayer's node (the identity) reads the
        # data. Output i of a node with several is (k + 1, i).
        self._slot: dict[int, int] = {}  # node id -> its tensor number
        sources: list[list[Any]] = []
        input_index = {}
        position = {id(t): i for i, t in enumerate(self._inputs)}
        for k, node in enumerate(self._nodes):
            sources.append([self._tensor_number(t) for t in node.inputs] or [0])
            if not node.inputs and len(self._inputs) > 1:
                input_index[k] = position[id(node.output)]
            self._slot[node.id] = k + 1
        self._graph = Graph([node.layer for node in self._nodes], sources,
                            outputs=[self._tensor_number(t) for t in self._outputs],
                            input_index=input_index,
                            training=[node.training for node in self._nodes])
        self._input_packing: Packing | None = None
        self._build_if_declared()  # Keras builds a functional model at construction

    def _build_if_declared(self) -> None:
        """Build now from the Inputs' declared shapes, as Keras does (sizes declared as
        None are resolved per batch; a layer that needs them fixed builds at the first call)."""
        if _deferred.get():
            return
        try:
            self.build()
        except (ValueError, TypeError):
            self.built = False  # e.g. a Dense over a dimension declared None: built on use

    def _tensor_number(self, tensor: SymbolicTensor) -> Any:
        """The walker's name for ``tensor``: its node's tensor number ``t``, or ``(t, i)``
        for output ``i`` of a node with several."""
        t = self._slot[tensor.node.id]
        return t if tensor.index is None else (t, tensor.index)

    def _name_layers(self) -> None:
        """Name unnamed layers ``<type>_<k>`` (the rule of every model kind, see
        :func:`~glassnet.layers.graph.unique_name`), and the operation nodes by their Keras
        class (``multiply_1``); names must be unique."""
        names: set[str] = set()
        given = {node.layer.name for node in self._nodes if node.layer.name is not None}
        for layer in self._operations():
            if layer.name is None:
                layer.name = unique_name(layer, names | given)
            inner = layer.__dict__.get("model")
            if layer.name in names and inner is not None and inner.__dict__.get("_auto_named"):
                # Models left unnamed (the guide's ensemble of get_model()): Keras's
                # functional, functional_1, functional_2 ...
                k = 1
                while f"{inner.default_name}_{k}" in names | given:
                    k += 1
                inner.name = layer.name = f"{inner.default_name}_{k}"
            if layer.name in names:
                raise ValueError(
                    f"Layer names must be unique; {layer.name!r} is used twice in the graph."
                )
            names.add(layer.name)

    def _operations(self) -> list[Any]:
        """Every layer and operation node once, in topological order (Keras's
        ``model.operations``): the layers, and the ops applied to symbolic tensors."""
        if "_nodes" not in self.__dict__:  # a Sequential: its layers
            return list(self.layers)
        seen: dict[int, Any] = {}
        for node in self._nodes:
            seen.setdefault(id(node.layer), node.layer)
        return list(seen.values())

    # ------------------------------------------------------------- graph access
    @property
    def layers(self) -> list[Layer]:
        """Every layer once (a shared layer at its first call), in topological order: the
        InputLayers first. The ops applied to symbolic tensors are nodes, not layers: they
        are left out, as in Keras."""
        return [op for op in self._operations() if isinstance(op, Layer)]

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return list(self._outputs)

    @property
    def input(self) -> Any:
        """The input tensor (Keras's ``model.input``); the list of them for several."""
        tensors = self.inputs
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def output(self) -> Any:
        """The output tensor (Keras's ``model.output``); the list of them for several."""
        tensors = self.outputs
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def input_names(self) -> list[str]:
        """The keys of input data given as a dict: the dict's keys, else the Input names."""
        return self._input_keys or [str(t.node.layer.name) for t in self._inputs]

    @property
    def output_names(self) -> list[str]:
        """Names of the outputs (Keras's): the dict's keys, else the output layers' names;
        they key targets, losses and metrics given as dicts, and the logs."""
        if not self._outputs:  # a Sequential: its last layer
            return [str(layer.name) for layer in self.layers[-1:]] or ["output"]
        return self._output_keys or [str(t.node.layer.name) for t in self._outputs]

    def _shape_of(self, tensor: SymbolicTensor) -> Shape:
        if self.built:
            shape: Any = self._graph.shapes[self._slot[tensor.node.id]]
            return shape if tensor.index is None else shape[tensor.index]
        return tensor.sample_shape

    @property
    def input_shape(self) -> Any:
        """``(None, ...)``; a list of them for several inputs."""
        shapes = [t.shape for t in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        """``(None, ...)``; a list of them for several outputs."""
        shapes = [(None,) + tuple(self._shape_of(t)) for t in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def layer_output_shapes(self, operations: bool = False) -> list[Any]:
        """``(None, ...)`` output shape of every layer, in :attr:`layers` order (a list of
        them for a layer with several outputs); with ``operations``, of every layer and
        operation node, in :meth:`_operations` order."""
        first: dict[int, Any] = {}
        for node in self._nodes:
            if not operations and not isinstance(node.layer, Layer):
                continue
            shapes = [(None,) + tuple(self._shape_of(t)) for t in node.outputs]
            first.setdefault(id(node.layer), shapes if node.layer.multi_output else shapes[0])
        return list(first.values())

    # ------------------------------------------------------------- Model interface
    def _build_layers(self, input_shape: Shape | None, rng: np.random.Generator) -> None:
        shapes = [tuple(t.sample_shape) for t in self._inputs]
        if input_shape is not None and len(shapes) == 1:
            declared, shape = shapes[0], tuple(input_shape)
            if len(shape) != len(declared) or any(
                    d is not None and g is not None and d != g
                    for d, g in zip(declared, shape, strict=True)):
                raise ValueError(
                    f"Model '{self.name}' was declared for inputs of shape {(None,) + declared}, "
                    f"but received data of shape {(None,) + shape}."
                )
        # Layers already built (by another model over the same tensors, or a model nested
        # here) keep their weights: Keras's models share their layers.
        self._graph.build(shapes[0] if len(shapes) == 1 else shapes, rng, self.dtype,
                          keep_built=True)

    def _prepare_training(self) -> None:
        """As every model; first take back the weights of layers that another model sharing
        them has bound to its own flat vector since (the values are kept)."""
        flat = self._flat
        if flat is not None and any(layer.params.get(key) is None
                                    or layer.params[key].base is not flat.theta
                                    for layer, key, _ in flat.slots):
            self._flat = FlatParameters(self.layers, self.dtype)
        super()._prepare_training()

    @contextlib.contextmanager
    def _inference_only(self) -> Iterator[None]:
        """As every model; the operation nodes too keep nothing for a backward pass."""
        ops = [op for op in self._operations() if isinstance(op, TensorOperation)]
        for op in ops:
            op.keep_cache = False
        try:
            with super()._inference_only():
                yield
        finally:
            for op in ops:
                op.keep_cache = True

    def __call__(self, x: Any, training: bool | None = None) -> Any:
        """On symbolic tensors: this model as one layer of a bigger graph (its weights shared
        by every call). On arrays: the output(s) for ``x``."""
        if is_symbolic(x) or (isinstance(x, dict) and any(is_symbolic(v) for v in x.values())):
            from glassnet.models.nested import as_layer

            if isinstance(x, dict):
                x = [x[k] for k in self.input_names]
            return as_layer(self)(x, training=training)
        if layer_autodiff.recording(x):  # inside a custom layer's `call`: one node on its tape
            from glassnet.models.nested import as_layer

            if isinstance(x, dict):
                x = [x[k] for k in self.input_names]
            return layer_autodiff.call_traced(as_layer(self), x,
                                              layer_autodiff.resolve_training(self, training))
        if training is None and layer_autodiff.call_context() is None:
            # each layer in its own default mode, as Keras: augmentation layers augment
            with eager_augmentation(self.layers):  # (None: a call's own mode where given)
                return self._structured(super().__call__(x, training=None))
        return self._structured(super().__call__(
            x, training=layer_autodiff.resolve_training(self, training)))

    # ------------------------------------------------------------- several inputs/outputs
    def _pack_inputs(self, x: Any) -> Any:
        """The data of every input, in :attr:`inputs` order, packed side by side into one
        array (several inputs, see :mod:`glassnet.models.multi_io`)."""
        if len(self._inputs) > 1 and multi_io.is_packed(x, self._input_packing):
            return x  # already packed (the split-off validation data)
        arrays = multi_io.in_order(x, self.input_names or ["x"], "x")
        if len(self._inputs) <= 1:
            return arrays[0]
        arrays = [np.asarray(a) for a in arrays]
        for a, t, key in zip(arrays, self._inputs, self.input_names, strict=True):
            declared = t.sample_shape
            if a.ndim != len(declared) + 1 or any(
                    d is not None and d != g for d, g in zip(declared, a.shape[1:], strict=True)):
                raise ValueError(
                    f"Input '{key}' of model '{self.name}' expects data of shape "
                    f"{t.shape}, got an array of shape {a.shape}.")
            if len(a) != len(arrays[0]):
                raise ValueError(
                    f"Every input needs the same number of samples: '{self.input_names[0]}' "
                    f"has {len(arrays[0])}, '{key}' has {len(a)}.")
        self._input_packing = multi_io.Packing([a.shape[1:] for a in arrays])
        self._graph.unpack_inputs = self._input_packing.unpack  # the walker splits each batch
        return self._input_packing.pack(arrays, self.dtype)

    def _check_input_shape(self, x: np.ndarray) -> None:
        if len(self._inputs) <= 1:
            super()._check_input_shape(x)

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, **kwargs: Any) -> None:
        """As :meth:`glassnet.models.Model.compile`; with several outputs ``loss`` may be one
        loss for all, a list or a dict by output name, and ``loss_weights`` and ``metrics``
        (a list of lists, or a dict) are per output, as in Keras."""
        if len(self._outputs) <= 1:
            loss = multi_io.only(loss, self.output_names, "loss")
            metrics = multi_io.only(metrics, self.output_names, "metrics")
            super().compile(optimizer, loss, metrics=metrics, **kwargs)
            if loss_weights is not None:
                weight = multi_io.only(loss_weights, self.output_names, "loss_weights")
                if float(weight) != 1.0:
                    self.loss = multi_io.scaled(self.loss, float(weight))
            return
        multi_io.compile_outputs(self, optimizer, loss, loss_weights, metrics, kwargs,
                                 BaseModel.compile)

    def _fused_output(self) -> Any:
        if not self._outputs:  # a Sequential
            return super()._fused_output()
        readers: dict[int, int] = {}
        for node in self._nodes:
            for t in node.inputs:
                readers[id(t)] = readers.get(id(t), 0) + 1
        flags = []
        for t in self._outputs:
            layer = t.node.layer
            shared = sum(node.layer is layer for node in self._nodes) > 1
            flags.append(not shared and not readers.get(id(t)))
        if len(self._outputs) == 1:
            return flags[0] and super()._fused_output() and self.layers[-1] is self._output.node.layer
        assert isinstance(self.loss, multi_io.MultiOutputLoss)
        self.loss.fused = [f and multi_io.fuses(t.node.layer, loss)
                           for f, t, loss in zip(flags, self._outputs, self.loss.losses,
                                                 strict=True)]
        self._graph.fused_outputs = self.loss.fused  # which outputs hand back dL/dz
        return any(self.loss.fused)

    def _targets(self, y: Any, n: int, name: str = "y") -> np.ndarray:
        if len(self._outputs) <= 1:
            assert self.loss is not None  # compiled: every caller checks first
            y = multi_io.in_order(y, self.output_names, name)[0]
            # None dimensions (sequences of any length) take the targets' sizes.
            shape = multi_io.resolved((n,) + tuple(self.output_shape[1:]), y)
            return data.as_targets(y, n, self.loss, shape, self.dtype, name)
        return multi_io.pack_targets(self, y, n, name)

    def _predict_batches(self, x: np.ndarray, bs: int) -> Any:
        if len(self._outputs) <= 1:
            return super()._predict_batches(x, bs)
        with self._inference_only():
            parts = [self._forward(x[i:i + bs], training=False, observer=RELEASE_CACHES)
                     for i in range(0, len(x), bs)]
        return [np.concatenate([p[j] for p in parts]) for j in range(len(self._outputs))]

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = 0,
                steps: int | None = None, callbacks: Any = None) -> Any:
        """As :meth:`glassnet.models.Model.predict`; several outputs come back as a list (a
        dict when the model's outputs were given as a dict), as in Keras."""
        if data.is_batch_stream(x) and (len(self._outputs) > 1 or self._output_keys):
            parts = [self.predict(data.unpack_batch(b)[0] if isinstance(b, tuple) else b,
                                  batch_size) for b in x]
            if self._output_keys is not None:
                return {k: np.concatenate([p[k] for p in parts]) for k in self._output_keys}
            return [np.concatenate([p[j] for p in parts]) for j in range(len(self._outputs))]
        return self._structured(super().predict(x, batch_size, verbose, steps, callbacks))

    def _structured(self, out: Any) -> Any:
        if self._output_keys is not None:
            outs = out if isinstance(out, list) else [out]
            return dict(zip(self._output_keys, outs, strict=True))
        return out

    # ------------------------------------------------------------- reporting
    def _summary_text(self, line_length: int | None) -> str:
        """Keras's functional table: layer (type), output shape, param #, connected to."""
        return summary_text(self, line_length or 98)

    # ------------------------------------------------------------- config
    def _ref(self, tensor: SymbolicTensor) -> list[Any]:
        """``[layer name, call index]``: which call of which layer produced ``tensor``."""
        return graph_config.tensor_ref(self._nodes, tensor)

    def get_config(self) -> dict[str, Any]:
        """The graph by layer names: each layer's config and the layers feeding it; the
        calls in order (``nodes``: layer, inputs), for shared layers and nested models.

        Raises
        ------
        ValueError
            For a graph holding ops applied to symbolic tensors (their functions are code),
            naming the first: ``to_json``, ``save``, ``clone_model`` then say so instead of
            writing an architecture that would load wrong. ``save_weights`` works.
        """
        self._check_describable()
        return graph_config.describe(self)

    def _check_describable(self) -> None:
        """Raise, naming the first operation node, when the graph holds ops (see
        :meth:`get_config`)."""
        for op in self._operations():
            if isinstance(op, TensorOperation):
                op.get_config()  # raises, naming it

    def save(self, filepath: Any) -> None:
        """As :meth:`glassnet.models.Model.save`; a graph holding ops applied to symbolic
        tensors is refused first, naming the op (:meth:`get_config`), and no file is written."""
        self._check_describable()
        super().save(filepath)

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict[str, Any] | None = None) -> Model:
        """Rebuild the graph from :meth:`get_config` (layers listed after their inputs);
        ``custom_objects`` maps class names to the custom layer classes to use."""
        from glassnet._custom_objects import custom_object_scope

        with custom_object_scope(custom_objects):
            inputs, outputs = graph_config.rebuild(config)
        return cls(inputs, outputs, name=config.get("name"), seed=config.get("seed"),
                   dtype=config.get("dtype", "float32"))


def summary_text(model: Model, line_length: int = 98) -> str:
    """The functional summary with a "Connected to" column (``name[node][tensor]``)."""
    stops = [int(line_length * f) for f in (0.33, 0.55, 0.67)] + [line_length]
    widths = [stops[0]] + [b - a for a, b in zip(stops, stops[1:], strict=False)]

    def row(cells: list[str]) -> str:
        return "".join((" " + c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [f'Model: "{model.name}"', "_" * line_length,
             row(["Layer (type)", "Output Shape", "Param #", "Connected to"]),
             "=" * line_length]
    # Every layer and operation node (Keras shows ``multiply_1 (Multiply)`` rows too).
    for layer, shape in zip(model._operations(), model.layer_output_shapes(operations=True),
                            strict=True):
        # Every call of the layer (a shared layer has several): "<name>[<call>][0]".
        sources = [f"{ref[0]}[{ref[1]}][{ref[2] if len(ref) > 2 else 0}]"
                   for node in model._nodes if node.layer is layer
                   for ref in map(model._ref, node.inputs)] or ["-"]
        count = layer.count_params() + layer.count_state()
        kind = type(vars(layer).get("model")).__name__.replace("Model", "Functional") \
            if "model" in vars(layer) else layer.class_name if isinstance(layer, TensorOperation) \
            else type(layer).__name__
        lines.append(row([f"{layer.name} ({kind})", _fmt_shape(shape),
                          f"{count:,}", sources[0]]))
        lines.extend(row(["", "", "", s]) for s in sources[1:])
    trainable = sum(layer.params[k].size for layer in model.layers
                    for k in layer.trainable_params())
    total = sum(layer.count_params() + layer.count_state() for layer in model.layers)
    lines += ["=" * line_length, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", "_" * line_length]
    return "\n".join(lines)
