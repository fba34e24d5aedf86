"""The functional API: a model is any graph of layers from an input tensor to an output.

::

    x = Input(shape=(64,))
    h = Dense(64, activation="relu")(x)
    h = Add()([x, Dense(64)(h)])                 # a residual connection: y = x + f(x)
    y = Dense(10, activation="softmax")(h)
    model = Model(x, y)                          # then compile / fit / evaluate as usual

The graph is what the symbolic tensors recorded (:mod:`glassnet.layers.input`): each
:class:`~glassnet.layers.input.Node` knows its layer and the tensors it consumed. The model
orders the nodes topologically (by creation number) and hands them to the one graph walker,
:class:`glassnet.layers.graph.Graph`, which builds, runs forward and runs backward every
model kind (a :class:`~glassnet.models.Sequential` is this class with a chain of nodes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.base import Layer, Shape, deserialize_layer, serialize_layer
from glassnet.layers.graph import Graph, unique_name
from glassnet.layers.input import InputLayer, Node, SymbolicTensor, input_tensor, is_symbolic
from glassnet.models.model import Model as BaseModel
from glassnet.models.summary import _fmt_shape


def _single(tensors: Any, what: str) -> SymbolicTensor:
    """``x`` or ``[x]`` -> ``x``; this Model takes one input and one output tensor."""
    if isinstance(tensors, (list, tuple)):
        if len(tensors) != 1:
            raise ValueError(
                f"glassnet's functional Model takes exactly one tensor as `{what}`, got "
                f"{len(tensors)}; merge several with Concatenate() first."
            )
        tensors = tensors[0]
    if not isinstance(tensors, SymbolicTensor):
        raise TypeError(
            f"`{what}` must be a symbolic tensor (from Input(...) or a layer called on one), "
            f"got {type(tensors).__name__}."
        )
    return tensors


def _source(tensor: SymbolicTensor) -> str:
    layer = tensor.node.layer
    name = f" '{layer.name}'" if layer.name else ""
    return f"{type(layer).__name__}{name} of shape {tensor.shape}"


def _graph_nodes(inp: SymbolicTensor, out: SymbolicTensor) -> list[Node]:
    """Every node ``out`` depends on, in topological (creation) order, first the input's.

    Raises
    ------
    ValueError
        When ``out`` depends on an Input other than ``inp``: the graph is not connected to
        the model's inputs.
    """
    seen: dict[int, Node] = {}
    stack = [out.node]
    while stack:  # iterative: no recursion limit for very deep graphs
        node = stack.pop()
        if node.id in seen:
            continue
        seen[node.id] = node
        if isinstance(node.layer, InputLayer) and node is not inp.node:
            raise ValueError(
                f"`outputs` is not connected to `inputs`: it depends on the Input "
                f"{_source(node.output)}, which is not the model's input "
                f"({_source(inp)})."
            )
        stack.extend(t.node for t in node.inputs)
    if inp.node.id not in seen:  # pragma: no cover - every path ends at some Input
        raise ValueError("`outputs` is not connected to `inputs`.")
    return [seen[k] for k in sorted(seen)]


class Model(BaseModel):
    """A model from an input tensor to an output tensor through any graph of layers.

    Parameters
    ----------
    inputs : SymbolicTensor (or a list of one)
        The tensor returned by ``Input(shape=...)``.
    outputs : SymbolicTensor (or a list of one)
        A tensor computed from ``inputs`` by calling layers.
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
    """

    default_name = "functional"

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
        self._input = _single(inputs, "inputs")
        self._output = _single(outputs, "outputs")
        if not self._input.is_input:
            raise ValueError(
                f"`inputs` must be the tensor returned by Input(...), got the output of "
                f"{_source(self._input)}."
            )
        self._nodes = _graph_nodes(self._input, self._output)
        self._name_layers()
        # Tensor numbers for the walker: 0 is the data, k + 1 the output of node k; the
        # InputLayer's node (the identity) reads the data.
        self._slot: dict[SymbolicTensor, int] = {}
        sources = []
        for k, node in enumerate(self._nodes):
            sources.append([self._slot[t] for t in node.inputs] or [0])
            self._slot[node.output] = k + 1
        self._graph = Graph([node.layer for node in self._nodes], sources)
        self._build_if_declared()  # Keras builds a functional model at construction

    def _name_layers(self) -> None:
        """Name unnamed layers ``<type>_<k>`` (the rule of every model kind, see
        :func:`~glassnet.layers.graph.unique_name`); names must be unique."""
        names: set[str] = set()
        given = {node.layer.name for node in self._nodes if node.layer.name is not None}
        for node in self._nodes:
            layer = node.layer
            if layer.name is None:
                layer.name = unique_name(layer, names | given)
            if layer.name in names:
                raise ValueError(
                    f"Layer names must be unique; {layer.name!r} is used twice in the graph."
                )
            names.add(layer.name)

    # ------------------------------------------------------------- graph access
    @property
    def layers(self) -> list[Layer]:
        """Every layer, in topological order: the InputLayer first, the output layer last."""
        return [node.layer for node in self._nodes]

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return [self._input]

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return [self._output]

    def _shape_of(self, tensor: SymbolicTensor) -> Shape:
        if self.built:
            return self._graph.shapes[self._slot[tensor]]
        return tensor.sample_shape

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        return self._input.shape

    @property
    def output_shape(self) -> tuple[int | None, ...]:
        return (None,) + tuple(self._shape_of(self._output))

    def layer_output_shapes(self) -> list[tuple[int | None, ...]]:
        """``(None, ...)`` output shape of every layer, in :attr:`layers` order."""
        return [(None,) + tuple(self._shape_of(node.output)) for node in self._nodes]

    # ------------------------------------------------------------- Model interface
    def _build_layers(self, input_shape: Shape | None, rng: np.random.Generator) -> None:
        declared = tuple(self._input.sample_shape)
        if input_shape is not None and tuple(input_shape) != declared:
            raise ValueError(
                f"Model '{self.name}' was declared for inputs of shape {(None,) + declared}, "
                f"but received data of shape {(None,) + tuple(input_shape)}."
            )
        self._graph.build(declared, rng, self.dtype)

    def __call__(self, x: Any, training: bool = False) -> np.ndarray:
        if is_symbolic(x):
            raise TypeError(
                f"Model '{self.name}' cannot be called on symbolic tensors (nesting models is "
                "not supported); call its layers instead."
            )
        return super().__call__(x, training=training)

    # ------------------------------------------------------------- reporting
    def summary(self, print_fn: Any = None, line_length: int | None = None) -> str:
        """Keras's functional table: layer (type), output shape, param #, connected to."""
        if not self.built:
            self.build()
        text = summary_text(self, line_length or 98)
        (print_fn or print)(text)
        return text

    # ------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """The graph by layer names: each layer's config and the layers feeding it."""
        return {
            "name": self.name,
            "seed": self.seed,
            "dtype": self.dtype.name,
            "layers": [
                {**serialize_layer(node.layer),
                 "inbound_layers": [t.node.layer.name for t in node.inputs]}
                for node in self._nodes
            ],
            "input_layers": [self._input.node.layer.name],
            "output_layers": [self._output.node.layer.name],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Model:
        """Rebuild the graph from :meth:`get_config` (layers listed after their inputs)."""
        tensors: dict[str | None, SymbolicTensor] = {}  # by layer name (None if a config omits it)
        for entry in config["layers"]:
            layer = deserialize_layer(entry)
            inbound = entry.get("inbound_layers", [])
            if not inbound:
                if not isinstance(layer, InputLayer):
                    raise ValueError(f"Layer {layer.name!r} has no inbound layers.")
                tensors[layer.name] = input_tensor(layer)
                continue
            missing = [n for n in inbound if n not in tensors]
            if missing:
                raise ValueError(
                    f"Layer {layer.name!r} is connected to {missing}, which are not defined "
                    "before it in the config."
                )
            ins = [tensors[n] for n in inbound]
            tensors[layer.name] = layer(ins if layer.multi_input else ins[0])
        try:
            inputs = [tensors[n] for n in config["input_layers"]]
            outputs = [tensors[n] for n in config["output_layers"]]
        except KeyError as exc:
            raise ValueError(f"The config names an unknown input/output layer {exc}.") from None
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
    for node, shape in zip(model._nodes, model.layer_output_shapes(), strict=True):
        layer = node.layer
        sources = [f"{t.node.layer.name}[0][0]" for t in node.inputs] or ["-"]
        count = layer.count_params() + layer.count_state()
        lines.append(row([f"{layer.name} ({type(layer).__name__})", _fmt_shape(shape),
                          f"{count:,}", sources[0]]))
        lines.extend(row(["", "", "", s]) for s in sources[1:])
    trainable = sum(layer.count_params() for layer in model.layers if layer.trainable)
    total = sum(layer.count_params() + layer.count_state() for layer in model.layers)
    lines += ["=" * line_length, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", "_" * line_length]
    return "\n".join(lines)
