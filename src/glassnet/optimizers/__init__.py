"""Optimizers (one base class, one update rule each) and learning-rate schedules.

>>> from glassnet.optimizers import Adam, get
>>> opt = get("adam")                 # or Adam(learning_rate=1e-3), SGD(lr=0.01)
>>> opt.step(params, grads)           # updates each params[i] in place from grads[i]
"""

from glassnet.optimizers.adadelta import Adadelta
from glassnet.optimizers.adam import Adam, Adamax, AdamW, Nadam
from glassnet.optimizers.adaptive import Adagrad, RMSprop
from glassnet.optimizers.base import Optimizer
from glassnet.optimizers.ftrl import Ftrl
from glassnet.optimizers.lamb import Lamb
from glassnet.optimizers.lion import Lion
from glassnet.optimizers.registry import deserialize, get, serialize
from glassnet.optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
    StepDecay,
)
from glassnet.optimizers.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "CosineDecay",
    "ExponentialDecay",
    "Ftrl",
    "InverseTimeDecay",
    "Lamb",
    "LearningRateSchedule",
    "Lion",
    "Nadam",
    "Optimizer",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "RMSprop",
    "StepDecay",
    "deserialize",
    "get",
    "serialize",
]
