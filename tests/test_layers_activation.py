"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers: gradients, Keras, PyTorch, training."""

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


def _x(rng, shape=(4, 3, 5)):
    return rng.normal(0, 2.0, shape)


CASES = [
    (lambda: gl.ReLU(), "ReLU", {}),
    (lambda: gl.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.5), "ReLU",
     {"max_value": 1.5, "negative_slope": 0.1, "threshold": 0.5}),
    (lambda: gl.LeakyReLU(), "LeakyReLU", {}),
    (lambda: gl.LeakyReLU(negative_slope=0.05), "LeakyReLU", {"negative_slope": 0.05}),
    (lambda: gl.ELU(), "ELU", {}),
    (lambda: gl.ELU(alpha=0.7), "ELU", {"alpha": 0.7}),
    (lambda: gl.Softmax(), "Softmax", {}),
    (lambda: gl.Softmax(axis=1), "Softmax", {"axis": 1}),
    (lambda: gl.Softmax(axis=(1, 2)), "Softmax", {"axis": (1, 2)}),
    (lambda: gl.PReLU(), "PReLU", {}),
    (lambda: gl.PReLU(shared_axes=[1]), "PReLU", {"shared_axes": [1]}),
]


@pytest.mark.parametrize("make, _name, _kw", CASES)
def test_gradients_match_finite_differences(make, _name, _kw, rng):
    layer = make()
    if isinstance(layer, gl.PReLU):  # non-zero slopes so that the x-gradient is not trivial
        layer.dtype = np.dtype("float64")
        layer.build((3, 5), rng)
        layer.params["alpha"][...] = rng.normal(0, 0.5, layer.params["alpha"].shape)
    assert_gradients(layer, _x(rng))


@pytest.mark.parametrize("make, name, kw", CASES)
def test_forward_matches_keras(keras, make, name, kw, rng):
    kw = dict(kw)
    if name == "PReLU":
        kw["alpha_initializer"] = "random_normal"
    keras_referee(getattr(keras.layers, name)(**kw), make(), _x(rng).astype(np.float32))


def test_keras_defaults():
    assert gl.LeakyReLU().negative_slope == 0.3
    assert gl.ELU().alpha == 1.0
    relu = gl.ReLU()
    assert (relu.max_value, relu.negative_slope, relu.threshold) == (None, 0.0, 0.0)
    assert gl.Softmax().axis == -1
    assert gl.LeakyReLU(alpha=0.1).negative_slope == 0.1  # Keras 2's spelling


def test_prelu_weight_shapes(rng):
    layer = gl.PReLU(shared_axes=[1, 2])
    layer.build((6, 7, 3), rng)
    assert layer.params["alpha"].shape == (1, 1, 3)
    assert np.all(layer.params["alpha"] == 0)  # Keras's default: zeros
    layer = gl.PReLU()
    layer.build((6, 7, 3), rng)
    assert layer.params["alpha"].shape == (6, 7, 3)


def test_against_torch(rng):
    torch = torch_module()
    x = _x(rng, (4, 6))
    g = rng.normal(size=x.shape)
    t = torch.tensor(x, requires_grad=True)
    for layer, fn in [
        (gl.ELU(alpha=0.8), lambda v: torch.nn.functional.elu(v, alpha=0.8)),
        (gl.LeakyReLU(0.1), lambda v: torch.nn.functional.leaky_relu(v, 0.1)),
        (gl.Softmax(), lambda v: torch.softmax(v, dim=-1)),
        (gl.ReLU(max_value=6.0), lambda v: torch.clamp(v, 0.0, 6.0)),
    ]:
        t.grad = None
        ref = fn(t)
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(layer(x), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer.backward(g), t.grad.numpy(), rtol=1e-12, atol=1e-12)
    # PReLU with one slope per feature
    prelu = gl.PReLU()
    prelu(x)
    alpha = rng.normal(0, 0.5, (6,))
    prelu.set_weights([alpha.astype(np.float32)])
    x32 = x.astype(np.float32)
    ta = torch.tensor(alpha.astype(np.float32), requires_grad=True)
    tx = torch.tensor(x32, requires_grad=True)
    ref = torch.nn.functional.prelu(tx, ta)
    ref.backward(torch.tensor(g.astype(np.float32)))
    np.testing.assert_allclose(prelu.forward(x32), ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(prelu.backward(g.astype(np.float32)), tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(prelu.grads["alpha"], ta.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"max_value": -1.0}, "max_value"),
    ({"negative_slope": -0.1}, "negative_slope"),
    ({"threshold": float("nan")}, "threshold"),
])
def test_relu_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gl.ReLU(**kwargs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="ELU `alpha`.*NaN"):
        gl.ELU(alpha=float("nan"))
    with pytest.raises(ValueError, match="negative_slope"):
        gl.LeakyReLU(negative_slope=-1)
    with pytest.raises(ValueError, match="shared_axes"):
        gl.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="Softmax `axis`"):
        gl.Softmax(axis="last")
    with pytest.raises(ValueError, match="shared_axes"):
        gl.PReLU(shared_axes=[3]).build((4, 2), np.random.default_rng(0))


@pytest.mark.parametrize("layer", [
    gl.ReLU(max_value=6.0, negative_slope=0.1), gl.LeakyReLU(0.2), gl.ELU(0.5),
    gl.Softmax(axis=(1, 2)), gl.PReLU(alpha_initializer="ones", shared_axes=[1]),
])
def test_config_round_trip(layer):
    assert_config_round_trip(layer)


def test_train_in_sequential_and_save(tmp_path, rng):
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = np.eye(3)[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0)].astype(np.float32)
    layers = [gl.Dense(16, input_shape=(4,)), gl.PReLU(), gl.Dense(8), gl.ReLU(max_value=6.0),
              gl.Dense(8), gl.LeakyReLU(), gl.Dense(8), gl.ELU(), gl.Dense(3), gl.Softmax()]
    model = assert_trains_and_saves(layers, x, y, "categorical_crossentropy", tmp_path)
    assert model._fused_output()  # Softmax + cross-entropy fuse like Dense(softmax)
