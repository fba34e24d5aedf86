"""Keras's recurrent cells: ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``.

In Keras a *cell* computes one time step, ``call(inputs, states) -> (output, new_states)``,
and :class:`~glassnet.layers.RNN` loops it over the sequence. ``RNN(LSTMCell(8))`` on its
own is :class:`~glassnet.layers.LSTM` ``(8)``: the same weights in the same shapes and order,
the same outputs, computed by the recurrent layer's own loop and backward pass. A cell inside
:class:`~glassnet.layers.StackedRNNCells` (``RNN([LSTMCell(8), GRUCell(4)])``), or called on
one step, computes its step with :mod:`glassnet.ops`, so the tape differentiates it.

Each cell takes the arguments of its layer (``activation``, the initializers and
regularizers, ``LSTM``'s ``unit_forget_bias``, ``GRU``'s ``reset_after`` ...), validated at
construction as Keras does, and has Keras's weights::

    kernel            (features, k * units)
    recurrent_kernel  (units,    k * units)
    bias              (k * units,)            (GRUCell with reset_after: (2, 3 * units))

with ``k`` = 1 (SimpleRNNCell), 4 (LSTMCell, blocks i, f, c, o), 3 (GRUCell, blocks z, r, h).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.base import Layer
from glassnet.layers.gru import GRU
from glassnet.layers.lstm import LSTM
from glassnet.layers.recurrent_base import RecurrentLayer
from glassnet.layers.simple_rnn import SimpleRNN
from glassnet.ops import matmul
from glassnet.ops.nn import _activation

__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell"]

#: The arguments of a whole recurrent layer, not of one step (they belong to ``RNN``).
_LAYER_ONLY = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
#: Arguments of the Layer base class, which a cell keeps for itself.
_BASE = ("name", "trainable", "dtype", "input_shape", "input_dim", "activity_regularizer")


class BuiltinCell(Layer):
    """One step of :attr:`layer_class`; the arguments are that layer's.

    Parameters
    ----------
    units : int
        Size of the state ``h`` and of the output.
    **kwargs
        The layer's arguments (``activation``, ``kernel_initializer``, ``dropout`` ...) and
        the base arguments (``name``, ``dtype``, ``trainable``).

    Notes
    -----
    A cell's ``dropout``/``recurrent_dropout`` apply when ``RNN(cell)`` runs it as the
    recurrent layer; a cell with dropout inside a stack raises while training.
    """

    layer_class: type[RecurrentLayer] = SimpleRNN
    recurrent_activation: Any

    def __init__(self, units: int, **kwargs: Any) -> None:
        owner = type(self).__name__
        wrong = [k for k in _LAYER_ONLY if k in kwargs]
        if wrong:
            raise TypeError(
                f"{owner} got unexpected keyword argument(s) {', '.join(map(repr, wrong))}: "
                "they are arguments of the RNN layer that runs the cell.")
        base = {k: kwargs.pop(k) for k in _BASE if k in kwargs}
        super().__init__(**base)
        layer = self.layer_class(units, **kwargs)  # validates every argument now, as Keras does
        self.units = layer.units
        #: The layer arguments, as given (``RNN(cell)`` builds the layer from them).
        self.kwargs = kwargs
        self.activation = layer.activation
        self.recurrent_activation = getattr(layer, "recurrent_activation", layer.activation)
        self.use_bias = layer.use_bias
        self.reset_after = bool(getattr(layer, "reset_after", False))
        self.dropout, self.recurrent_dropout = layer.dropout, layer.recurrent_dropout
        self._arguments = {"bias_shape": layer.bias_shape(), "bias_init": layer.bias_init(),
                           "config": layer.get_config()}
        for which in ("kernel", "recurrent", "bias"):  # `kernel_initializer` ..., as given
            for kind in ("initializer", "regularizer"):
                arg = f"{which}_{kind}"
                self._arguments[arg] = getattr(layer, arg)
                setattr(self, arg, self._arguments[arg])
        self.state_size: int | list[int] = units
        self.output_size = units

    def build(self, input_shape: tuple[int, ...],
              rng: np.random.Generator | None = None) -> None:
        """Keras's weights for steps of ``input_shape`` = ``(features,)``."""
        width, arg = self.layer_class.gates * self.units, self._arguments
        self.kernel = self.add_weight((int(input_shape[-1]), width), arg["kernel_initializer"],
                                      regularizer=arg["kernel_regularizer"], name="kernel")
        self.recurrent_kernel = self.add_weight(
            (self.units, width), arg["recurrent_initializer"],
            regularizer=arg["recurrent_regularizer"], name="recurrent_kernel")
        if self.use_bias:
            self.bias = self.add_weight(arg["bias_shape"], arg["bias_init"],
                                        regularizer=arg["bias_regularizer"], name="bias")
        super().build(input_shape, rng)

    def _check_dropout(self, training: bool) -> None:
        if training and (self.dropout > 0.0 or self.recurrent_dropout > 0.0):
            raise NotImplementedError(
                f"{type(self).__name__} '{self.name}': `dropout`/`recurrent_dropout` are applied "
                f"only when RNN(cell) runs the cell alone (as {self.layer_class.__name__}); "
                "inside StackedRNNCells, train without them.")

    def _act(self, z: Any) -> Any:
        assert self.activation is not None  # always set by __init__
        return _activation(self.activation, z)

    def _gate(self, z: Any) -> Any:
        return _activation(self.recurrent_activation, z)

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, list[Any]]:
        raise NotImplementedError  # each cell's step, below

    def get_config(self) -> dict[str, Any]:
        config = {k: v for k, v in self._arguments["config"].items()
                  if k not in _LAYER_ONLY and k not in _BASE}
        return {**super().get_config(), **config}


