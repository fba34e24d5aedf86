"""Known mistakes of the training challenges: numeric gradient, descent, backprop.

Each function below is a mistaken version of a workshop function, written the way
learners write it; the decorator registers it with its hint (see :mod:`.mistakes`). Mistakes
that are one setting of a shared mistaken routine are registered with ``variant``.
"""

# Written as learners write them: the legacy np.random functions, zip without strict.
# ruff: noqa: B905, NPY002

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import scratch
from glassnet.scratch import cost_function, sigmoid
from glassnet.workshop.mistakes import mistake, variant
from glassnet.workshop.outcome import Mismatch, normalize

# --------------------------------------------------------------------------- gradient_estimator


def _numeric(X, y, w, b, eps=1e-6, restore=True, reverse=False, divide=True, base_after=False):
    w = [wi.copy() for wi in w]
    b = [bi.copy() for bi in b]
    base = cost_function(X, y, w, b)
    pds = ([np.zeros_like(a) for a in w], [np.zeros_like(a) for a in b])
    for params, grads in zip((w, b), pds):
        for layer, grad in zip(params, grads):
            for idx in np.ndindex(layer.shape):
                old = layer[idx]
                layer[idx] = old + eps
                plus = cost_function(X, y, w, b)
                here = plus if base_after else base
                diff = (here - plus) if reverse else (plus - here)
                grad[idx] = diff / eps if divide else diff
                if restore:
                    layer[idx] = old
    return pds


def _gradient_values(received: Any, case: Any) -> np.ndarray | None:
    try:
        parts = normalize(received, case.expected[0])
    except Mismatch:
        return None
    return np.concatenate([a.ravel() for part in parts for a in part])


def _tiny_epsilon(received: Any, case: Any) -> bool:
    """Rounding noise: each partial is a whole number of ulp(J) / eps for a tiny step eps.

    Two costs near J differ by a whole number of units in J's last place, so with a step
    that small every partial is a multiple of ulp(J) / eps.
    """
    g = _gradient_values(received, case)
    if g is None or not np.any(g != 0):
        return False
    ulp = float(np.spacing(cost_function(*case.args)))
    for k in range(11, 21):
        for mantissa in (1.0, 2.0, 5.0):
            units = g * (mantissa * 10.0 ** -k) / ulp
            if np.abs(units).max() >= 0.5 and np.all(np.abs(units - np.round(units)) < 0.02):
                return True
    return False


def _huge_epsilon(received: Any, case: Any) -> bool:
    """Matches a forward or central difference with a step of 0.03 or more."""
    g = _gradient_values(received, case)
    if g is None or case.heavy:
        return False
    for eps in (0.03, 0.1, 0.3, 0.5, 1.0, 2.0):
        for method in ("forward", "central"):
            X, y, w, b = case.args
            ref = scratch.gradient_estimator(X, y, w, b, epsilon=eps, method=method)
            flat = np.concatenate([a.ravel() for part in ref for a in part])
            if np.allclose(g, flat, rtol=1e-3, atol=1e-6 * max(np.abs(flat).max(), 1e-12)):
                return True
    return False


variant("grad-huge-epsilon", "gradient_estimator",
        "epsilon is too large: (cost(w⁺, b) - cost(w, b)) / epsilon is then the slope of a chord, "
        "not of the tangent; use epsilon ≈ 1e-6.",
        _numeric, _huge_epsilon, eps=0.5)


variant("grad-tiny-epsilon", "gradient_estimator",
        "epsilon is so small that cost(w⁺, b) - cost(w, b) is all rounding error (float64 keeps "
        "about 16 digits): use epsilon ≈ 1e-6 to 1e-8.",
        _numeric, _tiny_epsilon, eps=1e-15)


variant("grad-no-divide", "gradient_estimator",
        "the partial is the difference divided by epsilon: (cost(w⁺, b) - cost(w, b)) / epsilon.",
        _numeric, divide=False)


variant("grad-reversed", "gradient_estimator",
        "the difference is reversed: cost(w⁺, b) - cost(w, b), nudged cost first; otherwise every "
        "partial has the wrong sign.",
        _numeric, reverse=True)


variant("grad-no-restore", "gradient_estimator",
        "put each nudged parameter back before nudging the next: w⁺ is w with only "
        "w_{jk}^{(i)} + epsilon, but here the earlier nudges stay in.",
        _numeric, restore=False)


@mistake("grad-mutates", "gradient_estimator",
         "gradient_estimator changed the caller's w: nudge a copy (w_update returns one), or put "
         "back the exact old value (w[i][j, k] = old, not -= epsilon, which rounds).")
