"""What makes an object a recurrent *cell*, and how ``RNN`` and ``StackedRNNCells`` use one.

A cell (Keras's protocol) is a layer with

- ``state_size``: an int (one state of shape ``(batch, state_size)``) or a list of them
  (``LSTMCell``: ``[units, units]``), possibly nested (``StackedRNNCells``);
- ``output_size`` (optional): the size of its output, else the first state size;
- ``call(inputs, states)`` (optionally ``training=``): ``inputs`` (batch, features) is one
  time step, ``states`` the list of the previous states; it returns
  ``(output, new_states)``, ``new_states`` in the structure of ``states`` (a lone array
  counts as a list of one).

Its weights are made by its ``build`` (``self.add_weight``) and its step is computed with
:mod:`glassnet.ops`, so the tape records it and gives the exact gradients.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from glassnet.layers.base import Layer, _snake


def check_cell(cell: Any, must: str) -> None:
    """Keras's checks: ``cell`` has a ``call`` method and a ``state_size`` (ValueError)."""
    if "call" not in dir(cell):
        raise ValueError(
            f"{must} have a `call` method (call(inputs, states) -> (output, new_states)). "
            f"Received cell without a `call` method: {cell!r}")
    if "state_size" not in dir(cell):
        raise ValueError(
            f"{must} have a `state_size` attribute (single integer or list of integers, one "
            f"integer per RNN state). Received cell without a `state_size`: {cell!r}")
    check_state_size(cell.state_size, cell)


def check_state_size(size: Any, cell: Any) -> None:
    """``size`` is a positive int or a (nested) non-empty list of them."""
    if isinstance(size, (list, tuple)) and size:
        for s in size:
            check_state_size(s, cell)
        return
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size <= 0:
        raise ValueError(
            "state_size must be an integer, or a list/tuple of integers (one for each state "
            f"tensor); cell {cell!r} has state_size={size!r}.")


def flat_sizes(size: Any) -> list[int]:
    """The state sizes in order: ``[[8, 8], 4]`` -> ``[8, 8, 4]``."""
    if isinstance(size, (list, tuple)):
        return [s for part in size for s in flat_sizes(part)]
    return [int(size)]


def pack_states(flat: list[Any], size: Any) -> list[Any]:
    """The flat states in the structure ``call`` receives for ``state_size = size``: a list
    with one entry per state size (an array, or a list for a nested size)."""
    it = iter(flat)

    def pack(s: Any) -> Any:
        return [pack(p) for p in s] if isinstance(s, (list, tuple)) else next(it)

    return [pack(s) for s in size] if isinstance(size, (list, tuple)) else [next(it)]


def flatten_states(states: Any) -> list[Any]:
    """The arrays of a (nested) list of states, in order; a lone array as a list of one."""
    if isinstance(states, (list, tuple)):
        return [a for part in states for a in flatten_states(part)]
    return [states]


def cell_output_size(cell: Any) -> int:
    """``cell.output_size``, else its first state size (Keras's rule)."""
    size = getattr(cell, "output_size", None)
    if size is None:
        size = flat_sizes(cell.state_size)[0]
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"output_size must be an integer, got {size!r} from cell {cell!r}.")
    return int(size)


def name_cell(cell: Any, default: str | None = None) -> None:
    """Give an unnamed cell its class's name (``lstm_cell``), as Keras does."""
    if isinstance(cell, Layer) and cell.name is None:
        cell.name = default or _snake(type(cell).__name__)


def build_cell(cell: Any, step_shape: tuple[int, ...], rng: np.random.Generator,
               dtype: Any) -> None:
    """Build ``cell`` for steps of ``step_shape`` (features,) in ``dtype``, unless it is
    built so already (then it keeps its weights). Layers the cell calls in its ``call``
    (a ``Dense`` inside) are built by one step on zeros, and become the cell's weights."""
    state_size = cell.state_size
    if not isinstance(cell, Layer):
        return
    if cell.built and tuple(cell.built_input_shape or ()) == tuple(step_shape) \
            and cell.dtype == dtype:
        return
    if not cell.__dict__.get("_dtype_explicit", True) or cell.dtype is None:
        cell.dtype = np.dtype(dtype)
    cell.build(tuple(step_shape), rng)
    from glassnet.ops.layer_autodiff import _hoist, _sublayers, build_context
    from glassnet.ops.tape import Tape

    subs = _sublayers(cell)
    if any(not sub.built for _, sub in subs):
        probe = np.zeros((1, *(d or 1 for d in step_shape)), dtype=cell.dtype)
        zeros = [np.zeros((1, s), dtype=cell.dtype) for s in flat_sizes(state_size)]
        with build_context(rng, cell.dtype), Tape(), np.errstate(all="ignore"):
            run_cell(cell, probe, pack_states(zeros, state_size), False)
        _hoist(cell, subs)


def _takes_training(cell: Any) -> bool:
    try:
        params = inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def run_cell(cell: Any, inputs: Any, states: list[Any], training: bool) -> tuple[Any, Any]:
    """``cell.call(inputs, states)`` (with ``training`` when it takes it), checked to return
    ``(output, new_states)``."""
    out = cell.call(inputs, states, training=training) if _takes_training(cell) \
        else cell.call(inputs, states)
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        raise ValueError(
            f"A cell's `call(inputs, states)` must return (output, new_states); "
            f"{type(cell).__name__} returned {type(out).__name__}.")
    return out[0], out[1]
