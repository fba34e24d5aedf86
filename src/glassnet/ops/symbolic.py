"""Operations of :mod:`glassnet.ops` on symbolic tensors: nodes of a functional graph.

In the functional API the ops apply to symbolic tensors as they do to arrays, as in Keras::

    x = Dense(4)(inputs)                              # (None, 4)
    y = ops.mean(x, axis=-1, keepdims=True) * 2 + 1   # (None, 1): three operation nodes
    a, b = ops.split(inputs, 2, axis=-1)              # one node, two outputs

Every public function of ``glassnet.ops`` is wrapped once by :func:`dispatch` (see
``glassnet/ops/__init__.py``). On arrays the wrapper only scans its arguments and calls the
function. When an argument (or an entry of a list/tuple argument) is a symbolic tensor, it
records a :class:`TensorOperation` node instead and returns the output's symbolic tensor (a
list or tuple of them when the op returns several arrays, as ``split``).

A :class:`TensorOperation` is not a layer (``model.layers`` leaves it out; it has no
weights) but runs on the same graph walker (:mod:`glassnet.layers.graph`): its forward pass
calls the function on the arrays, and its backward pass asks the tape
(:mod:`glassnet.ops.tape`) for the exact gradient, from the derivatives written beside each
op, as ``Lambda`` does: no backward pass is written per operation.

**Shapes.** The output shape is found by running the function twice on zeros, with batch
sizes 2 and 4 and every dimension declared None of size 3 then 5: a dimension that changes
with them is None. The first axis of every output must be the batch axis (an op that reduces
or moves it, ``ops.mean(x, axis=0)``, is refused with a ValueError); an op the shapes do not
fit raises a ValueError naming it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet.ops.tape import Tape, Traced, value_of


class SymbolicValue:
    """The base of the functional API's symbolic tensors: an op given one records a node
    (:class:`glassnet.layers.input.SymbolicTensor` derives from it)."""

    __slots__ = ()


#: Ops that describe a tensor instead of computing one: on a symbolic tensor they answer
#: from its static description (``ops.shape(x)`` is ``(None, 4)``, as in Keras).
_DESCRIBE: dict[str, Callable[[Any], Any]] = {
    "shape": lambda t: t.shape,
    "ndim": lambda t: t.ndim,
}
#: Exported functions that are not operations on tensors: left unwrapped.
NOT_OPS = frozenset({"is_traced"})
#: Keras's name for the operations glassnet exports under another (its op class name is
#: the CamelCase of it: ``get_item`` -> ``GetItem``).
_KERAS_NAMES = {"abs": "absolute", "getitem": "get_item"}
#: (batch size, size of a None dimension) of the two shape probes.
_PROBES = ((2, 3), (4, 5))


# -- dispatch -----------------------------------------------------------------------------------
def _holds_symbolic(value: Any) -> bool:
    """Whether a list/tuple argument holds a symbolic tensor, at any depth."""
    for v in value:
        if isinstance(v, SymbolicValue) or (isinstance(v, (list, tuple)) and _holds_symbolic(v)):
            return True
    return False


#: What an argument must be to hold a symbolic tensor.
_SCANNED = (SymbolicValue, list, tuple)


def dispatch(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``function`` (exported as ``glassnet.ops.<name>``), also recording a graph node when
    an argument is a symbolic tensor.

    On arrays the cost is one ``isinstance`` per argument (and per entry of a list/tuple
    argument): the ops stay fast inside a custom layer's ``call``.
    """
    @functools.wraps(function)
    def op(*args: Any, **kwargs: Any) -> Any:
        for a in args:  # an array fails the one isinstance: the whole cost on arrays
            if isinstance(a, _SCANNED) and (isinstance(a, SymbolicValue) or _holds_symbolic(a)):
                return symbolic_call(function, name, args, kwargs)
        if kwargs:
            for a in kwargs.values():
                if isinstance(a, _SCANNED) and (isinstance(a, SymbolicValue)
                                                or _holds_symbolic(a)):
                    return symbolic_call(function, name, args, kwargs)
        return function(*args, **kwargs)

    op.__wrapped_op__ = function  # type: ignore[attr-defined]
    return op


