"""Finding where a NaN or inf first appeared, and saying what to do about it."""

from __future__ import annotations

from typing import Any

import numpy as np


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or inf loss. The message names the layer and operation where the
    first non-finite value appeared and suggests remedies."""


def _range(a: np.ndarray) -> str:
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return "no finite values"
    return f"[{finite.min():.3g}, {finite.max():.3g}]"


def non_finite_error(model: Any, xb: np.ndarray, yb: np.ndarray, epoch: int, step: int,
                     loss: float) -> NonFiniteLossError:
    """Replay the batch layer by layer (inference mode) to find the first non-finite output."""
    where = "the loss itself"
    x = xb
    for layer in model.layers:
        for key, p in list(layer.params.items()) + list(layer.state.items()):
            if not np.isfinite(p).all():
                where = f"the weights of layer '{layer.name}' (`{key}` holds NaN/inf)"
                break
        else:
            with np.errstate(all="ignore"):
                y = layer.forward(x, training=False)
            if not np.isfinite(y).all():
                op = getattr(getattr(layer, "activation", None), "name", None)
                what = f"{type(layer).__name__}" + (f" with activation '{op}'" if op else "")
                where = (f"the output of layer '{layer.name}' ({what}); its input ranged over "
                         f"{_range(x)}")
                break
            x = y
            continue
        break
    grad = model._flat.grad if model._flat is not None else np.zeros(1)
    biggest = float(np.abs(grad[np.isfinite(grad)]).max()) if np.isfinite(grad).any() else float("nan")
    lr = float(model.optimizer.learning_rate) if model.optimizer is not None else float("nan")
    return NonFiniteLossError(
        f"The loss became {loss} at epoch {epoch + 1}, batch {step}. The first non-finite value "
        f"appeared in {where}. Learning rate: {lr:g}; largest gradient entry: {biggest:.3g}. "
        "Remedies: lower the learning rate, clip gradients (optimizer clipnorm=1.0), use a "
        "better initialisation (he_normal for ReLU), scale the inputs, or add "
        "TerminateOnNaN() to stop quietly instead."
    )
