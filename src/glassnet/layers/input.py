"""Input and the symbolic tensors of the functional API (``keras.Input`` / ``KerasTensor``).

``Input(shape=(784,))`` returns a :class:`SymbolicTensor`: no data, only a shape
``(None, 784)`` and the :class:`Node` that produced it. Calling a layer on symbolic tensors
(``y = Dense(10)(x)``) builds nothing; it records a new node ``layer(inputs) -> y`` and
returns ``y``. Following ``node.inputs`` back from an output tensor walks the whole graph,
which :class:`glassnet.models.Model` turns into a model::

    x = Input(shape=(784,))                    # (None, 784)   node: input_layer_1()
    h = Dense(64, activation="relu")(x)        # (None, 64)    node: dense_1(x)
    y = Add()([h, Dense(64)(h)])               # (None, 64)    node: add_1(h, dense_2(h))

Nodes are numbered in creation order; since a node can only consume tensors that already
exist, that order is a topological order of any graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from glassnet import ops as _ops
from glassnet.layers.base import Layer, Shape
from glassnet.ops import _operators
from glassnet.ops.symbolic import SymbolicValue

_node_ids = itertools.count()


class InputLayer(Layer):
    """The identity; carries ``input_shape`` so a model can build without data."""

    def __init__(self, shape: tuple[int | None, ...] | None = None, **base: Any) -> None:
        if shape is not None:
            base["input_shape"] = tuple(shape)
        if base.get("input_shape") is None:
            raise ValueError("InputLayer needs `shape`, the shape of one sample, e.g. (784,).")
        super().__init__(**base)  # checks the shape: positive ints, or None (any size)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y


class Node:
    """One call ``layer(inputs) -> output`` recorded in a graph.

    Attributes
    ----------
    layer : Layer
    inputs : list of SymbolicTensor
        Empty for an :class:`InputLayer`; one entry for an ordinary layer; two or more for a
        merge layer, in the order they were passed.
    outputs : list of SymbolicTensor
        What the call returned: one tensor, or one per output of a ``multi_output`` layer
        (``output_shape`` is then a list of shapes; tensor ``i`` has ``index == i``).
    output : SymbolicTensor or list of SymbolicTensor
        ``outputs[0]``, or the whole list for a ``multi_output`` layer (Keras's
        ``layer.output``).
    id : int
        Creation number: a topological order of every graph.
    training : bool or None
        The mode the call was given (``layer(x, training=False)``), None when it follows
        the model's.
    """

    def __init__(self, layer: Layer, inputs: Sequence[SymbolicTensor],
                 output_shape: Any, training: bool | None = None) -> None:
        self.layer = layer
        self.inputs = list(inputs)
        self.training = training
        self.id = next(_node_ids)
        if layer.multi_output:
            self.outputs = [SymbolicTensor(shape, self, i) for i, shape in enumerate(output_shape)]
            self.output: Any = list(self.outputs)
        else:
            self.outputs = [SymbolicTensor(output_shape, self)]
            self.output = self.outputs[0]

    def __repr__(self) -> str:
        args = ", ".join(t.node.layer.name or "?" for t in self.inputs)
        return f"<Node {self.layer.name or type(self.layer).__name__}({args})>"


class SymbolicTensor(SymbolicValue):
    """A placeholder for the array a layer will produce: its shape and where it comes from.

    Parameters
    ----------
    shape : tuple
        One sample's shape; ``.shape`` adds the batch axis: ``(None, *shape)``.
    node : Node
        The node whose output this is.
    index : int, optional
        Which output of ``node`` (None: its only one).

    Notes
    -----
    As Keras's ``KerasTensor``, it takes the functions of :mod:`glassnet.ops` and Python's
    operators, each recording an operation node of the graph (:mod:`glassnet.ops.symbolic`):
    ``x + 1``, ``x * y``, ``x @ w``, ``-x``, ``abs(x)``, ``x ** 2``, ``x[:, :3]``,
    ``x[..., 0]``; the comparisons ``< <= > >= !=`` give boolean tensors, and ``&``, ``|``,
    ``~`` the logical ops. ``==`` stays Python's identity (a tensor can be found in a list),
    and a symbolic tensor has no value: no iteration, no NumPy array.
    """

    def __init__(self, shape: Shape, node: Node, index: int | None = None) -> None:
        self._sample_shape = tuple(shape)
        self.node = node
        self.index = index
        #: The dtype name of an operation's output (bool for a comparison), when known.
        self._dtype: str | None = None

    @property
    def shape(self) -> tuple[int | None, ...]:
        """``(None, *sample_shape)``, as ``keras.Input(...).shape``."""
        return (None,) + self._sample_shape

    @property
    def sample_shape(self) -> Shape:
        """One sample's shape (no batch axis): what ``Layer.build`` receives."""
        return self._sample_shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> str:
        """The dtype's name, as Keras's (``'float32'`` unless the layer or op says other)."""
        if self._dtype is not None:
            return self._dtype
        dtype = self.node.layer.dtype
        return "float32" if dtype is None else np.dtype(dtype).name

    @property
    def is_input(self) -> bool:
        """True when an :func:`Input` produced this tensor."""
        return isinstance(self.node.layer, InputLayer)

    def __repr__(self) -> str:
        maker = self.node.layer
        source = maker.name or getattr(maker, "class_name", type(maker).__name__)
        return f"<SymbolicTensor shape={self.shape} from {source!r}>"

    # -- no value: what would need one says so -------------------------------------------------
    def _no_value(self, what: str) -> TypeError:
        return TypeError(
            f"A symbolic tensor {self.shape} has no value, so it cannot be {what}; it stands "
            "for an array a model computes. Use glassnet.ops functions or operators on it "
            "(they record graph nodes), then build a Model and call it on arrays.")

    def __iter__(self) -> Any:
        raise self._no_value("iterated; split it with ops.split or ops.unstack")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise self._no_value("converted to a NumPy array")