class SimpleRNNCell(BuiltinCell):
    """One step of :class:`~glassnet.layers.SimpleRNN` (Keras's ``SimpleRNNCell``).

    Parameters
    ----------
    units : int
    **kwargs
        As :class:`SimpleRNN`'s (``activation='tanh'``, initializers, ``name`` ...).

    Notes
    -----
    ``states = [h_{t-1}]`` (batch, units)::

        h_t = activation(x_t W + b + h_{t-1} U)          returns (h_t, [h_t])
    """

    layer_class = SimpleRNN

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, list[Any]]:
        self._check_dropout(training)
        z = matmul(inputs, self.kernel)
        if self.use_bias:
            z = z + self.bias
        h = self._act(z + matmul(states[0], self.recurrent_kernel))
        return h, [h]


class LSTMCell(BuiltinCell):
    """One step of :class:`~glassnet.layers.LSTM` (Keras's ``LSTMCell``).

    Parameters
    ----------
    units : int
    **kwargs
        As :class:`LSTM`'s (``recurrent_activation``, ``unit_forget_bias`` ...).

    Notes
    -----
    ``state_size = [units, units]``, ``states = [h_{t-1}, c_{t-1}]``; ``s`` the recurrent
    activation, ``g`` the activation, ``[z]_k`` the k-th block of ``units`` columns::

        z = x_t W + b + h_{t-1} U                        (batch, 4 units), blocks i, f, c, o
        c_t = s([z]_f) c_{t-1} + s([z]_i) g([z]_c)
        h_t = s([z]_o) g(c_t)                            returns (h_t, [h_t, c_t])
    """

    layer_class = LSTM

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.state_size = [self.units, self.units]

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, list[Any]]:
        self._check_dropout(training)
        h, c = states[0], states[1]
        u = self.units
        z = matmul(inputs, self.kernel) + matmul(h, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        i, f = self._gate(z[:, :u]), self._gate(z[:, u:2 * u])
        candidate, o = self._act(z[:, 2 * u:3 * u]), self._gate(z[:, 3 * u:])
        c = f * c + i * candidate
        h = o * self._act(c)
        return h, [h, c]


class GRUCell(BuiltinCell):
    """One step of :class:`~glassnet.layers.GRU` (Keras's ``GRUCell``).

    Parameters
    ----------
    units : int
    **kwargs
        As :class:`GRU`'s (``recurrent_activation``, ``reset_after=True`` ...).

    Notes
    -----
    ``states = [h_{t-1}]``; blocks z (update), r (reset), h (candidate); with ``reset_after``
    the bias has rows ``b_in`` (input side) and ``b_rec`` (recurrent side)::

        x_z, x_r, x_h = x_t W + b_in
        r_z, r_r, r_h = h_{t-1} U + b_rec                reset_after
        z = s(x_z + r_z)    r = s(x_r + r_r)
        hh = g(x_h + r * r_h)                            reset_after
        hh = g(x_h + (r * h_{t-1}) U_h)                  otherwise (r_z, r_r from U_z, U_r)
        h_t = z * h_{t-1} + (1 - z) * hh                 returns (h_t, [h_t])
    """

    layer_class = GRU

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, list[Any]]:
        self._check_dropout(training)
        h = states[0]
        u = self.units
        x = matmul(inputs, self.kernel)
        if self.use_bias:
            x = x + (self.bias[0] if self.reset_after else self.bias)
        if self.reset_after:
            rec = matmul(h, self.recurrent_kernel)
            if self.use_bias:
                rec = rec + self.bias[1]
        else:
            rec = matmul(h, self.recurrent_kernel[:, :2 * u])
        z = self._gate(x[:, :u] + rec[:, :u])
        r = self._gate(x[:, u:2 * u] + rec[:, u:2 * u])
        if self.reset_after:
            hh = self._act(x[:, 2 * u:] + r * rec[:, 2 * u:])
        else:
            hh = self._act(x[:, 2 * u:] + matmul(r * h, self.recurrent_kernel[:, 2 * u:]))
        h = z * h + (1.0 - z) * hh
        return h, [h]
