"""Adadelta, Ftrl, Lion and Lamb: Keras's weights after steps and after an epoch of ``fit``,
its defaults and names, three steps worked by hand from each formula, and saved state."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import assert_close, keras
from .test_optimizers import test_same_weights_as_keras_after_steps as _same_weights_as_keras_after_steps

CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}),
    ("Ftrl", {}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7, "initial_accumulator_value": 0.2,
              "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1}),
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.95, "weight_decay": 0.1}),
    ("Lamb", {}),
    ("Lamb", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "clipnorm": 0.5}),
    ("Lamb", {"learning_rate": 0.01, "global_clipnorm": 0.3, "weight_decay": 0.01}),
    ("Ftrl", {"learning_rate": 0.05, "clipvalue": 0.01}),
]
NAMES = ["Adadelta", "Ftrl", "Lion", "Lamb"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_apply_gradients_gives_keras_weights(G, name, kwargs, dtype):
    """12 steps of mixed-scale gradients from the same start (the existing optimizers' test);
    Keras keeps the learning rate in a float32 variable, also for float64 weights."""
    _same_weights_as_keras_after_steps(G, name, kwargs, dtype, rtol=1e-5)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_one_epoch_of_fit_gives_keras_weights(G, name, kwargs):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    start = [rng.normal(size=(4, 5)).astype("float32") * 0.5, np.zeros(5, "float32"),
             rng.normal(size=(5, 2)).astype("float32") * 0.5, np.full(2, 0.1, "float32")]

    def run(lib):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="tanh"),
                                lib.layers.Dense(2)])
        model.set_weights([w.copy() for w in start])
        model.compile(optimizer=getattr(lib.optimizers, name)(**kwargs), loss="mse")
        hist = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
        return hist["loss"][0], model.get_weights()

    (g_loss, g_w), (k_loss, k_w) = run(G), run(keras)
    assert_close(g_loss, k_loss, rtol=1e-5, what="loss")
    for gw, kw in zip(g_w, k_w, strict=True):
        assert gw.dtype == np.float32
        assert_close(gw, kw, rtol=1e-5, atol=1e-6, what="weights")


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_config_match_keras(G, name):
    k_config = getattr(keras.optimizers, name)().get_config()
    g_opt = getattr(G.optimizers, name)()
    g_config = g_opt.get_config()
    shared = set(k_config) & set(g_config) - {"name"}
    assert set(g_config) - {"name"} <= shared
    for key in sorted(shared):
        want = k_config[key]
        assert g_config[key] == (pytest.approx(want, rel=1e-6) if isinstance(want, float)
                                 else want), key
    assert G.optimizers.get(name.lower()).get_config() == g_config
    again = G.optimizers.deserialize(G.optimizers.serialize(g_opt))
    assert type(again) is type(g_opt) and again.get_config() == g_config
    assert k_config["name"].startswith(g_opt.name)  # Keras numbers its instances


def _three_steps(opt, p0, grads):
    p = np.array(p0, dtype=np.float64)
    for g in grads:
        opt.step([p], [np.array(g, dtype=np.float64)])
    return p


P0 = [0.5, -1.0]
GRADS = [[0.1, -0.2], [0.3, 0.1], [-0.2, 0.4]]


def test_adadelta_three_steps_by_hand(G):
    lr, rho, eps = 0.5, 0.9, 1e-6
    p, a, d = np.array(P0), np.zeros(2), np.zeros(2)
    for g in map(np.array, GRADS):
        a = rho * a + (1 - rho) * g**2
        delta = -np.sqrt(d + eps) / np.sqrt(a + eps) * g
        d = rho * d + (1 - rho) * delta**2
        p = p + lr * delta
    got = _three_steps(G.optimizers.Adadelta(lr, rho=rho, epsilon=eps), P0, GRADS)
    np.testing.assert_allclose(got, p, rtol=1e-12)


def test_ftrl_three_steps_by_hand(G):
    lr, c, l1, l2, shrink = 0.3, 0.5, 0.05, 0.1, 0.02
    p, n, z = np.array(P0), np.full(2, 0.1), np.zeros(2)
    for g in map(np.array, GRADS):
        n_new = n + g**2
        z = z + g + 2 * shrink * p - (n_new**c - n**c) / lr * p
        p = (np.clip(z, -l1, l1) - z) / (n_new**c / lr + 2 * l2)
        n = n_new
    got = _three_steps(G.optimizers.Ftrl(lr, l1_regularization_strength=l1,
                                         l2_regularization_strength=l2,
                                         l2_shrinkage_regularization_strength=shrink), P0, GRADS)
    np.testing.assert_allclose(got, p, rtol=1e-12)


def test_lion_three_steps_by_hand(G):
    # m: 0 -> [0.001, -0.002] -> [0.00399, -0.00098]; the signs give the steps
    got = _three_steps(G.optimizers.Lion(0.1), P0, GRADS)
    np.testing.assert_allclose(got, [0.5 - 0.1 - 0.1 + 0.1, -1.0 + 0.1 - 0.1 - 0.1],
                               rtol=1e-12)


def test_lamb_three_steps_by_hand(G):
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-7
    p, m, v = np.array(P0), np.zeros(2), np.zeros(2)
    for t, g in enumerate(map(np.array, GRADS), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        u = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        p = p - np.linalg.norm(p) / np.linalg.norm(u) * lr * u
    got = _three_steps(G.optimizers.Lamb(lr), P0, GRADS)
    np.testing.assert_allclose(got, p, rtol=1e-12)


def test_lamb_trust_ratio_is_per_weight_array_in_a_model(G):
    model = G.Sequential([G.Input((3,)), G.layers.Dense(2)])
    model.compile(optimizer="lamb", loss="mse")
    model._prepare_training()
    assert len(model._opt_params) == 2  # kernel and bias, not one flat vector


@pytest.mark.parametrize("name", NAMES)
def test_state_survives_a_save(G, name, tmp_path):
    """Two epochs equal one epoch, a save and load, and one more epoch."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")

    def model():
        m = G.Sequential([G.Input((3,)), G.layers.Dense(1)])
        m.set_weights([np.full((3, 1), 0.2, "float32"), np.zeros(1, "float32")])
        m.compile(optimizer=getattr(G.optimizers, name)(learning_rate=0.05), loss="mse")
        return m

    straight = model()
    straight.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    first = model()
    first.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    first.save(tmp_path / "m.keras")
    again = G.models.load_model(tmp_path / "m.keras")
    assert type(again.optimizer).__name__ == name
    again.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(again.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_bad_arguments_name_themselves(G):
    with pytest.raises(ValueError, match="`beta_1` of Lion"):
        G.optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="`learning_rate_power` of Ftrl"):
        G.optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="`l1_regularization_strength` of Ftrl"):
        G.optimizers.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ValueError, match="`rho` of Adadelta"):
        G.optimizers.Adadelta(rho=1.0)
