"""The augmentation layers' exact backward: a warp is a fixed linear map ``y = S x`` of the
batch it drew, and its backward is the transpose ``S^T`` (central differences in float64 with
the same draw for every evaluation; Keras's own gradient through its warp, torch autograd,
from the same transform)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet.augmentation.geometry import gather, sampling, scatter
from layer_referees import assert_gradients, to_numpy

# Random factors (ranges of non-zero width): the finite differences replay the layer's draws.
RANDOM_WARPS = [
    ("RandomRotation", dict(factor=0.2)),
    ("RandomRotation", dict(factor=0.15, fill_mode="constant", fill_value=0.5)),
    ("RandomRotation", dict(factor=(-0.3, 0.1), fill_mode="wrap", interpolation="nearest")),
    ("RandomZoom", dict(height_factor=0.4)),
    ("RandomZoom", dict(height_factor=(-0.5, 0.3), width_factor=0.2, fill_mode="nearest")),
    ("RandomZoom", dict(height_factor=0.3, interpolation="nearest", fill_mode="constant")),
    ("RandomTranslation", dict(height_factor=0.3, width_factor=0.4)),
    ("RandomTranslation", dict(height_factor=0.5, width_factor=0.2, fill_mode="wrap")),
    ("RandomTranslation", dict(height_factor=0.2, width_factor=0.3, fill_mode="constant",
                               interpolation="nearest")),
]


@pytest.mark.parametrize("name, kw", RANDOM_WARPS)
def test_warp_backward_matches_finite_differences(name, kw, rng):
    x = rng.normal(size=(3, 5, 6, 2))
    errors = assert_gradients(getattr(gl, name)(**kw, seed=4), x, training=True)
    assert set(errors) == {"x"}


@pytest.mark.parametrize("name, kw", RANDOM_WARPS)
def test_warp_backward_is_the_transpose(name, kw, rng):
    """<S x, g> = <x, S^T g> for any x, g: the backward is the forward's adjoint (the
    constant fill, an offset, taken out by subtracting the warp of zeros)."""
    layer = getattr(gl, name)(**kw, seed=1)
    x = rng.normal(size=(4, 7, 5, 3))
    offset = layer.forward(np.zeros_like(x), training=True)  # the first draw of seed 1
    layer.noise_rng = np.random.default_rng(1)  # the same draw again
    sx = layer.forward(x, training=True) - offset
    g = rng.normal(size=x.shape)
    gx = layer.backward(g)
    assert gx.shape == x.shape and gx.dtype == g.dtype
    np.testing.assert_allclose(np.sum(sx * g), np.sum(x * gx), rtol=1e-12)
    assert not np.allclose(gx, g)  # not the pass-through it used to be


def test_the_gradient_changes_with_the_draw(rng):
    """Each training batch's backward is the transpose of that batch's own warp."""
    layer = gl.RandomRotation(0.25, seed=0)
    x, g = rng.normal(size=(2, 6, 6, 1)), rng.normal(size=(2, 6, 6, 1))
    layer.forward(x, training=True)
    first = layer.backward(g)
    layer.forward(x, training=True)
    np.testing.assert_raises(AssertionError, np.testing.assert_allclose, first,
                             layer.backward(g))


# Ranges of zero width: Keras draws the same transform, so it referees values and gradients.
FIXED_WARPS = [
    ("RandomRotation", dict(factor=(0.1, 0.1))),
    ("RandomRotation", dict(factor=(-0.2, -0.2), fill_mode="constant")),
    ("RandomRotation", dict(factor=(0.3, 0.3), interpolation="nearest", fill_mode="wrap")),
    ("RandomZoom", dict(height_factor=(0.3, 0.3), fill_mode="constant")),
    ("RandomZoom", dict(height_factor=(-0.25, -0.25), width_factor=(0.4, 0.4))),
    ("RandomZoom", dict(height_factor=(0.5, 0.5), fill_mode="nearest")),
    ("RandomTranslation", dict(height_factor=(0.2, 0.2), width_factor=(-0.1, -0.1),
                               fill_mode="wrap")),
    ("RandomTranslation", dict(height_factor=(-0.35, -0.35), width_factor=(0.25, 0.25))),
    ("RandomTranslation", dict(height_factor=(0.2, 0.2), width_factor=(0.3, 0.3),
                               interpolation="nearest", fill_mode="constant")),
]


@pytest.mark.parametrize("name, kw", FIXED_WARPS)
def test_values_and_gradients_match_keras(keras, name, kw, rng):
    torch = pytest.importorskip("torch", reason="Keras's torch backend gives its gradient")
    x = rng.normal(size=(2, 6, 8, 2)).astype(np.float32)
    g = rng.normal(size=x.shape).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    expected = getattr(keras.layers, name)(**kw)(xt, training=True)
    (expected * torch.tensor(g)).sum().backward()
    layer = getattr(gl, name)(**kw, seed=0)
    got = layer(x, training=True)
    layer.input_grad_needed = True
    np.testing.assert_allclose(got, to_numpy(expected), atol=1e-5)
    np.testing.assert_allclose(layer.backward(g), to_numpy(xt.grad), atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda: gl.RandomFlip(seed=0), lambda: gl.RandomRotation(0.2, seed=0),
    lambda: gl.RandomZoom(0.3, seed=0), lambda: gl.RandomTranslation(0.2, 0.2, seed=0),
])
def test_inference_is_the_identity_both_ways(make, rng):
    layer = make()
    x, g = rng.normal(size=(3, 5, 5, 1)), rng.normal(size=(3, 5, 5, 1))
    layer.forward(x, training=True)  # a training batch first: its map must not linger
    assert layer.forward(x, training=False) is x
    assert layer.backward(g) is g


def test_random_flip_backward_is_its_own_flip(rng):
    layer = gl.RandomFlip(seed=3)
    x = rng.normal(size=(40, 3, 4, 2))
    y = layer.forward(x, training=True)
    g = rng.normal(size=x.shape)
    gx = layer.backward(g)
    horiz, vert = layer._cache
    assert horiz.any() and vert.any() and not (horiz & vert).all()
    def mirror(a: np.ndarray, k: int) -> np.ndarray:
        a = a[:, ::-1] if horiz[k] else a
        return a[::-1] if vert[k] else a

    for k in range(len(x)):  # per image: the same mirror for the data and for the gradient
        np.testing.assert_array_equal(y[k], mirror(x[k], k))
        np.testing.assert_array_equal(gx[k], mirror(g[k], k))
    np.testing.assert_allclose(np.sum(y * g), np.sum(x * gx), rtol=1e-12)
    assert_gradients(gl.RandomFlip("horizontal", seed=5), x[:4], training=True)


def test_scatter_is_the_adjoint_of_gather_on_any_coordinates(rng):
    """The two halves of the warp on arbitrary coordinates (far outside the image too)."""
    x = rng.normal(size=(2, 4, 5, 3))
    r, c = rng.uniform(-6, 9, (2, 20)), rng.uniform(-7, 11, (2, 20))
    for fill_mode in ("constant", "nearest", "reflect", "wrap"):
        for interpolation in ("bilinear", "nearest"):
            plan = sampling((2, 4, 5, 3), r, c, fill_mode, interpolation, x.dtype)
            y = gather(x, plan, 0.0)  # x's shape: the first h*w coordinates fill it
            g = rng.normal(size=y.shape)
            np.testing.assert_allclose(np.sum(y * g), np.sum(x * scatter(g, plan)),
                                       rtol=1e-12, err_msg=f"{fill_mode}, {interpolation}")


def test_gradient_reaches_weights_before_the_warp(rng):
    """A weighted layer before the warp gets dL/dW through S^T (a chain checked end to end)."""
    from glassnet.gradcheck import numeric_gradient, relative_error

    conv = gl.Conv2D(2, 3, padding="same")
    warp = gl.RandomRotation(0.2, seed=2)
    conv.dtype = warp.dtype = np.dtype("float64")
    x = rng.normal(size=(2, 6, 6, 1))
    conv.build(x.shape[1:], rng)
    warp.build((6, 6, 2), rng)
    g = rng.normal(size=(2, 6, 6, 2))

    def loss() -> float:
        warp.noise_rng = np.random.default_rng(2)
        return float(np.sum(g * warp.forward(conv.forward(x, training=True), training=True)))

    loss()
    conv.backward(warp.backward(g))
    for key, p in conv.params.items():
        analytic = conv.grads[key].copy()
        assert relative_error(analytic, numeric_gradient(loss, p, 1e-6)) < 1e-7, key
