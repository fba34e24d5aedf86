"""AveragePooling1D/2D with padding='same': the border windows as Keras computes them on its
PyTorch backend (even padding not counted; uneven padding repeats the edge and counts it),
values and gradients against Keras (torch autograd), and central differences in float64."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from layer_referees import assert_gradients, to_numpy

# (steps, pool_size, strides): even padding, uneven padding, none at all.
CASES_1D = [(5, 2, 2), (6, 3, 2), (7, 3, 1), (5, 3, 1), (7, 4, 3), (4, 2, 1), (8, 3, 3),
            (9, 5, 2), (6, 2, 2)]
CASES_2D = [((5, 6), (2, 2), (2, 2)), ((6, 6), (3, 3), (2, 2)), ((5, 5), (3, 3), (1, 1)),
            ((6, 5), (3, 2), (2, 1)), ((7, 6), (2, 3), (1, 2)), ((7, 7), (3, 3), (2, 2)),
            ((4, 9), (2, 4), (2, 3))]


def _keras_value_and_grad(keras, layer, x: np.ndarray, g: np.ndarray):
    torch = pytest.importorskip("torch", reason="Keras's torch backend gives its gradient")
    xt = torch.tensor(x, requires_grad=True)
    y = layer(xt)
    (y * torch.tensor(g)).sum().backward()
    return to_numpy(y), to_numpy(xt.grad)


@pytest.mark.parametrize("steps, pool, stride", CASES_1D)
def test_average_pooling_1d_same_matches_keras(keras, steps, pool, stride, rng):
    x = rng.normal(size=(3, steps, 2)).astype(np.float32)
    layer = gl.AveragePooling1D(pool, stride, padding="same")
    y = layer(x)
    g = rng.normal(size=y.shape).astype(np.float32)
    want_y, want_gx = _keras_value_and_grad(
        keras, keras.layers.AveragePooling1D(pool, stride, padding="same"), x, g)
    np.testing.assert_allclose(y, want_y, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(layer.backward(g), want_gx, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("hw, pool, stride", CASES_2D)
def test_average_pooling_2d_same_matches_keras(keras, hw, pool, stride, rng):
    x = rng.normal(size=(2, *hw, 3)).astype(np.float32)
    layer = gl.AveragePooling2D(pool, stride, padding="same")
    y = layer(x)
    g = rng.normal(size=y.shape).astype(np.float32)
    want_y, want_gx = _keras_value_and_grad(
        keras, keras.layers.AveragePooling2D(pool, stride, padding="same"), x, g)
    np.testing.assert_allclose(y, want_y, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(layer.backward(g), want_gx, rtol=1e-6, atol=1e-6)


def test_the_ragged_edge_by_hand():
    """Six steps, windows of 3 moving by 2: one padding step after, so the last step is
    repeated and counted; five steps, windows of 3 moving by 2: one step each side, not
    counted."""
    x = np.arange(6, dtype=np.float64).reshape(1, 6, 1) ** 2  # 0 1 4 9 16 25
    y = gl.AveragePooling1D(3, 2, padding="same")(x)[0, :, 0]
    np.testing.assert_allclose(y, [(0 + 1 + 4) / 3, (4 + 9 + 16) / 3, (16 + 25 + 25) / 3])
    y = gl.AveragePooling1D(3, 2, padding="same")(x[:, :5])[0, :, 0]
    np.testing.assert_allclose(y, [(0 + 1) / 2, (1 + 4 + 9) / 3, (9 + 16) / 2])


@pytest.mark.parametrize("steps, pool, stride", CASES_1D)
def test_average_pooling_1d_same_gradients(steps, pool, stride, rng):
    assert_gradients(gl.AveragePooling1D(pool, stride, padding="same"),
                     rng.normal(size=(2, steps, 3)))


@pytest.mark.parametrize("hw, pool, stride", CASES_2D)
def test_average_pooling_2d_same_gradients(hw, pool, stride, rng):
    assert_gradients(gl.AveragePooling2D(pool, stride, padding="same"),
                     rng.normal(size=(2, *hw, 2)))


@pytest.mark.parametrize("hw, pool, stride", CASES_2D)
def test_max_pooling_same_still_matches_keras(keras, hw, pool, stride, rng):
    """Repeating the edge cannot change a maximum: MaxPooling keeps its -inf padding."""
    x = rng.normal(size=(2, *hw, 3)).astype(np.float32)
    want = to_numpy(keras.layers.MaxPooling2D(pool, stride, padding="same")(x))
    np.testing.assert_array_equal(gl.MaxPooling2D(pool, stride, padding="same")(x), want)
