# %% [markdown]
# # 1. Neurons: the perceptron unit and the sigmoid unit
#
# A unit takes its inputs $x_k$, weighs them and adds a bias: $z = \sum_k w_k x_k + b = w \cdot x + b$.
# The **perceptron unit** answers 1 when $z > 0$ and 0 otherwise (a step). The **sigmoid unit**
# answers $\sigma(z) = \frac{1}{1 + e^{-z}}$, a smooth step.
#
# Exercise cells end with `raise NotImplementedError`: replace that line with your code, run the
# cell, then run the check cell under it. A check that fails says what it expected, what it
# received, and usually which mistake it recognised.

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassnet.workshop import check

# %% [markdown]
# ## The step of the perceptron
#
# `step(z)` returns 1.0 where `z > 0` and 0.0 elsewhere, for a number or an array of any shape.

# %%
def step(z):
    # BEGIN SOLUTION
    return (np.asarray(z) > 0).astype(float)
    # END SOLUTION


# %%
result = check("step", step)
step = result.use()
result

# %% [markdown]
# ## The perceptron unit
#
# `perceptron(x, w, b)` is `step(w · x + b)`: `x` is one sample of shape `(n,)` or `m` samples as
# columns, shape `(n, m)`; `w` has one weight per input, shape `(n,)`; `b` is a number.

# %%
def perceptron(x, w, b):
    # BEGIN SOLUTION
    return step(np.dot(w, x) + b)
    # END SOLUTION


# %%
result = check("perceptron", perceptron)
perceptron = result.use()
result

# %% [markdown]
# ## The sigmoid unit, and the slides' -7
#
# The slides' unit has a bias of **-7**: with two inputs weighted 4 each, it needs both inputs on
# to get past 0 ($4 + 4 - 7 = 1$). The perceptron's answer jumps from 0 to 1; the sigmoid's moves
# smoothly, which is what lets gradient descent nudge it.

# %%
def sigmoid(z):
    # BEGIN SOLUTION
    return 1 / (1 + np.exp(-z))
    # END SOLUTION


# %%
result = check("sigmoid", sigmoid)
sigmoid = result.use()
result

# %%
w_and, b_and = np.array([4.0, 4.0]), -7.0
inputs = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)  # the four inputs, as columns
z = w_and @ inputs + b_and
print("z          :", z)
print("perceptron :", perceptron(inputs, w_and, b_and))
print("sigmoid    :", np.round(sigmoid(z), 4))
print("no input on: perceptron", perceptron(np.zeros(2), w_and, b_and), "- sigmoid(-7) =", sigmoid(-7.0))

# %%
zs = np.linspace(-10, 10, 401)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(zs, step(zs), label="perceptron: step(z)", lw=2)
ax.plot(zs, sigmoid(zs), "--", label="sigmoid unit: σ(z)", lw=2)
ax.axvline(-7, color="grey", lw=1)
ax.annotate("z = -7", (-7, 0.5), xytext=(5, 0))
ax.set_xlabel("z = w · x + b")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# ## AND and OR with one perceptron; XOR needs a hidden layer
#
# One perceptron draws one straight line through the input plane. AND and OR can be separated by
# a line; XOR (on when exactly one input is on) cannot. We search 20,000 random lines and find none
# that computes XOR, then build XOR from three perceptrons in two layers: OR and NAND feed an AND.

# %%
AND, OR, XOR = np.array([0, 0, 0, 1.0]), np.array([0, 1, 1, 1.0]), np.array([0, 1, 1, 0.0])
print("AND:", perceptron(inputs, np.array([4.0, 4.0]), -7.0), "target", AND)
print("OR :", perceptron(inputs, np.array([2.0, 2.0]), -1.0), "target", OR)

rng = np.random.default_rng(0)
w_tries, b_tries = rng.normal(size=(20_000, 2)) * 5, rng.normal(size=(20_000, 1)) * 5
outputs = (w_tries @ inputs + b_tries > 0).astype(float)  # 20,000 perceptrons at once
print("random single perceptrons that compute AND:", int(np.all(outputs == AND, axis=1).sum()))
print("random single perceptrons that compute XOR:", int(np.all(outputs == XOR, axis=1).sum()))

hidden = np.stack([perceptron(inputs, np.array([2.0, 2.0]), -1.0),      # OR
                   perceptron(inputs, np.array([-2.0, -2.0]), 3.0)])    # NAND
print("XOR with a hidden layer:", perceptron(hidden, np.array([4.0, 4.0]), -7.0), "target", XOR)
