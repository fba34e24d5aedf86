"""The workshop's from-scratch network, in the slides' notation.

A network is two lists, ``w`` and ``b``: ``w[i]`` of shape ``(n_{i+1}, n_i)`` and ``b[i]``
of shape ``(n_{i+1}, 1)``. Inside the network a batch is stored column-wise, one sample
per column (``forward_pass`` takes ``(n_in, m)``); ``predict``, ``cost_function`` and the
gradient routines take the usual row-wise ``X`` of shape ``(m, n_in)``. Every layer,
the output included, applies the sigmoid, and the cost is the slides' mean squared error.
Any chain of two or more sizes works, ``[2, 1]`` (no hidden layer) included.

Beside the sigmoid unit, :func:`perceptron` is the slides' step unit (:func:`step` is its
activation).

Keras stores the same layer the other way round: a ``Dense`` kernel has shape
``(n_in, n_out)`` and multiplies rows, so ``kernel = w[i].T`` and ``bias = b[i].ravel()``.

Examples
--------
>>> from glassnet.scratch import init_params, GD, predict
>>> from glassnet.datasets.toy import make_astronaut
>>> X, y = make_astronaut(seed=0)
>>> w, b = init_params([2, 3, 1], seed=0)
>>> w, b, errors = GD(X, y, w, b, epoch=10, lr=2.0, gradient="backprop")
>>> len(errors)
10
"""

from glassnet.scratch.descent import GD, one_step_gd
from glassnet.scratch.gradients import CallCounter, backprop, gradient_estimator
from glassnet.scratch.network import (
    b_update,
    cost_function,
    count_params,
    forward_pass,
    init_params,
    predict,
    sigmoid,
    w_update,
)
from glassnet.scratch.units import perceptron, sigmoid_unit, step

__all__ = [
    "GD",
    "CallCounter",
    "b_update",
    "backprop",
    "cost_function",
    "count_params",
    "forward_pass",
    "gradient_estimator",
    "init_params",
    "one_step_gd",
    "perceptron",
    "predict",
    "sigmoid",
    "sigmoid_unit",
    "step",
    "w_update",
]
