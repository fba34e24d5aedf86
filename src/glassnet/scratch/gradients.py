"""Gradients of the workshop's cost: finite differences (the slides' way) and backprop.

Both return ``(w_pds, b_pds)``, lists shaped exactly like ``(w, b)``:
``w_pds[i][j, k]`` is :math:`\\partial J / \\partial w^{(i)}_{jk}`.

Pass a :class:`CallCounter` as ``counter`` to see what each method costs: the finite
differences evaluate the cost function P + 1 (forward) or 2P (central) times for P
parameters; backprop does one forward and one backward pass whatever P is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from glassnet.scratch.network import Params, _check_data, _cost, sigmoid

#: Default step of the forward difference: about sqrt(float64 machine epsilon). The error
#: is truncation (~eps·|J''|/2) plus rounding (~1e-16·|J|/eps); sqrt(1e-16) balances them.
FORWARD_EPSILON = 1.5e-8
#: Default step of the central difference: about cbrt(machine epsilon), which balances its
#: O(eps²) truncation error against rounding; errors are then ~1e-10 relative.
CENTRAL_EPSILON = 6e-6

METHODS = ("forward", "central")


@dataclass
class CallCounter:
    """Tally of the work a gradient routine did; pass one as ``counter=`` and read it after.

    Attributes
    ----------
    cost : int
        Evaluations of the cost function.
    forward : int
        Forward passes through the whole network (each cost evaluation makes one).
    backward : int
        Backward passes (only :func:`backprop` makes them).

    Examples
    --------
    >>> from glassnet.scratch import init_params
    >>> w, b = init_params([2, 3, 1], seed=0)
    >>> X, y = np.zeros((4, 2)), np.zeros((4, 1))
    >>> c = CallCounter()
    >>> _ = gradient_estimator(X, y, w, b, counter=c)
    >>> c.cost, c.forward, c.backward
    (14, 14, 0)
    """

    cost: int = 0
    forward: int = 0
    backward: int = 0

    def reset(self) -> None:
        """Set every tally back to zero."""
        self.cost = self.forward = self.backward = 0


def gradient_estimator(
    X: np.ndarray,
    y: np.ndarray,
    w: Sequence[np.ndarray],
    b: Sequence[np.ndarray],
    epsilon: float | None = None,
    method: str = "forward",
    counter: CallCounter | None = None,
) -> tuple[Params, Params]:
    """Challenge 4: estimate every partial derivative by nudging one parameter at a time.

    Parameters
    ----------
    X : ndarray of shape (m, n_in)
    y : ndarray of shape (m, n_out), or (m,) for one output
    w, b : lists of ndarray
        The network, as from :func:`init_params`. Not modified.
    epsilon : float or None, default None
        The nudge. ``None`` picks :data:`FORWARD_EPSILON` (1.5e-8, about the square root
        of float64's machine epsilon) for ``"forward"`` and :data:`CENTRAL_EPSILON` (6e-6,
        about its cube root) for ``"central"``: the steps that balance truncation against
        rounding error, giving ~1e-7 and ~1e-10 relative accuracy respectively.
    method : {"forward", "central"}, default "forward"
        ``"forward"`` is the slides' formula, one extra cost evaluation per parameter;
        ``"central"`` is the accurate option, two per parameter.
    counter : CallCounter or None
        When given, incremented by the cost evaluations (and forward passes) made.

    Returns
    -------
    w_pds, b_pds : lists of ndarray
        Same shapes as ``w`` and ``b``.

    Notes
    -----
    Forward difference (the slides): ``P + 1`` cost evaluations for ``P`` parameters,

    .. math:: \\frac{\\partial J}{\\partial w^{(i)}_{jk}} \\approx
              \\frac{J(w^+, b) - J(w, b)}{\\epsilon}

    where :math:`w^+` is ``w`` with :math:`w^{(i)}_{jk} + \\epsilon` (``w_update``).
    Central difference: ``2P`` evaluations,
    :math:`(J(w^+, b) - J(w^-, b)) / (2\\epsilon)`, error O(ε²) instead of O(ε).

    For speed the nudge is made in place on a private copy of the parameters and undone
    right after, which is the same as ``w_update(w, i, j, k, w[i][j, k] + epsilon)`` minus
    the copy of a whole layer per parameter.
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}.")
    if epsilon is None:
        epsilon = FORWARD_EPSILON if method == "forward" else CENTRAL_EPSILON
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"`epsilon` must be a positive finite number, got {epsilon!r}.")
    X, y, ws, bs = _check_data(X, y, w, b)
    return _numeric(X, y, ws, bs, epsilon, method, counter)


