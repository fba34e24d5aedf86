"""Keras's cell spelling of the recurrent layers: ``RNN(LSTMCell(units))``.

In Keras a *cell* computes one time step and ``RNN`` loops it over the sequence. glassnet's
:class:`~glassnet.layers.LSTM`, :class:`~glassnet.layers.GRU` and
:class:`~glassnet.layers.SimpleRNN` run the whole loop (forward and backward) themselves, so
here a cell only carries its arguments, and ``RNN(cell, ...)`` returns the matching layer:
the same weights in the same shapes and order as Keras's ``RNN(cell)``, the same outputs.
(Custom cells, stacked cells and a cell called on one step are not supported.)
"""

from __future__ import annotations

from typing import Any

from glassnet.layers.base import Layer
from glassnet.layers.gru import GRU
from glassnet.layers.lstm import LSTM
from glassnet.layers.recurrent_base import RecurrentLayer
from glassnet.layers.simple_rnn import SimpleRNN

__all__ = ["GRUCell", "LSTMCell", "RNN", "SimpleRNNCell"]


class _Cell:
    """The arguments of one recurrent step (Keras's cell constructor), for :func:`RNN`."""

    layer_class: type[RecurrentLayer] = SimpleRNN

    def __init__(self, units: int, **kwargs: Any) -> None:
        self.units = units
        self.kwargs = kwargs
        self.layer_class(units, **kwargs)  # validates every argument now, as Keras does

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, **self.kwargs}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} units={self.units}>"


class SimpleRNNCell(_Cell):
    """``h_t = activation(x_t W + h_{t-1} U + b)``; arguments as :class:`SimpleRNN`'s."""

    layer_class = SimpleRNN


class LSTMCell(_Cell):
    """One LSTM step; arguments as :class:`LSTM`'s (``unit_forget_bias`` ...)."""

    layer_class = LSTM


class GRUCell(_Cell):
    """One GRU step; arguments as :class:`GRU`'s (``reset_after`` ...)."""

    layer_class = GRU


def RNN(cell: _Cell, return_sequences: bool = False, return_state: bool = False,  # noqa: N802
        go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
        **base: Any) -> Layer:
    """The recurrent layer that loops ``cell`` over the time steps (Keras's ``RNN``).

    Parameters
    ----------
    cell : SimpleRNNCell, LSTMCell or GRUCell
    return_sequences, return_state, go_backwards, stateful, unroll
        As for the recurrent layers.
    **base
        ``name``, ``input_shape``, ``dtype`` ...

    Returns
    -------
    SimpleRNN, LSTM or GRU
        With the cell's arguments: ``RNN(LSTMCell(8))`` is ``LSTM(8)``.

    Raises
    ------
    TypeError
        For a ``cell`` that is not one of the three (a list of cells, a custom cell).
    """
    if not isinstance(cell, _Cell):
        raise TypeError(
            "RNN `cell` must be a SimpleRNNCell, LSTMCell or GRUCell (custom and stacked cells "
            f"are not supported), got {type(cell).__name__}.")
    return cell.layer_class(cell.units, **cell.kwargs, return_sequences=return_sequences,
                            return_state=return_state, go_backwards=go_backwards,
                            stateful=stateful, unroll=unroll, **base)
