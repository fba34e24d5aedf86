"""What the ``.keras`` writer and reader share: the argument tables, names and the error."""

from __future__ import annotations

import re

from glassnet.models.saving import ModelFileError

#: The Keras version whose layout this module writes (readers check nothing but the layout).
KERAS_VERSION = "3.5.0"
_BASE_KEYS = {"name", "trainable"}
# Keras arguments glassnet has no counterpart for, and the value that means "not used".
_ANY = object()
_HARMLESS = {
    "kernel_constraint": None, "bias_constraint": None, "recurrent_constraint": None,
    "embeddings_constraint": None, "beta_constraint": None, "gamma_constraint": None,
    "activity_regularizer": None, "quantization_config": None, "groups": 1,
    "noise_shape": None, "synchronized": False, "renorm": False, "renorm_clipping": None,
    "renorm_momentum": _ANY, "rms_scaling": False, "zero_output_for_mask": _ANY,
    "lora_rank": None, "lora_alpha": None, "data_format": "channels_last", "dtype": _ANY,
    "input_length": None,
}
_KERAS_INITIALIZER_KEYS = {
    "Orthogonal": {"gain"}, "RandomUniform": {"minval", "maxval"},
    "RandomNormal": {"mean", "stddev"}, "TruncatedNormal": {"mean", "stddev"},
    "Constant": {"value"}, "VarianceScaling": {"scale", "mode", "distribution"},
    "Zeros": set(), "Ones": set(), "GlorotUniform": set(), "GlorotNormal": set(),
    "HeUniform": set(), "HeNormal": set(), "LecunUniform": set(), "LecunNormal": set(),
}
_ACTIVATION_DEFAULTS = {"leaky_relu": {"alpha": 0.2}, "elu": {"alpha": 1.0},
                        "gelu": {"approximate": False}}
_KERAS_ACTIVATION_LAYERS = {"ReLU", "LeakyReLU", "Softmax", "ELU"}
_RECURRENT = {"SimpleRNN", "LSTM", "GRU"}
_CELL_NAMES = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}
_UNSUPPORTED = {
    "Residual": "Keras has no Residual layer; build the block with the functional API "
                "(Add()([x, f(x)])) to save it as .keras",
    "RandomAugmentation": "its augmenter has no Keras counterpart",
}


class KerasFormatError(ModelFileError):
    """A ``.keras`` file is corrupt, or holds something glassnet cannot represent."""


def to_snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case``: ``Conv2D`` -> ``conv2d``, ``SimpleRNN`` -> ``simple_rnn``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _group_keys(class_names: list[str]) -> list[str]:
    """Keras's weight-group keys for layers of these classes, in ``model.layers`` order."""
    used: dict[str, int] = {}
    keys = []
    for cls in class_names:
        key = to_snake_case(cls)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keys.append(key)
    return keys
