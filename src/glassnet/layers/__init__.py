"""Layers: each a forward pass with its hand-written backward pass (see :mod:`.base`).

Writing a new layer? Read the layer contract first (docs/engine_contract.md): params are updated
in place and never rebound, gradients are written in place, and every layer passes
glassnet.gradcheck.check_layer.
"""

from glassnet.layers.activation import Activation
from glassnet.layers.augmentation import RandomAugmentation
from glassnet.layers.base import Layer
from glassnet.layers.conv import Conv2D
from glassnet.layers.core import Dropout, Flatten, Reshape
from glassnet.layers.dense import Dense
from glassnet.layers.embedding import Embedding
from glassnet.layers.input import Input, InputLayer, SymbolicTensor
from glassnet.layers.lambda_layer import Lambda
from glassnet.layers.merge import Add, Average, Concatenate, Multiply, Subtract
from glassnet.layers.normalization import BatchNormalization, LayerNormalization
from glassnet.layers.padding import ZeroPadding2D
from glassnet.layers.pooling import (
    AveragePooling2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    MaxPooling2D,
)
from glassnet.layers.recurrent import GRU, LSTM, SimpleRNN
from glassnet.layers.residual import Residual

__all__ = [
    "RandomAugmentation",
    "Activation",
    "Add",
    "Average",
    "AveragePooling2D",
    "BatchNormalization",
    "Concatenate",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "GRU",
    "Input",
    "InputLayer",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LSTM",
    "MaxPooling2D",
    "Multiply",
    "Reshape",
    "Residual",
    "SimpleRNN",
    "Subtract",
    "SymbolicTensor",
    "ZeroPadding2D",
]
