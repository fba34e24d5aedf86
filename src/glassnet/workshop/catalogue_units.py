"""Known mistakes of the first challenges: the sigmoid and perceptron units, Challenge 1.

Each function below is a mistaken version of a workshop function, written the way
learners write it; the decorator registers it with its hint (see :mod:`.mistakes`). Mistakes
that are one setting of a shared mistaken routine are registered with ``variant``.
"""

# Written as learners write them: the legacy np.random functions, zip without strict.
# ruff: noqa: B905, NPY002

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet.scratch import sigmoid
from glassnet.workshop.mistakes import mistake, variant
from glassnet.workshop.properties import MAX_STD

# --------------------------------------------------------------------------- sigmoid


@mistake("sigmoid-sign", "sigmoid",
         "sigmoid's sign: σ(z) = 1 / (1 + e^{-z}) has e^{-z}; with e^{+z} you get σ(-z) = 1 - σ(z), "
         "which falls as z grows.")
def _sigmoid_sign(z):
    return 1 / (1 + np.exp(z))


@mistake("sigmoid-precedence", "sigmoid",
         "`1/1 + np.exp(-z)` is 1 + e^{-z}: division binds before +. Write 1 / (1 + np.exp(-z)).")
def _sigmoid_precedence(z):
    return 1 / 1 + np.exp(-z)


@mistake("sigmoid-no-one", "sigmoid",
         "the denominator is 1 + e^{-z}; without the 1 you get e^{z}, not a value in (0, 1).")
def _sigmoid_no_one(z):
    return 1 / np.exp(-z)


@mistake("sigmoid-derivative", "sigmoid",
         "this is σ'(z) = σ(z)(1 - σ(z)), the derivative backprop uses, not σ(z) = 1 / (1 + e^{-z}).")