def wrap_exports(namespace: dict[str, Any], names: Sequence[str]) -> None:
    """Replace each function of ``namespace`` listed in ``names``, or defined in a module of
    ``glassnet.ops`` under a public name, by its :func:`dispatch` wrapper (classes, and the
    :data:`NOT_OPS`, are left alone; wrapping twice is a no-op)."""
    public = [name for name, value in namespace.items()
              if not name.startswith("_") and inspect.isfunction(value)
              and value.__module__.startswith("glassnet.ops.")]
    for name in dict.fromkeys([*names, *public]):
        fn = namespace.get(name)
        if (name in NOT_OPS or not callable(fn) or isinstance(fn, type)
                or hasattr(fn, "__wrapped_op__")):
            continue
        namespace[name] = dispatch(fn, name)


# -- the node -----------------------------------------------------------------------------------
class _Slot:
    """Where the ``index``-th tensor argument goes in an operation's arguments."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _template(value: Any, tensors: list[Any]) -> Any:
    """``value`` with each symbolic tensor replaced by a :class:`_Slot` (appended to
    ``tensors``), inside lists and tuples too."""
    if isinstance(value, SymbolicValue):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if isinstance(value, (list, tuple)) and _holds_symbolic(value):
        return type(value)(_template(v, tensors) for v in value)
    return value


def _fill(value: Any, arrays: Sequence[Any]) -> Any:
    """``value`` with each :class:`_Slot` replaced by its array."""
    if isinstance(value, _Slot):
        return arrays[value.index]
    if isinstance(value, (list, tuple)) and any(isinstance(v, (_Slot, list, tuple)) for v in value):
        return type(value)(_fill(v, arrays) for v in value)
    return value


def _keras_class(name: str) -> str:
    """``'get_item'`` -> ``'GetItem'``: the class Keras names the operation by."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _batch_first(shape: tuple[int | None, ...]) -> str:
    return str((None, *shape))


