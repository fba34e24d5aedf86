"""Recurrent layers over ``(batch, timesteps, features)``: SimpleRNN, LSTM, GRU.

One file per cell (:mod:`.simple_rnn`, :mod:`.lstm`, :mod:`.gru`), sharing
:mod:`.recurrent_base` (arguments, weights, the all-steps input projection, outputs, dropout).
This module gathers them under one name.
"""

from glassnet.layers.gru import GRU
from glassnet.layers.lstm import LSTM
from glassnet.layers.recurrent_base import RecurrentLayer
from glassnet.layers.simple_rnn import SimpleRNN

__all__ = ["GRU", "LSTM", "RecurrentLayer", "SimpleRNN"]
