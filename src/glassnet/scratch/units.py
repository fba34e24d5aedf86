"""The slides' two neurons: the perceptron (step) unit and the sigmoid unit.

A unit computes the weighted sum of its inputs plus a bias, :math:`z = w \\cdot x + b`,
and passes it through an activation. The **perceptron** outputs 1 when ``z > 0`` and 0
otherwise (Rosenblatt's unit, the first one in Nielsen's book); the **sigmoid** unit
outputs :math:`\\sigma(z) = 1 / (1 + e^{-z})`, a smooth version of the same step whose
small changes in ``w`` give small changes in the output, which is what gradient descent
needs. With a bias of -7 and no active input, the perceptron says 0 and the sigmoid says
:math:`\\sigma(-7) \\approx 0.000911`: almost the same answer, but one that can be nudged.

Examples
--------
>>> perceptron(np.array([1.0, 1.0]), np.array([4.0, 4.0]), -7.0)  # AND: both inputs on
array(1.)
>>> perceptron(np.array([1.0, 0.0]), np.array([4.0, 4.0]), -7.0)
array(0.)
"""

from __future__ import annotations

import numpy as np

from glassnet.scratch.network import sigmoid


def step(z: np.ndarray | float) -> np.ndarray:
    """The perceptron's activation: 1.0 where ``z > 0``, 0.0 elsewhere (``z = 0`` gives 0).

    Parameters
    ----------
    z : ndarray of any shape, or float

    Returns
    -------
    ndarray of the same shape as ``z``, of 0.0 and 1.0.
    """
    z = np.asarray(z, dtype=np.float64)
    return (z > 0).astype(np.float64)


def _weighted_sum(x: np.ndarray, w: np.ndarray, b: float | np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"`w` must be 1-D, one weight per input, got shape {w.shape}.")
    if x.ndim not in (1, 2) or x.shape[0] != w.shape[0]:
        raise ValueError(
            f"`x` must have shape ({w.shape[0]},) or ({w.shape[0]}, m), one sample per column, "
            f"to match `w` of shape {w.shape}, got {x.shape}."
        )
    return w @ x + np.asarray(b, dtype=np.float64)  # (n,) @ (n, m) -> (m,)


def perceptron(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The perceptron unit: ``step(w · x + b)``.

    Parameters
    ----------
    x : ndarray of shape (n,) for one sample, or (n, m) for m samples as columns
    w : ndarray of shape (n,)
        One weight per input (a row :math:`w^{(i)}_{j\\cdot}` of the slides' matrices).
    b : float
        The bias (minus the unit's threshold).

    Returns
    -------
    ndarray of shape () or (m,)
        1.0 where the weighted sum is positive, else 0.0.
    """
    return step(_weighted_sum(x, w, b))


def sigmoid_unit(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The sigmoid unit: ``sigmoid(w · x + b)``, the smooth twin of :func:`perceptron`.

    Parameters and shapes as :func:`perceptron`; values in ``(0, 1)``.
    """
    return sigmoid(_weighted_sum(x, w, b))
