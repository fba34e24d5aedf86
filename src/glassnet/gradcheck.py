"""The one finite-difference gradient checker every test, example and the CLI use.

For a function ``y = f(x; params)`` with a hand-written backward pass, pick a *random*
upstream gradient ``G`` (so that transposed or mis-summed gradients show) and compare the
backward pass with central differences of the scalar ``L = sum(G * f(x))``::

    dL/dtheta_i ~ (L(theta_i + eps) - L(theta_i - eps)) / (2 eps)

in float64. The relative error reported is ``||a - n|| / max(||a|| + ||n||, 1e-12)``
(norms over the whole array), the measure scikit-learn and CS231n use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from glassnet.layers.base import Layer

if TYPE_CHECKING:
    from glassnet.losses import Loss
    from glassnet.models.model import Model


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``||a - n|| / max(||a|| + ||n||, 1e-12)``; 0 when both are zero."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    denom = max(np.linalg.norm(a) + np.linalg.norm(n), 1e-12)
    return float(np.linalg.norm(a - n) / denom)


def numeric_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every entry of ``x``.

    ``x`` is perturbed in place (and restored), so ``f`` must read it.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)
    g = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        g[i] = (up - down) / (2 * eps)
    return grad


def check_layer(layer: Layer, x: np.ndarray, rng: np.random.Generator | None = None,
                training: bool = False, eps: float = 1e-6) -> dict[str, float]:
    """Relative errors of ``layer``'s backward pass: ``{'x': e, 'kernel': e, ...}``.

    The layer is built in float64 on ``x`` if needed. Stochastic layers (Dropout) replay the
    same random draws for every evaluation.
    """
    rng = rng or np.random.default_rng(0)
    x = np.array(x, dtype=np.float64)
    if not layer.built:
        layer.dtype = np.dtype("float64")
        layer.build(x.shape[1:], rng)
    noise = layer.noise_rng
    noise_state = noise.bit_generator.state if noise is not None else None

    def forward() -> np.ndarray:
        if noise is not None and noise_state is not None:
            noise.bit_generator.state = noise_state
        return layer.forward(x, training=training)

    upstream = rng.standard_normal(forward().shape)

    def loss() -> float:
        return float(np.sum(upstream * forward()))

    forward()
    layer.input_grad_needed = True
    grad_x = layer.backward(upstream)
    assert grad_x is not None  # input_grad_needed is set
    analytic = {key: g.copy() for key, g in layer.grads.items()}
    errors = {"x": relative_error(grad_x, numeric_gradient(loss, x, eps))}
    for key, p in layer.params.items():
        errors[key] = relative_error(analytic[key], numeric_gradient(loss, p, eps))
    return errors


def check_loss(loss: Loss, y_true: np.ndarray, y_pred: np.ndarray, eps: float = 1e-6,
               sample_weight: np.ndarray | None = None) -> float:
    """Relative error of ``loss.gradient`` against central differences, in float64."""
    y_pred = np.array(y_pred, dtype=np.float64)
    analytic = loss.gradient(y_true, y_pred, sample_weight)
    numeric = numeric_gradient(lambda: loss(y_true, y_pred, sample_weight), y_pred, eps)
    return relative_error(analytic, numeric)


def check_model(model: Model, x: Any, y: Any, eps: float = 1e-6) -> list[dict[str, Any]]:
    """Per layer and weight: relative and max absolute error of the full compiled loss
    (regularisation and the layers' added losses included) against central
    differences. The model must be float64.

    ``x`` and ``y`` are given as to ``fit``: an array, or for a model with several inputs
    or outputs a list or dict of arrays (the loss is then the weighted sum of the outputs'
    losses, as ``fit`` minimises it).

    The analytic gradients come from :meth:`Model.compute_gradients` (inference mode, so
    dropout does not change the loss between evaluations), the model's one gradient step.
    """
    if model.dtype != np.float64:
        raise ValueError(
            f"Gradient checks need a float64 model (Sequential(..., dtype='float64')), "
            f"got {model.dtype}."
        )
    from glassnet.models import data

    assert model.loss is not None  # compute_gradients checks that the model is compiled
    x = data.as_inputs(model._pack_inputs(x), np.dtype(np.float64), "x")
    model.compute_gradients(x, y, training=False)
    y = model._targets(y, len(x))
    loss = model.loss

    def total_loss() -> float:
        out = model._forward(x, training=False)
        # the weight penalties, plus what this forward pass added (activity regularizers,
        # `add_loss` in a layer's `call`)
        return loss(y, out) + model._penalty()

    rows = []
    for layer in model.layers:
        for key, p in layer.params.items():
            analytic = layer.grads[key].copy()
            numeric = numeric_gradient(total_loss, p, eps)
            rows.append({
                "layer": layer.name, "param": key, "shape": p.shape,
                "max_abs_error": float(np.max(np.abs(analytic - numeric))) if p.size else 0.0,
                "relative_error": relative_error(analytic, numeric),
            })
    return rows


def check_merge_layer(layer: Layer, xs: list[np.ndarray], rng: np.random.Generator | None = None,
                      training: bool = False, eps: float = 1e-6) -> dict[str, float]:
    """:func:`check_layer` for a layer with several inputs (``multi_input``, e.g. ``Add``):
    ``{'x0': e, 'x1': e, ..., '<param>': e}``, one entry per input and per parameter."""
    rng = rng or np.random.default_rng(0)
    xs = [np.array(x, dtype=np.float64) for x in xs]
    # A multi_input layer takes lists of shapes and arrays, and returns a list of gradients.
    inputs = cast(Any, xs)
    if not layer.built:
        layer.dtype = np.dtype("float64")
        layer.build(cast(Any, [x.shape[1:] for x in xs]), rng)
    upstream = rng.standard_normal(layer.forward(inputs, training=training).shape)

    def loss() -> float:
        return float(np.sum(upstream * layer.forward(inputs, training=training)))

    layer.forward(inputs, training=training)
    grads_x = cast(list, layer.backward(upstream))
    analytic = {key: g.copy() for key, g in layer.grads.items()}
    errors = {f"x{i}": relative_error(g, numeric_gradient(loss, x, eps))
              for i, (g, x) in enumerate(zip(grads_x, xs, strict=True))}
    for key, p in layer.params.items():
        errors[key] = relative_error(analytic[key], numeric_gradient(loss, p, eps))
    return errors
