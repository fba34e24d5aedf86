"""Learning-rate schedules at ``keras.optimizers.schedules``: Keras's rate at every step."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, keras

CASES = [
    ("ExponentialDecay", (0.1, 10, 0.5), {}),
    ("ExponentialDecay", (0.1, 10, 0.5), {"staircase": True}),
    ("PiecewiseConstantDecay", ([5, 12], [0.1, 0.05, 0.01]), {}),
    ("CosineDecay", (0.1, 30), {"alpha": 0.1}),
    ("CosineDecay", (0.01, 30), {"warmup_target": 0.1, "warmup_steps": 8}),
    ("InverseTimeDecay", (0.1, 5, 0.5), {}),
    ("InverseTimeDecay", (0.1, 5, 0.5), {"staircase": True}),
    ("PolynomialDecay", (0.1, 20), {}),
    ("PolynomialDecay", (0.1, 20), {"end_learning_rate": 0.01, "power": 2.0, "cycle": True}),
]


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_schedule_values_match_keras(G, name, args, kwargs):
    ours = getattr(G.optimizers.schedules, name)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    steps = range(0, 50)
    got = [ours(t) for t in steps]
    want = [float(as_numpy(theirs(t))) for t in steps]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_optimizer_follows_a_schedule_as_keras(G):
    """The rate used at update k is the schedule's value at k (counted before the update)."""
    w0 = np.array([1.0, -2.0, 0.5], dtype="float32")
    grads = [np.array([0.3, -0.1, 0.2], dtype="float32") * (k + 1) for k in range(6)]
    k_var = keras.Variable(w0.copy())
    k_opt = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5))
    g_var = w0.copy()
    g_opt = G.optimizers.SGD(G.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5))
    for g in grads:
        k_opt.apply_gradients([(keras.ops.convert_to_tensor(g), k_var)])
        g_opt.apply_gradients([(g.copy(), g_var)])
    np.testing.assert_allclose(g_var, as_numpy(k_var), rtol=1e-6)
