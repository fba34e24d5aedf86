"""``add_loss`` in a custom layer (with a built-in Dense inside it) and in a subclassed
model's ``call``: the terms join the loss, and the gradients, each layer's backward run once,
match central differences in float64."""

from __future__ import annotations

import numpy as np

import glassnet as G  # noqa: N812
from glassnet.gradcheck import numeric_gradient, relative_error

L, ops = G.layers, G.ops


class Penalised(L.Layer):
    """A Dense inside, and a penalty on its output."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = L.Dense(3, activation="tanh")

    def call(self, inputs):
        h = self.inner(inputs)
        self.add_loss(0.3 * ops.mean(ops.square(h)))
        return h * 2.0


class Net(G.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(4, activation="tanh")
        self.out = L.Dense(2)

    def call(self, inputs):
        h = self.hidden(inputs)
        self.add_loss(0.5 * ops.mean(ops.abs(h)))
        return self.out(h)


def _check(model, x, y):
    model.compile(optimizer="sgd", loss="mse")

    def total() -> float:  # what evaluate reports, in float64
        return float(model.loss(y, model._forward(x, training=False)) + model._penalty())

    loss, _, grads = model.compute_gradients(x, y, training=False)
    assert abs(loss - total()) < 1e-12
    assert abs(model.evaluate(x, y, verbose=0, batch_size=len(x)) - loss) < 1e-6
    assert model.losses and loss > float(np.mean((model.predict(x) - y) ** 2))
    for var, g in zip(model.trainable_weights, grads, strict=True):
        p = var.layer.params[var.key]
        assert relative_error(g, numeric_gradient(total, p, 1e-6)) < 1e-6, var.key


def test_add_loss_in_a_layer_with_a_built_in_sublayer():
    inputs = G.Input(shape=(5,))
    model = G.Model(inputs, L.Dense(2)(Penalised()(L.Dense(4)(inputs))), dtype="float64",
                    seed=0)
    rng = np.random.default_rng(0)
    _check(model, rng.normal(size=(6, 5)), rng.normal(size=(6, 2)))


def test_add_loss_in_a_subclassed_model():
    model = Net(dtype="float64", seed=0)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 5)), rng.normal(size=(6, 2))
    model(x)
    _check(model, x, y)