def _grad_mutates(X, y, w, b):
    eps = 1e-6
    base = cost_function(X, y, w, b)
    pds = ([np.zeros_like(a) for a in w], [np.zeros_like(a) for a in b])
    for params, grads in zip((w, b), pds):
        for layer, grad in zip(params, grads):
            for idx in np.ndindex(layer.shape):
                layer[idx] += eps  # the caller's array, never put back
                grad[idx] = (cost_function(X, y, w, b) - base) / eps
    return pds


variant("grad-zero", "gradient_estimator",
        "every partial is 0: both costs were computed at the same point (compute cost(w, b) with "
        "the unchanged parameters), or w + epsilon == w because epsilon is far too small.",
        _numeric, base_after=True)


@mistake("grad-no-bias", "gradient_estimator",
         "b_pds is all zeros: nudge every bias b_j^{(i)} too (b_update) and store its partial.")
def _grad_no_bias(X, y, w, b):
    w_pds, _ = _numeric(X, y, w, b)
    return w_pds, [np.zeros_like(bi) for bi in b]


@mistake("grad-swapped", "gradient_estimator", "return w_pds, b_pds in that order (weights first).")
def _grad_swapped(X, y, w, b):
    w_pds, b_pds = _numeric(X, y, w, b)
    return b_pds, w_pds


@mistake("grad-flat-bias", "gradient_estimator",
         "b_pds[i] has the shape of b[i], a column (n_{i+1}, 1), like the slides' b_pds.")
def _grad_flat_bias(X, y, w, b):
    w_pds, b_pds = _numeric(X, y, w, b)
    return w_pds, [g.ravel() for g in b_pds]


# --------------------------------------------------------------------------- one_step_gd


def _grads(X, y, w, b):
    return scratch.backprop(X, y, w, b)


@mistake("step-ascent", "one_step_gd",
         "gradient descent goes against the slope: w - learning_rate · ∂J/∂w; with + the cost grows.")
def _step_ascent(X, y, w, b, lr):
    gw, gb = _grads(X, y, w, b)
    return [p + lr * g for p, g in zip(w, gw)], [p + lr * g for p, g in zip(b, gb)]


@mistake("step-no-lr", "one_step_gd", "multiply the partial derivatives by the learning rate lr.")
def _step_no_lr(X, y, w, b, lr):
    gw, gb = _grads(X, y, w, b)
    return [p - g for p, g in zip(w, gw)], [p - g for p, g in zip(b, gb)]


@mistake("step-divides-lr", "one_step_gd", "multiply the partials by lr; don't divide by it.")
def _step_divides(X, y, w, b, lr):
    gw, gb = _grads(X, y, w, b)
    return [p - g / lr for p, g in zip(w, gw)], [p - g / lr for p, g in zip(b, gb)]


@mistake("step-in-place", "one_step_gd",
         "one_step_gd changed the caller's w and b (w[i] -= …): build new arrays, "
         "new_w = [w[i] - lr * w_pds[i] for …].")
def _step_in_place(X, y, w, b, lr):
    gw, gb = _grads(X, y, w, b)
    for p, g in zip(w + b, gw + gb):
        p -= lr * g
    return w, b


@mistake("step-one-at-a-time", "one_step_gd",
         "every partial must be taken at the old point, then all parameters move at once; here each "
         "update moved the point before the next partial was computed.")
def _step_sequential(X, y, w, b, lr):
    w = [p.copy() for p in w]
    b = [p.copy() for p in b]
    for k, params in ((0, w), (1, b)):
        for layer in range(len(params)):
            for idx in np.ndindex(params[layer].shape):
                g = _grads(X, y, w, b)[k][layer][idx]
                params[layer][idx] -= lr * g
    return w, b


@mistake("step-returns-gradient", "one_step_gd",
         "one_step_gd returns the new parameters (new_w, new_b), not the partial derivatives.")
def _step_returns_grads(X, y, w, b, lr):
    return _grads(X, y, w, b)


@mistake("step-only-w", "one_step_gd", "the biases move too: new_b = b - lr · b_pds.")
def _step_only_w(X, y, w, b, lr):
    gw, _ = _grads(X, y, w, b)
    return [p - lr * g for p, g in zip(w, gw)], [p.copy() for p in b]


# --------------------------------------------------------------------------- GD


def _one(X, y, w, b, lr):
    gw, gb = _grads(X, y, w, b)
    return [p - lr * g for p, g in zip(w, gw)], [p - lr * g for p, g in zip(b, gb)]


