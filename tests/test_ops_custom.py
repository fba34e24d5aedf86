"""Custom layers, losses, metrics and models written with glassnet.ops: no hand-written
backward, exact gradients (float64 finite differences), and training that lowers the loss."""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet import losses, ops, optimizers
from glassnet.gradcheck import check_layer, check_loss, check_model
from glassnet.layers import Dense, Layer
from glassnet.layers.lambda_layer import Lambda
from glassnet.models import Sequential
from glassnet.models.subclassed import SubclassedModel
from layer_referees import summary_of


class KerasDense(Layer):
    """Keras's guide layer: one-argument ``build``, ``add_weight``, ``call`` with ops."""

    def __init__(self, units: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="glorot_uniform", trainable=True, name="kernel")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                 trainable=True, name="bias")

    def call(self, inputs):
        return ops.tanh(ops.matmul(inputs, self.w) + self.b)


class GlassnetStyleScale(Layer):
    """glassnet's two-argument ``build(input_shape, rng)``, Python operators in ``call``."""

    def build(self, input_shape, rng):
        self.scale = self.add_weight((input_shape[-1],), initializer="ones", name="scale")
        super().build(input_shape, rng)

    def call(self, inputs, training=False):
        return inputs * self.scale + ops.square(inputs) * 0.5