def _numeric(
    X: np.ndarray,
    y: np.ndarray,
    ws: Params,
    bs: Params,
    epsilon: float,
    method: str,
    counter: CallCounter | None,
) -> tuple[Params, Params]:
    """``gradient_estimator`` on validated arrays."""
    ws = [wi.copy() for wi in ws]  # private copies: nudged in place, restored exactly
    bs = [bi.copy() for bi in bs]
    counter = counter if counter is not None else CallCounter()

    def cost() -> float:
        counter.cost += 1
        counter.forward += 1
        return _cost(X, y, ws, bs)

    base = cost() if method == "forward" else 0.0
    pds: tuple[Params, Params] = ([np.zeros_like(a) for a in ws], [np.zeros_like(a) for a in bs])
    for params, grads in zip((ws, bs), pds, strict=True):
        for layer, grad in zip(params, grads, strict=True):
            for idx in np.ndindex(layer.shape):
                original = layer[idx]
                layer[idx] = original + epsilon
                plus = cost()
                if method == "forward":
                    grad[idx] = (plus - base) / epsilon
                else:
                    layer[idx] = original - epsilon
                    grad[idx] = (plus - cost()) / (2 * epsilon)
                layer[idx] = original
    return pds


def backprop(
    X: np.ndarray,
    y: np.ndarray,
    w: Sequence[np.ndarray],
    b: Sequence[np.ndarray],
    counter: CallCounter | None = None,
) -> tuple[Params, Params]:
    """Exact gradient of the workshop's cost: one forward and one backward pass.

    Parameters
    ----------
    X : ndarray of shape (m, n_in)
    y : ndarray of shape (m, n_out), or (m,) for one output
    w, b : lists of ndarray
        Not modified.
    counter : CallCounter or None
        When given, ``forward`` and ``backward`` each go up by one.

    Returns
    -------
    w_pds, b_pds : lists of ndarray
        Same shapes as ``w`` and ``b``; equal to :func:`gradient_estimator`'s up to its
        finite-difference error.

    Notes
    -----
    With samples as columns, :math:`a^{(0)} = X^T` of shape ``(n_in, m)`` and
    :math:`a^{(i+1)} = \\sigma(z^{(i)})`, :math:`z^{(i)} = w^{(i)} a^{(i)} + b^{(i)}`.
    The cost is :math:`J = \\frac1m \\sum (a^{(L)} - y^T)^2`. The chain rule, run from the
    output back, gives with :math:`\\sigma' = \\sigma (1 - \\sigma)`:

    .. math::
        \\delta^{(L-1)} &= \\tfrac{2}{m} (a^{(L)} - y^T) \\odot a^{(L)} (1 - a^{(L)})
            && (n_L, m) \\\\
        \\partial J / \\partial w^{(i)} &= \\delta^{(i)} \\, a^{(i)T}
            && (n_{i+1}, m) @ (m, n_i) \\\\
        \\partial J / \\partial b^{(i)} &= \\textstyle\\sum_{\\text{columns}} \\delta^{(i)}
            && (n_{i+1}, 1) \\\\
        \\delta^{(i-1)} &= (w^{(i)T} \\delta^{(i)}) \\odot a^{(i)} (1 - a^{(i)})
            && (n_i, m)

    **Why "1 forward + 1 backward" instead of "P + 1 forward passes".** The finite
    difference learns one number, :math:`\\partial J / \\partial \\theta`, per full forward
    pass, because nudging a parameter changes every activation after it. Backprop keeps
    the activations of a single forward pass and sends the error signal :math:`\\delta`
    backwards once; each layer's gradient is then one matrix product, and :math:`\\delta`
    carries the shared part of every chain-rule path, so nothing is recomputed. The
    backward pass costs about as much as a forward one (the same matrix sizes), so the
    whole gradient costs about two forward passes whether the network has 13 parameters
    or a million, where the slides' estimator costs P + 1.
    """
    X, y, ws, bs = _check_data(X, y, w, b)
    return _backprop(X, y, ws, bs, counter)


def _backprop(
    X: np.ndarray, y: np.ndarray, ws: Params, bs: Params, counter: CallCounter | None
) -> tuple[Params, Params]:
    """``backprop`` on validated arrays (``y`` already of shape ``(m, n_out)``)."""
    m = X.shape[0]
    # Forward, keeping every activation: acts[i] is a^{(i)} of shape (n_i, m).
    acts = [X.T]
    for wi, bi in zip(ws, bs, strict=True):
        acts.append(sigmoid(wi @ acts[-1] + bi))  # (n_{i+1}, n_i) @ (n_i, m) -> (n_{i+1}, m)
    # Backward: delta = dJ/dz for the layer being processed.
    out = acts[-1]
    delta = (2.0 / m) * (out - y.T) * out * (1.0 - out)  # (n_L, m)
    w_pds: Params = [np.empty(0)] * len(ws)
    b_pds: Params = [np.empty(0)] * len(bs)
    for i in range(len(ws) - 1, -1, -1):
        w_pds[i] = delta @ acts[i].T  # (n_{i+1}, m) @ (m, n_i) -> (n_{i+1}, n_i)
        b_pds[i] = delta.sum(axis=1, keepdims=True)  # (n_{i+1}, 1)
        if i > 0:
            a = acts[i]
            delta = (ws[i].T @ delta) * a * (1.0 - a)  # (n_i, n_{i+1}) @ (n_{i+1}, m) -> (n_i, m)
    if counter is not None:
        counter.forward += 1
        counter.backward += 1
    return w_pds, b_pds
