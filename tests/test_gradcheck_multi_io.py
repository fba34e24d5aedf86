"""``model.check_gradients`` and ``gradcheck.check_model`` on functional models with several
inputs (a Concatenate) and several outputs (weighted per-output losses): every weight's
backward-pass gradient agrees with central differences of the compiled loss in float64, and
a wrong gradient is caught."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import Input, Model, gradcheck, layers


def two_inputs(seed: int = 0) -> Model:
    a, b = Input(shape=(4,), name="a"), Input(shape=(3,), name="b")
    h = layers.Dense(5, activation="tanh", name="hidden")(layers.Concatenate(name="cat")([a, b]))
    model = Model([a, b], layers.Dense(2, name="out")(h), seed=seed)
    model.compile(optimizer="sgd", loss="mse")
    return model


def two_outputs(seed: int = 0) -> Model:
    a, b = Input(shape=(4,), name="a"), Input(shape=(3,), name="b")
    h = layers.Dense(5, activation="tanh", name="hidden")(layers.concatenate([a, b]))
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    model = Model({"a": a, "b": b}, {"reg": reg, "cls": cls}, seed=seed)
    model.compile(optimizer="adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 1.0, "cls": 0.3}, metrics={"cls": ["accuracy"]})
    return model


def data(rng, n: int = 6):
    x = {"a": rng.normal(size=(n, 4)), "b": rng.normal(size=(n, 3))}
    return x, {"reg": rng.normal(size=(n, 1)), "cls": rng.integers(0, 3, n),
               "out": rng.normal(size=(n, 2))}


def test_two_input_model_passes_the_gradient_check(rng, capsys):
    model = two_inputs()
    x, y = data(rng)
    rows = model.check_gradients([x["a"], x["b"]], y["out"])
    assert "4 of 4 weight tensors pass" in capsys.readouterr().out
    assert [(r["layer"], r["param"]) for r in rows] == [
        ("hidden", "kernel"), ("hidden", "bias"), ("out", "kernel"), ("out", "bias")]
    assert rows[0]["shape"] == (7, 5)  # the concatenated 4 + 3 features
    assert all(r["passed"] and r["relative_error"] < 1e-6 for r in rows)
    # the data as a dict keyed by the Inputs' names gives the same check
    again = model.check_gradients(x, y["out"], print_fn=None)
    assert [r["relative_error"] for r in again] == pytest.approx(
        [r["relative_error"] for r in rows], abs=1e-9)


def test_two_output_model_passes_the_gradient_check(rng):
    model = two_outputs()
    x, y = data(rng)
    targets = {"reg": y["reg"], "cls": y["cls"]}
    rows = model.check_gradients(x, targets, print_fn=None)
    assert len(rows) == 6 and all(r["passed"] and r["relative_error"] < 1e-6 for r in rows)
    # lists in the model's output order work as dicts do
    rows = model.check_gradients([x["a"], x["b"]], [y["reg"], y["cls"]], print_fn=None)
    assert all(r["relative_error"] < 1e-6 for r in rows)


def test_check_model_on_a_float64_model_with_several_inputs_and_outputs(rng):
    a, b = Input(shape=(4,), name="a"), Input(shape=(3,), name="b")
    h = layers.Dense(5, activation="tanh")(layers.concatenate([a, b]))
    model = Model([a, b], [layers.Dense(1)(h), layers.Dense(2)(layers.Add()([h, h]))],
                  dtype="float64", seed=3)
    model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[0.5, 2.0])
    x, y = data(rng)
    rows = gradcheck.check_model(model, [x["a"], x["b"]], [y["reg"], y["out"]])
    assert len(rows) == 6 and max(r["relative_error"] for r in rows) < 1e-6


def test_the_check_sees_the_loss_weights(rng):
    """The analytic gradient of a wrongly weighted loss fails the check: the check compares
    against the compiled loss, both outputs' terms."""
    model = two_outputs()
    x, y = data(rng)
    targets = {"reg": y["reg"], "cls": y["cls"]}
    loss = model.loss
    original = type(loss)._each

    def wrong(self, y_true, y_pred, sample_weight, fused):
        total, grads = original(self, y_true, y_pred, sample_weight, fused)
        return total, [None if g is None else g * 1.05 for g in grads]

    type(loss)._each = wrong
    try:
        rows = model.check_gradients(x, targets, print_fn=None)
    finally:
        type(loss)._each = original
    assert not any(r["passed"] for r in rows)


def test_wrong_number_of_inputs_is_a_clear_error(rng):
    model = two_inputs()
    x, y = data(rng)
    with pytest.raises(ValueError, match="2 inputs"):
        model.check_gradients(x["a"], y["out"], print_fn=None)


def test_explain_step_on_a_two_input_two_output_model(rng):
    model = two_outputs()
    x, y = data(rng)
    targets = {"reg": y["reg"], "cls": y["cls"]}
    steps = model.explain_step(x, targets, learning_rate=0.1)
    assert [s.name for s in steps] == [layer.name for layer in model.layers]
    # the step's gradients are the model's own (float64 twin): compare with check_model's
    hidden = next(s for s in steps if s.name == "hidden")
    assert hidden.a.shape == (6, 5) and hidden.grads["kernel"].shape == (7, 5)
    grads = model.compute_gradients(x, targets, training=False).grads
    np.testing.assert_allclose(hidden.grads["kernel"], grads[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(hidden.updates["kernel"], -0.1 * hidden.grads["kernel"])


def test_a_nested_model_called_twice_passes_the_gradient_check(rng):
    """The float64 twin is float64 inside the nested model too (a float32 encoder would fail
    the check at ~1e-2)."""
    from glassnet import Sequential

    inner = Input(shape=(3,), name="inner")
    encoder = Model(inner, layers.Dense(2, activation="tanh", name="code")(inner), name="enc")
    head = Sequential([Input(shape=(4,)), layers.Dense(1, name="head_dense")], name="head")
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    model = Model([a, b], head(layers.concatenate([encoder(a), encoder(b)])), seed=1)
    model.compile(optimizer="sgd", loss="mse")
    rows = model.check_gradients([rng.normal(size=(5, 3)), rng.normal(size=(5, 3))],
                                 rng.normal(size=(5, 1)), print_fn=None)
    assert [(r["layer"], r["param"]) for r in rows] == [
        ("enc", "1/kernel"), ("enc", "1/bias"), ("head", "0/kernel"), ("head", "0/bias")]
    assert all(r["relative_error"] < 1e-6 for r in rows)