class WeightsInInit(Layer):
    """Keras's first guide example: weights made in ``__init__``, before any input is seen."""

    def __init__(self, units: int = 4, input_dim: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal")
        self.b = self.add_weight(shape=(units,), initializer="zeros")

    def call(self, inputs):
        return inputs @ self.w + self.b


def _data(rng, n=64, features=5):
    x = rng.normal(size=(n, features))
    y = np.tanh(x @ rng.normal(size=(features, 1))) + 0.1 * x[:, :1]
    return x, y


@pytest.mark.parametrize("make", [KerasDense, GlassnetStyleScale, WeightsInInit],
                         ids=["keras_build", "glassnet_build", "weights_in_init"])
def test_custom_layer_gradients_match_finite_differences(make, rng):
    layer = make()
    errors = check_layer(layer, rng.normal(size=(4, 3)), rng)
    assert set(errors) == {"x"} | set(layer.params)
    assert layer.params  # weights were created
    assert max(errors.values()) < 1e-6, errors


def test_custom_layer_inside_a_model_has_exact_parameter_gradients(rng):
    x, y = _data(rng, n=6)
    model = Sequential([KerasDense(4, input_dim=5), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    for row in check_model(model, x, y):
        assert row["relative_error"] < 1e-6, row


@pytest.mark.parametrize("make", [KerasDense, WeightsInInit], ids=["build", "init"])
def test_custom_layer_trains_and_its_variables_see_the_updates(make, rng):
    x, y = _data(rng, features=3)
    layer = make() if make is WeightsInInit else make(input_dim=3)
    model = Sequential([layer, Dense(1)], seed=0)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="mse")
    model.build((None, 3))
    before = layer.w.numpy()
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.8 * history[0]
    # the Variable reads the weight the optimizer updated (a view into the flat vector)
    assert not np.allclose(layer.w.numpy(), before)
    np.testing.assert_array_equal(layer.w.value, layer.params[layer.w.key])
    assert [v.name for v in layer.trainable_weights] == list(layer.params)


def test_keras_build_receives_the_batch_axis(rng):
    seen = []

    class Probe(Layer):
        def build(self, input_shape):
            seen.append(tuple(input_shape))

        def call(self, inputs):
            return ops.relu(inputs)

    Sequential([Probe(input_shape=(7,))]).build()
    assert seen == [(None, 7)]


def test_non_trainable_weight_lives_in_state(rng):
    class Counter(Layer):
        def build(self, input_shape):
            self.offset = self.add_weight((input_shape[-1],), initializer="ones", trainable=False)

        def call(self, inputs):
            return inputs + self.offset

    layer = Counter()
    layer(np.zeros((2, 3)))
    assert not layer.params and list(layer.state) == ["variable"]
    assert layer.non_trainable_weights[0].shape == (3,)


def test_lambda_layer_gradients_and_training(rng):
    layer = Lambda(lambda t: ops.softplus(t) * ops.sigmoid(t[:, :1]))
    errors = check_layer(layer, rng.normal(size=(4, 3)), rng)
    assert errors["x"] < 1e-6
    x, y = _data(rng)
    model = Sequential([Dense(8, input_dim=5), Lambda(lambda t: ops.tanh(t) * 2.0), Dense(1)],
                       seed=0)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.8 * history[0]
    assert model.output_shape == (None, 1)


def test_lambda_output_shape_given_or_inferred():
    assert Lambda(lambda t: ops.sum(t, axis=-1, keepdims=True)).output_shape((5,)) == (1,)
    assert Lambda(lambda t: t, output_shape=(2, 3)).output_shape((6,)) == (2, 3)
    assert Lambda(lambda t: t, output_shape=lambda s: s + (1,)).output_shape((4,)) == (4, 1)
    with pytest.raises(TypeError, match="`function` must be callable"):
        Lambda(3)


# ------------------------------------------------------------------------------ losses
def weighted_mse(y_true, y_pred):
    """A custom loss as a plain function of ``y_true`` and ``y_pred``."""
    err = ops.square(y_true - y_pred)
    return ops.mean(err * ops.convert_to_tensor([1.0, 2.0, 0.5]), axis=-1)


class FocalLikeLoss(losses.Loss):
    """A custom loss as a ``Loss`` subclass with ``call``."""

    def __init__(self, gamma: float = 2.0, name: str = "focal_like"):
        super().__init__(name=name)
        self.gamma = gamma

    def call(self, y_true, y_pred):
        p = ops.clip(y_pred, 1e-7, 1 - 1e-7)
        ce = -y_true * ops.log(p)
        return ops.sum(ce * ops.power(1.0 - p, self.gamma), axis=-1)


def test_custom_loss_function_gradient_is_exact(rng):
    loss = losses.get(weighted_mse)
    y_true, y_pred = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    assert check_loss(loss, y_true, y_pred) < 1e-7
    w = rng.uniform(0.5, 2.0, size=4)
    assert check_loss(loss, y_true, y_pred, sample_weight=w) < 1e-7
    expected = np.mean(((y_true - y_pred) ** 2 * [1.0, 2.0, 0.5]).mean(axis=-1) * w)
    assert loss(y_true, y_pred, w) == pytest.approx(expected, rel=1e-12)


def test_custom_loss_subclass_gradient_is_exact_and_trains(rng):
    loss = losses.get(FocalLikeLoss())
    assert loss.name == "focal_like"
    y_true = np.eye(3)[rng.integers(0, 3, size=5)]
    y_pred = ops.softmax(rng.normal(size=(5, 3)))
    assert check_loss(loss, y_true, y_pred) < 1e-7
    x = rng.normal(size=(90, 4))
    labels = np.argmax(x[:, :3], axis=1)
    model = Sequential([Dense(16, input_dim=4, activation="relu"),
                        Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss=FocalLikeLoss(),
                  metrics=["categorical_accuracy"])
    history = model.fit(x, np.eye(3)[labels], epochs=10, batch_size=16, verbose=0).history
    assert history["loss"][-1] < 0.7 * history["loss"][0]


def test_custom_loss_and_metric_functions_in_compile(rng):
    def squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    def abs_error(y_true, y_pred):
        return ops.mean(ops.abs(y_true - y_pred), axis=-1)

    x, y = _data(rng)
    model = Sequential([Dense(8, input_dim=5, activation="tanh"), Dense(1)], seed=0)
    model.compile(optimizer="adam", loss=squared_error, metrics=[abs_error])
    assert model.loss.name == "squared_error"
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0).history
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    assert len(history["abs_error"]) == 6
    # the metric is the plain NumPy evaluation of the same ops on the predictions
    loss, mae = model.evaluate(x, y, verbose=0)
    pred = model.predict(x)
    assert mae == pytest.approx(np.mean(np.abs(y - pred)), rel=1e-5)
    assert loss == pytest.approx(np.mean((y - pred) ** 2), rel=1e-5)


def test_custom_loss_agrees_with_keras_ops(rng):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    kops = keras.ops

    def make(o):
        def loss(y_true, y_pred):
            p = o.clip(y_pred, 1e-7, 1 - 1e-7)
            ce = -o.sum(y_true * o.log(p), axis=-1)
            return ce + 0.1 * o.mean(o.square(o.softmax(y_pred) - y_true), axis=-1)
        return loss

    y_true = np.eye(4)[rng.integers(0, 4, size=6)].astype("float32")
    y_pred = rng.uniform(0.05, 0.95, size=(6, 4)).astype("float32")
    ours = losses.get(make(ops))(y_true, y_pred)
    theirs = keras.losses.get(make(kops))  # a plain function: Keras wraps it in compile
    values = theirs(kops.convert_to_tensor(y_true), kops.convert_to_tensor(y_pred))
    reference = float(np.mean(kops.convert_to_numpy(values)))
    assert ours == pytest.approx(reference, rel=1e-5)


# ------------------------------------------------------------------------------ models
class TwoTower(SubclassedModel):
    """Keras's third way: layers made in ``__init__``, the flow written in ``call``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(6, activation="tanh")
        self.custom = KerasDense(3)
        self.head = Dense(1)

    def call(self, inputs, training=False):
        h = self.hidden(inputs)
        mixed = ops.concatenate([h, self.custom(inputs) * 2.0], axis=-1)
        return self.head(mixed) + ops.mean(h, axis=-1, keepdims=True)


def test_subclassed_model_parameter_gradients_are_exact(rng):
    x, y = _data(rng, n=5)
    model = TwoTower(seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    rows = check_model(model, x, y)
    assert {r["layer"] for r in rows} == {"dense", "keras_dense", "dense_1"}
    for row in rows:
        assert row["relative_error"] < 1e-6, row


def test_subclassed_model_trains_and_predicts(rng):
    x, y = _data(rng)
    model = TwoTower(seed=0)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="mse")
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.7 * history[0]
    assert model.predict(x).shape == (64, 1)
    assert model.output_shape == (None, 1)


def test_layers_called_inside_a_user_tape_record(rng):
    layer = KerasDense(2)
    dense = Dense(2)
    x = rng.normal(size=(3, 4))
    with ops.Tape() as tape:
        out = ops.sum(dense(layer(x)))
    grads = tape.gradient(out, layer.trainable_weights)
    assert [g.shape for g in grads] == [(4, 2), (2,)]
    assert np.any(dense.grads["kernel"] != 0)  # the built-in layer ran its own backward


def test_keras_style_subclass_of_the_functional_model_trains_once_adopted(rng):
    from glassnet.models import Model
    from glassnet.models.subclassed import adopt

    class Regressor(Model):
        def __init__(self, units: int = 8, **kwargs):
            super().__init__(**kwargs)
            self.hidden = Dense(units, activation="relu")
            self.head = Dense(1)

        def call(self, inputs):
            return self.head(self.hidden(inputs))

    adopt(Regressor)  # what the functional Model's subclass hook does
    model = Regressor(seed=0)
    assert isinstance(model, Model)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="mse")
    x, y = _data(rng)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.7 * history[0]
    assert "Total params: 57" in summary_of(model)


def test_a_subclassed_model_called_inside_another_call_shares_the_tape(rng):
    class Inner(SubclassedModel):
        def __init__(self):
            super().__init__()
            self.dense = Dense(3, activation="tanh")

        def call(self, inputs):
            return self.dense(inputs) * 2.0

    class Outer(SubclassedModel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Inner()
            self.head = Dense(1)

        def call(self, inputs):
            return self.head(ops.concatenate([self.inner(inputs), inputs], axis=-1))

    x, y = _data(rng, n=5)
    model = Outer(seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    model.build((None, 5))
    # built inside the outer build, in the outer model's dtype, and trained by it
    assert model.inner.dense.params["kernel"].dtype == np.float64
    assert model.inner.dense in model.layers
    for row in check_model(model, x, y):
        assert row["relative_error"] < 1e-6, row


class MLPBlock(Layer):
    """Keras's guide: a layer made of layers (two custom ones and a built-in Dense)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.linear_1 = KerasDense(6)
        self.linear_2 = WeightsInInit(units=4, input_dim=6)
        self.out = Dense(2)

    def call(self, inputs):
        return self.out(ops.relu(self.linear_2(self.linear_1(inputs))))


def test_layers_inside_a_custom_layer_are_tracked_and_trained(rng):
    x = rng.normal(size=(64, 5))
    y = np.stack([np.tanh(x[:, 0]), x[:, 1] * 0.5], axis=1)
    block = MLPBlock()
    model = Sequential([block], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    model.build((None, 5))
    assert list(block.params) == ["linear_1/kernel", "linear_1/bias", "linear_2/variable",
                                  "linear_2/variable_1", "out/kernel", "out/bias"]
    for row in check_model(model, x[:6], y[:6]):
        assert row["relative_error"] < 1e-6, row
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="mse")
    before = block.linear_1.w.numpy()
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.7 * history[0]
    # the sublayers read the weights the optimizer updates
    assert not np.allclose(block.linear_1.w.numpy(), before)
    np.testing.assert_array_equal(block.out.params["kernel"], block.params["out/kernel"])
    assert np.shares_memory(block.out.params["kernel"], model._flat.theta)


def test_weights_made_in_init_survive_the_first_call(rng):
    layer = WeightsInInit(units=2, input_dim=3)
    w = rng.normal(size=(3, 2))
    layer.set_weights([w, np.ones(2)])
    np.testing.assert_allclose(layer(np.eye(3)), w + 1.0, rtol=1e-6)


def test_keras_compute_sum_layer_with_a_non_trainable_weight():
    class ComputeSum(Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,),
                                         trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    my_sum = ComputeSum(2)
    np.testing.assert_array_equal(my_sum(np.ones((2, 2))), [2.0, 2.0])
    np.testing.assert_array_equal(my_sum(np.ones((2, 2))), [4.0, 4.0])
    assert (len(my_sum.weights), len(my_sum.non_trainable_weights),
            len(my_sum.trainable_weights)) == (1, 1, 0)


def test_add_weight_errors_name_the_argument():
    layer = Layer()
    with pytest.raises(ValueError, match="`shape` must be a tuple of non-negative ints"):
        layer.add_weight(shape=(2, -1))
    with pytest.raises(ValueError, match="`constraint` is not supported"):
        layer.add_weight(shape=(2,), constraint="non_neg")

    class Pair(Layer):
        def call(self, inputs):
            return {"a": inputs}

    with pytest.raises(TypeError, match="`call` must return one array, got a dict"):
        Pair()(np.ones((1, 2)))


def test_the_tape_reproduces_the_workshops_backprop():
    """The README's example: the chain rule of the slides, done by the tape."""
    from glassnet.datasets.toy import make_astronaut
    from glassnet.scratch import backprop, cost_function, init_params

    X, y = make_astronaut(seed=0)
    w, b = init_params([2, 3, 1], seed=0)
    with ops.Tape() as tape:
        w_t, b_t = tape.watch(w), tape.watch(b)
        a = X.T  # (2, m): samples are columns
        for w_i, b_i in zip(w_t, b_t, strict=True):
            a = ops.sigmoid(ops.matmul(w_i, a) + b_i)
        cost = ops.mean(ops.square(a - y.reshape(1, -1)))
    grads = tape.gradient(cost, [*w_t, *b_t])
    w_pds, b_pds = backprop(X, y, w, b)
    assert float(cost.value) == pytest.approx(cost_function(X, y, w, b), rel=1e-12)
    for g, h in zip(grads, [*w_pds, *b_pds], strict=True):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-15)


def test_custom_and_lambda_layers_in_a_functional_model(rng):
    from glassnet.layers import Input
    from glassnet.models import Model

    inputs = Input(shape=(5,))
    h = KerasDense(6)(inputs)
    h = Lambda(lambda t: t * ops.sigmoid(t))(h)
    model = Model(inputs, Dense(1)(h), seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data(rng, n=6)
    for row in check_model(model, x, y):
        assert row["relative_error"] < 1e-6, row
    assert model.output_shape == (None, 1)


def test_keras_style_model_subclass_trains():
    """``class M(glassnet.models.Model)`` with ``call`` (Keras's third way) trains."""
    from glassnet.layers import Dense
    from glassnet.models import Model

    class TwoLayer(Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(8, activation="tanh")
            self.out = Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    model = TwoLayer()
    assert isinstance(model, Model)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="mse")
    history = model.fit(x, y, epochs=40, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert model.predict(x).shape == (64, 1)
