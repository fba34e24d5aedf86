"""The input-shape checks the layers share, with one message shape:
"UpSampling2D 'up_1' expects inputs of shape (batch, height, width, channels), got (None, 8, 8)."
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.base import Layer

#: The layouts, from the batch axis on.
IMAGES = "(batch, height, width, channels)"
SEQUENCES = "(batch, steps, channels)"


def check_rank(layer: Layer, input_shape: tuple[Any, ...], layout: str = IMAGES,
               owner: str | None = None) -> None:
    """Raise unless the one-sample ``input_shape`` has one axis per name of ``layout`` after
    ``batch``.

    Parameters
    ----------
    layer : Layer
        The layer, named in the message (``owner`` replaces its class name).
    input_shape : tuple
        The shape of one sample (no batch axis).
    layout : str
        ``"(batch, steps, features)"``: the names of the axes, the batch axis first.

    Raises
    ------
    ValueError
        "<owner> '<name>' expects inputs of shape <layout>, got (None, ...)."
    """
    if len(input_shape) != layout.count(","):
        raise ValueError(
            f"{owner or type(layer).__name__} '{layer.name}' expects inputs of shape {layout}, "
            f"got {(None,) + tuple(input_shape)}."
        )


def check_channels(layer: Layer, x: np.ndarray, channels: int, layout: str = IMAGES,
                   owner: str | None = None) -> None:
    """Raise unless the batch ``x`` has the rank of ``layout`` and ``channels`` on its last axis
    (the channels the layer was built for)."""
    if x.ndim != layout.count(",") + 1 or x.shape[-1] != channels:
        shape = layout.rsplit(",", 1)[0] + f", {channels})"
        raise ValueError(
            f"{owner or type(layer).__name__} '{layer.name}' expects inputs of shape {shape}, "
            f"got {x.shape}."
        )


def known_channels(layer: Layer, input_shape: tuple[Any, ...], owner: str | None = None) -> int:
    """The channels (last axis) of the one-sample ``input_shape``, which a layer needs known
    to build its kernel."""
    if input_shape[-1] is None:
        raise ValueError(f"{owner or type(layer).__name__} '{layer.name}' needs a known channel "
                         f"axis, got inputs of shape {(None,) + tuple(input_shape)}.")
    return int(input_shape[-1])


class _CheckedLayer(Layer):
    """A layer that checks the one-sample input shape with :meth:`_check` before it answers
    ``output_shape`` and before it builds."""

    #: The input layout :meth:`_check` requires, e.g. ``"(batch, steps, features)"`` (see
    #: :func:`check_rank`); None takes any shape. A layer with another rule overrides ``_check``.
    layout: str | None = None

    def __init__(self, **base: Any) -> None:
        # A signature of its own: the .keras reader collects the constructor arguments of
        # every class up to Layer, and this base adds none.
        super().__init__(**base)

    def _check(self, input_shape: tuple[Any, ...]) -> None:
        """Raise a ValueError for a one-sample input shape the layer cannot take."""
        if self.layout is not None:
            check_rank(self, input_shape, self.layout)

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        return tuple(input_shape)

    def build(self, input_shape, rng=None):
        self._check(tuple(input_shape))
        super().build(input_shape, rng)
