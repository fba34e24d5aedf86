"""Conv2DTranspose, TimeDistributed and Bidirectional: gradients, Keras (same weights, same
order), PyTorch, training inside Sequential and saving."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet.optimizers import Adam
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    assert_trains_and_saves,
    keras_referee,
    torch_module,
)

TRANSPOSE_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=3, strides=2),
    dict(kernel_size=4, strides=2, padding="same", activation="relu"),
    dict(kernel_size=3, strides=2, padding="same"),
    dict(kernel_size=2, strides=3),
    dict(kernel_size=(3, 2), strides=(2, 1), output_padding=(1, 0)),
    dict(kernel_size=3, dilation_rate=2, padding="same", use_bias=False),
    dict(kernel_size=3, strides=2, padding="same", output_padding=1),
]


@pytest.mark.parametrize("kw", TRANSPOSE_CASES)
def test_conv2d_transpose_gradients(kw, rng):
    layer = gl.Conv2DTranspose(2, bias_initializer="random_normal", **kw)
    assert_gradients(layer, rng.normal(size=(2, 3, 4, 3)))


@pytest.mark.parametrize("kw", TRANSPOSE_CASES)
def test_conv2d_transpose_matches_keras(keras, kw, rng):
    x = rng.normal(size=(2, 4, 5, 3))
    out = keras_referee(keras.layers.Conv2DTranspose(2, **kw), gl.Conv2DTranspose(2, **kw), x)
    assert out.shape[1:] == gl.Conv2DTranspose(2, **kw).output_shape((4, 5, 3))


def test_conv2d_transpose_matches_torch(rng):
    torch = torch_module()
    x = rng.normal(size=(2, 3, 4, 3))
    layer = gl.Conv2DTranspose(5, 3, strides=2, bias_initializer="random_normal")
    layer.dtype = np.dtype("float64")
    layer.build((3, 4, 3), rng)
    assert layer.params["kernel"].shape == (3, 3, 5, 3)  # (kh, kw, filters, in), Keras's
    y = layer.forward(x)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    # torch's weight is (in, out, kh, kw)
    tw = torch.tensor(layer.params["kernel"].transpose(3, 2, 0, 1).copy(), requires_grad=True)
    tb = torch.tensor(layer.params["bias"].copy(), requires_grad=True)
    ref = torch.nn.functional.conv_transpose2d(tx, tw, tb, stride=2)
    ref.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y, ref.detach().numpy().transpose(0, 2, 3, 1), atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1), atol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], tw.grad.numpy().transpose(2, 3, 1, 0),
                               atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), atol=1e-12)


RNNS = ["SimpleRNN", "LSTM", "GRU"]
MODES = ["concat", "sum", "mul", "ave"]


@pytest.mark.parametrize("cell", RNNS)
@pytest.mark.parametrize("merge_mode", MODES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_gradients(cell, merge_mode, return_sequences, rng):
    inner = getattr(gl, cell)(3, return_sequences=return_sequences,
                              bias_initializer="random_normal")
    assert_gradients(gl.Bidirectional(inner, merge_mode=merge_mode), rng.normal(size=(2, 4, 3)))


def test_bidirectional_gradients_with_dropout(rng):
    inner = gl.LSTM(3, dropout=0.3, recurrent_dropout=0.3, return_sequences=True, seed=1)
    assert_gradients(gl.Bidirectional(inner), rng.normal(size=(2, 4, 3)), training=True)


@pytest.mark.parametrize("cell", RNNS)
@pytest.mark.parametrize("merge_mode", MODES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_matches_keras(keras, cell, merge_mode, return_sequences, rng):
    x = rng.normal(size=(3, 5, 4))
    ref = keras.layers.Bidirectional(getattr(keras.layers, cell)(3, return_sequences=return_sequences),
                                     merge_mode=merge_mode)
    mine = gl.Bidirectional(getattr(gl, cell)(3, return_sequences=return_sequences),
                            merge_mode=merge_mode)
    keras_referee(ref, mine, x)
    # Keras's order: the forward layer's weights, then the backward layer's
    assert list(mine.params) == [f"{d}_{k}" for d in ("forward", "backward")
                                 for k in ("kernel", "recurrent_kernel", "bias")]


@pytest.mark.parametrize("make, make_keras, shape", [
    (lambda: gl.Dense(3, activation="tanh"), lambda k: k.layers.Dense(3, activation="tanh"),
     (2, 5, 4)),
    (lambda: gl.Conv2D(2, 3), lambda k: k.layers.Conv2D(2, 3), (2, 3, 6, 6, 1)),
    (lambda: gl.Flatten(), lambda k: k.layers.Flatten(), (2, 3, 2, 2)),
])
def test_time_distributed_matches_keras_and_gradients(keras, make, make_keras, shape, rng):
    x = rng.normal(size=shape)
    keras_referee(keras.layers.TimeDistributed(make_keras(keras)), gl.TimeDistributed(make()), x)
    assert_gradients(gl.TimeDistributed(make()), x)


def test_wrapper_errors():
    with pytest.raises(ValueError, match="Bidirectional `layer`"):
        gl.Bidirectional(gl.Dense(3))
    with pytest.raises(ValueError, match="merge_mode"):
        gl.Bidirectional(gl.LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        gl.Bidirectional(gl.LSTM(3), backward_layer=gl.LSTM(3))
    with pytest.raises(ValueError, match="TimeDistributed `layer`"):
        gl.TimeDistributed("dense")
    with pytest.raises(ValueError, match="TimeDistributed .* at least 3 axes"):
        gl.TimeDistributed(gl.Dense(2)).output_shape((4,))
    with pytest.raises(ValueError, match="Conv2DTranspose `output_padding`"):
        gl.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="Conv2DTranspose `filters`"):
        gl.Conv2DTranspose(0, 3)


@pytest.mark.parametrize("layer", [
    gl.Conv2DTranspose(3, 2, strides=2, padding="same", output_padding=1, activation="relu"),
    gl.TimeDistributed(gl.Dense(4, activation="relu")),
    gl.Bidirectional(gl.GRU(3, return_sequences=True), merge_mode="ave"),
    gl.Bidirectional(gl.LSTM(2), backward_layer=gl.LSTM(2, go_backwards=True)),
])
def test_config_round_trip(layer):
    assert_config_round_trip(layer)


def test_bidirectional_tagger_trains_and_saves(tmp_path, rng):
    # Per step: is the sum of the previous and the next value positive? Needs both directions.
    x = rng.normal(size=(64, 6, 1)).astype(np.float32)
    padded = np.pad(x[:, :, 0], ((0, 0), (1, 1)))
    y = ((padded[:, :-2] + padded[:, 2:]) > 0).astype(np.float32)[:, :, None]
    layers = [gl.Bidirectional(gl.LSTM(6, return_sequences=True, dropout=0.1),
                               input_shape=(6, 1)),
              gl.TimeDistributed(gl.Dense(1, activation="sigmoid"))]
    assert_trains_and_saves(layers, x, y, "binary_crossentropy", tmp_path, epochs=25, factor=0.7,
                            optimizer=Adam(learning_rate=0.02))


def test_decoder_with_conv2d_transpose_trains_and_saves(tmp_path, rng):
    x = rng.normal(size=(48, 4)).astype(np.float32)
    y = np.einsum("ni,hwi->nhw", x, rng.normal(size=(8, 8, 4)))[..., None].astype(np.float32)
    layers = [gl.Dense(16, input_shape=(4,)), gl.Reshape((2, 2, 4)),
              gl.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
              gl.Conv2DTranspose(1, 4, strides=2, padding="same")]
    assert_trains_and_saves(layers, x, y, "mse", tmp_path, epochs=30, factor=0.5,
                            optimizer=Adam(learning_rate=0.01))


def test_bidirectional_lstm_matches_torch(rng):
    torch = torch_module()
    x = rng.normal(size=(2, 5, 3))
    layer = gl.Bidirectional(gl.LSTM(4, return_sequences=True, bias_initializer="random_normal"))
    layer.dtype = np.dtype("float64")
    layer.build((5, 3), rng)
    y = layer.forward(x)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)
    ref = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True, dtype=torch.float64)
    p = layer.params
    with torch.no_grad():  # torch's gate order i, f, g, o is Keras's i, f, c, o
        for suffix, d in (("", "forward_"), ("_reverse", "backward_")):
            getattr(ref, f"weight_ih_l0{suffix}").copy_(torch.tensor(p[d + "kernel"].T))
            getattr(ref, f"weight_hh_l0{suffix}").copy_(torch.tensor(p[d + "recurrent_kernel"].T))
            getattr(ref, f"bias_ih_l0{suffix}").copy_(torch.tensor(p[d + "bias"]))
            getattr(ref, f"bias_hh_l0{suffix}").zero_()
    tx = torch.tensor(x, requires_grad=True)
    out, _ = ref(tx)
    out.backward(torch.tensor(g))
    np.testing.assert_allclose(y, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads["backward_recurrent_kernel"],
                               ref.weight_hh_l0_reverse.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(layer.grads["forward_kernel"], ref.weight_ih_l0.grad.numpy().T,
                               atol=1e-12)
