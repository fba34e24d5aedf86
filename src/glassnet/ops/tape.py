"""The tape: traced arrays, and reverse-mode differentiation over them.

micrograd's idea on arrays. Every operation in :mod:`glassnet.ops` computes its result with
NumPy; when one of its inputs is a :class:`Traced` array it also returns a ``Traced`` result
that remembers its inputs (``parents``) and a ``backward`` function, written beside the
forward formula, mapping ``dL/dout`` to ``dL/dinput`` for each parent. On plain arrays the
operations return plain arrays and record nothing.

:meth:`Tape.gradient` visits the nodes reachable from the target once each, in decreasing
creation index (a topological order, since a node is always created after its parents), and
adds up the gradients reaching each node. It loops; it never recurses, so graphs of any depth
work.

Examples
--------
>>> from glassnet import ops
>>> with ops.Tape() as tape:
...     w = tape.watch(np.array([1.0, 2.0]))
...     loss = ops.sum(ops.square(w))
>>> tape.gradient(loss, w)
array([2., 4.])
"""

from __future__ import annotations

import itertools
import operator
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

Backward = Callable[[np.ndarray], Sequence[Any]]

_creation = itertools.count()
_local = threading.local()


class ArrayAttributes:
    """``shape``, ``ndim`` and ``dtype`` of the array an object holds in ``value`` (a traced
    array, a layer's variable), read-only, as NumPy names them."""

    __slots__ = ()

    if TYPE_CHECKING:
        @property
        def value(self) -> np.ndarray: ...

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype


class Traced(ArrayAttributes):
    """An array recorded on a tape: its value, its parents and its local derivative.

    Parameters
    ----------
    value : ndarray
    parents : tuple of (Traced or None)
        One entry per input of the operation; ``None`` for an input that is a constant.
    backward : callable or None
        ``backward(g)`` returns one gradient per parent (``None`` where not needed), each of
        its parent's shape, from ``g = dL/dvalue``. ``None`` for a leaf (a watched array).

    Notes
    -----
    NumPy's ufuncs on a ``Traced`` (``np.exp(t)``, ``ndarray + t``) are routed to the
    matching operation of :mod:`glassnet.ops`, so the result stays on the tape.
    """

    __slots__ = ("value", "parents", "backward", "index")
    value: np.ndarray

    def __init__(self, value: np.ndarray, parents: tuple[Traced | None, ...] = (),
                 backward: Backward | None = None) -> None:
        self.value = value
        self.parents = parents
        self.backward = backward
        self.index = next(_creation)

    # -- array-like read-only attributes (and those of ArrayAttributes) --------------------------
    @property
    def size(self) -> int:
        return int(self.value.size)

    def __len__(self) -> int:
        return len(self.value)

    def numpy(self) -> np.ndarray:
        """The value, as a plain array (no gradient flows through it)."""
        return self.value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self) -> str:
        return f"Traced({self.value!r})"

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        return float(self.value)

    # Python operators and NumPy ufuncs are bound in glassnet.ops.__init__ (after the ops exist).


def is_traced(x: Any) -> bool:
    """True for a :class:`Traced` array (or a list/tuple holding one)."""
    if isinstance(x, (list, tuple)):
        return any(isinstance(t, Traced) for t in x)
    return isinstance(x, Traced)


def unpack(x: Any) -> tuple[Any, Traced | None]:
    """``(value, node)`` of an op input: a Traced gives its node, a constant ``None``.

    Python numbers stay Python numbers (NumPy then keeps the array's dtype); a trainable
    :class:`~glassnet.ops.variable.Variable` read while a tape records becomes a leaf of it.
    """
    if type(x) is Traced:
        return x.value, x
    if type(x) is np.ndarray or isinstance(x, (int, float)):
        return x, None
    lift = getattr(x, "_lift", None)
    if lift is not None:
        return lift()
    return np.asarray(x), None


def value_of(x: Any) -> Any:
    """The plain value of ``x`` (a Traced's array, a Variable's current array, ``x`` else)."""
    return unpack(x)[0] if type(x) is not np.ndarray else x


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes NumPy broadcast an operand of ``shape`` along.

    ``a + b`` with ``a`` of shape (3, 1) and ``b`` of shape (4,) has shape (3, 4); each entry
    of ``a`` was used 4 times, so ``dL/da`` sums ``dL/d(a+b)`` over that axis.
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    return np.add.reduce(g, axis=axes).reshape(shape)


def record(value: np.ndarray, parents: tuple[Traced | None, ...], backward: Backward) -> Any:
    """``value`` wrapped as a Traced node when any parent is traced, else ``value`` itself."""
    for p in parents:
        if p is not None:
            return Traced(value, parents, backward)
    return value


def active_tape() -> Tape | None:
    """The innermost tape recording in this thread, or None."""
    tapes = getattr(_local, "tapes", None)
    return tapes[-1] if tapes else None


