"""Pooling and zero padding: against naive loops, gradient checks, ties, shapes, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet.gradcheck import check_layer
from glassnet.layers import (
    AveragePooling2D,
    Conv2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    MaxPooling2D,
    ZeroPadding2D,
)
from glassnet.layers.base import deserialize_layer, serialize_layer
from glassnet.models import Sequential
from layer_referees import summary_of


def windows(h, w, pool, strides, padding, repeat_edges=False):
    """Yield ``(i, j, rows, cols)``: each output position and the real pixels of its window
    (TensorFlow's 'same' rule: padding before = total // 2, never counted). With
    ``repeat_edges``, a window reaching past the border reads the edge pixel again instead."""
    (ph, pw), (sh, sw) = pool, strides
    if padding == "same":
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
        top = max((oh - 1) * sh + ph - h, 0) // 2
        left = max((ow - 1) * sw + pw - w, 0) // 2
    else:
        oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
        top = left = 0
    for i in range(oh):
        for j in range(ow):
            rows = [min(max(r, 0), h - 1) if repeat_edges else r
                    for r in range(i * sh - top, i * sh - top + ph)]
            cols = [min(max(c, 0), w - 1) if repeat_edges else c
                    for c in range(j * sw - left, j * sw - left + pw)]
            yield (i, j, [r for r in rows if 0 <= r < h], [c for c in cols if 0 <= c < w],
                   (oh, ow))


def uneven_same_padding(h, w, pool, strides):
    """Whether 'same' pads one more pixel after than before on some axis: Keras's PyTorch
    backend then repeats the edge pixels and counts them in an average."""
    totals = [max((math.ceil(n / s) - 1) * s + p - n, 0)
              for n, p, s in zip((h, w), pool, strides, strict=True)]
    return any(t % 2 for t in totals)


def naive_pool(x, pool, strides, padding, kind):
    n, h, w, c = x.shape
    out = None
    edges = kind == "avg" and padding == "same" and uneven_same_padding(h, w, pool, strides)
    for i, j, rows, cols, (oh, ow) in windows(h, w, pool, strides, padding, edges):
        if out is None:
            out = np.zeros((n, oh, ow, c))
        patch = x[:, rows][:, :, cols]  # (n, r, s, c)
        out[:, i, j] = patch.max(axis=(1, 2)) if kind == "max" else patch.mean(axis=(1, 2))
    return out


def naive_max_pool_backward(x, g, pool, strides, padding):
    """Each window's gradient goes to its first (row-major) maximum, as in PyTorch."""
    n, h, w, c = x.shape
    dx = np.zeros_like(x)
    for i, j, rows, cols, _ in windows(h, w, pool, strides, padding):
        for b in range(n):
            for k in range(c):
                patch = x[b][np.ix_(rows, cols)][:, :, k]
                r, s = np.unravel_index(np.argmax(patch), patch.shape)  # argmax: first max
                dx[b, rows[r], cols[s], k] += g[b, i, j, k]
    return dx


POOLS = [
    ((2, 2), None, "valid", (6, 8)),
    ((2, 2), None, "valid", (5, 7)),  # leftover row/column never pooled
    ((3, 3), (2, 2), "valid", (7, 7)),  # overlapping windows
    ((2, 2), None, "same", (5, 5)),
    ((3, 3), (2, 2), "same", (6, 5)),
    ((2, 3), (1, 2), "same", (4, 6)),
    ((3, 3), (1, 1), "same", (4, 4)),
    ((2, 2), (3, 3), "valid", (8, 8)),  # gaps between windows
]
IDS = [f"{p}-{s}-{pad}-{hw}" for p, s, pad, hw in POOLS]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("pool, strides, padding, hw", POOLS, ids=IDS)
def test_forward_matches_naive_loops(kind, pool, strides, padding, hw, rng):
    cls = MaxPooling2D if kind == "max" else AveragePooling2D
    layer = cls(pool, strides, padding, dtype="float64")
    x = rng.standard_normal((2, *hw, 3))
    y = layer(x)
    expected = naive_pool(x, pool, strides or pool, padding, kind)
    assert layer.output_shape((*hw, 3)) == expected.shape[1:]
    np.testing.assert_allclose(y, expected, rtol=1e-12)


@pytest.mark.parametrize("pool, strides, padding, hw", POOLS, ids=IDS)
def test_max_backward_matches_naive_routing(pool, strides, padding, hw, rng):
    layer = MaxPooling2D(pool, strides, padding, dtype="float64")
    # Few distinct values: many ties, which must go to the first maximum of each window.
    x = rng.integers(0, 3, (2, *hw, 3)).astype(np.float64)
    y = layer(x, training=True)
    g = rng.standard_normal(y.shape)
    np.testing.assert_allclose(layer.backward(g),
                               naive_max_pool_backward(x, g, pool, strides or pool, padding),
                               rtol=1e-12, atol=1e-15)  # overlapping windows: order of sums


def test_tie_goes_to_the_first_position_only():
    layer = MaxPooling2D(dtype="float64")
    x = np.zeros((1, 2, 2, 1))
    layer(x, training=True)
    dx = layer.backward(np.full((1, 1, 1, 1), 5.0))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[5.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("pool, strides, padding, hw", POOLS, ids=IDS)
def test_gradients(kind, pool, strides, padding, hw, rng):
    cls = MaxPooling2D if kind == "max" else AveragePooling2D
    x = rng.standard_normal((2, *hw, 2))  # continuous values: no ties, differentiable
    errors = check_layer(cls(pool, strides, padding), x, rng, training=True)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("make", [
    GlobalAveragePooling2D, GlobalMaxPooling2D,
    lambda: GlobalAveragePooling2D(keepdims=True), lambda: GlobalMaxPooling2D(keepdims=True),
    lambda: ZeroPadding2D(1), lambda: ZeroPadding2D((2, 0)),
    lambda: ZeroPadding2D(((1, 0), (2, 3))),
])
@pytest.mark.parametrize("training", [True, False])
def test_global_pooling_and_padding_gradients(make, training, rng):
    errors = check_layer(make(), rng.standard_normal((2, 3, 4, 3)), rng, training=training)
    assert max(errors.values()) < 1e-6, errors


def test_global_pooling_values(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(GlobalAveragePooling2D()(x), x.mean(axis=(1, 2)))
    np.testing.assert_allclose(GlobalMaxPooling2D()(x), x.max(axis=(1, 2)))
    assert GlobalAveragePooling2D(keepdims=True)(x).shape == (2, 1, 1, 5)
    assert GlobalMaxPooling2D().output_shape((3, 4, 5)) == (5,)
    layer = GlobalMaxPooling2D(dtype="float64")
    layer(np.zeros((1, 2, 2, 1)))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 1)))[0, :, :, 0], [[1, 0], [0, 0]])


