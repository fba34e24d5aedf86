# %% [markdown]
# # 2. NN vs. other algorithms: a network is a composition of functions
#
# The slides write the astronaut classifier as
# $f(x) = f_7(f_6(f_5(f_4(f_3(f_2(f_1(x)))))))$: each layer is a function of the previous
# one's output. Here glassnet builds such a network for the astronaut set ("Astronaut" /
# "Not an astronaut"), prints it as a composition, checks that applying the layers one after the
# other gives the model's output, and compares it with a straight line (logistic regression).

# %%
import numpy as np

from glassnet.datasets.toy import ASTRONAUT_TARGET_NAMES, make_astronaut
from glassnet.layers import Activation, Dense
from glassnet.models import Sequential
from glassnet.workshop import composition

X, y = make_astronaut(seed=0)
print(X.shape, y.shape, "classes:", ASTRONAUT_TARGET_NAMES)

# %%
model = Sequential([
    Dense(8, input_dim=2), Activation("tanh"),
    Dense(8), Activation("tanh"),
    Dense(4), Activation("tanh"),
    Dense(1, activation="sigmoid"),
], seed=0)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(X, y, epochs=150, batch_size=32, verbose=0)
print(composition(model))
print("training accuracy:", round(history.history["accuracy"][-1], 3))

# %% [markdown]
# Each $f_i$ is one layer. Applying them one after the other is the model. (A Dense layer stores
# `kernel = w.T`: Keras multiplies rows of samples, the slides multiply columns.)

# %%
a = X[:5].astype(model.dtype)
for layer in model.layers:
    a = layer.forward(a)
print(np.allclose(a, model.predict(X[:5], verbose=0), atol=1e-6))
for person, p in zip(X[:5], a.ravel()):
    print(person.round(2), "->", ASTRONAUT_TARGET_NAMES[int(p >= 0.5)], round(float(p), 3))

# %% [markdown]
# A single straight line (logistic regression: one sigmoid unit, $f(x) = \sigma(w \cdot x + b)$)
# cannot bend around the astronauts; the composition can.

# %%
line = Sequential([Dense(1, activation="sigmoid", input_dim=2)], seed=0)
line.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
line_history = line.fit(X, y, epochs=150, batch_size=32, verbose=0)
print(composition(line))
print("one unit:", round(line_history.history["accuracy"][-1], 3),
      "- seven functions:", round(history.history["accuracy"][-1], 3))