def _gd(X, y, w, b, epoch, lr, reassign=True, return_start=False, steps=0, ascent=False):
    rate = -lr if ascent else lr  # p - (-lr) g is exactly p + lr g
    new_w, new_b = w, b
    for _ in range(epoch + steps):
        new_w, new_b = _one(X, y, new_w, new_b, rate) if reassign else _one(X, y, w, b, rate)
    return (w, b) if return_start else (new_w, new_b)


variant("gd-not-reassigned", "GD",
        "each step starts where the last one ended: assign the result back, "
        "w, b = one_step_gd(X, y, w, b, lr), inside the loop.",
        _gd, reassign=False)


variant("gd-returns-start", "GD", "GD returned the parameters it was given: return the trained w, b.",
        _gd, return_start=True)


variant("gd-off-by-one", "GD", "GD makes exactly `epoch` steps: for i in range(epoch).",
        _gd, steps=-1)


variant("gd-ascent", "GD",
        "the parameters climb the cost: each step is w - lr · ∂J/∂w (minus), as in one_step_gd.",
        _gd, ascent=True)


# --------------------------------------------------------------------------- backprop


def _backprop(X, y, w, b, *, dsig=True, two=2.0, per_m=True, sign=1.0, transpose_w=True,
              bias="sum", double_sigmoid=False, w_grad="delta_aT"):
    m = X.shape[0]
    acts = [X.T]
    for wi, bi in zip(w, b):
        acts.append(sigmoid(wi @ acts[-1] + bi))
    out = acts[-1]
    Y = np.reshape(y, (m, -1)).T

    def deriv(a):
        if not dsig:
            return 1.0
        return sigmoid(a) * (1 - sigmoid(a)) if double_sigmoid else a * (1 - a)

    delta = sign * two * (out - Y) / (m if per_m else 1) * deriv(out)
    w_pds: list[Any] = [None] * len(w)
    b_pds: list[Any] = [None] * len(b)
    for i in range(len(w) - 1, -1, -1):
        w_pds[i] = delta @ acts[i].T if w_grad == "delta_aT" else acts[i] @ delta.T
        b_pds[i] = {"sum": lambda d: d.sum(axis=1, keepdims=True),
                    "mean": lambda d: d.mean(axis=1, keepdims=True),
                    "none": lambda d: d}[bias](delta)
        if i > 0:
            back = w[i].T @ delta if transpose_w else w[i] @ delta
            delta = back * deriv(acts[i])
    return w_pds, b_pds


variant("bp-no-sigmoid-derivative", "backprop",
        "each δ^{(i)} is multiplied by σ'(z^{(i)}) = a^{(i+1)}(1 - a^{(i+1)}) of its layer, the output "
        "layer's included.",
        _backprop, dsig=False)


variant("bp-no-two", "backprop",
        "d/dŷ (ŷ - y)² = 2(ŷ - y): the 2 is missing (or this is the gradient of a cost with 1/2 in front).",
        _backprop, two=1.0)


variant("bp-no-m", "backprop",
        "the cost averages over the m samples, so the output δ has 1/m: δ = (2/m)(a - y^T) σ'.",
        _backprop, per_m=False)


variant("bp-sign", "backprop",
        "the output δ is (2/m)(a - y^T) ⊙ σ', a minus y; with y - a every partial has the wrong sign.",
        _backprop, sign=-1.0)


variant("bp-w-not-transposed", "backprop",
        "the error flows back through the transpose: δ^{(i-1)} = (w^{(i)T} δ^{(i)}) ⊙ σ'.",
        _backprop, transpose_w=False)


variant("bp-bias-mean", "backprop",
        "∂J/∂b^{(i)} sums δ^{(i)} over the samples (columns); the 1/m is already inside δ.",
        _backprop, bias="mean")


variant("bp-bias-not-summed", "backprop",
        "∂J/∂b^{(i)} is δ^{(i)} summed over its m columns: shape (n_{i+1}, 1), like b^{(i)}.",
        _backprop, bias="none")


variant("bp-double-sigmoid", "backprop",
        "σ'(z) = σ(z)(1 - σ(z)) = a(1 - a), where a is already σ(z); sigmoid(a)(1 - sigmoid(a)) "
        "applies σ twice.",
        _backprop, double_sigmoid=True)


variant("bp-w-grad-transposed", "backprop",
        "∂J/∂w^{(i)} = δ^{(i)} a^{(i)T}, of shape (n_{i+1}, n_i) like w^{(i)}; a^{(i)} δ^{(i)T} is "
        "its transpose.",
        _backprop, w_grad="a_deltaT")
