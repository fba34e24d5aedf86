"""Regularizers: values and gradients by hand and by central differences, registry, configs."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import regularizers
from glassnet.layers.base import Layer
from glassnet.regularizers import L1, L1L2, L2

W = np.array([[1.0, -2.0], [3.0, -0.5]])  # sum|w| = 6.5, sum w^2 = 14.25


@pytest.mark.parametrize(
    ("reg", "value", "grad"),
    [
        (L1(0.1), 0.65, [[0.1, -0.1], [0.1, -0.1]]),  # 0.1 * 6.5; 0.1 sign(w)
        (L2(0.1), 1.425, [[0.2, -0.4], [0.6, -0.1]]),  # 0.1 * 14.25; 2 * 0.1 w
        # 0.65 + 0.2 * 14.25; 0.1 sign(w) + 0.4 w
        (L1L2(0.1, 0.2), 3.5, [[0.5, -0.9], [1.3, -0.3]]),
    ],
    ids=repr,
)
def test_value_and_gradient_by_hand(reg, value, grad):
    assert reg(W) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(reg.gradient(W), grad, rtol=1e-12)


@pytest.mark.parametrize("reg", [L1(0.3), L2(0.7), L1L2(0.2, 0.05)], ids=repr)
def test_gradient_matches_central_differences(reg, rng):
    # entries kept away from 0, where |w| has no derivative
    w = rng.uniform(0.2, 2.0, size=(4, 3)) * rng.choice([-1.0, 1.0], size=(4, 3))
    h = 1e-6
    numeric = np.empty_like(w)
    for i in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[i] = h
        numeric[i] = (reg(w + e) - reg(w - e)) / (2 * h)
    analytic = reg.gradient(w)
    rel = np.abs(numeric - analytic) / np.maximum(np.abs(numeric) + np.abs(analytic), 1e-12)
    assert rel.max() < 1e-6


def test_float32_and_zero_subgradient():
    w = np.array([0.0, 1.5, -2.0], dtype=np.float32)
    g = L1L2(0.1, 0.1).gradient(w)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [0.0, 0.1 + 0.3, -0.1 - 0.4], rtol=1e-6)
    assert isinstance(L2()(w), float)


def test_get():
    assert regularizers.get(None) is None
    r = L2(0.5)
    assert regularizers.get(r) is r
    assert type(regularizers.get("l1")) is L1 and regularizers.get("l1").l1 == 0.01
    assert type(regularizers.get("L2")) is L2 and regularizers.get("l2").l2 == 0.01
    both = regularizers.get("l1_l2")  # Keras 2's l1_l2(): 0.01 and 0.01
    assert type(both) is L1L2 and (both.l1, both.l2) == (0.01, 0.01)
    built = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.3}})
    assert (built.l1, built.l2) == (0.0, 0.3)


def test_get_errors():
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'. Valid: l1, l1_l2, l2"):
        regularizers.get("l3")
    with pytest.raises(TypeError, match="Could not interpret regularizer identifier 0.01"):
        regularizers.get(0.01)
    with pytest.raises(ValueError, match=r"`l1` of L1 must be a number in \[0, inf\), got -0.1"):
        L1(-0.1)
    with pytest.raises(TypeError, match="`l2` of L1L2 must be a number, got 'big'"):
        L1L2(l2="big")


@pytest.mark.parametrize("reg", [L1(0.2), L2(0.3), L1L2(0.1, 0.4)], ids=repr)
def test_config_round_trip(reg):
    clone = regularizers.get(regularizers.serialize(reg))
    assert type(clone) is type(reg) and clone.get_config() == reg.get_config()
    assert clone(W) == reg(W)


def test_layer_uses_initializer_and_regularizer_by_name(rng):
    layer = Layer()
    layer.dtype = np.dtype("float32")
    w = layer.add_param("kernel", (4, 3), "glorot_uniform", rng, regularizer="l2")
    assert w.dtype == np.float32 and w.shape == (4, 3)
    assert layer.penalty() == pytest.approx(0.01 * float(np.sum(w.astype(np.float64) ** 2)))
    layer.add_penalty_gradients()
    np.testing.assert_allclose(layer.grads["kernel"], 0.02 * w, rtol=1e-6)


def test_lowercase_functions_are_keras_spellings():
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert regularizers.l1(0.1)(w) == pytest.approx(0.1 * 3.5)
    assert regularizers.l2(0.1)(w) == pytest.approx(0.1 * 5.25)
    assert regularizers.l1_l2(l1=0.1, l2=0.2)(w) == pytest.approx(0.35 + 1.05)
    assert regularizers.l1_l2().get_config() == {"l1": 0.0, "l2": 0.0}  # Keras 3's defaults
    assert isinstance(regularizers.l2(), regularizers.L2)


def test_activity_penalty_is_per_batch_and_its_gradient_matches_differences(rng):
    reg = regularizers.l1_l2(l1=0.03, l2=0.2)
    a = rng.standard_normal((4, 3))
    value, grad = reg.activity(a)
    assert value == pytest.approx(reg(a) / 4)
    eps = 1e-6
    numeric = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (reg.activity(up)[0] - reg.activity(down)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
