"""glassnet's answers to the workshop's challenges, with the slides' exact signatures.

:func:`glassnet.workshop.check` compares a learner's function with these, and the
notebooks fall back on them (saying so) until the learner's own function passes. They are
thin wrappers of :mod:`glassnet.scratch`; the one difference is ``GD``, which returns
``w, b`` as on the slide (``glassnet.scratch.GD`` also returns the error list).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet import scratch
from glassnet.scratch.network import Params


def GD(
    X: np.ndarray, y: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray],
    epoch: int, lr: float,
) -> tuple[Params, Params]:
    """The slide's ``GD``: ``epoch`` steps of :func:`one_step_gd`; returns ``w, b``.

    Like the slide it calls ``plt.plot(errors)`` when matplotlib's pyplot is in use;
    :func:`glassnet.scratch.GD` returns the errors as its third result.
    """
    w, b, errors = scratch.GD(X, y, w, b, epoch=epoch, lr=lr)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.plot(errors)
    return w, b


def one_step_gd(
    X: np.ndarray, y: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray], lr: float
) -> tuple[Params, Params]:
    """Challenge 5 with the slides' finite-difference gradient (see ``glassnet.scratch``)."""
    return scratch.one_step_gd(X, y, w, b, lr)


def gradient_estimator(
    X: np.ndarray, y: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray]
) -> tuple[Params, Params]:
    """Challenge 4: the slides' forward difference (see ``glassnet.scratch``)."""
    return scratch.gradient_estimator(X, y, w, b)


def backprop(
    X: np.ndarray, y: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray]
) -> tuple[Params, Params]:
    """The exact gradient: one forward and one backward pass (see ``glassnet.scratch``)."""
    return scratch.backprop(X, y, w, b)


def init_params(layer_sizes: Sequence[int]) -> tuple[Params, Params]:
    """Challenge 1: standard normal weights and biases (see ``glassnet.scratch``)."""
    return scratch.init_params(layer_sizes)


#: Name -> glassnet's function with the slides' signature, for every checkable name.
REFERENCE: dict[str, Callable[..., Any]] = {
    "sigmoid": scratch.sigmoid,
    "step": scratch.step,
    "perceptron": scratch.perceptron,
    "init_params": init_params,
    "forward_pass": scratch.forward_pass,
    "predict": scratch.predict,
    "cost_function": scratch.cost_function,
    "w_update": scratch.w_update,
    "b_update": scratch.b_update,
    "gradient_estimator": gradient_estimator,
    "one_step_gd": one_step_gd,
    "GD": GD,
    "backprop": backprop,
}

#: What each name computes, in one line (used in messages).
SIGNATURES: dict[str, str] = {
    "sigmoid": "sigmoid(z)",
    "step": "step(z)",
    "perceptron": "perceptron(x, w, b)",
    "init_params": "init_params(layer_sizes)",
    "forward_pass": "forward_pass(inp, w, b)",
    "predict": "predict(X, w, b)",
    "cost_function": "cost_function(X, y, w, b)",
    "w_update": "w_update(w, layer_id, i, j, new_param)",
    "b_update": "b_update(b, layer_id, i, j, new_param)",
    "gradient_estimator": "gradient_estimator(X, y, w, b)",
    "one_step_gd": "one_step_gd(X, y, w, b, lr)",
    "GD": "GD(X, y, w, b, epoch, lr)",
    "backprop": "backprop(X, y, w, b)",
}

#: Which workshop functions each one usually calls (named when its check fails).
CALLS: dict[str, tuple[str, ...]] = {
    "perceptron": ("step",),
    "forward_pass": ("sigmoid",),
    "predict": ("forward_pass",),
    "cost_function": ("predict",),
    "gradient_estimator": ("cost_function", "w_update", "b_update"),
    "one_step_gd": ("gradient_estimator",),
    "GD": ("one_step_gd", "cost_function"),
    "backprop": ("sigmoid",),
}
