"""Losses, Keras's classes and functions, each with its gradient beside it.

``losses.MeanSquaredError(reduction="sum")(y_true, y_pred)`` reduces as Keras does;
``losses.mean_squared_error(y_true, y_pred)`` returns the unreduced values, one per sample
(per position for sequences). Every loss but the sparse cross-entropy accepts integer targets.
Models get losses by name through :func:`get`.
"""

from __future__ import annotations

from typing import Any

from glassnet import _registry
from glassnet.losses.base import EPSILON, REDUCTIONS, Loss, reduce_values
from glassnet.losses.crossentropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from glassnet.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from glassnet.losses.generalized import (
    CategoricalGeneralizedCrossEntropy,
    categorical_generalized_cross_entropy,
)
from glassnet.losses.overlap import Dice, Tversky, dice, tversky
from glassnet.losses.regression import (
    Hinge,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SquaredHinge,
    hinge,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    squared_hinge,
)
from glassnet.losses.rowwise import (
    CategoricalHinge,
    CosineSimilarity,
    KLDivergence,
    categorical_hinge,
    cosine_similarity,
    kl_divergence,
)

# Keras's short spellings of the functions.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
kld = KLD = kl_divergence
msle = MSLE = mean_squared_logarithmic_error

_REGISTRY: dict[str, type[Loss]] = {
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "huber": Huber,
    "log_cosh": LogCosh,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "poisson": Poisson,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence,
    "categorical_hinge": CategoricalHinge,
    "cosine_similarity": CosineSimilarity,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "categorical_generalized_cross_entropy": CategoricalGeneralizedCrossEntropy,
    "dice": Dice,
    "tversky": Tversky,
}
_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "huber_loss": "huber",
    "logcosh": "log_cosh",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
}

__all__ = [
    "EPSILON", "REDUCTIONS", "BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge",
    "CosineSimilarity", "KLDivergence", "categorical_hinge", "cosine_similarity",
    "kl_divergence", "kld", "Hinge", "Huber",
    "LogCosh", "Loss", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "binary_crossentropy", "categorical_crossentropy", "deserialize", "get", "hinge", "huber",
    "log_cosh", "mae", "mape", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "mse", "msle", "names", "poisson",
    "reduce_values", "serialize", "sparse_categorical_crossentropy", "squared_hinge",
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy", "Dice", "Tversky", "binary_focal_crossentropy",
    "categorical_focal_crossentropy", "categorical_generalized_cross_entropy", "dice", "tversky",
]


# The function forms, resolved by `get` to their classes (hand-written gradients).
_FUNCTION_CLASSES: dict[Any, type[Loss]] = {
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
    huber: Huber,
    log_cosh: LogCosh,
    hinge: Hinge,
    squared_hinge: SquaredHinge,
    poisson: Poisson,
    binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    categorical_hinge: CategoricalHinge,
    cosine_similarity: CosineSimilarity,
    kl_divergence: KLDivergence,
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    dice: Dice,
    tversky: Tversky,
}


def names() -> list[str]:
    """Every valid loss name (registered names and aliases)."""
    return sorted(set(_REGISTRY) | set(_ALIASES))


def get(identifier: str | Loss | dict[str, Any] | type[Loss]) -> Loss:
    """Resolve a loss name (``'mse'``, ``'categorical_crossentropy'``, ``'Huber'``...), a Loss
    instance or class, or a config ``{"class_name": ..., "config": {...}}``.

    Raises
    ------
    ValueError
        For an unknown name: ``Unknown loss 'msee'. Valid: ...``.
    TypeError
        For any other kind of identifier.
    """
    if identifier is None:
        raise ValueError(f"`loss` is required. Valid: {', '.join(names())}.")
    builtin = _FUNCTION_CLASSES.get(identifier) if callable(identifier) else None
    if builtin is not None:  # losses.mean_squared_error -> its class, with its own gradient
        return builtin()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        identifier = identifier()
    from glassnet.ops.loss_autodiff import FunctionLoss

    if isinstance(identifier, FunctionLoss):
        return identifier
    if isinstance(identifier, Loss) and not _hand_written(type(identifier)):
        return FunctionLoss(identifier)  # a subclass with only `call`: the tape differentiates it
    if callable(identifier) and not isinstance(identifier, (Loss, type)):
        return FunctionLoss(identifier)  # fn(y_true, y_pred) written with glassnet.ops
    return _registry.resolve("loss", _REGISTRY, Loss, identifier, aliases=_ALIASES)


def _hand_written(cls: type[Loss]) -> bool:
    """True when ``cls`` has its own gradient (every built-in loss), not only ``call``."""
    return any(getattr(cls, hook) is not getattr(Loss, hook)
               for hook in ("_grads", "value_and_gradient", "_logit_grads"))


def serialize(loss: Loss) -> dict[str, Any]:
    """``{"class_name": ..., "config": {...}}``, as Keras writes it."""
    return _registry.serialize(loss)


def deserialize(config: dict[str, Any]) -> Loss:
    """Rebuild a loss from :func:`serialize`'s output."""
    return _registry.deserialize("loss", _REGISTRY, config, _ALIASES)
