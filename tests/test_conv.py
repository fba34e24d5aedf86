"""Conv2D: against a naive loop convolution, gradient checks, shapes, errors, training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet.gradcheck import check_layer
from glassnet.layers import Conv2D, Dense, Flatten, MaxPooling2D
from glassnet.layers.base import deserialize_layer, serialize_layer
from glassnet.models import Sequential, load_model
from glassnet.optimizers import Adam
from layer_referees import summary_of


def tf_same_pads(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding along one axis, written out from its definition."""
    eff = (k - 1) * d + 1
    out = math.ceil(size / s)
    total = max((out - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def naive_conv2d(x, kernel, bias, strides, padding, dilation):
    """Cross-correlation with explicit loops over every output value (the reference)."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    (sh, sw), (dh, dw) = strides, dilation
    if padding == "same":
        (t, b), (l, r) = tf_same_pads(h, kh, sh, dh), tf_same_pads(w, kw, sw, dw)
    else:
        t = b = l = r = 0
    xp = np.zeros((n, h + t + b, w + l + r, c))
    xp[:, t:t + h, l:l + w] = x
    oh = (xp.shape[1] - ((kh - 1) * dh + 1)) // sh + 1
    ow = (xp.shape[2] - ((kw - 1) * dw + 1)) // sw + 1
    y = np.zeros((n, oh, ow, f))
    for b_ in range(n):
        for i in range(oh):
            for j in range(ow):
                for o in range(f):
                    acc = bias[o]
                    for u in range(kh):
                        for v in range(kw):
                            for ch in range(c):
                                acc += (xp[b_, i * sh + u * dh, j * sw + v * dw, ch]
                                        * kernel[u, v, ch, o])
                    y[b_, i, j, o] = acc
    return y


# (kernel_size, strides, padding, dilation_rate, channels, image (h, w))
GEOMETRIES = [
    ((3, 3), (1, 1), "valid", (1, 1), 2, (6, 7)),
    ((3, 3), (1, 1), "same", (1, 1), 5, (5, 6)),
    ((3, 2), (2, 2), "same", (1, 1), 1, (7, 6)),
    ((3, 3), (2, 1), "valid", (1, 1), 4, (8, 7)),
    ((3, 3), (1, 1), "same", (2, 2), 3, (7, 7)),
    ((2, 3), (1, 2), "valid", (2, 1), 4, (7, 8)),
    ((5, 5), (3, 3), "same", (1, 1), 2, (8, 9)),
    ((1, 1), (1, 1), "valid", (1, 1), 3, (4, 5)),
    ((1, 1), (2, 2), "same", (1, 1), 4, (5, 5)),
    ((4, 4), (2, 2), "same", (1, 1), 4, (6, 6)),  # even kernel: the extra pad goes bottom/right
]


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[str(g[:5]) for g in GEOMETRIES])
def test_forward_matches_naive_convolution(geometry, rng):
    kernel_size, strides, padding, dilation, c, (h, w) = geometry
    layer = Conv2D(3, kernel_size, strides=strides, padding=padding, dilation_rate=dilation,
                   bias_initializer="random_normal", dtype="float64")
    x = rng.standard_normal((2, h, w, c))
    y = layer(x)
    expected = naive_conv2d(x, layer.params["kernel"], layer.params["bias"], strides, padding,
                            dilation)
    assert y.shape == expected.shape
    assert layer.output_shape((h, w, c)) == expected.shape[1:]
    np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[str(g[:5]) for g in GEOMETRIES])
def test_gradients(geometry, rng):
    kernel_size, strides, padding, dilation, c, (h, w) = geometry
    layer = Conv2D(2, kernel_size, strides=strides, padding=padding, dilation_rate=dilation,
                   activation="tanh")
    errors = check_layer(layer, rng.standard_normal((2, h, w, c)), rng, training=True)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("activation", [None, "relu", "softmax"])
def test_gradients_with_activations_no_bias_and_regularizers(activation, rng):
    layer = Conv2D(3, 2, activation=activation, use_bias=activation != "relu",
                   kernel_regularizer="l2")
    x = rng.standard_normal((2, 4, 4, 2))
    errors = check_layer(layer, x, rng, training=True)
    assert max(errors.values()) < 1e-6, errors


def test_backward_preactivation_skips_the_activation(rng):
    layer = Conv2D(2, 2, activation="sigmoid", dtype="float64")
    x = rng.standard_normal((2, 4, 4, 3))
    layer(x)
    g = rng.standard_normal((2, 3, 3, 2))
    dx_pre = layer.backward_preactivation(g)
    dk_pre = layer.grads["kernel"].copy()
    plain = Conv2D(2, 2, dtype="float64")
    plain.build(x.shape[1:], rng)
    plain.set_weights(layer.get_weights())
    plain.forward(x)
    np.testing.assert_allclose(dx_pre, plain.backward(g))
    np.testing.assert_allclose(dk_pre, plain.grads["kernel"])


def test_shapes_params_and_summary_like_keras():
    model = Sequential([
        Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D(),
        Conv2D(64, (3, 3), activation="relu"),
        MaxPooling2D(),
        Flatten(),
        Dense(10, activation="softmax"),
    ])
    assert model.layer_output_shapes()[:4] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64)]
    text = summary_of(model)
    assert "(None, 26, 26, 32)" in text and "(None, 5, 5, 64)" in text
    model.build()
    conv1, conv2 = model.layers[0], model.layers[2]
    assert conv1.count_params() == 320  # 3*3*1*32 + 32, as Keras
    assert conv2.count_params() == 18496  # 3*3*32*64 + 64
    assert conv1.params["kernel"].shape == (3, 3, 1, 32)
    assert "320" in text and "18,496" in text


@pytest.mark.parametrize("h, k, s, d, padding, expected", [
    (28, 3, 1, 1, "same", 28), (28, 3, 2, 1, "same", 14), (7, 3, 2, 1, "same", 4),
    (28, 5, 1, 1, "valid", 24), (28, 3, 2, 1, "valid", 13), (28, 3, 1, 2, "valid", 24),
    (9, 3, 3, 2, "same", 3),
])
def test_output_shape_rules(h, k, s, d, padding, expected):
    layer = Conv2D(4, k, strides=s, padding=padding, dilation_rate=d)
    assert layer.output_shape((h, h, 3)) == (expected, expected, 4)
    assert layer.output_shape((None, h, 3)) == (None, expected, 4)


def test_float32_stays_float32(rng):
    layer = Conv2D(4, 3, strides=2, padding="same", activation="relu")
    x = rng.standard_normal((3, 9, 9, 5)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    dx = layer.backward(rng.standard_normal(y.shape).astype(np.float32))
    assert dx.dtype == np.float32 and dx.shape == x.shape
    assert all(g.dtype == np.float32 for g in layer.grads.values())


def test_first_layer_skips_input_gradient(rng):
    model = Sequential([Conv2D(2, 3, input_shape=(5, 5, 1)), Flatten(), Dense(2)])
    model.build()
    assert model.layers[0].input_grad_needed is False
    x = rng.standard_normal((2, 5, 5, 1)).astype(np.float32)
    model.layers[0].forward(x)
    assert model.layers[0].backward(np.ones((2, 3, 3, 2), np.float32)) is None


def test_smaller_last_batch_reuses_the_buffer(rng):
    layer = Conv2D(3, 3, dtype="float64")
    x = rng.standard_normal((5, 6, 6, 4))
    full = layer(x)
    part = layer(x[:2])
    np.testing.assert_allclose(part, full[:2])
    np.testing.assert_allclose(layer(x), full)


@pytest.mark.parametrize("make, match", [
    (lambda: Conv2D(0, 3), r"Conv2D `filters` must be a positive integer, got 0"),
    (lambda: Conv2D(-2, 3), r"`filters` must be a positive integer, got -2"),
    (lambda: Conv2D(4.5, 3), r"`filters` must be a positive integer, got 4.5"),
    (lambda: Conv2D(4, 0), r"Conv2D `kernel_size` must be a positive integer or a tuple"),
    (lambda: Conv2D(4, (3, 3, 3)), r"`kernel_size` .* got \(3, 3, 3\)"),
    (lambda: Conv2D(4, 3, strides=0), r"Conv2D `strides` must be a positive integer"),
    (lambda: Conv2D(4, 3, strides=(1, -1)), r"`strides` .* got \(1, -1\)"),
    (lambda: Conv2D(4, 3, dilation_rate=0), r"Conv2D `dilation_rate` must be"),
    (lambda: Conv2D(4, 3, padding="full"), r"Conv2D `padding` must be 'valid' or 'same'"),
    (lambda: Conv2D(4, 3, data_format="channels_first"), r"only layout"),
    (lambda: Conv2D(4, 3, activation="nope"), r"Unknown activation 'nope'"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_missing_channel_axis_is_explained():
    model = Sequential([Conv2D(8, 3, name="conv2d_1"), Flatten(), Dense(10)])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.zeros((4, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_1' expects inputs of shape "
                                         r"\(batch, height, width, channels\), got "
                                         r"\(None, 28, 28\)"):
        model.fit(x, np.zeros(4, int), epochs=1, verbose=0)


def test_kernel_larger_than_input():
    with pytest.raises(ValueError, match=r"kernel spans 5 pixels along height .* only 4"):
        Sequential([Conv2D(2, 5, input_shape=(4, 9, 1))]).build()
    with pytest.raises(ValueError, match=r"kernel spans 5 pixels along width"):
        Conv2D(2, 3, dilation_rate=2).output_shape((9, 4, 1))
    Conv2D(2, 5, padding="same").output_shape((4, 4, 1))  # fine with padding


def test_wrong_channels_at_call_time(rng):
    layer = Conv2D(2, 3)
    layer(rng.standard_normal((1, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, height, width, 3\)"):
        layer.forward(rng.standard_normal((1, 5, 5, 2)))


def test_config_round_trip():
    layer = Conv2D(6, (3, 2), strides=2, padding="same", dilation_rate=(1, 1),
                   activation="relu", use_bias=False, kernel_initializer="he_normal",
                   kernel_regularizer="l2", name="c")
    clone = deserialize_layer(serialize_layer(layer))
    assert isinstance(clone, Conv2D)
    assert clone.get_config() == layer.get_config()
    assert clone.kernel_size == (3, 2) and clone.strides == (2, 2)


def stripes(rng, n):
    """Horizontal vs vertical bars in 8x8 images: a task only a conv net finds trivial."""
    x = rng.normal(0.0, 0.3, (n, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 2, n)
    pos = rng.integers(1, 7, n)
    for label, axis in ((0, 1), (1, 2)):
        idx = np.flatnonzero(y == label)
        if axis == 1:
            x[idx, pos[idx], :, 0] += 1.5
        else:
            x[idx, :, pos[idx], 0] += 1.5
    return x, y


def test_small_cnn_trains_and_round_trips(rng, tmp_path):
    x, y = stripes(rng, 256)
    model = Sequential([
        Conv2D(4, 3, activation="relu", padding="same", input_shape=(8, 8, 1)),
        MaxPooling2D(),
        Conv2D(8, 3, activation="relu"),
        Flatten(),
        Dense(2, activation="softmax"),
    ], seed=0)
    model.compile(Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=6, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.2 * losses[0]
    assert history.history["accuracy"][-1] > 0.9
    path = tmp_path / "cnn.npz"
    model.save(path)
    again = load_model(path)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
