import numpy as np
import pytest

from glassnet.callbacks import GradientCheck
from glassnet.layers import Activation, Dense
from glassnet.models import Sequential
from glassnet.optimizers import SGD


@pytest.fixture
def small(rng):
    x = rng.standard_normal((6, 3))
    y = np.eye(2)[rng.integers(0, 2, 6)]
    model = Sequential([Dense(4, input_dim=3, kernel_regularizer="l2"), Activation("sigmoid"),
                        Dense(2), Activation("softmax")], seed=0)
    model.compile(SGD(learning_rate=0.5), "categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


def test_check_gradients_prints_a_table_and_passes(small, capsys):
    model, x, y = small
    rows = model.check_gradients(x, y)
    out = capsys.readouterr().out
    assert "dense_1 (kernel)" in out and "4 of 4 weight tensors pass" in out
    assert len(rows) == 4 and all(r["passed"] and r["relative_error"] < 1e-6 for r in rows)


def test_check_gradients_catches_a_broken_backward(small, capsys):
    model, x, y = small
    from glassnet.layers.dense import Dense as D

    original = D.backward_preactivation

    def broken(self, grad_z):
        out = original(self, grad_z)
        self.grads["kernel"] *= 1.01
        return out

    D.backward_preactivation = broken
    try:
        rows = model.check_gradients(x, y, print_fn=None)
    finally:
        D.backward_preactivation = original
    assert not all(r["passed"] for r in rows if r["param"] == "kernel")


def test_explain_step_matches_the_hand_derivation(small):
    model, x, y = small
    steps = model.explain_step(x, y)
    d1, a1, d2 = steps[0], steps[1], steps[2]
    m = len(x)
    p = steps[3].a
    np.testing.assert_allclose(steps[3].delta, (p - y) / m)  # fused softmax + CE
    np.testing.assert_allclose(d2.dW, a1.a.T @ steps[3].delta)  # dW = a_prev^T delta
    np.testing.assert_allclose(d2.db, steps[3].delta.sum(axis=0))
    # delta of the hidden layer: (delta_next W^T) * sigmoid'(z)
    sig = a1.a
    delta1 = (steps[3].delta @ model.get_weights()[2].T.astype(float)) * sig * (1 - sig)
    np.testing.assert_allclose(a1.delta, delta1, rtol=1e-5)
    l2 = 2 * 0.01 * model.get_weights()[0].astype(float)
    np.testing.assert_allclose(d1.dW, x.T @ delta1 + l2, rtol=1e-5)
    np.testing.assert_allclose(d1.updates["kernel"], -0.5 * d1.dW)
    from glassnet.models.teaching import format_step

    assert "delta = dL/dz" in format_step(steps)


def test_gradient_check_callback_records_into_history(small):
    model, x, y = small
    h = model.fit(x, y, epochs=2, verbose=0, callbacks=[GradientCheck(x, y)])
    assert len(h.history["gradient_check"]) == 2
    assert max(h.history["gradient_check"]) < 1e-6


def test_explain_step_shows_the_preactivation_of_a_fused_dense_relu(rng):
    # Dense(activation='relu') computes relu over z in place: explain_step must still show z.
    x = rng.standard_normal((5, 3))
    y = np.eye(2)[[0, 1, 0, 1, 1]]
    model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(2, activation="softmax")],
                       seed=1)
    model.compile(SGD(learning_rate=0.1), "categorical_crossentropy")
    hidden = model.explain_step(x, y)[0]
    w, b = (v.astype(float) for v in model.get_weights()[:2])
    np.testing.assert_allclose(hidden.z, x @ w + b, rtol=1e-6)
    assert (hidden.z < 0).any()
    np.testing.assert_allclose(hidden.a, np.maximum(hidden.z, 0), rtol=1e-6)
    assert np.all(hidden.delta[hidden.z <= 0] == 0)  # relu'(z) = 0 there