class Tape:
    """Records operations on traced arrays and differentiates them (reverse mode).

    Parameters
    ----------
    persistent : bool, default False
        Accepted for TensorFlow's ``GradientTape`` signature; :meth:`gradient` may always be
        called several times.
    watch_accessed_variables : bool, default True
        Trainable :class:`~glassnet.ops.variable.Variable` s (``Layer.add_weight``) read by an
        operation while this tape records are watched automatically.

    Examples
    --------
    >>> with Tape() as tape:
    ...     x = tape.watch(np.array(3.0))
    ...     y = x * x
    >>> float(tape.gradient(y, x))
    6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._leaves: dict[int, tuple[Any, Traced]] = {}

    def __enter__(self) -> Tape:
        tapes = getattr(_local, "tapes", None)
        if tapes is None:
            tapes = _local.tapes = []
        tapes.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _local.tapes.remove(self)

    def watch(self, x: Any) -> Any:
        """Make ``x`` a leaf to differentiate with respect to; returns the traced array.

        An array (or number) becomes a new leaf; pass the returned :class:`Traced` to the
        operations. A Variable is watched by identity (the return value is the Variable).
        """
        if isinstance(x, (list, tuple)):
            return type(x)(self.watch(t) for t in x)
        if isinstance(x, Traced):
            return x
        if hasattr(x, "_lift"):
            self.leaf_of(x)
            return x
        entry = self._leaves.get(id(x))
        if entry is not None and entry[0] is x:
            return entry[1]
        leaf = Traced(np.asarray(x))
        self._leaves[id(x)] = (x, leaf)
        return leaf

    def leaf_of(self, variable: Any) -> Traced:
        """The leaf standing for ``variable`` on this tape (created on first use)."""
        entry = self._leaves.get(id(variable))
        if entry is None:
            entry = (variable, Traced(variable.value))
            self._leaves[id(variable)] = entry
        return entry[1]

    def watched_variables(self) -> list[Any]:
        """The Variables watched so far, in the order they were first read."""
        return [obj for obj, _ in self._leaves.values() if hasattr(obj, "_lift")]

    def _node(self, source: Any) -> Traced | None:
        if isinstance(source, Traced):
            return source
        entry = self._leaves.get(id(source))
        return entry[1] if entry is not None and entry[0] is source else None

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: str = "none") -> Any:
        """``d sum(target * output_gradients) / d source`` for each source.

        Parameters
        ----------
        target : Traced
            Usually a scalar loss; otherwise its entries are summed (or weighted by
            ``output_gradients``, an array of the target's shape).
        sources : Traced, watched array, Variable, or a list/tuple of them
        unconnected_gradients : {'none', 'zero'}
            What a source the target does not depend on gets: None (TensorFlow's default)
            or zeros.

        Returns
        -------
        ndarray or None, or a list of them (one per source, each of its source's shape)
        """
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(
                "`unconnected_gradients` must be 'none' or 'zero', got "
                f"{unconnected_gradients!r}."
            )
        single = not isinstance(sources, (list, tuple))
        source_list = [sources] if single else list(sources)
        nodes = [self._node(s) for s in source_list]
        grads: dict[int, np.ndarray] = {}
        if isinstance(target, Traced):
            seed = (np.ones_like(target.value) if output_gradients is None
                    else np.asarray(output_gradients, dtype=target.value.dtype))
            if seed.shape != target.value.shape:
                raise ValueError(
                    f"`output_gradients` must have the target's shape {target.value.shape}, "
                    f"got {seed.shape}."
                )
            keep = {id(n) for n in nodes if n is not None}
            grads = backpropagate(target, seed, keep)
        out = []
        for s, n in zip(source_list, nodes, strict=True):
            g = grads.get(id(n)) if n is not None else None
            if g is None and unconnected_gradients == "zero":
                g = np.zeros(np.shape(value_of(s)), dtype=np.result_type(value_of(s), np.float32))
            elif g is not None and not g.flags.writeable:
                g = np.array(g)  # a broadcast view: hand back an array of one's own
            out.append(g)
        return out[0] if single else out


def backpropagate(target: Traced, seed: np.ndarray, keep: set[int]) -> dict[int, np.ndarray]:
    """Gradients of ``sum(seed * target)`` reaching the leaves and the nodes in ``keep``.

    Returns ``{id(node): gradient}``. Interior gradients are dropped once passed on (unless
    kept), and a gradient reaching a node twice is added in place into an array of our own.
    """
    order: list[Traced] = []
    seen: set[int] = set()
    stack = [target]
    while stack:  # every node reachable from the target, once
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        for p in node.parents:
            if p is not None and p.backward is not None:
                stack.append(p)
    order.sort(key=_by_index, reverse=True)  # children before parents
    grads: dict[int, np.ndarray] = {id(target): seed}
    owned: set[int] = set()  # gradients that are our own buffers, safe to add into
    for node in order:
        key = id(node)
        g = grads.get(key) if key in keep else grads.pop(key, None)
        if g is None or node.backward is None:
            continue
        for parent, gp in zip(node.parents, node.backward(g), strict=True):
            if parent is None or gp is None:
                continue
            k = id(parent)
            old = grads.get(k)
            if old is None:
                grads[k] = gp
            elif k in owned:
                old += gp
            else:
                grads[k] = old + gp
                owned.add(k)
    return grads


_by_index = operator.attrgetter("index")
