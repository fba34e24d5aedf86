# %% [markdown]
# # 7. Gradient descent (Challenge 5) and its error plot
#
# Every parameter moves against its partial derivative, all at once, from the gradient at the
# old point:
#
# $$w^{(i)}_{jk} \leftarrow w^{(i)}_{jk} - learning\_rate \frac{\partial\, cost}{\partial w^{(i)}_{jk}}
# \qquad b^{(i)}_{j} \leftarrow b^{(i)}_{j} - learning\_rate \frac{\partial\, cost}{\partial b^{(i)}_{j}}$$

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassnet.datasets.toy import make_astronaut
from glassnet.scratch import cost_function, gradient_estimator, init_params, predict
from glassnet.workshop import check

X, y = make_astronaut(seed=0)
w, b = init_params([2, 3, 1], seed=0)

# %%
# Challenge 5
def one_step_gd(X, y, w, b, lr):
    w_pds, b_pds = gradient_estimator(X, y, w, b)
    # BEGIN SOLUTION
    new_w = [w_i - lr * g for w_i, g in zip(w, w_pds)]
    new_b = [b_i - lr * g for b_i, g in zip(b, b_pds)]
    # END SOLUTION
    return new_w, new_b


# %%
result = check("one_step_gd", one_step_gd)
one_step_gd = result.use()
result

# %% [markdown]
# `GD` as on the slide: `epoch` steps, the cost after each, and `plt.plot(errors)`.

# %%
def GD(X, y, w, b, epoch, lr):
    errors = []
    # BEGIN SOLUTION
    for i in range(epoch):
        w, b = one_step_gd(X, y, w, b, lr)
        error = cost_function(X, y, w, b)
        errors.append(error)
    # END SOLUTION
    plt.plot(errors)
    return w, b


# %%
result = check("GD", GD)
GD = result.use()
result

# %% [markdown]
# Expected behaviour from gradient descent: the error falls quickly, then slowly.

# %%
print("cost before:", round(cost_function(X, y, w, b), 4))
w_trained, b_trained = GD(X, y, w, b, epoch=300, lr=6.0)
plt.xlabel("epoch")
plt.ylabel("cost (MSE)")
plt.show()
accuracy = np.mean((predict(X, w_trained, b_trained) >= 0.5) == (y >= 0.5))
print("cost after:", round(cost_function(X, y, w_trained, b_trained), 4), "- accuracy:", accuracy)

# %% [markdown]
# ## Watching it learn
#
# `LiveTraining` redraws the error curve and the decision boundary in place every few epochs
# (TensorFlow Playground style). Try another learning rate: `lr=0.5` crawls, `lr=500` throws every
# sigmoid into saturation and the cost stalls at 0.5.

# %%
from glassnet.plotting.live import LiveTraining

live = LiveTraining(every=50, data=(X, y), title="[2, 3, 1] learning who is an astronaut",
                    feature_names=("height (scaled)", "fitness (scaled)"))
w_live, b_live = w, b
for epoch in range(200):
    w_live, b_live = one_step_gd(X, y, w_live, b_live, 6.0)
    live.record({"loss": cost_function(X, y, w_live, b_live)},
                predict=lambda P: predict(P, w_live, b_live))
