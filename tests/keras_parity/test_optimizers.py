"""Optimizers: the same start and gradients give Keras's weights after N steps."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras

CASES = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "centered": True}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.7}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.01}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.01}),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5}),
    ("RMSprop", {"learning_rate": 0.01, "clipvalue": 0.1}),
    ("Adagrad", {"learning_rate": 0.1, "global_clipnorm": 0.3}),
]



@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-6), ("float32", 1e-5)])
@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_weights_as_keras_after_steps(G, name, kwargs, dtype, rtol):
    rng = np.random.default_rng(7)
    shapes = [(4, 3), (3,)]
    start = [rng.normal(size=s).astype(dtype) for s in shapes]
    # Gradients of mixed scale, some tiny (where epsilon's place matters), 12 steps.
    grads = [[(rng.normal(size=s) * rng.choice([1e-4, 1e-2, 1.0], size=s)).astype(dtype)
              for s in shapes] for _ in range(12)]

    k_vars = [keras.Variable(w.copy(), dtype=dtype) for w in start]
    k_opt = getattr(keras.optimizers, name)(**kwargs)
    g_vars = [w.copy() for w in start]
    g_opt = getattr(G.optimizers, name)(**kwargs)
    for step in grads:
        k_opt.apply_gradients(list(zip([keras.ops.convert_to_tensor(g) for g in step], k_vars,
                                       strict=True)))
        g_opt.apply_gradients(list(zip([g.copy() for g in step], g_vars, strict=True)))
    assert g_opt.iterations == len(grads) == int(as_numpy(k_opt.iterations))
    for i, (gv, kv) in enumerate(zip(g_vars, k_vars, strict=True)):
        assert gv.dtype == np.dtype(dtype)
        assert_close(gv, kv, rtol=rtol, atol=1e-12 if dtype == "float64" else 1e-6,
                     what=f"{name}{kwargs}: weight {i}")


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam"])
def test_defaults_match_keras(G, name):
    k_config = getattr(keras.optimizers, name)().get_config()
    g_config = getattr(G.optimizers, name)().get_config()
    shared = set(k_config) & set(g_config) - {"name"}
    assert {"learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm"} <= shared
    for key in sorted(shared):
        want = k_config[key]
        if isinstance(want, float):
            assert g_config[key] == pytest.approx(want, rel=1e-6), key
        else:
            assert g_config[key] == want, key


def test_lr_alias_is_kept(G):
    assert G.optimizers.SGD(lr=0.5).learning_rate == 0.5
    with pytest.raises(ValueError, match="both `learning_rate`"):
        G.optimizers.SGD(learning_rate=0.1, lr=0.5)