# Python's operators and NumPy's ufuncs on symbolic tensors: the public ops, which record nodes.
_operators.bind(SymbolicTensor, vars(_ops), symbolic=True)


def input_tensor(layer: InputLayer) -> SymbolicTensor:
    """The symbolic tensor of an existing :class:`InputLayer` (rebuilding a saved graph)."""
    assert layer.input_shape is not None  # InputLayer.__init__ requires it
    node = Node(layer, [], layer.input_shape)
    layer._node = node
    return node.output


def call_symbolic(layer: Layer, inputs: Any, training: bool | None = None) -> Any:
    """Record ``layer(inputs)`` in the graph and return its output tensor (no weights made),
    or the list of them for a ``multi_output`` layer.

    Raises
    ------
    TypeError
        If a merge layer gets one tensor, an ordinary layer a list, or the list mixes
        symbolic tensors with arrays.
    ValueError
        If the input shapes do not fit the layer (``output_shape`` says why), or a layer
        called again (a *shared* layer: one set of weights for every call) gets inputs of
        other shapes than its first call.
    """
    who = f"{type(layer).__name__}" + (f" '{layer.name}'" if layer.name else "")
    multi = layer.multi_input
    if isinstance(inputs, (list, tuple)):
        if not all(isinstance(t, SymbolicTensor) for t in inputs):
            kinds = ", ".join(type(t).__name__ for t in inputs)
            raise TypeError(
                f"{who} was called on a list mixing symbolic tensors and other values "
                f"({kinds}); pass only outputs of Input(...) or of layers."
            )
        if not multi:
            if len(inputs) != 1:
                raise TypeError(
                    f"{who} takes one input tensor, got a list of {len(inputs)}; combine them "
                    "first with a merge layer such as Add() or Concatenate()."
                )
            inputs = inputs[0]
    elif multi:
        raise TypeError(
            f"{who} merges several tensors: call it on a list, e.g. {type(layer).__name__}()"
            f"([a, b]), got a single {type(inputs).__name__}."
        )
    if multi:
        tensors = list(inputs)
        # merge layers (multi_input) take a list of shapes
        out_shape = layer.output_shape(cast(Any, [t.sample_shape for t in tensors]))
    else:
        tensors = [inputs]
        out_shape = layer.output_shape(inputs.sample_shape)
    first = layer._node
    if first is not None:  # a shared layer: one set of weights, so the same input shapes
        _check_shared(who, first, tensors)
    node = Node(layer, tensors, out_shape if layer.multi_output else tuple(out_shape),
                None if training is None else bool(training))
    if first is None:
        layer._node = node
    return node.output


def _check_shared(who: str, first: Node, tensors: list[SymbolicTensor]) -> None:
    """A layer called again must get inputs of the shapes it was first called on (None
    matching any size): its weights were made for those."""
    def fits(a: Shape, b: Shape) -> bool:
        return len(a) == len(b) and all(x is None or y is None or x == y
                                        for x, y in zip(a, b, strict=True))

    before = [t.sample_shape for t in first.inputs]
    now = [t.sample_shape for t in tensors]
    if len(before) != len(now) or not all(fits(a, b) for a, b in zip(before, now, strict=True)):
        raise ValueError(
            f"{who} is shared: it was first called on inputs of shape "
            f"{[(None, *s) for s in before]}, so every call needs the same shapes (its weights "
            f"were made for them), got {[(None, *s) for s in now]}."
        )


def is_symbolic(x: Any) -> bool:
    """True for a :class:`SymbolicTensor` or a non-empty list/tuple holding one."""
    if isinstance(x, SymbolicTensor):
        return True
    return isinstance(x, (list, tuple)) and any(isinstance(t, SymbolicTensor) for t in x)


def Input(  # noqa: N802 - Keras's name
    shape: tuple[int | None, ...] | int, name: str | None = None, dtype: str | None = None
) -> SymbolicTensor:
    """A symbolic input tensor of shape ``(None, *shape)``, as ``keras.Input``.

    Parameters
    ----------
    shape : tuple of int or int
        One sample's shape (no batch axis): ``(784,)`` or ``(28, 28, 1)``. None stands for a
        size that varies from batch to batch: ``(None,)`` (token ids of any length),
        ``(None, 3)`` (sequences of 3 features).
    name : str, optional
        Name of the underlying :class:`InputLayer`.
    dtype : str, optional

    Returns
    -------
    SymbolicTensor
        Start of a functional graph (``glassnet.models.Model(inputs, outputs)``), or the
        first entry of a :class:`~glassnet.models.Sequential` model.
    """
    if isinstance(shape, int):
        shape = (shape,)
    return input_tensor(InputLayer(shape=tuple(shape), name=name, dtype=dtype))
