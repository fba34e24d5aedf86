# %% [markdown]
# # 8. Backpropagation: 1 forward and 1 backward pass
#
# The numeric gradient of $[2, 3, 1]$ needs **13 + 1 forward passes** (9 weights, 4 biases, plus the
# base cost). A network of a million parameters would need a million. Backpropagation gets every
# partial derivative exactly from **one forward pass and one backward pass**.
#
# With $a^{(0)} = X^T$ and $a^{(i+1)} = \sigma(w^{(i)} a^{(i)} + b^{(i)})$, the cost
# $J = \frac{1}{m}\sum (a^{(L)} - y^T)^2$ gives, from the output back:
#
# * $\delta^{(L-1)} = \frac{2}{m}(a^{(L)} - y^T) \odot a^{(L)}(1 - a^{(L)})$
# * $\partial J / \partial w^{(i)} = \delta^{(i)} a^{(i)T}$ and $\partial J / \partial b^{(i)} = \sum_{columns} \delta^{(i)}$
# * $\delta^{(i-1)} = (w^{(i)T} \delta^{(i)}) \odot a^{(i)}(1 - a^{(i)})$

# %%
import time

import numpy as np

from glassnet.datasets.toy import make_astronaut
from glassnet.scratch import CallCounter, init_params, sigmoid
from glassnet.scratch import backprop as glassnet_backprop
from glassnet.scratch import gradient_estimator as glassnet_estimator
from glassnet.workshop import check

X, y = make_astronaut(seed=0)
w, b = init_params([2, 3, 1], seed=0)

# %%
def backprop(X, y, w, b):
    # BEGIN SOLUTION
    m = X.shape[0]
    acts = [X.T]
    for w_i, b_i in zip(w, b):
        acts.append(sigmoid(w_i @ acts[-1] + b_i))
    out = acts[-1]
    delta = 2 / m * (out - np.reshape(y, (m, -1)).T) * out * (1 - out)
    w_pds, b_pds = [None] * len(w), [None] * len(b)
    for i in reversed(range(len(w))):
        w_pds[i] = delta @ acts[i].T
        b_pds[i] = delta.sum(axis=1, keepdims=True)
        delta = (w[i].T @ delta) * acts[i] * (1 - acts[i])
    # END SOLUTION
    return w_pds, b_pds


# %%
result = check("backprop", backprop)
backprop = result.use()
result

# %% [markdown]
# ## 13 forward passes versus 1 forward and 1 backward, counted and timed

# %%
numeric, exact = CallCounter(), CallCounter()
w_num, b_num = glassnet_estimator(X, y, w, b, counter=numeric)
w_bp, b_bp = glassnet_backprop(X, y, w, b, counter=exact)
print(f"numeric : {numeric.forward} forward passes")
print(f"backprop: {exact.forward} forward, {exact.backward} backward pass")
diff = max(np.abs(a - c).max() for a, c in zip(w_num + b_num, w_bp + b_bp))
print(f"largest difference between them: {diff:.1e}")


def best_time(fn, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


print(f"[2, 3, 1]: numeric {best_time(lambda: glassnet_estimator(X, y, w, b)) * 1e3:.2f} ms, "
      f"backprop {best_time(lambda: backprop(X, y, w, b)) * 1e3:.2f} ms")

# %% [markdown]
# 13 parameters or a million: the Keras example's $[784, 30, 30, 10]$ has 24,790.

# %%
big_w, big_b = init_params([784, 30, 30, 10], seed=0)
rng = np.random.default_rng(0)
Xb, yb = rng.uniform(size=(64, 784)), rng.uniform(size=(64, 10))
P = sum(a.size for a in big_w + big_b)
t_backprop = best_time(lambda: backprop(Xb, yb, big_w, big_b))
from glassnet.scratch import cost_function

t_forward = best_time(lambda: cost_function(Xb, yb, big_w, big_b))
print(f"{P:,} parameters: backprop {t_backprop * 1e3:.1f} ms; the numeric gradient needs {P + 1:,} "
      f"forward passes, about {t_forward * (P + 1):.1f} s")
