"""Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D:
gradients, Keras (same weights), PyTorch, training and saving."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    assert_trains_and_saves,
    keras_referee,
    torch_module,
)

CONV_CASES = [
    dict(filters=4, kernel_size=3),
    dict(filters=3, kernel_size=3, strides=2, padding="same", activation="tanh"),
    dict(filters=2, kernel_size=2, dilation_rate=2, padding="causal"),
    dict(filters=2, kernel_size=3, strides=2, padding="causal", use_bias=False),
    dict(filters=5, kernel_size=1),
    dict(filters=3, kernel_size=4, padding="same", dilation_rate=2, activation="relu"),
]

POOL_CASES = [
    ("MaxPooling1D", {}), ("MaxPooling1D", {"pool_size": 3, "strides": 2}),
    ("MaxPooling1D", {"pool_size": 3, "padding": "same"}),
    ("AveragePooling1D", {"pool_size": 2}), ("AveragePooling1D", {"pool_size": 3, "strides": 1}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("GlobalAveragePooling1D", {}), ("GlobalAveragePooling1D", {"keepdims": True}),
    ("GlobalMaxPooling1D", {}), ("GlobalMaxPooling1D", {"keepdims": True}),
]


@pytest.mark.parametrize("kw", CONV_CASES)
def test_conv1d_gradients(kw, rng):
    layer = gl.Conv1D(**kw, bias_initializer="random_normal")
    assert_gradients(layer, rng.normal(size=(2, 9, 3)))


@pytest.mark.parametrize("name, kw", POOL_CASES)
def test_pooling1d_gradients(name, kw, rng):
    assert_gradients(getattr(gl, name)(**kw), rng.normal(size=(3, 7, 4)))


@pytest.mark.parametrize("kw", CONV_CASES)
def test_conv1d_matches_keras(keras, kw, rng):
    out = keras_referee(keras.layers.Conv1D(**kw), gl.Conv1D(**kw), rng.normal(size=(2, 9, 3)),
                        rtol=1e-5, atol=1e-5)
    assert out.shape[1:] == tuple(gl.Conv1D(**kw).output_shape((9, 3)))


@pytest.mark.parametrize("name, kw", POOL_CASES)
def test_pooling1d_matches_keras(keras, name, kw, rng):
    keras_referee(getattr(keras.layers, name)(**kw), getattr(gl, name)(**kw),
                  rng.normal(size=(3, 7, 4)))


def test_conv1d_weight_layout_is_keras(rng):
    layer = gl.Conv1D(6, 5, input_shape=(20, 3))
    layer.build((20, 3), rng)
    assert [w.shape for w in layer.get_weights()] == [(5, 3, 6), (6,)]
    assert layer.output_shape((20, 3)) == (16, 6)
    assert layer.output_shape((None, 3)) == (None, 6)


def test_conv1d_matches_torch(rng):
    torch = torch_module()
    x = rng.normal(size=(2, 10, 3))
    layer = gl.Conv1D(4, 3, strides=2, dilation_rate=1, padding="valid")
    layer.dtype = np.dtype("float64")
    layer.build((10, 3), rng)
    layer.params["bias"][...] = rng.normal(size=4)
    y = layer.forward(x)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)
    tx = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    tw = torch.tensor(layer.params["kernel"].transpose(2, 1, 0).copy(), requires_grad=True)
    tb = torch.tensor(layer.params["bias"].copy(), requires_grad=True)
    ref = torch.nn.functional.conv1d(tx, tw, tb, stride=2)
    ref.backward(torch.tensor(g.transpose(0, 2, 1)))
    np.testing.assert_allclose(y, ref.detach().numpy().transpose(0, 2, 1), atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 1), atol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], tw.grad.numpy().transpose(2, 1, 0),
                               atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), atol=1e-12)


def test_causal_padding_never_looks_ahead(rng):
    layer = gl.Conv1D(2, 3, dilation_rate=2, padding="causal")
    x = rng.normal(size=(1, 12, 2)).astype(np.float32)
    y = layer(x)
    x2 = x.copy()
    x2[:, 7:] += 5.0  # change the future of step 6
    np.testing.assert_array_equal(layer(x2)[:, :7], y[:, :7])
    assert y.shape == (1, 12, 2)


def test_errors():
    with pytest.raises(ValueError, match="Conv1D `padding`"):
        gl.Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match="Conv1D `filters`"):
        gl.Conv1D(0, 3)
    with pytest.raises(ValueError, match="Conv1D `kernel_size`"):
        gl.Conv1D(2, (3, 3))
    with pytest.raises(ValueError, match="expects inputs of shape \\(batch, steps, channels\\)"):
        gl.Conv1D(2, 3).output_shape((4, 4, 1))
    with pytest.raises(ValueError, match="kernel spans 5 steps"):
        gl.Conv1D(2, 3, dilation_rate=2).output_shape((4, 1))
    with pytest.raises(ValueError, match="MaxPooling1D `pool_size`"):
        gl.MaxPooling1D(pool_size=0)
    with pytest.raises(ValueError, match="pool_size 4 is larger"):
        gl.AveragePooling1D(4).output_shape((3, 2))
    with pytest.raises(ValueError, match="GlobalMaxPooling1D .* expects inputs"):
        gl.GlobalMaxPooling1D().output_shape((3,))


@pytest.mark.parametrize("layer", [gl.Conv1D(3, 2, strides=2, padding="causal",
                                             activation="relu", kernel_regularizer="l2")]
                         + [getattr(gl, n)(**kw) for n, kw in POOL_CASES])
def test_config_round_trip(layer):
    assert_config_round_trip(layer)


def test_sequence_classifier_trains_and_saves(tmp_path, rng):
    # Is there a rising edge (a 0 -> 1 step) anywhere in the sequence?
    x = (rng.random((96, 16, 1)) < 0.5).astype(np.float32)
    x[:48] = np.sort(x[:48], axis=1)[:, ::-1]  # falling only: no rising edge
    y = (np.diff(x[:, :, 0], axis=1) > 0).any(axis=1).astype(np.float32)[:, None]
    layers = [gl.Conv1D(8, 3, padding="causal", activation="relu", input_shape=(16, 1)),
              gl.MaxPooling1D(2), gl.Conv1D(8, 2, padding="same", activation="relu"),
              gl.AveragePooling1D(2, padding="same"), gl.GlobalMaxPooling1D(),
              gl.Dense(1, activation="sigmoid")]
    assert_trains_and_saves(layers, x, y, "binary_crossentropy", tmp_path, epochs=30, factor=0.6)


def test_global_average_pooling_model(tmp_path, rng):
    x = rng.normal(size=(64, 10, 3)).astype(np.float32)
    y = x.mean(axis=1)[:, :1]
    layers = [gl.Conv1D(4, 1, input_shape=(10, 3)), gl.GlobalAveragePooling1D(), gl.Dense(1)]
    assert_trains_and_saves(layers, x, y, "mse", tmp_path, epochs=30, factor=0.6)


@pytest.mark.parametrize("name, fn", [("MaxPooling1D", "max_pool1d"),
                                      ("AveragePooling1D", "avg_pool1d")])
def test_pooling1d_matches_torch(name, fn, rng):
    torch = torch_module()
    x = rng.normal(size=(2, 9, 3))
    layer = getattr(gl, name)(pool_size=3, strides=2)
    y = layer(x)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)
    tx = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    ref = getattr(torch.nn.functional, fn)(tx, 3, stride=2)
    ref.backward(torch.tensor(g.transpose(0, 2, 1)))
    np.testing.assert_allclose(y, ref.detach().numpy().transpose(0, 2, 1), atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 1), atol=1e-12)
