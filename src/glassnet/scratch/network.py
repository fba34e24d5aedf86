"""The workshop's network: parameters, sigmoid, forward pass, prediction, cost, updates.

Notation follows the slides. A network with ``L`` layers of weights is two lists:

* ``w[i]`` of shape ``(n_{i+1}, n_i)``, so ``w[i][j, k]`` (the slides' :math:`w^{(i)}_{jk}`)
  connects unit ``k`` of layer ``i`` to unit ``j`` of layer ``i + 1``;
* ``b[i]`` of shape ``(n_{i+1}, 1)``, a column vector.

Keras's ``Dense`` stores the transpose: its kernel is ``(n_i, n_{i+1})``, so
``kernel = w[i].T`` and ``bias = b[i].ravel()``.

Inside the network a batch is stored column-wise, one sample per column, exactly as the
slides draw it: ``forward_pass`` takes ``inp`` of shape ``(n_in, m)``. ``predict`` takes the
usual row-wise ``X`` of shape ``(m, n_in)`` and transposes on the way in and out.

Public functions validate their arguments once (``_check_network`` and friends); the
private ``_forward`` and ``_cost`` skip validation so the gradient routines can call them
thousands of times.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

Params = list[np.ndarray]


# --------------------------------------------------------------------------- validation


def _check_layer_sizes(layer_sizes: Sequence[int]) -> list[int]:
    """Return ``layer_sizes`` as a list of ints, or raise a ValueError naming the bad entry."""
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise ValueError(
            "`layer_sizes` must be a sequence of positive integers such as [2, 3, 1], "
            f"got {layer_sizes!r}."
        )
    if len(layer_sizes) < 2:
        raise ValueError(
            "`layer_sizes` must list at least 2 layers (inputs and outputs), "
            f"got {list(layer_sizes)!r}."
        )
    sizes: list[int] = []
    for i, n in enumerate(layer_sizes):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"`layer_sizes[{i}]` must be a positive integer, got {n!r}.")
        sizes.append(int(n))
    return sizes


def _check_network(w: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> tuple[Params, Params]:
    """Check that ``w`` and ``b`` describe one chain of layers; return them as float arrays.

    Raises
    ------
    ValueError
        If the lists differ in length, a weight is not 2-D, ``w[i+1]`` does not take the
        output of ``w[i]``, or ``b[i]`` is not the column ``(w[i].shape[0], 1)``.
    """
    if isinstance(w, np.ndarray) or not isinstance(w, Sequence) or len(w) == 0:
        raise ValueError(f"`w` must be a non-empty list of 2-D arrays, got {type(w).__name__}.")
    if isinstance(b, np.ndarray) or not isinstance(b, Sequence) or len(b) != len(w):
        got = len(b) if isinstance(b, Sequence) else type(b).__name__
        raise ValueError(
            f"`b` must be a list of {len(w)} column vectors, one per `w[i]`, got {got}."
        )
    ws = [np.asarray(wi, dtype=np.float64) for wi in w]
    bs = [np.asarray(bi, dtype=np.float64) for bi in b]
    for i, wi in enumerate(ws):
        if wi.ndim != 2:
            raise ValueError(
                f"`w[{i}]` must be a 2-D array of shape (n_out, n_in), got shape {wi.shape}."
            )
        if i > 0 and wi.shape[1] != ws[i - 1].shape[0]:
            expected = (wi.shape[0], ws[i - 1].shape[0])
            raise ValueError(
                f"`w[{i}]` must have shape {expected} to follow `w[{i - 1}]` of shape "
                f"{ws[i - 1].shape}, got {wi.shape}."
            )
        if bs[i].shape != (wi.shape[0], 1):
            raise ValueError(
                f"`b[{i}]` must have shape {(wi.shape[0], 1)} to match `w[{i}]` of shape "
                f"{wi.shape}, got {bs[i].shape}."
            )
    return ws, bs


def _check_X(X: np.ndarray, w: Params, name: str = "X", columns: bool = False) -> np.ndarray:
    """Return ``X`` as a float array of shape ``(m, n_in)`` matching ``w[0]`` (``(n_in, m)``,
    one sample per column as the slides draw it, with ``columns``)."""
    X = np.asarray(X, dtype=np.float64)
    n_in = w[0].shape[1]
    if X.ndim != 2 or X.shape[0 if columns else 1] != n_in:
        shape = f"({n_in}, m), one sample per column," if columns else f"(m, {n_in})"
        raise ValueError(
            f"`{name}` must have shape {shape} to match `w[0]` of shape {w[0].shape}, "
            f"got {X.shape}."
        )
    return X


def _check_y(y: np.ndarray, X: np.ndarray, w: Params) -> np.ndarray:
    """Return ``y`` as a float ``(m, n_out)`` array; ``(m,)`` is accepted for one output."""
    y = given = np.asarray(y, dtype=np.float64)
    m, n_out = X.shape[0], w[-1].shape[0]
    if y.ndim == 1 and n_out == 1:
        y = y.reshape(-1, 1)
    if y.shape != (m, n_out):
        raise ValueError(
            f"`y` must have shape {(m, n_out)}: one row per row of `X` of shape {X.shape} and "
            f"one column per output of `w[-1]` of shape {w[-1].shape}, got {given.shape}."
        )
    return y


def _check_data(
    X: np.ndarray, y: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, Params, Params]:
    """Validate a whole ``(X, y, w, b)`` call once; return float arrays in canonical shapes."""
    ws, bs = _check_network(w, b)
    X = _check_X(X, ws)
    y = _check_y(y, X, ws)
    return X, y, ws, bs


# --------------------------------------------------------------------------- parameters


def init_params(layer_sizes: Sequence[int], seed: int | None = None) -> tuple[Params, Params]:
    """Challenge 1: random weights and biases for a network of any depth and width.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, inputs first and outputs last, e.g. ``[2, 3, 1]``.
    seed : int or None, default None
        Seed for ``np.random.default_rng``; the same seed gives the same parameters.

    Returns
    -------
    w : list of ndarray
        ``w[i]`` has shape ``(layer_sizes[i+1], layer_sizes[i])``.
    b : list of ndarray
        ``b[i]`` has shape ``(layer_sizes[i+1], 1)``.

    Notes
    -----
    Every entry is drawn from the standard normal distribution, as in the workshop
    (``np.random.randn``). ``[2, 3, 1]`` gives 2·3 + 3·1 = 9 weights and 3 + 1 = 4 biases.

    Examples
    --------
    >>> w, b = init_params([2, 3, 1], seed=0)
    >>> [wi.shape for wi in w], [bi.shape for bi in b]
    ([(3, 2), (1, 3)], [(3, 1), (1, 1)])
    """
    sizes = _check_layer_sizes(layer_sizes)
    rng = np.random.default_rng(seed)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    w = [rng.standard_normal((n_out, n_in)) for n_in, n_out in pairs]
    b = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]
    return w, b


def count_params(w: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> int:
    """Number of trainable parameters: every weight and every bias.

    Examples
    --------
    >>> count_params(*init_params([784, 30, 30, 10]))
    24790
    """
    ws, bs = _check_network(w, b)
    return int(sum(wi.size for wi in ws) + sum(bi.size for bi in bs))


# --------------------------------------------------------------------------- forward


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """The logistic function :math:`\\sigma(z) = 1 / (1 + e^{-z})`, stable for any ``z``.

    Parameters
    ----------
    z : ndarray of any shape, or float

    Returns
    -------
    ndarray of the same shape as ``z``, values in ``[0, 1]``.

    Notes
    -----
    ``np.exp(-z)`` overflows for ``z < -709``. Writing :math:`e = e^{-|z|} \\le 1`,
    :math:`\\sigma(z) = 1 / (1 + e)` for ``z >= 0`` and :math:`e / (1 + e)` for ``z < 0``;
    both forms only ever exponentiate a non-positive number.
    """
    try:
        z = np.asarray(z, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`z` must be a number or an array of numbers, got {z!r} "
                        f"({type(z).__name__}).") from None
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _forward(inp: np.ndarray, w: Params, b: Params) -> np.ndarray:
    """``forward_pass`` without validation: ``a <- sigmoid(w[i] @ a + b[i])`` layer by layer."""
    a = inp
    for wi, bi in zip(w, b, strict=True):
        a = sigmoid(wi @ a + bi)  # (n_{i+1}, n_i) @ (n_i, m) + (n_{i+1}, 1) -> (n_{i+1}, m)
    return a


def forward_pass(inp: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
    """Challenge 3: push a column-wise batch through the network, sigmoid on every layer.

    Parameters
    ----------
    inp : ndarray of shape (n_in, m)
        One sample per column, as the slides draw it.
    w, b : lists of ndarray
        Parameters as returned by :func:`init_params`.

    Returns
    -------
    ndarray of shape (n_out, m)
        The activations of the last layer.

    Notes
    -----
    :math:`a^{(0)} = inp`, :math:`a^{(i+1)} = \\sigma(w^{(i)} a^{(i)} + b^{(i)})`; the bias
    column is broadcast across the ``m`` columns.
    """
    ws, bs = _check_network(w, b)
    return _forward(_check_X(inp, ws, "inp", columns=True), ws, bs)


def predict(X: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
    """Network outputs for row-wise samples: ``forward_pass(X.T, w, b).T``.

    Parameters
    ----------
    X : ndarray of shape (m, n_in)
        One sample per row.
    w, b : lists of ndarray

    Returns
    -------
    ndarray of shape (m, n_out)
    """
    ws, bs = _check_network(w, b)
    X = _check_X(X, ws)
    return _forward(X.T, ws, bs).T


def _cost(X: np.ndarray, y: np.ndarray, w: Params, b: Params) -> float:
    """``cost_function`` without validation; ``y`` must already be ``(m, n_out)``."""
    y_pred = _forward(X.T, w, b).T  # (m, n_out)
    return float(np.sum((y_pred - y) ** 2) / y.shape[0])


def cost_function(
    X: np.ndarray, y: np.ndarray, w: Sequence[np.ndarray], b: Sequence[np.ndarray]
) -> float:
    """The workshop's mean squared error of the network on ``(X, y)``.

    Parameters
    ----------
    X : ndarray of shape (m, n_in)
    y : ndarray of shape (m, n_out), or (m,) when the network has one output
    w, b : lists of ndarray

    Returns
    -------
    float
        :math:`J = \\frac{1}{m} \\sum_{s,k} (\\hat y_{sk} - y_{sk})^2` with ``m = y.shape[0]``:
        squared errors summed over every output, averaged over samples, as in the slides.
    """
    X, y, ws, bs = _check_data(X, y, w, b)
    return _cost(X, y, ws, bs)


# --------------------------------------------------------------------------- updates


def _check_index(params: Params, name: str, layer_id: int, i: int, j: int) -> None:
    if not 0 <= layer_id < len(params):
        raise ValueError(
            f"`layer_id` must be in [0, {len(params) - 1}] for {len(params)} layers of "
            f"`{name}`, got {layer_id}."
        )
    shape = params[layer_id].shape
    if not (0 <= i < shape[0] and 0 <= j < shape[1]):
        raise ValueError(
            f"`(i, j)` must index `{name}[{layer_id}]` of shape {shape}, got ({i}, {j})."
        )


def w_update(
    w: Sequence[np.ndarray], layer_id: int, i: int, j: int, new_param: float
) -> Params:
    """Return a copy of ``w`` with :math:`w^{(layer\\_id)}_{ij}` set to ``new_param``.

    The input list and its arrays are not modified, and the result shares no array with
    them: every layer is copied, so editing the result in place never reaches ``w``.

    Parameters
    ----------
    w : list of ndarray
        ``w[layer_id]`` has shape ``(n_out, n_in)``.
    layer_id, i, j : int
        Which weight: row ``i`` (unit of the next layer), column ``j`` (unit of this one).
    new_param : float

    Returns
    -------
    list of ndarray
        Same shapes as ``w``.
    """
    ws = [np.array(wi, dtype=np.float64) for wi in w]  # np.array copies, even float64 input
    _check_index(ws, "w", layer_id, i, j)
    ws[layer_id][i, j] = new_param
    return ws


def b_update(
    b: Sequence[np.ndarray], layer_id: int, i: int, j: int, new_param: float
) -> Params:
    """Return a copy of ``b`` with :math:`b^{(layer\\_id)}_{i}` set to ``new_param``.

    ``j`` is always 0 (each ``b[layer_id]`` is a column of shape ``(n_out, 1)``); it is kept
    so the signature matches the slides' and :func:`w_update`. The input is not modified and
    the result shares no array with it.

    Returns
    -------
    list of ndarray
        Same shapes as ``b``.
    """
    bs = [np.array(bi, dtype=np.float64) for bi in b]  # copies: nothing shared with `b`
    _check_index(bs, "b", layer_id, i, j)
    bs[layer_id][i, j] = new_param
    return bs
