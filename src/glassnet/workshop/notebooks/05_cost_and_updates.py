# %% [markdown]
# # 5. The cost and the update helpers
#
# The slides' cost is the mean squared error over the $m$ samples:
#
# ```python
# def cost_function(X, y, w, b):
#     y_pred = predict(X, w, b)
#     m = y.shape[0]
#     cost = np.sum((y_pred - y)**2) / m  # mse
#     return cost
# ```
#
# Careful: if `y` has shape `(m,)` and `y_pred` `(m, 1)`, `y_pred - y` is an $(m, m)$ matrix.
# The check tries both shapes of `y`.
#
# `w_update(w, layer_id, i, j, new_param)` returns a copy of `w` with
# $w^{(layer\_id)}_{ij}$ set to `new_param`; `b_update` does the same for $b^{(layer\_id)}_i$
# (`j` is 0: each `b[i]` is a column). The caller's lists and arrays must not change, and the copy
# must share no array with them.

# %%
import copy

import numpy as np

from glassnet.datasets.toy import make_astronaut
from glassnet.scratch import init_params, predict
from glassnet.workshop import check

X, y = make_astronaut(seed=0)
w, b = init_params([2, 3, 1], seed=0)

# %%
def cost_function(X, y, w, b):
    # BEGIN SOLUTION
    y_pred = predict(X, w, b)
    y = np.reshape(y, y_pred.shape)
    m = y.shape[0]
    cost = np.sum((y_pred - y) ** 2) / m  # mse
    # END SOLUTION
    return cost


# %%
result = check("cost_function", cost_function)
cost_function = result.use()
result

# %%
def w_update(w, layer_id, i, j, new_param):
    # BEGIN SOLUTION
    new_w = copy.deepcopy(w)
    new_w[layer_id][i, j] = new_param
    # END SOLUTION
    return new_w


# %%
result = check("w_update", w_update)
w_update = result.use()
result

# %%
def b_update(b, layer_id, i, j, new_param):
    # BEGIN SOLUTION
    new_b = copy.deepcopy(b)
    new_b[layer_id][i, j] = new_param
    # END SOLUTION
    return new_b


# %%
result = check("b_update", b_update)
b_update = result.use()
result

# %%
print("cost of the untrained network:", cost_function(X, y, w, b))
w_plus = w_update(w, 0, 1, 1, w[0][1, 1] + 1e-6)
print("w[0][1, 1]:", w[0][1, 1], "-> in the copy:", w_plus[0][1, 1])
print("cost at w+:", cost_function(X, y, w_plus, b))
