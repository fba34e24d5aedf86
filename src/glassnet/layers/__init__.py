"""Layers: each a forward pass with its hand-written backward pass (see :mod:`.base`).

Writing a new layer? Read the layer contract first (docs/engine_contract.md): params are updated
in place and never rebound, gradients are written in place, and every layer passes
glassnet.gradcheck.check_layer.
"""

from glassnet.layers.activation import Activation
from glassnet.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from glassnet.layers.adaptive_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
)
from glassnet.layers.additive_attention import AdditiveAttention
from glassnet.layers.attention import Attention
from glassnet.layers.augmentation import RandomAugmentation
from glassnet.layers.base import Layer
from glassnet.layers.category_encoding import CategoryEncoding
from glassnet.layers.cell_rnn import RNN
from glassnet.layers.conv import Conv2D
from glassnet.layers.conv1d import Conv1D
from glassnet.layers.conv1d_views import Conv1DTranspose, DepthwiseConv1D, SeparableConv1D
from glassnet.layers.conv_transpose import Conv2DTranspose
from glassnet.layers.core import Dropout, Flatten, Reshape
from glassnet.layers.data_normalization import Normalization
from glassnet.layers.dense import Dense
from glassnet.layers.depthwise_conv import DepthwiseConv2D, SeparableConv2D
from glassnet.layers.discretization import Discretization
from glassnet.layers.einsum_dense import EinsumDense
from glassnet.layers.embedding import Embedding
from glassnet.layers.group_normalization import GroupNormalization
from glassnet.layers.hashing import Hashing
from glassnet.layers.identity import ActivityRegularization, Identity
from glassnet.layers.input import Input, InputLayer, SymbolicTensor
from glassnet.layers.integer_lookup import IntegerLookup
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
from glassnet.layers.multiplicative_noise import AlphaDropout, GaussianDropout
from glassnet.layers.noise import GaussianNoise, SpatialDropout1D, SpatialDropout2D
from glassnet.layers.normalization import BatchNormalization, LayerNormalization
from glassnet.layers.padding import ZeroPadding2D
from glassnet.layers.padding1d import Cropping1D, ZeroPadding1D
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
from glassnet.layers.random_color import RandomBrightness, RandomContrast, RandomGrayscale
from glassnet.layers.random_crop import RandomCrop
from glassnet.layers.random_transforms import (
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from glassnet.layers.recurrent import GRU, LSTM, SimpleRNN
from glassnet.layers.reshaping import Cropping2D, Permute, RepeatVector, Rescaling
from glassnet.layers.residual import Residual
from glassnet.layers.resizing import CenterCrop, Resizing
from glassnet.layers.rms_normalization import RMSNormalization
from glassnet.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from glassnet.layers.stacked_cells import StackedRNNCells
from glassnet.layers.string_lookup import StringLookup
from glassnet.layers.text_vectorization import TextVectorization
from glassnet.layers.unit_normalization import UnitNormalization
from glassnet.layers.upsampling import UpSampling1D, UpSampling2D
from glassnet.layers.wrappers import Bidirectional, TimeDistributed

# Keras's other spellings of the same classes (a config still names the class itself).
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
Convolution1DTranspose = Conv1DTranspose
SeparableConvolution1D = SeparableConv1D

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
    "LSTMCell",
    "GRUCell",
    "SimpleRNNCell",
    "RNN",
    "MaxPooling2D",
    "Multiply",
    "Reshape",
    "Residual",
    "SimpleRNN",
    "StackedRNNCells",
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
    # Small layers and Keras's aliases
    "ActivityRegularization",
    "AlphaDropout",
    "CategoryEncoding",
    "CenterCrop",
    "Cropping1D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "GaussianDropout",
    "GroupNormalization",
    "Identity",
    "Resizing",
    "UnitNormalization",
    "ZeroPadding1D",
    "AvgPool1D",
    "AvgPool2D",
    "Convolution1D",
    "Convolution2D",
    "Convolution2DTranspose",
    "SeparableConvolution2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "MaxPool1D",
    "MaxPool2D",
    "serialize",
    "deserialize",
    # More Keras 3 layers
    "Conv1DTranspose",
    "Convolution1DTranspose",
    "DepthwiseConv1D",
    "SeparableConv1D",
    "SeparableConvolution1D",
    "AdditiveAttention",
    "RMSNormalization",
    "EinsumDense",
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    # Text and categorical preprocessing
    "Discretization",
    "Hashing",
    "IntegerLookup",
    "StringLookup",
    "TextVectorization",
    # Image augmentation
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomGrayscale",
]


def serialize(layer: Layer) -> dict:
    """Keras's ``layers.serialize``: see :func:`glassnet.saving.serialize_keras_object`."""
    from glassnet.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)  # type: ignore[no-any-return]


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Keras's ``layers.deserialize``: see :func:`glassnet.saving.deserialize_keras_object`."""
    from glassnet.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects)  # type: ignore[no-any-return]
