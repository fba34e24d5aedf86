# %% [markdown]
# # 9. An informed look into the first example: the Keras MNIST model
#
# The slides' code, verbatim, with glassnet's imports in place of Keras's. glassnet follows
# Keras's API, so `Sequential`, `Dense`, `Activation`, `summary()`, `compile()` and `fit()` read
# the same. One layout difference with the from-scratch notebooks: a `Dense` kernel has shape
# `(n_in, n_out)` and multiplies rows of samples, so `kernel = w.T` and `bias = b.ravel()`.
#
# **Note.** The slide's code adds `Dense(10)` twice, but the summary printed on the slide shows it
# once (`dense 3 (Dense) (None, 10) 310`, total 24,790). The cell below keeps the line as a comment
# so that the model is the one the summary shows; the next cell counts what the code as written
# would build.

# %%
import numpy as np

from glassnet.layers import Activation, Dense
from glassnet.models import Sequential
from glassnet.workshop.data import mnist_or_fallback

# %%
# Build the architecture
model = Sequential()
model.add(Dense(30, input_dim=784))
model.add(Activation('relu'))
model.add(Dense(30))
model.add(Activation('relu'))
model.add(Dense(10))
# model.add(Dense(10))  # on the slide this line appears twice; its summary shows one Dense(10)
model.add(Activation('softmax'))
model.summary()

# %%
as_written = Sequential()
for layer in [Dense(30, input_dim=784), Activation('relu'), Dense(30), Activation('relu'),
              Dense(10), Dense(10), Activation('softmax')]:
    as_written.add(layer)
print("with Dense(10) twice:", f"{as_written.count_params():,}", "parameters",
      f"(24,790 + 10·10 + 10 = {24_790 + 110:,})")

# %% [markdown]
# The 24,790 parameters are those of the from-scratch network $[784, 30, 30, 10]$:
# $784 \cdot 30 + 30$, $30 \cdot 30 + 30$ and $30 \cdot 10 + 10$.
#
# ## Data
#
# The notebook runs offline: it uses MNIST when it is on this machine, otherwise a stand-in with
# the same 784 pixel inputs and ten classes (it says which below). Set `n_train` to a number to
# train on fewer images.

# %%
n_train = None  # every training image; e.g. 6000 for a quicker run
(x_train, y_train), (x_test, y_test), what = mnist_or_fallback()
x_train, y_train = x_train[:n_train], y_train[:n_train]
print(what)
print("x_train", x_train.shape, "y_train", y_train.shape, "x_test", x_test.shape)

# %%
# Learning algorithm, Loss
from glassnet.optimizers import SGD

model.compile(optimizer=SGD(lr=0.001), loss='categorical_crossentropy', metrics=['accuracy'])

# %%
# Train and test
H = model.fit(x_train, y_train, batch_size=32, epochs=5, validation_data=(x_test, y_test))

# %%
print("validation accuracy after each epoch:", np.round(H.history["val_accuracy"], 3))
print("A learning rate of 0.001 is small for plain SGD: try SGD(lr=0.1) and compare.")
