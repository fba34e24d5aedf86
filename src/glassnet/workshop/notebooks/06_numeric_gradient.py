# %% [markdown]
# # 6. The numeric gradient (Challenge 4)
#
# Nudge one parameter by a small `epsilon`, keep all the others, and see how the cost moves:
#
# $$\frac{\partial\, cost}{\partial w^{(0)}_{11}} \approx \frac{cost(w^+, b) - cost(w, b)}{\epsilon}$$
#
# where $w^+$ is $w$ with $w^{(0)}_{11} + \epsilon$ (use `w_update`). Do it for every weight and
# every bias: `gradient_estimator` returns `w_pds, b_pds`, shaped like `w, b`.
# An `epsilon` around 1e-6 works in float64; 1e-15 drowns the difference in rounding error.

# %%
import numpy as np

from glassnet.datasets.toy import make_astronaut
from glassnet.scratch import CallCounter, b_update, cost_function, init_params, w_update
from glassnet.workshop import check

X, y = make_astronaut(seed=0)
w, b = init_params([2, 3, 1], seed=0)

# %%
# Challenge 4
def gradient_estimator(X, y, w, b):
    # BEGIN SOLUTION
    epsilon = 1e-6
    base = cost_function(X, y, w, b)
    w_pds = [np.zeros(w_i.shape) for w_i in w]
    b_pds = [np.zeros(b_i.shape) for b_i in b]
    for layer in range(len(w)):
        for i in range(w[layer].shape[0]):
            for j in range(w[layer].shape[1]):
                w_plus = w_update(w, layer, i, j, w[layer][i, j] + epsilon)
                w_pds[layer][i, j] = (cost_function(X, y, w_plus, b) - base) / epsilon
            b_plus = b_update(b, layer, i, 0, b[layer][i, 0] + epsilon)
            b_pds[layer][i, 0] = (cost_function(X, y, w, b_plus) - base) / epsilon
    # END SOLUTION
    return w_pds, b_pds


# %%
result = check("gradient_estimator", gradient_estimator)
gradient_estimator = result.use()
result

# %%
w_pds, b_pds = gradient_estimator(X, y, w, b)
print("w_pds:", *[g.round(5) for g in w_pds], sep="\n")
print("b_pds:", *[g.round(5) for g in b_pds], sep="\n")

# %% [markdown]
# How many times did that evaluate the cost? 13 parameters: 13 nudged costs plus the base one.
# (glassnet's estimator counts them for us.)

# %%
from glassnet.scratch import gradient_estimator as glassnet_estimator

counter = CallCounter()
glassnet_estimator(X, y, w, b, counter=counter)
print(counter.cost, "cost evaluations = forward passes, for 13 parameters")
