# %% [markdown]
# # 3. Challenge 1: given any size of network, initialise weights and biases
#
# For layer sizes $[n_0, n_1, \dots, n_L]$ the network has $L$ weight matrices and $L$ bias
# columns: `w[i]` of shape $(n_{i+1}, n_i)$, whose entry $w^{(i)}_{jk}$ connects unit $k$ of
# layer $i$ to unit $j$ of layer $i+1$, and `b[i]` of shape $(n_{i+1}, 1)$.
# For the slides' $[2, 3, 1]$: $w = [w^{(0)}, w^{(1)}]$ of shapes (3, 2) and (1, 3), 9 weights and
# 4 biases. (Keras stores the transpose: a Dense kernel is `w[i].T`, of shape $(n_i, n_{i+1})$.)
#
# Any random scheme passes the check: the slides draw from `np.random.randn`.

# %%
import numpy as np

from glassnet.plotting.network import draw_network
from glassnet.workshop import check


# %%
# Challenge 1
def init_params(layer_sizes):
    # BEGIN SOLUTION
    w, b = [], []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        w.append(np.random.randn(n_out, n_in))
        b.append(np.random.randn(n_out, 1))
    # END SOLUTION
    return w, b


# %%
result = check("init_params", init_params)
init_params = result.use()
result

# %%
w, b = init_params([2, 3, 1])
print("w shapes:", [w_i.shape for w_i in w], "b shapes:", [b_i.shape for b_i in b])
print(sum(w_i.size for w_i in w), "weights,", sum(b_i.size for b_i in b), "biases")
big_w, big_b = init_params([784, 30, 30, 10])
print("[784, 30, 30, 10]:", sum(a.size for a in big_w + big_b), "parameters (the Keras summary's 24,790)")

# %% [markdown]
# Every weight and bias of $[2, 3, 1]$ in the slides' notation, with the values just drawn:

# %%
fig = draw_network([2, 3, 1], values=(w, b))

# %% [markdown]
# A network without a hidden layer is just as valid: $[2, 1]$ is one sigmoid unit.

# %%
fig = draw_network([2, 1])
