"""Layers: each a forward pass with its hand-written backward pass (see :mod:`.base`).

Writing a new layer? Read the layer contract first (docs/engine_contract.md): params are updated
in place and never rebound, gradients are written in place, and every layer passes
glassnet.gradcheck.check_layer.
"""

from glassnet.layers.activation import Activation
from glassnet.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from glassnet.layers.attention import Attention
from glassnet.layers.augmentation import RandomAugmentation
from glassnet.layers.base import Layer
from glassnet.layers.conv import Conv2D
from glassnet.layers.conv1d import Conv1D
from glassnet.layers.conv_transpose import Conv2DTranspose
from glassnet.layers.core import Dropout, Flatten, Reshape
from glassnet.layers.data_normalization import Normalization
from glassnet.layers.dense import Dense
from glassnet.layers.embedding import Embedding
from glassnet.layers.input import Input, InputLayer, SymbolicTensor
from glassnet.layers.lambda_layer import Lambda
from glassnet.layers.masking import Masking
from glassnet.layers.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from glassnet.layers.multi_head_attention import MultiHeadAttention
from glassnet.layers.noise import GaussianNoise, SpatialDropout1D, SpatialDropout2D
from glassnet.layers.normalization import BatchNormalization, LayerNormalization
from glassnet.layers.padding import ZeroPadding2D
from glassnet.layers.pooling import (
    AveragePooling2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    MaxPooling2D,
)
from glassnet.layers.pooling1d import (
    AveragePooling1D,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    MaxPooling1D,
)
from glassnet.layers.random_transforms import (
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from glassnet.layers.recurrent import GRU, LSTM, SimpleRNN
from glassnet.layers.reshaping import Cropping2D, Permute, RepeatVector, Rescaling
from glassnet.layers.residual import Residual
from glassnet.layers.upsampling import UpSampling1D, UpSampling2D
from glassnet.layers.wrappers import Bidirectional, TimeDistributed

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
    # Keras parity II: activation, reshaping, 1-D, wrapper, preprocessing, attention layers
    "Attention",
    "AveragePooling1D",
    "Bidirectional",
    "Conv1D",
    "Conv2DTranspose",
    "Cropping2D",
    "ELU",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "LeakyReLU",
    "MaxPooling1D",
    "MultiHeadAttention",
    "Normalization",
    "Permute",
    "PReLU",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "ReLU",
    "RepeatVector",
    "Rescaling",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "TimeDistributed",
    "UpSampling1D",
    "UpSampling2D",
    # The functional API: masks, more merges and Keras's lower-case merge functions
    "Dot",
    "Masking",
    "Maximum",
    "Minimum",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
    "serialize",
    "deserialize",
]


def serialize(layer: Layer) -> dict:
    """Keras's ``layers.serialize``: see :func:`glassnet.saving.serialize_keras_object`."""
    from glassnet.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)  # type: ignore[no-any-return]


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Keras's ``layers.deserialize``: see :func:`glassnet.saving.deserialize_keras_object`."""
    from glassnet.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects)  # type: ignore[no-any-return]
