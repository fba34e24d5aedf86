"""``RNN``: any recurrent cell looped over the time steps (Keras's ``RNN`` layer).

``RNN(cell)`` reads ``x`` (batch, T, features) one step at a time and carries the cell's
states, starting from zeros (or ``initial_state``)::

    states_0 = 0
    y_t, states_t = cell.call(x_t, states_{t-1})        t = 1..T

and returns ``y_T`` (batch, output_size), or every ``y_t`` (batch, T, output_size) with
``return_sequences``. The loop is recorded on the :mod:`glassnet.ops` tape, step by step,
so backpropagation through time gives the exact gradients of the cell's weights, of ``x``
and of the initial states.

``RNN(SimpleRNNCell(u))``, ``RNN(LSTMCell(u))`` and ``RNN(GRUCell(u))`` (a cell not yet
built, ``zero_output_for_mask`` off) are the layers :class:`~glassnet.layers.SimpleRNN`,
:class:`~glassnet.layers.LSTM` and :class:`~glassnet.layers.GRU` themselves, with the
cell's arguments: same weights, same outputs, their own faster loops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers.base import Layer
from glassnet.layers.cell_protocol import (
    build_cell,
    cell_output_size,
    check_cell,
    flat_sizes,
    flatten_states,
    name_cell,
    pack_states,
    run_cell,
)
from glassnet.layers.rnn_cells import BuiltinCell
from glassnet.layers.stacked_cells import StackedRNNCells
from glassnet.ops import stack, where
from glassnet.ops.tape import Traced, unpack, value_of

__all__ = ["RNN"]


def _fast_layer(cell: Any = None, return_sequences: bool = False, return_state: bool = False,
                go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                zero_output_for_mask: bool = False, **base: Any) -> Layer | None:
    """The built-in recurrent layer that ``RNN(cell, ...)`` is, or None for the generic
    loop (a custom or stacked cell, a built cell, ``zero_output_for_mask``)."""
    if not isinstance(cell, BuiltinCell) or cell.built or zero_output_for_mask:
        return None
    if cell.__dict__.get("_dtype_explicit") and cell.dtype is not None and "dtype" not in base:
        base["dtype"] = cell.dtype.name
    return cell.layer_class(cell.units, **cell.kwargs, return_sequences=return_sequences,
                            return_state=return_state, go_backwards=go_backwards,
                            stateful=stateful, unroll=unroll, **base)


def _split_time(x: Any) -> list[Any]:
    """``[x[:, 0], ..., x[:, T-1]]``, each (batch, ...); on the tape when ``x`` is traced.

    One node gathers the steps' gradients into one buffer, so backward costs one
    ``(batch, T, ...)`` array, not one per step.
    """
    value, node = unpack(x)
    value = np.asarray(value)
    steps = value.shape[1]
    if node is None:
        return [value[:, t] for t in range(steps)]
    buffer = np.zeros_like(value)

    def gather(_: np.ndarray) -> tuple[np.ndarray]:
        out = buffer.copy()
        buffer.fill(0)
        return (out,)

    # `whole` is made before the steps, so the tape runs its backward after all of theirs:
    # each step adds its gradient into the buffer and hands `whole` a zero scalar.
    whole = Traced(value, (node,), gather)
    zero = np.zeros((), dtype=value.dtype)

    def step(t: int) -> Traced:
        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            buffer[:, t] += g
            return (zero,)

        return Traced(value[:, t], (whole,), backward)

    return [step(t) for t in range(steps)]


def _probing() -> bool:
    """True while a build runs a call on zeros to build sublayers (no state is kept)."""
    from glassnet.ops import layer_autodiff

    return getattr(layer_autodiff._local, "build", None) is not None


class RNN(Layer):
    """Base class for recurrent layers: a cell looped over time (Keras's ``RNN``).

    Parameters
    ----------
    cell : cell or list of cells
        A layer with ``state_size`` and ``call(inputs, states)`` returning
        ``(output, new_states)`` (see :mod:`glassnet.layers.cell_protocol`); a list is
        ``StackedRNNCells(cell)``.
    return_sequences : bool, default False
        Output every step ``(batch, T, output_size)`` instead of the last.
    return_state : bool, default False
        Also return the final states: ``[output, *states]``, each state in the structure
        of ``cell.state_size`` (a stacked ``LSTMCell`` contributes ``[h, c]``).
    go_backwards : bool, default False
        Read the sequence last step first; the sequence returned is in that order.
    stateful : bool, default False
        Each call starts from the final states of the previous one (same batch size),
        until ``reset_states()``.
    unroll : bool, default False
        Accepted (the loop is Python already).
    zero_output_for_mask : bool, default False
        A masked step outputs zeros instead of the previous step's output.
    **kwargs
        ``name``, ``dtype``, ``input_shape``, ``trainable``.

    Raises
    ------
    ValueError
        For a cell without ``call`` or ``state_size``, or with a ``state_size`` that is not
        an int or a list of ints (Keras's checks).

    Notes
    -----
    Calling the layer with ``initial_state=[s_1, ...]`` (arrays or tensors, one per state,
    each (batch, size), nested as ``state_size`` or flat) starts from them. With a mask
    (``Embedding(mask_zero=True)``, ``Masking``, ``mask=``) a masked step keeps the previous
    states and output (Keras's rule)::

        y_t = where(m_t, y_t, y_{t-1})      (zeros with zero_output_for_mask; y_0 = 0)
        states_t = where(m_t, states_t, states_{t-1})

    The output carries the mask on with ``return_sequences``. The layer's weights are the
    cell's, ``'<cell>/<weight>'`` (``'lstm_cell/kernel'``), in Keras's order; the
    cell's ``call`` gets ``training`` when it takes it.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is RNN:
            fast = _fast_layer(*args, **kwargs)
            if fast is not None:
                return fast
        return super().__new__(cls)

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        check_cell(cell, "An RNN cell must")
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.cell = cell
        name_cell(cell)
        self.return_sequences = _validate.check_bool(owner, "return_sequences", return_sequences)
        self.return_state = _validate.check_bool(owner, "return_state", return_state)
        self.go_backwards = _validate.check_bool(owner, "go_backwards", go_backwards)
        self.stateful = _validate.check_bool(owner, "stateful", stateful)
        self.unroll = _validate.check_bool(owner, "unroll", unroll)
        self.zero_output_for_mask = _validate.check_bool(owner, "zero_output_for_mask",
                                                         zero_output_for_mask)
        self.multi_output = self.return_state  # [output, *final states]
        #: Keras's ``RNN.state_size``: the cell's, as a list.
        self.state_size = list(cell.state_size) if isinstance(cell.state_size, (list, tuple)) \
            else [cell.state_size]
        self._states: list[np.ndarray] | None = None

    # ------------------------------------------------------------------ states
    def _flat_sizes(self) -> list[int]:
        return flat_sizes(self.state_size)

    @property
    def states(self) -> list[np.ndarray] | None:
        """The states a ``stateful`` layer carries to its next call (None before any)."""
        return None if self._states is None else [s.copy() for s in self._states]

    def reset_states(self) -> None:
        """Start the next call from zero states again (``stateful`` layers)."""
        self._states = None

    reset_state = reset_states

    def _who(self) -> str:
        return f"RNN '{self.name}'" if self.name else "RNN"

    def __call__(self, x: Any, training: Any = None, *more: Any, mask: Any = None,
                 initial_state: Any = None) -> Any:
        from glassnet.layers.input import is_symbolic

        if isinstance(x, (list, tuple)) and initial_state is None and not self.multi_input:
            x, initial_state = x[0], list(x[1:]) or None  # Keras also takes [x, *states]
        if not is_symbolic(x) and np.ndim(x) != 3:
            raise ValueError(f"{self._who()} expects inputs of shape (batch, timesteps, "
                             f"features), got {np.shape(x)}.")
        if initial_state is not None:  # one node reading [x, *states]
            states = flatten_states(initial_state)
            if len(states) != len(self._flat_sizes()):
                raise ValueError(
                    f"{self._who()} `initial_state` must hold {len(self._flat_sizes())} "
                    f"state(s) of sizes {self._flat_sizes()} (state_size "
                    f"{self.state_size}), got {len(states)}.")
            self.multi_input = True
            x = [x, *states]
        out = super().__call__(x, training, *more, mask=mask)
        if self.return_state and isinstance(out, list):  # Keras's nesting of the states
            return [out[0], *pack_states(out[1:], self.state_size)]
        return out

    # ------------------------------------------------------------------ shapes
    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        """Build the cell for one step, ``(features,)``."""
        seq = tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)
        if len(seq) != 2 or seq[-1] is None:
            raise ValueError(f"{self._who()} expects inputs of shape (batch, timesteps, "
                             f"features), got {(None, *seq)}.")
        rng = rng if rng is not None else np.random.default_rng(0)
        build_cell(self.cell, seq[1:], rng, self.dtype)
        super().build(input_shape, rng)
        if isinstance(self.cell, Layer):
            from glassnet.ops.layer_autodiff import _hoist

            _hoist(self, [("cell", self.cell)])

    def output_shape(self, input_shape: Any) -> Any:
        seq = tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)
        size = cell_output_size(self.cell)
        out = (seq[0], size) if self.return_sequences else (size,)
        if self.return_state:
            return [out] + [(s,) for s in self._flat_sizes()]
        return out

    def compute_mask(self, x: Any, mask: Any = None) -> Any:
        """The input mask when returning sequences, else none (Keras's rule)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        return mask if self.return_sequences else None

    # ------------------------------------------------------------------ the loop
    def _initial(self, given: list[Any], n: int, dtype: np.dtype) -> list[Any]:
        sizes = self._flat_sizes()
        if given:
            for s, size in zip(given, sizes, strict=True):
                if np.shape(value_of(s)) != (n, size):
                    raise ValueError(
                        f"{self._who()} `initial_state` must be arrays of shapes "
                        f"{[(n, d) for d in sizes]}, got {[np.shape(value_of(g)) for g in given]}.")
            return list(given)
        if self.stateful and self._states is not None and self._states[0].shape[0] == n:
            return [s.astype(dtype, copy=False) for s in self._states]
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            return flatten_states(make(batch_size=n))
        return [np.zeros((n, d), dtype=dtype) for d in sizes]

    def call(self, sequences: Any, mask: Any = None, training: bool = False) -> Any:
        """Loop the cell over the steps of ``sequences`` (or ``[sequences, *states]``)."""
        seq, given = (sequences[0], list(sequences[1:])) if isinstance(sequences, list) \
            else (sequences, [])
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        n, steps = np.shape(value_of(seq))[:2]
        if steps == 0:
            raise ValueError(f"{self._who()} needs at least one timestep, got inputs of "
                             f"shape {np.shape(value_of(seq))}.")
        dtype = np.asarray(value_of(seq)).dtype
        states = self._initial(given, n, dtype)
        xs = _split_time(seq)
        keep = None
        if mask is not None:
            keep = np.asarray(value_of(mask), dtype=bool)
            if keep.shape != (n, steps):
                raise ValueError(f"{self._who()} got a mask of shape {keep.shape}; expected "
                                 f"(batch, timesteps) = {(n, steps)}.")
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs: list[Any] = []
        for t in order:
            y, new = run_cell(self.cell, xs[t], pack_states(states, self.cell.state_size),
                              training)
            new_flat = flatten_states(new)
            if len(new_flat) != len(states):
                raise ValueError(
                    f"{self._who()}: the cell returned {len(new_flat)} state(s), its "
                    f"state_size {self.cell.state_size!r} has {len(states)}.")
            if keep is not None:
                m = keep[:, t, None]
                previous = outputs[-1] if outputs and not self.zero_output_for_mask \
                    else np.zeros(np.shape(value_of(y)), dtype=np.asarray(value_of(y)).dtype)
                y = where(m, y, previous)
                new_flat = [where(m, s, old) for s, old in zip(new_flat, states, strict=True)]
            outputs.append(y)
            states = new_flat
        if self.stateful and not _probing():
            self._states = [np.array(value_of(s)) for s in states]
        out = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [out, *states] if self.return_state else out

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        from glassnet.layers.base import serialize_layer

        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask,
                      cell=serialize_layer(self.cell))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        from glassnet.layers.base import deserialize_layer

        config = dict(config)
        cell = deserialize_layer(config.pop("cell"))
        return cls(cell, **config)
