"""Known mistakes of the network challenges: forward pass, predict, cost, update helpers.

Each function below is a mistaken version of a workshop function, written the way
learners write it; the decorator registers it with its hint (see :mod:`.mistakes`). Mistakes
that are one setting of a shared mistaken routine are registered with ``variant``.
"""

# Written as learners write them: the legacy np.random functions, zip without strict.
# ruff: noqa: B905, NPY002

from __future__ import annotations

import numpy as np

from glassnet.scratch import sigmoid
from glassnet.workshop.mistakes import mistake, variant

# --------------------------------------------------------------------------- forward pass


def _layers(inp, w, b, layer):
    a = inp
    for k, (wi, bi) in enumerate(zip(w, b)):
        a = layer(k, len(w), wi, bi, a)
    return a


@mistake("forward-transposed-w", "forward_pass",
         "w^{(i)} has shape (n_{i+1}, n_i) and multiplies the column of activations: "
         "z = w^{(i)} @ a^{(i)} + b^{(i)}. w.T @ a uses w_{kj} where the slides have w_{jk}.")
def _forward_transposed(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(wi.T @ a + bi))


@mistake("forward-bias-after-sigmoid", "forward_pass",
         "the bias goes inside the sigmoid: a^{(i+1)} = σ(w^{(i)} a^{(i)} + b^{(i)}), not "
         "σ(w^{(i)} a^{(i)}) + b^{(i)}.")
def _forward_bias_after(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(wi @ a) + bi)


@mistake("forward-flat-bias", "forward_pass",
         "b^{(i)} of shape (n,) (after .ravel() or .flatten()) is added along the columns: sample k "
         "gets b_k. Keep the column (n, 1) so unit j gets b_j in every sample.")
def _forward_flat_bias(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(wi @ a + bi.ravel()))


@mistake("forward-linear-output", "forward_pass",
         "every layer applies σ, the output layer included: a^{(2)} = σ(w^{(1)} a^{(1)} + b^{(1)}).")
def _forward_linear_output(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: wi @ a + bi if k == n - 1 else sigmoid(wi @ a + bi))


@mistake("forward-linear-hidden", "forward_pass",
         "the hidden layers apply σ too: a^{(1)} = σ(w^{(0)} a^{(0)} + b^{(0)}), not only the output.")
def _forward_linear_hidden(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(wi @ a + bi) if k == n - 1 else wi @ a + bi)


@mistake("forward-elementwise", "forward_pass",
         "`*` multiplies entry by entry; a layer needs the matrix product w^{(i)} @ a^{(i)} (np.dot).")
def _forward_elementwise(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(wi * a + bi))


@mistake("forward-no-bias", "forward_pass",
         "the bias is missing: z^{(i)} = w^{(i)} a^{(i)} + b^{(i)}.")
def _forward_no_bias(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(wi @ a))


@mistake("forward-first-layer-only", "forward_pass",
         "only the first layer ran (is `return` indented inside the loop?): return a after it has "
         "gone through every layer.")
def _forward_first_only(inp, w, b):
    return sigmoid(w[0] @ inp + b[0])


@mistake("forward-rows", "forward_pass",
         "forward_pass takes one sample per column: inp has shape (n_0, m) and each layer is "
         "w^{(i)} @ a + b^{(i)}; predict transposes X for you.")
def _forward_rows(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(a @ wi.T + bi.T))


# --------------------------------------------------------------------------- predict


def _fwd(inp, w, b):
    return _layers(inp, w, b, lambda k, n, wi, bi, a: sigmoid(wi @ a + bi))


@mistake("predict-no-transpose-back", "predict",
         "forward_pass returns (n_out, m), one sample per column; predict transposes it back to "
         "(m, n_out), as on the slide: y_pred = np.transpose(y_pred_t).")
def _predict_no_back(X, w, b):
    return _fwd(np.transpose(X), w, b)


@mistake("predict-no-transpose-in", "predict",
         "forward_pass wants one sample per column: pass X_t = np.transpose(X), of shape (n_0, m).")
def _predict_no_in(X, w, b):
    return np.transpose(_fwd(X, w, b))


@mistake("predict-threshold", "predict",
         "predict returns the network's output σ(…) in (0, 1), not 0/1 labels; threshold at 0.5 "
         "only where you need classes (accuracy).")
def _predict_threshold(X, w, b):
    return (np.transpose(_fwd(np.transpose(X), w, b)) >= 0.5).astype(float)


# --------------------------------------------------------------------------- cost


def _pred(X, w, b):
    return np.transpose(_fwd(np.transpose(X), w, b))


def _col(y, y_pred):
    return np.reshape(y, y_pred.shape)


@mistake("cost-sum", "cost_function",
         "the MSE divides the summed squared errors by m = y.shape[0] (np.sum(...) / m).")
def _cost_sum(X, y, w, b):
    y_pred = _pred(X, w, b)
    return np.sum((y_pred - _col(y, y_pred)) ** 2)


@mistake("cost-wrong-m", "cost_function",
         "m is the number of samples, y.shape[0] (= X.shape[0]); X.shape[1] is the number of inputs n_0.")
