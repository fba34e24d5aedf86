"""``StackedRNNCells``: several recurrent cells acting as one (Keras's layer).

``RNN(StackedRNNCells([c1, c2]))``, or simply ``RNN([c1, c2])``, runs ``c1`` and ``c2`` at
every time step, the output of ``c1`` being the input of ``c2``: one stacked recurrent layer
whose weights are the cells' (``c1``'s first, each in its own order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.base import Layer, _snake
from glassnet.layers.cell_protocol import (
    build_cell,
    cell_output_size,
    check_cell,
    flatten_states,
    run_cell,
)


class StackedRNNCells(Layer):
    """Several recurrent cells as one cell (Keras's ``StackedRNNCells``).

    Parameters
    ----------
    cells : list of cells
        Each a layer with ``state_size`` and ``call(inputs, states)`` returning
        ``(output, new_states)``: :class:`~glassnet.layers.LSTMCell`, ``GRUCell``,
        ``SimpleRNNCell`` or a custom cell.
    **kwargs
        ``name``, ``dtype``, ``trainable``.

    Raises
    ------
    ValueError
        For a cell without ``call`` or ``state_size`` (as Keras).

    Notes
    -----
    ``state_size`` is the list of the cells' state sizes (``[[8, 8], 4]`` for an
    ``LSTMCell(8)`` over a ``GRUCell(4)``), and ``states`` comes in the same structure: each
    cell receives its own (a one-state cell as a list of one). At each step::

        y_0 = x_t;   y_k, states_k = cell_k(y_{k-1}, states_k)   for k = 1..K
        output = y_K;   output_size = cell_K's output size

    Cell ``k`` is built for inputs of cell ``k-1``'s output size. Unnamed cells are named
    after their class (``lstm_cell``, ``lstm_cell_1`` ...), their weights
    ``'<cell>/<weight>'``.
    """

    def __init__(self, cells: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(
                f"StackedRNNCells `cells` must be a non-empty list of cells, got {cells!r}.")
        for cell in cells:
            check_cell(cell, "All cells must")
        self.cells = list(cells)
        taken: set[str] = set()
        for cell in self.cells:
            if isinstance(cell, Layer):
                if cell.name is None:
                    base = _snake(type(cell).__name__)
                    name, k = base, 0
                    while name in taken:
                        k += 1
                        name = f"{base}_{k}"
                    cell.name = name
                taken.add(cell.name)

    @property
    def state_size(self) -> list[Any]:
        """The cells' state sizes, in order."""
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        """The last cell's output size."""
        return cell_output_size(self.cells[-1])

    def build(self, input_shape: tuple[int, ...],
              rng: np.random.Generator | None = None) -> None:
        """Build each cell on the previous one's output size (the first on ``input_shape``)."""
        shape = tuple(input_shape)
        rng = rng if rng is not None else np.random.default_rng(0)
        for cell in self.cells:
            build_cell(cell, shape, rng, self.dtype)
            shape = (cell_output_size(cell),)
        super().build(input_shape, rng)

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, list[Any]]:
        """``(output, new_states)``: the cells in turn, ``new_states`` in ``states``'s
        structure."""
        new_states = []
        for cell, cell_states in zip(self.cells, states, strict=True):
            nested = isinstance(cell_states, (list, tuple))
            inputs, returned = run_cell(cell, inputs,
                                        list(cell_states) if nested else [cell_states], training)
            flat = flatten_states(returned)
            new_states.append(flat if nested or len(flat) != 1 else flat[0])
        return inputs, new_states

    def get_config(self) -> dict[str, Any]:
        from glassnet.layers.base import serialize_layer

        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> StackedRNNCells:
        from glassnet.layers.base import deserialize_layer

        config = dict(config)
        cells = [deserialize_layer(c) for c in config.pop("cells")]
        return cls(cells, **config)
