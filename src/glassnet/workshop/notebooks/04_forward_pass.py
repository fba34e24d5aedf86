# %% [markdown]
# # 4. The forward pass and `predict`
#
# Inside the network a batch is stored **column-wise**, one sample per column, as the slides draw
# it: $a^{(0)}$ is the input of shape $(n_0, m)$ and each layer computes
# $a^{(i+1)} = \sigma(w^{(i)} a^{(i)} + b^{(i)})$, shape $(n_{i+1}, m)$; the bias column is
# broadcast across the $m$ columns. `predict` takes the usual row-wise `X` of shape $(m, n_0)$,
# transposes it on the way in and back on the way out (the slides give it).
#
# Functions from earlier notebooks come from glassnet (`glassnet.scratch`); paste yours over them
# if you like.

# %%
import numpy as np

from glassnet.datasets.toy import make_astronaut
from glassnet.scratch import init_params, sigmoid
from glassnet.workshop import check

X, y = make_astronaut(seed=0)
w, b = init_params([2, 3, 1], seed=0)

# %%
# Challenge 3
def forward_pass(inp, w, b):
    # BEGIN SOLUTION
    out = inp
    for w_i, b_i in zip(w, b):
        out = sigmoid(w_i @ out + b_i)  # (n_{i+1}, n_i) @ (n_i, m) + (n_{i+1}, 1)
    # END SOLUTION
    return out


# %%
result = check("forward_pass", forward_pass)
forward_pass = result.use()
result

# %% [markdown]
# `predict`, as on the slide:

# %%
def predict(X, w, b):
    # BEGIN SOLUTION
    X_t = np.transpose(X)
    y_pred_t = forward_pass(X_t, w, b)
    y_pred = np.transpose(y_pred_t)
    # END SOLUTION
    return y_pred


# %%
result = check("predict", predict)
predict = result.use()
result

# %% [markdown]
# One person in, one number out: the slides print a `(1, 1)` array and its shape.

# %%
out = predict(X[:1], w, b)
out, out.shape

# %%
print("first five people:", predict(X[:5], w, b).ravel().round(3), "labels:", y[:5].ravel())
