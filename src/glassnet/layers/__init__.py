"""Layers: each a forward pass with its hand-written backward pass (see :mod:`.base`).

Writing a new layer? Read docs/engine_contract.md first (params are updated in place and never
rebound; gradients written in place; gradient-checked with glassnet.gradcheck.check_layer).
Developers working in parallel: do not git add/commit/stash/checkout; the lead commits.
"""

from glassnet.layers.activation import Activation
from glassnet.layers.base import Layer
from glassnet.layers.core import Dropout, Flatten, Reshape
from glassnet.layers.dense import Dense
from glassnet.layers.input import Input, InputLayer

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "Layer",
    "Reshape",
]
