# %% [markdown]
# # 10. Further questions to expand your knowledge
#
# Each question of the slides' last page has a runnable example in the glassnet repository
# (folder `examples/`); run one with `python examples/NAME.py`.
#
# | Question | Where to look |
# |---|---|
# | How to do multilabel/multiclass classification? | `examples/multiclass.py` (softmax over classes) |
# | Different loss/activation functions? | `examples/losses_and_activations.py` |
# | Advantages and disadvantages of adding more layers? | `examples/depth.py` |
# | Are there better initialization techniques? | `examples/initialization.py` |
# | Gradient descent variants? | `examples/gd_variants.py` |
# | Regularization? | `examples/regularization.py` |
# | How to do regression? | `examples/regression.py` |
# | Different architectures for certain problems? Why CNN RNN? | `examples/cnn_fashion_mnist.py`, `examples/rnn_memory.py` |
# | Vanishing/Exploding gradients? | `examples/vanishing_gradients.py` |
# | How did people achieve developing 100-1000 layers networks? | `examples/very_deep_resnet.py` |
# | Backpropagation? | notebook 8 of this workshop, and `glassnet.scratch.backprop` |
# | Data augmentation? | `examples/augmentation.py` |
#
# A taste of the first question, multiclass: three classes, a softmax output, one-hot targets.

# %%
import numpy as np

from glassnet.datasets.toy import make_blobs
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.workshop import composition

X, labels = make_blobs(n_samples=300, centers=3, seed=0)
Y = np.eye(3)[labels]
model = Sequential([Dense(8, activation="relu", input_dim=2), Dense(3, activation="softmax")], seed=0)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(X, Y, epochs=60, batch_size=32, verbose=0)
print(composition(model))
print("training accuracy:", round(history.history["accuracy"][-1], 3))
