"""Sequential: a plain stack of layers, each feeding the next (Keras's ``Sequential``).

As in Keras, a Sequential model *is* a functional :class:`~glassnet.models.Model` whose
graph is a chain of nodes: it is built, run forward and run backward by the same graph walker
(:class:`glassnet.layers.graph.Graph`); only how it is assembled (``add``/``pop``), its
summary and its config differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from glassnet.layers.base import Layer, Shape, deserialize_layer, serialize_layer
from glassnet.layers.graph import Graph, unique_name
from glassnet.layers.input import InputLayer, Node, SymbolicTensor
from glassnet.models.functional import Model
from glassnet.models.model import Model as BaseModel
from glassnet.models.model import _deferred


class Sequential(Model):
    """A linear stack of layers (a functional ``Model`` whose graph is a chain).

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order, as by :meth:`add`.
    name : str, optional
    seed : int, optional
        Seeds initialisation, shuffling and dropout (three independent streams).
    dtype : str, default 'float32'

    Examples
    --------
    >>> model = Sequential([Dense(30, input_dim=784), Activation('relu'), Dense(10)])
    """

    default_name = "sequential"

    def __init__(self, layers: Sequence[Layer] | None = None, name: str | None = None,
                 seed: int | None = None, dtype: str = "float32") -> None:
        # The functional constructor takes symbolic tensors; a Sequential grows by add().
        BaseModel.__init__(self, name=name, seed=seed, dtype=dtype)
        self._layers: list[Layer] = []
        self._input_shape: Shape | None = None
        self._graph = Graph.chain([])
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    # A stack builds from its declared input shape and lets a layer that does not fit raise
    # (the functional model's own version leaves sizes declared None to the first batch).
    def _build_if_declared(self) -> None:
        """Build now when the input shape is declared (Keras builds eagerly). Sizes declared
        None (``Input(shape=(None,))`` before an Embedding) are resolved per batch: a layer
        that needs them fixed builds at the first call instead."""
        try:
            declared = self.input_shape
        except AttributeError:
            return
        if all(d is not None for d in declared[1:]):
            BaseModel._build_if_declared(self)  # errors here reject the layer just added
            return
        if not self.layers or _deferred.get():
            return
        try:
            self.build(declared)
        except (ValueError, TypeError):
            self.built = False

    def add(self, layer: Layer) -> None:
        """Append a layer, naming it ``<type>_<k>`` (``dense_1``) unless it has a name.

        The first entry may be ``Input(shape=...)`` (a symbolic tensor) or an ``InputLayer``:
        it only declares the input shape. Once the input shape is known, each ``add``
        builds the new layer at once (the ones before keep their weights), as in Keras.
        """
        if isinstance(layer, SymbolicTensor):
            if not layer.is_input:
                raise TypeError(
                    "Sequential.add accepts only the tensor of Input(shape=...) as a symbolic "
                    f"entry, got the output of {layer.node.layer.name!r}; build graphs with "
                    "glassnet.models.Model(inputs, outputs)."
                )
            layer = layer.node.layer
        if isinstance(layer, BaseModel):  # a model inside: one layer running its graph
            from glassnet.models.nested import as_layer

            layer = as_layer(layer)
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a Layer (e.g. Dense(30)), got {type(layer).__name__}."
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An Input can only be the first entry of a Sequential model.")
            self._input_shape = layer.input_shape
            self._input_dtype = layer.dtype
            return
        taken = {existing.name for existing in self._layers if existing.name is not None}
        layer.name = unique_name(layer, taken)
        if layer.name in taken:
            raise ValueError(f"Layer names must be unique; {layer.name!r} is already in the model.")
        if not self._layers and layer.input_shape is not None:
            self._input_shape = layer.input_shape
        self._layers.append(layer)
        self._graph = Graph.chain(self._layers)
        self.built = False
        try:
            self._build_if_declared()
        except Exception:  # a layer that cannot take the previous output: not added
            self._layers.pop()
            self._graph = Graph.chain(self._layers)
            self._build_if_declared()
            raise

    def pop(self) -> Layer:
        if not self._layers:
            raise ValueError("There are no layers to pop.")
        self.built = False
        layer = self._layers.pop()
        layer.__dict__.pop("_chain_node", None)
        self._graph = Graph.chain(self._layers)
        self._build_if_declared()
        return layer

    # ------------------------------------------------------------- Model interface
    def _build_layers(self, input_shape: Shape | None, rng: np.random.Generator) -> None:
        if input_shape is None:
            input_shape = self._input_shape
        if input_shape is None:
            raise ValueError(
                "Cannot build the model without an input shape: give the first layer "
                "`input_dim=`/`input_shape=`, start with Input(shape=...), or call fit/predict."
            )
        if not self._layers:
            raise ValueError("Cannot build an empty Sequential model: add layers first.")
        if self._input_shape is not None and tuple(input_shape) != tuple(self._input_shape):
            raise ValueError(
                f"Model '{self.name}' was declared for inputs of shape "
                f"{(None,) + tuple(self._input_shape)}, but received data of shape "
                f"{(None,) + tuple(input_shape)}."
            )
        self._input_shape = tuple(input_shape)
        self._graph.build(self._input_shape, rng, self.dtype, keep=True)
        self._chain_tensors()

    def _check_input_shape(self, x: np.ndarray) -> None:
        """As every model; first, a stack ending in a layer with several outputs (it may
        still grow: ``add(Concatenate())``) cannot predict or train."""
        last = self._layers[-1] if self._layers else None
        if last is not None and last.multi_output:
            raise ValueError(
                f"The last layer of Sequential model '{self.name}', {type(last).__name__} "
                f"'{last.name}', has several outputs; a Sequential model has one. Merge them "
                "(add Concatenate()) or use the functional API: `a, b = layer(x)`, then "
                "Model(inputs, [a, b]).")
        super()._check_input_shape(x)

    def _chain_tensors(self) -> None:
        """The symbolic tensors of the chain (``model.inputs``, ``layer.input``/``output``),
        as Keras's Sequential builds a functional graph once its input shape is known."""
        assert self._input_shape is not None  # built
        source = InputLayer(shape=cast(Any, self._input_shape), name=f"{self.name}_input",
                            dtype=self.__dict__.get("_input_dtype"))
        tensor = Node(source, [], self._input_shape).output
        self._symbolic_input = tensor
        for layer, shape in zip(self._layers, self._graph.shapes[1:], strict=True):
            # After a layer with several outputs, the next one reads their list.
            node = Node(layer, tensor if isinstance(tensor, list) else [tensor], shape)
            layer.__dict__["_chain_node"] = node
            tensor = node.output
        self._symbolic_output = tensor

    def _tensors(self, which: str) -> list[SymbolicTensor]:
        if not self.built:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined {which} yet: give it an input "
                "shape (Input(shape=...) first, or `input_shape=` on the first layer) or "
                "build it."
            )
        return [self._symbolic_input if which == "inputs" else self._symbolic_output]

    @property
    def inputs(self) -> list[SymbolicTensor]:
        """``[the input tensor]`` once built (Keras's ``model.inputs``)."""
        return self._tensors("inputs")

    @property
    def outputs(self) -> list[SymbolicTensor]:
        """``[the output tensor]`` once built (Keras's ``model.outputs``)."""
        return self._tensors("outputs")

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        if self._input_shape is None:
            raise AttributeError(f"Model '{self.name}' has no input shape yet (not built).")
        return (None,) + tuple(self._input_shape)

    @property
    def output_shape(self) -> tuple[int | None, ...]:
        return self.layer_output_shapes()[-1] if self._layers else self.input_shape

    def layer_output_shapes(self, operations: bool = False) -> list[Any]:
        """``(None, ...)`` output shape of every layer (from the input shape, no data); a list
        of them for a layer with several outputs. (A chain of layers has no operation nodes:
        ``operations`` changes nothing.)"""
        if self.built:
            return [[(None,) + tuple(s) for s in shape] if isinstance(shape, list)
                    else (None,) + tuple(shape) for shape in self._graph.shapes[1:]]
        shape = self.input_shape[1:]
        out = []
        for layer in self._layers:
            shape = tuple(layer.output_shape(shape))
            out.append((None,) + shape)
        return out

    # ------------------------------------------------------------- reporting & config
    def _summary_text(self, line_length: int | None) -> str:
        """Keras's Sequential table: layer (type), output shape, param # (no "connected to")."""
        return BaseModel._summary_text(self, line_length)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seed": self.seed,
            "dtype": self.dtype.name,
            "input_shape": None if self._input_shape is None else list(self._input_shape),
            "layers": [serialize_layer(layer) for layer in self._layers],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any],  # type: ignore[override]  # its own config
                    custom_objects: dict[str, Any] | None = None) -> Sequential:
        from glassnet._custom_objects import custom_object_scope

        model = cls(name=config.get("name"), seed=config.get("seed"),
                    dtype=config.get("dtype", "float32"))
        if config.get("input_shape") is not None:
            model._input_shape = tuple(config["input_shape"])
        with custom_object_scope(custom_objects):
            for layer_config in config["layers"]:
                model.add(deserialize_layer(layer_config))
        return model
