"""Control flow, custom gradients and tensor predicates (Keras's ``ops.core``).

glassnet runs eagerly, so ``cond``, ``while_loop``, ``fori_loop``, ``scan``, ``map`` and
``switch`` are the Python statements they name: the functions are called on the values and
every operation they perform is recorded on the tape as usual, so gradients flow through
them with no rule of their own. :func:`custom_gradient` replaces the recorded derivative of a
function with one the user writes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet.ops.shapes import getitem, stack
from glassnet.ops.tape import Traced, record, unpack


# -- nested structures (tuples, lists, dicts of arrays) ----------------------------------------
def _flatten(tree: Any) -> list[Any]:
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _flatten(item)]
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in _flatten(tree[key])]
    return [tree]


def _pack(tree: Any, leaves: Sequence[Any]) -> Any:
    """``leaves`` arranged as ``tree`` is (the inverse of :func:`_flatten`)."""
    it = iter(leaves)

    def build(node: Any) -> Any:
        if isinstance(node, (list, tuple)):
            items = [build(item) for item in node]
            return type(node)(items) if not hasattr(node, "_fields") else type(node)(*items)
        if isinstance(node, dict):
            return {key: build(node[key]) for key in sorted(node)}
        return next(it)

    return build(tree)


# -- branches ---------------------------------------------------------------------------------
def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(np.asarray(unpack(pred)[0])) else false_fn()


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)``, ``index`` clipped to the valid range (as Keras)."""
    if not branches:
        raise ValueError("`branches` must hold at least one function.")
    i = int(np.clip(int(np.asarray(unpack(index)[0])), 0, len(branches) - 1))
    return branches[i](*operands)


# -- loops ------------------------------------------------------------------------------------
def fori_loop(lower: int, upper: int, body_fun: Callable[[int, Any], Any], init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns ``val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
               maximum_iterations: int | None = None) -> Any:
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times); a tuple or list of loop variables comes back as a tuple,
    a single one as itself."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    values = tuple(loop_vars) if is_tuple else (loop_vars,)
    done = 0
    while bool(np.asarray(unpack(cond(*values))[0])) and (
            maximum_iterations is None or done < maximum_iterations):
        values = body(*values)
        values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
        done += 1
    return values if is_tuple else values[0]


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None,
         length: int | None = None, reverse: bool = False, unroll: int | bool = 1) -> tuple[Any, Any]:
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``, returning the last
    ``carry`` and the ``y`` s stacked (JAX's ``lax.scan``).

    Parameters
    ----------
    f : callable
        ``(carry, x) -> (carry, y)``; ``carry`` keeps its structure, ``y`` may be None.
    init : array or nested structure of arrays
        The first carry.
    xs : array or nested structure of arrays, optional
        Scanned along their first axis; None scans ``length`` times with ``x = None``.
    length : int, optional
        The number of steps when ``xs`` is None.
    reverse : bool, default False
        Scan from the last entry to the first (the ``y`` s keep the order of ``xs``).
    unroll : int or bool, default 1
        Accepted for Keras's signature (a loop runs here either way).
    """
    if not callable(f):
        raise TypeError(f"`f` must be a callable, got {type(f).__name__}.")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    xs_leaves = [] if xs is None else _flatten(xs)
    n = int(length) if length is not None else int(np.shape(unpack(xs_leaves[0])[0])[0])
    carry, ys = init, []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if xs is None else _pack(xs, [getitem(leaf, i) for leaf in xs_leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        init_leaves = _flatten(init)
        stacked = _pack(init, [np.zeros((n,) + np.shape(unpack(v)[0]),
                                        dtype=np.asarray(unpack(v)[0]).dtype) for v in init_leaves])
        return carry, stacked
    per_step = [_flatten(y) for y in ys]
    return carry, _pack(ys[0], [stack([step[j] for step in per_step])
                                for j in range(len(per_step[0]))])


def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001 - Keras's name
    """``f`` applied to each entry along the leading axis of ``xs``, results stacked."""
    return scan(lambda _, x: ((), f(x)), (), xs)[1]


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """``function`` applied to each entry along the leading axis of ``elements``, results
    stacked (a loop here: :func:`map`)."""
    return map(function, elements)


# -- custom gradients -------------------------------------------------------------------------
def custom_gradient(f: Callable[..., tuple[Any, Callable[..., Any]]]) -> Callable[..., Any]:
    """Decorator: ``f(*args)`` returns ``(y, grad_fn)`` and ``grad_fn`` is used as the
    derivative of ``y`` with respect to the arguments.

    ``f`` runs on the plain values (nothing inside it is recorded); ``grad_fn`` receives
    ``dL/dy`` and returns ``dL/darg`` for each argument (one array, or a tuple). As in Keras,
    it is called as ``grad_fn(*args, upstream=g)`` when its signature takes the arguments
    and an ``upstream`` keyword, and ``grad_fn(g)`` otherwise.

    Examples
    --------
    >>> @custom_gradient
    ... def log1pexp(x):
    ...     e = np.exp(x)
    ...     def grad(*args, upstream=None):
    ...         if upstream is None:
    ...             (upstream,) = args
    ...         return upstream * (1.0 - 1.0 / (1 + e))
    ...     return np.log(1 + e), grad
    """
    if not callable(f):
        raise TypeError(f"`f` must be a callable, got {type(f).__name__}.")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        unpacked = [unpack(a) for a in args]
        values = [v for v, _ in unpacked]
        result = f(*values, **kwargs)
        if not (isinstance(result, tuple) and len(result) == 2 and callable(result[1])):
            raise TypeError(
                f"The function decorated with custom_gradient must return (output, grad_fn), "
                f"got {type(result).__name__}."
            )
        out, grad_fn = result
        keyword = _takes_upstream(grad_fn, values)

        def backward(g: np.ndarray) -> tuple[Any, ...]:
            grads = grad_fn(*values, upstream=g) if keyword else grad_fn(g)
            grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
            if len(grads) != len(args):
                raise ValueError(
                    f"grad_fn of custom_gradient must return one gradient per argument "
                    f"({len(args)}), got {len(grads)}."
                )
            return tuple(None if gr is None else np.asarray(unpack(gr)[0]) for gr in grads)

        return record(np.asarray(unpack(out)[0]), tuple(t for _, t in unpacked), backward)

    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = f.__doc__
    return wrapper


def _takes_upstream(fn: Callable[..., Any], values: Sequence[Any]) -> bool:
    """Whether ``fn(*values, upstream=g)`` fits ``fn``'s signature (Keras's torch call)."""
    try:
        inspect.signature(fn).bind(*values, upstream=None)
    except (TypeError, ValueError):
        return False
    return True


# -- predicates -------------------------------------------------------------------------------
def is_tensor(x: Any) -> bool:
    """True for an array glassnet computes with: a NumPy array or a traced array."""
    return isinstance(x, (np.ndarray, Traced))


def dtype(x: Any) -> str:
    """The dtype's name, as Keras writes it (``'float32'``, ``'int64'``, ``'bool'``)."""
    return np.asarray(unpack(x)[0]).dtype.name
