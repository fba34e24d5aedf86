"""BatchNormalization and LayerNormalization: formulas, gradients, state, saving, errors."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.gradcheck import check_layer
from glassnet.layers import (
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    LayerNormalization,
    MaxPooling2D,
)
from glassnet.layers.base import deserialize_layer, serialize_layer
from glassnet.models import Sequential, load_model
from glassnet.optimizers import Adam
from layer_referees import summary_of

BN_CASES = {
    "dense": (lambda: BatchNormalization(), (6, 4)),
    "conv": (lambda: BatchNormalization(), (3, 3, 4, 2)),
    "axis1": (lambda: BatchNormalization(axis=1), (3, 2, 4)),
    "conv_axis2": (lambda: BatchNormalization(axis=2), (2, 3, 2, 3)),
    "no_scale": (lambda: BatchNormalization(scale=False), (5, 3)),
    "no_center": (lambda: BatchNormalization(center=False), (2, 2, 2, 3)),
    "regularized": (lambda: BatchNormalization(gamma_regularizer="l2",
                                               gamma_initializer="random_normal",
                                               beta_initializer="random_normal"), (5, 3)),
}


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("case", sorted(BN_CASES))
def test_batch_norm_gradients(case, training, rng):
    make, shape = BN_CASES[case]
    layer = make()
    if not training:  # non-trivial moving statistics
        layer.dtype = np.dtype("float64")
        layer.build(shape[1:], rng)
        layer.state["moving_mean"][...] = rng.standard_normal(layer.state["moving_mean"].shape)
        layer.state["moving_variance"][...] = rng.uniform(0.5, 2.0,
                                                          layer.state["moving_mean"].shape)
    errors = check_layer(layer, rng.standard_normal(shape) * 2 + 1, rng, training=training)
    assert max(errors.values()) < 1e-6, errors


def test_batch_norm_training_formula_and_moving_average(rng):
    layer = BatchNormalization(momentum=0.9, epsilon=1e-3, dtype="float64")
    x = rng.normal(3.0, 2.0, (8, 5, 5, 4))
    layer.build(x.shape[1:], rng)
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    layer.set_weights([gamma, beta, np.full(4, 0.5), np.full(4, 2.0)])
    y = layer.forward(x, training=True)
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))  # biased, as in Keras
    np.testing.assert_allclose(y, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-10)
    np.testing.assert_allclose(layer.state["moving_mean"], 0.5 * 0.9 + mean * 0.1)
    np.testing.assert_allclose(layer.state["moving_variance"], 2.0 * 0.9 + var * 0.1)
    # Inference: the moving statistics, not the batch's.
    mm, mv = layer.state["moving_mean"].copy(), layer.state["moving_variance"].copy()
    y_inf = layer.forward(x, training=False)
    np.testing.assert_allclose(y_inf, gamma * (x - mm) / np.sqrt(mv + 1e-3) + beta, rtol=1e-10)
    np.testing.assert_array_equal(layer.state["moving_mean"], mm)  # unchanged


def test_batch_norm_normalises_each_channel(rng):
    layer = BatchNormalization(epsilon=1e-6)
    x = rng.normal(5.0, 3.0, (16, 6, 6, 3)).astype(np.float32)
    y = layer(x, training=True)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(0, 1, 2)), 1.0, atol=1e-3)


def test_batch_norm_not_trainable_runs_in_inference_mode(rng):
    layer = BatchNormalization(trainable=False, dtype="float64")
    x = rng.normal(2.0, 1.0, (6, 3))
    y = layer(x, training=True)
    np.testing.assert_allclose(y, x / np.sqrt(1.0 + 1e-3))
    np.testing.assert_array_equal(layer.state["moving_mean"], 0.0)


def test_batch_norm_weights_counts_and_summary():
    model = Sequential([Conv2D(32, 3, input_shape=(28, 28, 1)), BatchNormalization()])
    text = summary_of(model)
    bn = model.layers[1]
    assert bn.count_params() == 64 and bn.count_state() == 64
    assert [w.shape for w in bn.get_weights()] == [(32,)] * 4
    np.testing.assert_array_equal(bn.get_weights()[0], 1.0)  # gamma, beta, mean, variance
    np.testing.assert_array_equal(bn.get_weights()[3], 1.0)
    assert list(bn.params) == ["gamma", "beta"]
    assert list(bn.state) == ["moving_mean", "moving_variance"]
    assert "128" in text and "Non-trainable params: 64" in text
    assert "Total params: 448" in text and "Trainable params: 384" in text


def test_model_with_batch_norm_trains_and_round_trips(rng, tmp_path):
    # Bright top half (class 0) or bright bottom half (class 1), under noise.
    y = rng.integers(0, 2, 128)
    x = rng.normal(0.0, 1.0, (128, 6, 6, 1)).astype(np.float32)
    x[y == 0, :3] += 1.0
    x[y == 1, 3:] += 1.0
    model = Sequential([
        Conv2D(4, 3, padding="same", use_bias=False, input_shape=(6, 6, 1)),
        BatchNormalization(momentum=0.8),
        Activation("relu"),
        MaxPooling2D(),
        Flatten(),
        Dense(8),
        BatchNormalization(),
        Activation("relu"),
        Dense(2, activation="softmax"),
    ], seed=0)
    model.compile(Adam(0.01), "sparse_categorical_crossentropy")
    losses = model.fit(x, y, batch_size=16, epochs=6, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    bn = model.layers[1]
    assert not np.allclose(bn.state["moving_mean"], 0.0)  # the moving stats were updated
    path = tmp_path / "bn.npz"
    model.save(path)
    again = load_model(path)
    np.testing.assert_array_equal(again.layers[1].state["moving_variance"],
                                  bn.state["moving_variance"])
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert again.predict(x).dtype == np.float32


@pytest.mark.parametrize("layer", [BatchNormalization(), LayerNormalization()])
def test_float32_stays_float32(layer, rng):
    x = rng.standard_normal((4, 3, 3, 2)).astype(np.float32)
    y = layer(x, training=True)
    assert y.dtype == np.float32
    dx = layer.backward(rng.standard_normal(y.shape).astype(np.float32))
    assert dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    assert all(s.dtype == np.float32 for s in layer.state.values())


LN_CASES = {
    "last": (lambda: LayerNormalization(), (3, 5)),
    "last_3d": (lambda: LayerNormalization(), (2, 3, 4)),
    "middle": (lambda: LayerNormalization(axis=1), (2, 3, 4)),
    "list": (lambda: LayerNormalization(axis=[1, 2]), (2, 3, 2, 2)),
    "list_non_adjacent": (lambda: LayerNormalization(axis=[1, 3]), (2, 2, 3, 2)),
    "no_center": (lambda: LayerNormalization(center=False,
                                             gamma_initializer="random_normal"), (3, 4)),
    "no_scale": (lambda: LayerNormalization(scale=False), (3, 4)),
}


@pytest.mark.parametrize("case", sorted(LN_CASES))
def test_layer_norm_gradients(case, rng):
    make, shape = LN_CASES[case]
    errors = check_layer(make(), rng.standard_normal(shape) * 3 - 1, rng, training=True)
    assert max(errors.values()) < 1e-6, errors


def test_layer_norm_formula(rng):
    layer = LayerNormalization(axis=[-2, -1], dtype="float64")
    x = rng.normal(2.0, 3.0, (4, 3, 5))
    layer.build(x.shape[1:], rng)
    assert layer.params["gamma"].shape == (3, 5)
    gamma, beta = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    layer.set_weights([gamma, beta])
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    expected = gamma * (x - mean) / np.sqrt(var + 1e-3) + beta
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-10)
    np.testing.assert_allclose(layer.forward(x, training=True), expected, rtol=1e-10)
    assert layer.count_state() == 0


@pytest.mark.parametrize("make, match", [
    (lambda: BatchNormalization(momentum=1.5), r"BatchNormalization `momentum` must be"),
    (lambda: BatchNormalization(epsilon=0), r"BatchNormalization `epsilon` must be a number > 0"),
    (lambda: BatchNormalization(axis="x"), r"BatchNormalization `axis` must be an integer"),
    (lambda: LayerNormalization(axis=[]), r"LayerNormalization `axis` must be an integer"),
    (lambda: LayerNormalization(epsilon=-1.0), r"LayerNormalization `epsilon` must be"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_axes():
    with pytest.raises(ValueError, match=r"`axis`=0 is not a feature axis of inputs of shape "
                                         r"\(None, 4\)"):
        BatchNormalization(axis=0).output_shape((4,))
    with pytest.raises(ValueError, match=r"`axis`=3 is not a feature axis"):
        BatchNormalization(axis=3).output_shape((4, 5))
    with pytest.raises(ValueError, match=r"must name distinct feature axes"):
        LayerNormalization(axis=[1, -2]).output_shape((4, 5))


def test_config_round_trip():
    for layer in [BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                                     gamma_regularizer="l2"),
                  LayerNormalization(axis=[1, 2], epsilon=1e-6, scale=False)]:
        clone = deserialize_layer(serialize_layer(layer))
        assert type(clone) is type(layer)
        assert clone.get_config() == layer.get_config()