class TensorOperation:
    """A ``glassnet.ops`` function applied to symbolic tensors: one node of a functional
    graph (Keras's ``Operation``), not a layer.

    Parameters
    ----------
    function : callable
        The op on arrays (``glassnet.ops.elementwise.multiply``...).
    op_name : str
        Its name in ``glassnet.ops`` (``'multiply'``); the node is shown as Keras shows it,
        ``multiply_1 (Multiply)``.
    args, kwargs
        The call's arguments, each tensor replaced by its slot (numbers, axes and keys kept).
    n_tensors : int
        How many tensors the call took: the node's inputs, in order of appearance.

    Notes
    -----
    The graph walker (:mod:`glassnet.layers.graph`) runs it as it runs a layer with no
    weights: ``forward`` takes the array (a list of them for several tensors) and returns
    the op's array (a list for several outputs); ``backward`` turns ``dL/d(output)`` into
    ``dL/d(input)`` for each input through the tape: each input array becomes a leaf, the op
    records its derivative as it computes, and ``Tape.gradient`` reads ``dL/d(leaf)``.
    """

    # The walker's contract for a node without weights (see glassnet.layers.base.Layer).
    stochastic = False
    adds_losses = False
    activation = None
    activity_regularizer = None
    branch = None
    seed = None
    trainable = True
    has_preactivation_backward = False
    weight_constraints: dict[str, Any] = {}  # noqa: RUF012 - read-only, as Layer's

    def __init__(self, function: Callable[..., Any], op_name: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any], n_tensors: int) -> None:
        self.function = function
        self.op_name = op_name
        #: Keras's class name of the operation (``Multiply``), shown by ``summary``.
        self.class_name = _keras_class(_KERAS_NAMES.get(op_name, op_name))
        #: ``multiply_1``: given by the model that holds the node, as a layer's name.
        self.name: str | None = None
        self.args, self.kwargs = args, kwargs
        self.multi_input = n_tensors > 1
        self.multi_output = False
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.regularizers: dict[str, Any] = {}
        self.built = True
        self.built_input_shape: Any = None
        self.keep_cache = True
        self.input_grad_needed = True
        self.activity_loss: float | None = None
        self.noise_rng: np.random.Generator | None = None
        self._cache: Any = None
        self._shapes: dict[Any, tuple[Any, list[str]]] = {}
        self._input_dtypes: list[Any] = []  # the tensor inputs' dtypes (names)
        #: What the op returns its several outputs in (``list`` for ``split``).
        self.container: type = list

    # An operation computes in its inputs' dtypes: a model never casts them (a layer's
    # ``dtype`` would make it).
    @property
    def dtype(self) -> None:
        return None

    @dtype.setter
    def dtype(self, value: Any) -> None:
        pass

    def __repr__(self) -> str:
        return f"<TensorOperation {self.name or self.class_name} (ops.{self.op_name})>"

    def describe(self) -> str:
        """``ops.multiply 'multiply_1'``: how errors name this node."""
        return f"ops.{self.op_name}" + (f" '{self.name}'" if self.name else "")

    # -- computation ------------------------------------------------------------------------------
    def _apply(self, arrays: Sequence[Any]) -> Any:
        return self.function(*_fill(self.args, arrays), **_fill(self.kwargs, arrays))

    def forward(self, x: Any, training: bool = False) -> Any:
        """The op on the input array(s); records on a tape while a backward pass may follow.

        Parameters
        ----------
        x : ndarray of shape (batch, ...), or a list of them for several tensor inputs
        training : bool
            Ignored: an operation computes the same way in both modes.

        Returns
        -------
        ndarray, or a list of them for an op with several outputs
        """
        arrays = list(x) if self.multi_input else [x]
        if not (self.keep_cache and self.input_grad_needed):
            self._cache = None
            out = self._apply(arrays)
        else:  # each float input a leaf of its own (one array passed twice: two leaves)
            leaves = [Traced(a) if np.asarray(a).dtype.kind in "fc" else a for a in arrays]
            out = self._apply(leaves)
            self._cache = (leaves, out)
        if self.multi_output:
            return [np.asarray(value_of(o)) for o in out]
        return np.asarray(value_of(out))

    def backward(self, grad_y: Any) -> Any:
        """``dL/d(input)`` for each input from ``dL/d(output)`` (a list, one per output, for
        several outputs), by the tape; zeros for an input the outputs do not depend on
        (integer inputs, the condition of ``where``)."""
        leaves, out = self._cache
        outs = list(out) if self.multi_output else [out]
        grads = list(grad_y) if self.multi_output else [grad_y]
        parents = tuple(o if isinstance(o, Traced) else None for o in outs)
        sources = [leaf for leaf in leaves if isinstance(leaf, Traced)]
        found: list[Any] = [None] * len(sources)
        if sources and any(p is not None for p in parents):
            # one target over every output: sum_i <output_i, dL/d(output_i)>
            joint = Traced(np.zeros(()), parents, lambda g: tuple(grads))
            found = Tape().gradient(joint, sources)
        by_leaf = {id(s): g for s, g in zip(sources, found, strict=True)}
        gx = []
        for leaf in leaves:
            g = by_leaf.get(id(leaf))
            if g is None:
                value = np.asarray(value_of(leaf))
                g = np.zeros(value.shape, dtype=np.result_type(value, np.float32))
            gx.append(g)
        self._cache = None
        return gx if self.multi_input else gx[0]

    def backward_preactivation(self, grad_z: Any) -> Any:
        raise NotImplementedError(f"{self.describe()} has no activation to fuse with a loss.")

    # -- shapes -----------------------------------------------------------------------------------
    def infer(self, shapes: Sequence[tuple[int | None, ...]],
              dtypes: Sequence[Any]) -> tuple[Any, list[str]]:
        """One-sample output shape(s) and dtype name(s) for inputs of one-sample ``shapes``.

        Returns
        -------
        shape : tuple, or a list of them for an op with several outputs
        dtypes : list of str
            One per output.

        Raises
        ------
        ValueError
            If the op fails on inputs of these shapes, or an output does not keep the
            batch axis first.
        """
        key = (tuple(map(tuple, shapes)), tuple(map(str, dtypes)))
        known = self._shapes.get(key)
        if known is not None:
            return known
        shown = ", ".join(_batch_first(tuple(s)) for s in shapes)
        runs = []
        for batch, free in _PROBES:
            probes = [np.zeros((batch, *(free if d is None else d for d in s)), dtype=dt)
                      for s, dt in zip(shapes, dtypes, strict=True)]
            try:
                with np.errstate(all="ignore"):
                    out = self._apply(probes)
            except TypeError as exc:
                raise TypeError(f"{self.describe()} cannot take symbolic tensors of shapes "
                                f"{shown} with these arguments: {exc}") from None
            except Exception as exc:
                raise ValueError(f"{self.describe()} cannot be applied to symbolic tensors of "
                                 f"shapes {shown}: {exc}") from None
            several = isinstance(out, (list, tuple))
            if several:
                self.container = type(out)
            values = [np.asarray(value_of(o)) for o in (out if several else [out])]
            runs.append((several, values))
        (several, first), (_, second) = runs
        out_shapes = []
        for a, b in zip(first, second, strict=True):
            if a.ndim == 0 or a.ndim != b.ndim or a.shape[0] != _PROBES[0][0] \
                    or b.shape[0] != _PROBES[1][0]:
                raise ValueError(
                    f"{self.describe()} on symbolic tensors of shapes {shown} must keep the "
                    f"batch axis first (a model runs it on batches), but gives an output of "
                    f"shape {a.shape} for a batch of {_PROBES[0][0]}: do not reduce, index or "
                    "move the batch axis (axis 0).")
            out_shapes.append(tuple(d if d == e else None for d, e in zip(a.shape[1:],
                                                                          b.shape[1:],
                                                                          strict=True)))
        result = (list(out_shapes) if several else out_shapes[0],
                  [v.dtype.name for v in first])
        self._shapes[key] = result
        return result

    def output_shape(self, input_shape: Any) -> Any:
        """One-sample output shape(s) for one-sample ``input_shape`` (a list of shapes for
        several tensor inputs): what the graph walker asks at build."""
        shapes = list(input_shape) if self.multi_input else [input_shape]
        return self.infer(shapes, self._input_dtypes)[0]

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        """Nothing to create: an operation has no weights."""
        self.built_input_shape = input_shape

    # -- what a model asks of every node ---------------------------------------------------------
    def count_params(self) -> int:
        return 0

    def count_state(self) -> int:
        return 0

    def trainable_params(self) -> list[str]:
        return []

    def get_weights(self) -> list[np.ndarray]:
        return []

    def penalty(self) -> float:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        """Refused: the node holds code (a function and its Python arguments), which a
        config cannot describe faithfully.

        Raises
        ------
        ValueError
            Always, naming the operation.
        """
        raise ValueError(
            f"The operation {self.describe()} ({self.class_name}) applied to symbolic tensors "
            "cannot be saved as a config: the architecture of a model holding ops nodes is "
            "code. Save the weights (`save_weights('....weights.npz')`) and build the model "
            "again from its code, or wrap the ops in a Layer subclass with `call`.")


def symbolic_call(function: Callable[..., Any], name: str, args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> Any:
    """Record ``function(*args, **kwargs)`` on symbolic tensors as a graph node; return its
    output's symbolic tensor (a list/tuple of them when the op returns several arrays)."""
    if name in _DESCRIBE:
        return _DESCRIBE[name](args[0] if args else next(iter(kwargs.values())))
    from glassnet.layers.input import Node

    tensors: list[Any] = []
    op = TensorOperation(function, name, _template(args, tensors),
                         {k: _template(v, tensors) for k, v in kwargs.items()}, len(tensors))
    shapes = [t.sample_shape for t in tensors]
    op._input_dtypes = [t.dtype for t in tensors]
    out_shape, dtypes = op.infer(shapes, op._input_dtypes)
    op.multi_output = isinstance(out_shape, list)
    op.built_input_shape = shapes if op.multi_input else shapes[0]
    node = Node(op, tensors, out_shape)  # type: ignore[arg-type]  # a node, not a layer
    for t, dtype in zip(node.outputs, dtypes, strict=True):
        t._dtype = dtype
    if not op.multi_output:
        return node.output
    return op.container(node.outputs)