def _sigmoid_derivative(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


@mistake("sigmoid-tanh", "sigmoid",
         "tanh(z) lies in (-1, 1); the sigmoid unit is σ(z) = 1 / (1 + e^{-z}) = (1 + tanh(z/2)) / 2, "
         "in (0, 1).")
def _sigmoid_tanh(z):
    return np.tanh(z)


@mistake("sigmoid-math-exp", "sigmoid",
         "math.exp takes one number; the forward pass calls sigmoid on whole matrices, so use "
         "np.exp, which works element by element.")
def _sigmoid_math(z):
    return 1 / (1 + math.exp(-z))


# --------------------------------------------------------------------------- perceptron


@mistake("step-smooth", "step",
         "the perceptron's step outputs exactly 0 or 1 (1 when z > 0); values in between are the "
         "sigmoid unit's.")
def _step_smooth(z):
    return sigmoid(z)


@mistake("step-inverted", "step", "inverted: the step is 1 when z > 0 and 0 when z ≤ 0.")
def _step_inverted(z):
    return (np.asarray(z) <= 0).astype(float)


@mistake("step-sign", "step", "np.sign gives -1 for z < 0; the perceptron outputs 0 there.")
def _step_sign(z):
    return np.sign(z)


@mistake("perceptron-no-bias", "perceptron",
         "the bias is missing: the unit fires when w·x + b > 0 (the slides' bias is -7).")
def _perceptron_no_bias(x, w, b):
    return (np.dot(w, x) > 0).astype(float)


@mistake("perceptron-minus-bias", "perceptron",
         "the bias is added, z = w·x + b; b is minus the threshold (a threshold of 7 is b = -7).")
def _perceptron_minus_bias(x, w, b):
    return (np.dot(w, x) - b > 0).astype(float)


@mistake("perceptron-sigmoid", "perceptron",
         "that is the sigmoid unit σ(w·x + b); the perceptron unit outputs 1 if w·x + b > 0, else 0.")
def _perceptron_sigmoid(x, w, b):
    return sigmoid(np.dot(w, x) + b)


@mistake("perceptron-no-step", "perceptron",
         "this is the weighted sum z = w·x + b; the perceptron passes it through the step "
         "(1 if z > 0 else 0).")
def _perceptron_no_step(x, w, b):
    return np.dot(w, x) + b


# --------------------------------------------------------------------------- Challenge 1


def _pair(received: Any) -> tuple[list[np.ndarray], list[np.ndarray]] | None:
    try:
        w, b = received
        return [np.asarray(a) for a in w], [np.asarray(a) for a in b]
    except Exception:
        return None


def _transposed(received: Any, case: Any) -> bool:
    sizes, pair = case.args[0], _pair(received)
    return pair is not None and any(
        wi.shape == (n_in, n_out) and n_in != n_out
        for wi, n_in, n_out in zip(pair[0], sizes[:-1], sizes[1:], strict=False))


def _flat_bias(received: Any, case: Any) -> bool:
    pair = _pair(received)
    return pair is not None and any(bi.ndim == 1 for bi in pair[1])


def _constant(received: Any, case: Any) -> bool:
    pair = _pair(received)
    return pair is not None and any(wi.size > 1 and np.ptp(wi) == 0 for wi in pair[0])


def _equal_rows(received: Any, case: Any) -> bool:
    pair = _pair(received)
    return pair is not None and any(
        wi.ndim == 2 and wi.shape[0] > 1 and np.unique(wi, axis=0).shape[0] < wi.shape[0]
        for wi in pair[0])


def _huge(received: Any, case: Any) -> bool:
    pair = _pair(received)
    return pair is not None and any(
        a.size > 1 and np.issubdtype(a.dtype, np.number) and np.std(a) > MAX_STD
        for a in pair[0] + pair[1])


def _one_list(received: Any, case: Any) -> bool:
    try:
        return received[0] is received[1]
    except Exception:
        return False


def _integers(received: Any, case: Any) -> bool:
    pair = _pair(received)
    return pair is not None and any(np.issubdtype(a.dtype, np.integer) for a in pair[0])


def _one_short(received: Any, case: Any) -> bool:
    pair = _pair(received)
    return pair is not None and len(pair[0]) == len(case.args[0]) - 2


def _shared(received: Any, case: Any) -> bool:
    pair = _pair(received)
    if pair is None:
        return False
    arrays = pair[0] + pair[1]
    return any(np.shares_memory(a, c) for i, a in enumerate(arrays) for c in arrays[i + 1:])


@mistake("init-one-list", "init_params",
         "`w = b = []` makes two names for one list, so every bias lands in w too; create two "
         "lists: w, b = [], [].", detect=_one_list)
def _init_one_list(layer_sizes):
    w = b = []
    for i, o in zip(layer_sizes[:-1], layer_sizes[1:]):
        w.append(np.random.randn(o, i))
        b.append(np.random.randn(o, 1))
    return w, b


def _init(layer_sizes, weight=np.random.randn, bias=lambda o: np.random.randn(o, 1), last=None):
    """init_params with ``weight(n_{i+1}, n_i)`` and ``bias(n_{i+1})`` drawn for each layer
    (all weights first), over ``layer_sizes[:last]``."""
    sizes = layer_sizes[:last]
    w = [weight(o, i) for i, o in zip(sizes[:-1], sizes[1:])]
    b = [bias(o) for o in sizes[1:]]
    return w, b


variant("init-transposed", "init_params",
        "w^{(i)} has one row per unit of layer i+1 and one column per unit of layer i: shape "
        "(n_{i+1}, n_i), e.g. (3, 2) for the first layer of [2, 3, 1]. (A Keras kernel is the "
        "transpose: kernel = w.T.)",
        _init, _transposed, weight=lambda o, i: np.random.randn(i, o))


variant("init-flat-bias", "init_params",
        "b^{(i)} must be a column of shape (n_{i+1}, 1): a bias of shape (n,) added to w @ a of "
        "shape (n, m) broadcasts along the rows, giving sample k the bias of unit k.",
        _init, _flat_bias, bias=np.random.randn)


variant("init-zeros", "init_params",
        "every weight is the same (zeros here): all units of a layer compute the same thing, get "
        "the same gradient and stay alike (symmetry). Draw random weights: np.random.randn.",
        _init, _constant, weight=lambda o, i: np.zeros((o, i)), bias=lambda o: np.zeros((o, 1)))


variant("init-equal-rows", "init_params",
        "the rows of w^{(i)} are copies, so units j of layer i+1 start with the same w_{jk} and "
        "stay alike (symmetry); draw every entry independently.",
        _init, _equal_rows, weight=lambda o, i: np.tile(np.random.randn(1, i), (o, 1)))


variant("init-huge", "init_params",
        "weights this large put every z far from 0, where σ is flat (σ' ≈ 0) and learning "
        "stalls; draw them with np.random.randn (standard deviation 1) or smaller.",
        _init, _huge, weight=lambda o, i: 100 * np.random.randn(o, i))


variant("init-integers", "init_params",
        "integer weights: w_{jk}^{(i)} + epsilon is rounded back to an integer when stored, so the "
        "gradient estimator sees no change. Use floats (np.random.randn).",
        _init, _integers, weight=lambda o, i: np.random.randint(-3, 4, size=(o, i)))


variant("init-one-layer-short", "init_params",
        "layer sizes [n_0, …, n_L] need L weight matrices, one between each pair of consecutive "
        "layers: for i in range(len(layer_sizes) - 1).",
        _init, _one_short, last=-1)


@mistake("init-reused-array", "init_params",
         "two layers are one array in memory (`[np.random.randn(n, n)] * k` repeats a single "
         "array), so changing one changes the other; create each layer with its own call.",
         detect=_shared)
def _init_reused(layer_sizes):
    cache: dict[tuple[int, ...], np.ndarray] = {}
    w = [cache.setdefault((o, i), np.random.randn(o, i))
         for i, o in zip(layer_sizes[:-1], layer_sizes[1:])]
    b = [cache.setdefault((o, 1), np.random.randn(o, 1)) for o in layer_sizes[1:]]
    return w, b