def _cost_wrong_m(X, y, w, b):
    y_pred = _pred(X, w, b)
    return np.sum((y_pred - _col(y, y_pred)) ** 2) / X.shape[1]


@mistake("cost-half", "cost_function",
         "the slides' cost is (1/m)·Σ(ŷ - y)², without the 1/2 some books put in front.")
def _cost_half(X, y, w, b):
    y_pred = _pred(X, w, b)
    return np.sum((y_pred - _col(y, y_pred)) ** 2) / (2 * y.shape[0])


@mistake("cost-broadcast", "cost_function",
         "y has shape (m,) and y_pred (m, 1): y_pred - y broadcasts to an (m, m) matrix of every "
         "pair. Reshape first: y = y.reshape(y_pred.shape).")
def _cost_broadcast(X, y, w, b):
    y_pred = _pred(X, w, b)
    return np.sum((y_pred - y) ** 2) / y.shape[0]


@mistake("cost-mean-broadcast", "cost_function",
         "np.mean((y_pred - y)**2) with y of shape (m,) averages an (m, m) matrix: y_pred (m, 1) "
         "minus y (m,) broadcasts. Reshape y to y_pred's shape first.")
def _cost_mean_broadcast(X, y, w, b):
    return np.mean((_pred(X, w, b) - y) ** 2)


@mistake("cost-rmse", "cost_function",
         "np.sqrt gives the root of the MSE (RMSE); the slides' cost is the MSE itself.")
def _cost_rmse(X, y, w, b):
    y_pred = _pred(X, w, b)
    return np.sqrt(np.sum((y_pred - _col(y, y_pred)) ** 2) / y.shape[0])


@mistake("cost-absolute", "cost_function",
         "the errors are squared, (ŷ - y)², not taken in absolute value.")
def _cost_abs(X, y, w, b):
    y_pred = _pred(X, w, b)
    return np.sum(np.abs(y_pred - _col(y, y_pred))) / y.shape[0]


@mistake("cost-not-squared", "cost_function",
         "the errors must be squared: in Σ(ŷ - y) positive and negative errors cancel.")
def _cost_not_squared(X, y, w, b):
    y_pred = _pred(X, w, b)
    return np.sum(y_pred - _col(y, y_pred)) / y.shape[0]


# --------------------------------------------------------------------------- w_update, b_update


def _edit(params, layer_id, i, j, new_param, copy="all", index=lambda i, j: (i, j), add=False):
    """Set (or, with ``add``, add to) ``params[layer_id][index(i, j)]`` in what ``copy`` makes:
    "none" the caller's list itself, "list" a new list of the same arrays, "layer" that list
    with a copy of the edited array, "all" copies of every array."""
    if copy == "none":
        new = params
    elif copy == "all":
        new = [p.copy() for p in params]
    else:
        new = list(params)
        if copy == "layer":
            new[layer_id] = params[layer_id].copy()
    if add:
        new[layer_id][index(i, j)] += new_param
    else:
        new[layer_id][index(i, j)] = new_param
    return new


def _register_updates(name: str, arg: str) -> None:
    # Four mistakes of both, in the slides' notation of each parameter; then each one's own.
    sym = "w_{jk}^{(i)}" if arg == "w" else "b_j^{(i)}"
    variant(f"{name}-in-place", name,
            f"{name} changed the caller's {arg}: the gradient estimator then nudges the real network. "
            f"Copy first: new_{arg} = copy.deepcopy({arg}) (or [p.copy() for p in {arg}]).",
            _edit, copy="none")
    variant(f"{name}-shallow-copy", name,
            f"{arg}.copy() or list({arg}) copies the list but not the arrays in it, so setting an "
            f"entry changes the caller's {arg}; copy the arrays too: copy.deepcopy({arg}).",
            _edit, copy="list")
    variant(f"{name}-shares-layers", name,
            f"the result shares its untouched layers with the input {arg}: editing it in place later "
            f"changes the caller's network. Copy every layer (copy.deepcopy({arg})).",
            _edit, copy="layer")
    variant(f"{name}-adds", name,
            f"new_param is the new value of {sym}, not an amount to add: set it (=), don't add (+=).",
            _edit, add=True)
    if arg == "w":
        variant("w_update-swapped-index", name,
                "w_{jk}^{(i)} is row j, column k of w[i]: w[layer_id][i, j] with i the row (the unit "
                "of the next layer); you set w[layer_id][j, i].",
                _edit, index=lambda i, j: (j, i))
        variant("w_update-whole-row", name,
                "w[layer_id][i] = new_param sets the whole row i; index both: w[layer_id][i, j] "
                "(or w[layer_id][i][j]).",
                _edit, index=lambda i, j: i)
    else:
        variant("b_update-whole-layer", name,
                "b[layer_id][:] = new_param sets every bias of the layer; set one entry: "
                "b[layer_id][i, j] (j is 0: b^{(i)} is a column).",
                _edit, index=lambda i, j: slice(None))


_register_updates("w_update", "w")
_register_updates("b_update", "b")