@pytest.mark.parametrize("padding, expected", [
    (1, ((1, 1), (1, 1))), ((2, 3), ((2, 2), (3, 3))), (((1, 2), (0, 4)), ((1, 2), (0, 4))),
])
def test_zero_padding(padding, expected, rng):
    layer = ZeroPadding2D(padding, dtype="float64")
    x = rng.standard_normal((2, 3, 4, 2))
    y = layer(x)
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0), *expected, (0, 0))))
    assert layer.output_shape((3, 4, 2)) == y.shape[1:]
    assert layer.padding == expected


def test_shapes_in_a_model_summary():
    model = Sequential([
        ZeroPadding2D(2, input_shape=(28, 28, 1)),
        Conv2D(8, 5),
        MaxPooling2D(),
        AveragePooling2D(3, strides=2, padding="same"),
        GlobalAveragePooling2D(),
    ])
    assert model.layer_output_shapes() == [
        (None, 32, 32, 1), (None, 28, 28, 8), (None, 14, 14, 8), (None, 7, 7, 8), (None, 8)]
    text = summary_of(model)
    assert "(None, 14, 14, 8)" in text and "Total params: 208" in text


def test_float32_stays_float32(rng):
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    for layer in [MaxPooling2D(), AveragePooling2D(3, 2, "same"), GlobalMaxPooling2D(),
                  GlobalAveragePooling2D(), ZeroPadding2D(1), MaxPooling2D(3, 2, "same")]:
        y = layer(x, training=True)
        assert y.dtype == np.float32, layer
        assert layer.backward(np.ones_like(y)).dtype == np.float32, layer


@pytest.mark.parametrize("make, match", [
    (lambda: MaxPooling2D(0), r"MaxPooling2D `pool_size` must be a positive integer"),
    (lambda: AveragePooling2D(2, strides=(0, 1)), r"AveragePooling2D `strides` must be"),
    (lambda: MaxPooling2D(padding="full"), r"`padding` must be 'valid' or 'same'"),
    (lambda: ZeroPadding2D(-1), r"ZeroPadding2D `padding` must be"),
    (lambda: ZeroPadding2D((1, 2, 3)), r"got \(1, 2, 3\)"),
    (lambda: GlobalAveragePooling2D(data_format="channels_first"), r"channels_last"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_input_shapes():
    with pytest.raises(ValueError, match=r"MaxPooling2D 'max_pooling2d_1' expects inputs of "
                                         r"shape \(batch, height, width, channels\)"):
        MaxPooling2D(name="max_pooling2d_1").output_shape((28, 28))
    with pytest.raises(ValueError, match=r"pool_size \(3, 3\) is larger than the input"):
        MaxPooling2D(3).output_shape((2, 5, 1))
    with pytest.raises(ValueError, match=r"GlobalMaxPooling2D .* expects inputs of shape"):
        GlobalMaxPooling2D().output_shape((5,))


def test_config_round_trip():
    for layer in [MaxPooling2D(3, 2, "same"), AveragePooling2D((2, 1)),
                  GlobalAveragePooling2D(keepdims=True), GlobalMaxPooling2D(),
                  ZeroPadding2D(((1, 2), (3, 4)))]:
        clone = deserialize_layer(serialize_layer(layer))
        assert type(clone) is type(layer)
        assert clone.get_config() == layer.get_config()
