"""Gradient descent, the workshop's way: ``one_step_gd`` (Challenge 5) and ``GD``."""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence

import numpy as np

from glassnet.scratch.gradients import FORWARD_EPSILON, CallCounter, _backprop, _numeric
from glassnet.scratch.network import Params, _check_data, _cost

GRADIENTS = ("numeric", "backprop")


def _check_lr(lr: float) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"`lr` must be a positive finite number, got {lr!r}.")
    return float(lr)


def _check_gradient(gradient: str) -> None:
    if gradient not in GRADIENTS:
        raise ValueError(f"`gradient` must be one of {GRADIENTS}, got {gradient!r}.")


def _step(
    X: np.ndarray,
    y: np.ndarray,
    w: Params,
    b: Params,
    lr: float,
    gradient: str,
    counter: CallCounter | None,
) -> tuple[Params, Params]:
    """One descent step on already validated arrays (``GD`` validates once, not per step)."""
    if gradient == "numeric":
        w_pds, b_pds = _numeric(X, y, w, b, FORWARD_EPSILON, "forward", counter)
    else:
        w_pds, b_pds = _backprop(X, y, w, b, counter)
    new_w = [wi - lr * gi for wi, gi in zip(w, w_pds, strict=True)]
    new_b = [bi - lr * gi for bi, gi in zip(b, b_pds, strict=True)]
    return new_w, new_b


def one_step_gd(
    X: np.ndarray,
    y: np.ndarray,
    w: Sequence[np.ndarray],
    b: Sequence[np.ndarray],
    lr: float,
    gradient: str = "numeric",
    counter: CallCounter | None = None,
) -> tuple[Params, Params]:
    """Challenge 5: move every parameter one step against its partial derivative.

    Parameters
    ----------
    X : ndarray of shape (m, n_in)
    y : ndarray of shape (m, n_out), or (m,) for one output
    w, b : lists of ndarray
        Not modified.
    lr : float
        The learning rate, > 0.
    gradient : {"numeric", "backprop"}, default "numeric"
        ``"numeric"`` uses the slides' forward-difference :func:`gradient_estimator`;
        ``"backprop"`` the exact :func:`backprop`.
    counter : CallCounter or None
        Passed on to the gradient routine.

    Returns
    -------
    new_w, new_b : lists of ndarray
        Same shapes as ``w`` and ``b``.

    Notes
    -----
    :math:`w^{(i)}_{jk} \\leftarrow w^{(i)}_{jk} - lr \\, \\partial J / \\partial w^{(i)}_{jk}`
    and the same for :math:`b^{(i)}_j`, all at once from the gradient at the old point.
    """
    lr = _check_lr(lr)
    _check_gradient(gradient)
    X, y, ws, bs = _check_data(X, y, w, b)
    return _step(X, y, ws, bs, lr, gradient, counter)


def GD(
    X: np.ndarray,
    y: np.ndarray,
    w: Sequence[np.ndarray],
    b: Sequence[np.ndarray],
    epoch: int,
    lr: float,
    gradient: str = "numeric",
    plot: bool | str | os.PathLike[str] = False,
    counter: CallCounter | None = None,
) -> tuple[Params, Params, list[float]]:
    """Full-batch gradient descent for ``epoch`` steps, recording the cost after each.

    Parameters
    ----------
    X : ndarray of shape (m, n_in)
    y : ndarray of shape (m, n_out), or (m,) for one output
    w, b : lists of ndarray
        The starting point. Not modified.
    epoch : int
        Number of steps (each sees the whole batch), >= 0.
    lr : float
        The learning rate, > 0.
    gradient : {"numeric", "backprop"}, default "numeric"
        How each step gets its gradient (see :func:`one_step_gd`).
    plot : bool or path, default False
        ``True`` draws the error curve on a new matplotlib figure, like the slides'
        ``plt.plot(errors)``, and leaves it open for ``plt.show()``; a path saves the
        figure there as an image (PNG for a ``.png`` name) and closes it.
    counter : CallCounter or None
        Passed on to the gradient routine at each step.

    Returns
    -------
    w, b : lists of ndarray
        The trained parameters.
    errors : list of float
        ``errors[t]`` is the cost after step ``t + 1``; ``len(errors) == epoch``.
    """
    if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
        raise ValueError(f"`epoch` must be a non-negative integer, got {epoch!r}.")
    lr = _check_lr(lr)
    _check_gradient(gradient)
    X, y, ws, bs = _check_data(X, y, w, b)
    errors: list[float] = []
    for _ in range(int(epoch)):
        ws, bs = _step(X, y, ws, bs, lr, gradient, counter)
        errors.append(_cost(X, y, ws, bs))
    if plot is not False and plot is not None:
        from glassnet.plotting.curves import plot_error_curve

        if plot is True:
            plot_error_curve(errors)
        else:
            fig = plot_error_curve(errors, path=plot)
            fig.clf()
            from glassnet.plotting._backend import pyplot

            pyplot().close(fig)
    return ws, bs, errors
