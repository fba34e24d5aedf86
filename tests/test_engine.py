"""One model engine: one graph walker, one naming rule, one gradient step, and every teaching
tool (gradient check, explain_step, NaN diagnosis, GradientFlow) on every kind of model."""

import numpy as np
import pytest

from glassnet.callbacks import Callback, TerminateOnNaN
from glassnet.diagnostics import GradientFlow
from glassnet.gradcheck import numeric_gradient, relative_error
from glassnet.layers import (
    Activation,
    Add,
    Concatenate,
    Dense,
    Dropout,
    Flatten,
    Input,
    Residual,
)
from glassnet.layers.base import Layer
from glassnet.layers.graph import Graph
from glassnet.models import Model, Sequential
from glassnet.models.diagnose import NonFiniteLossError
from glassnet.models.model import Model as BaseModel
from glassnet.models.step import Gradients
from glassnet.optimizers import SGD


def merge_model(dtype="float32", seed=0):
    """A graph with a skip (Add), a concatenation and a residual block."""
    x = Input(shape=(3,))
    h = Dense(4, activation="tanh")(x)
    s = Add()([h, Dense(4)(h)])
    c = Concatenate()([s, Dense(2, activation="sigmoid")(x)])
    r = Residual([Dense(6, activation="relu"), Dense(6)])(c)
    y = Dense(2, activation="softmax")(r)
    return Model(x, y, dtype=dtype, seed=seed)


def classification(rng, n=24):
    return rng.standard_normal((n, 3)), np.eye(2)[rng.integers(0, 2, n)]


# ------------------------------------------------------------------ one engine
def test_sequential_is_a_functional_model_run_by_the_same_walker():
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    assert isinstance(model, Model) and isinstance(model, BaseModel)
    for cls in (Sequential, Model):  # neither kind walks its layers itself
        for method in ("_forward", "_backward", "build"):
            assert method not in vars(cls), (cls, method)
    model.build()
    assert isinstance(model._graph, Graph) and model._graph.layers == model.layers
    functional = merge_model()
    functional.build()
    assert isinstance(functional._graph, Graph) and functional._graph.layers == functional.layers


def test_residual_runs_its_branch_on_the_graph_walker(rng):
    block = [Dense(3, activation="tanh"), Dense(3)]
    res = Residual(block)
    assert isinstance(res.branch, Graph) and res.branch.layers == block
    model = Sequential([Input(shape=(3,)), res], dtype="float64")
    model.build()
    x = rng.standard_normal((5, 3))
    expected = x + block[1].forward(block[0].forward(x))
    np.testing.assert_allclose(model.predict(x), expected)


def test_one_naming_rule_a_given_name_is_skipped():
    seq = Sequential([Dense(3, input_dim=2, name="dense_2"), Dense(1)])  # used to raise
    assert [layer.name for layer in seq.layers] == ["dense_2", "dense_1"]
    x = Input(shape=(2,))
    fun = Model(x, Dense(1)(Dense(3, name="dense_2")(x)))
    assert [layer.name for layer in fun.layers][1:] == ["dense_2", "dense_1"]


def test_workshop_names_are_the_same_for_both_kinds():
    def layers():
        return [Dense(30), Activation("sigmoid"), Dense(10), Activation("sigmoid")]

    seq = Sequential([Input(shape=(784,)), *layers()])
    x = h = Input(shape=(784,))
    for layer in layers():
        h = layer(h)
    fun = Model(x, h)
    expected = ["dense_1", "activation_1", "dense_2", "activation_2"]
    assert [layer.name for layer in seq.layers] == expected
    assert [layer.name for layer in fun.layers][1:] == expected


def test_duplicate_given_names_are_still_refused():
    with pytest.raises(ValueError, match="Layer names must be unique; 'a'"):
        Sequential([Dense(3, input_dim=2, name="a"), Dense(1, name="a")])


# ------------------------------------------------------------------ the layer contract
def test_the_contract_is_declared_on_layer():
    for attr, default in (("stochastic", False), ("multi_input", False), ("keep_cache", True),
                          ("input_grad_needed", True), ("activation", None), ("seed", None)):
        assert getattr(Layer, attr) == default, attr
    assert Dense(2).has_preactivation_backward and Activation("relu").has_preactivation_backward
    assert not Dropout(0.5).has_preactivation_backward and not Add().has_preactivation_backward
    with pytest.raises(NotImplementedError, match="Dropout 'd' has no backward from its pre"):
        Dropout(0.5, name="d").backward_preactivation(np.zeros((1, 1)))


def test_the_walker_sets_input_grad_needed_on_every_layer():
    x = Input(shape=(2, 3))
    flat = Flatten()(x)
    y = Dense(2)(Add()([flat, Dense(6)(flat)]))
    model = Model(x, y)
    model.build()
    needed = {layer.name: layer.input_grad_needed for layer in model.layers}
    assert needed == {"input_layer_1": False, "flatten_1": False, "dense_1": False,
                      "add_1": True, "dense_2": True}


def test_preactivation_leaves_the_backward_cache_alone(rng):
    layer = Dense(3, activation="relu", dtype="float64")
    x = rng.standard_normal((4, 2))
    layer(x)
    cache = layer._cache
    z = layer.preactivation(x)
    np.testing.assert_allclose(z, x @ layer.params["kernel"] + layer.params["bias"])
    assert layer._cache is cache and layer.activation.name == "relu"


# ------------------------------------------------------------------ one gradient step
def test_compute_gradients_matches_central_differences_and_changes_nothing(rng):
    model = merge_model(dtype="float64")
    model.compile("sgd", "categorical_crossentropy")
    x, y = classification(rng)
    model.build()
    before = model.get_weights()
    result = model.compute_gradients(x, y)
    assert isinstance(result, Gradients)
    assert result.y_pred.shape == (24, 2)
    np.testing.assert_allclose(result.loss, model.evaluate(x, y, verbose=0))
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(result.grads) == len(model.trainable_weights) == 12
    grads = [g.copy() for g in result.grads]
    for w, g in zip(model.trainable_weights, grads, strict=True):
        numeric = numeric_gradient(lambda: model.evaluate(x, y, verbose=0), w)
        assert relative_error(g, numeric) < 1e-6


def test_compute_gradients_weights_the_samples(rng):
    model = merge_model(dtype="float64")
    model.compile("sgd", "categorical_crossentropy")
    x, y = classification(rng, n=6)
    w = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 0.0])
    weighted = [g.copy() for g in model.compute_gradients(x, y, sample_weight=w).grads]
    keep = w > 0
    twice = np.repeat(x[keep], [1, 2, 1], axis=0), np.repeat(y[keep], [1, 2, 1], axis=0)
    plain = model.compute_gradients(*twice).grads
    # Keras's weighted mean divides by the batch size; the repeated batch has 4 rows, not 6.
    for a, b in zip(weighted, plain, strict=True):
        np.testing.assert_allclose(a, b * 4 / 6, rtol=1e-10, atol=1e-12)


def test_train_on_batch_applies_exactly_the_computed_gradients(rng):
    model = merge_model(dtype="float64")
    model.compile(SGD(learning_rate=0.3), "categorical_crossentropy")
    x, y = classification(rng)
    grads = [g.copy() for g in model.compute_gradients(x, y).grads]
    before = [w.numpy() for w in model.trainable_weights]
    model.train_on_batch(x, y)
    for w0, g, w1 in zip(before, grads, model.trainable_weights, strict=True):
        np.testing.assert_allclose(w1, w0 - 0.3 * g, rtol=1e-12, atol=1e-14)


def test_compute_gradients_needs_compile():
    with pytest.raises(ValueError, match="before `compute_gradients`"):
        merge_model().compute_gradients(np.zeros((2, 3)), np.zeros((2, 2)))


# ------------------------------------------------------------------ NaN before the update
def _overflowing_graph():
    """Batch 2 of 4 overflows the first Dense's product (float32 max is 3.4e38)."""
    x_in = Input(shape=(4,))
    h = Dense(4, kernel_initializer="ones")(x_in)
    out = Dense(1)(Add()([x_in, h]))
    model = Model(x_in, out, seed=0)
    model.compile(SGD(learning_rate=0.1), "mse")
    x = np.ones((16, 4), np.float32)
    x[8:12] = 1e38
    return model, x, np.zeros((16, 1), np.float32)


class _Snapshots(Callback):
    def on_train_batch_begin(self, batch, logs=None):
        self.weights = self.model.get_weights()


def test_nan_names_layer_operation_epoch_batch_and_keeps_the_weights():
    model, x, y = _overflowing_graph()
    snap = _Snapshots()
    with pytest.raises(NonFiniteLossError) as info:
        model.fit(x, y, batch_size=4, shuffle=False, verbose=0, callbacks=[snap])
    message = str(info.value)
    assert "epoch 1, batch 2" in message
    assert "layer 'dense_1' (Dense), in its matmul (x @ kernel + bias)" in message
    assert "its input ranged over [1e+38, 1e+38]" in message
    assert "Learning rate: 0.1" in message and "largest finite gradient entry" in message
    for before, after in zip(snap.weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)  # the bad step changed nothing


def test_terminate_on_nan_also_keeps_the_weights_of_before_the_bad_step():
    model, x, y = _overflowing_graph()
    snap = _Snapshots()
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        callbacks=[snap, TerminateOnNaN()])
    assert len(history.epoch) == 1 and not np.isfinite(history.history["loss"][0])
    for before, after in zip(snap.weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_nan_in_an_activation_names_it():
    model = Sequential([Dense(1, activation="selu", kernel_initializer="ones", use_bias=False,
                              input_dim=1)])
    model.compile("sgd", "mse")
    with pytest.raises(NonFiniteLossError,
                       match=r"layer 'dense_1' \(Dense\), in its activation 'selu'; the "
                             r"activation's input ranged over \[3\.3e\+38, 3\.3e\+38\]"):
        model.fit(np.full((4, 1), 3.3e38, np.float32), np.zeros((4, 1)), verbose=0)


def test_nan_in_the_loss_and_in_a_gradient_are_told_apart():
    model = Sequential([Dense(1, kernel_initializer="ones", use_bias=False, input_dim=1)])
    model.compile("sgd", "mse")
    with pytest.raises(NonFiniteLossError, match=r"The loss became inf .* the loss "
                                                 r"'mean_squared_error' itself"):
        model.fit(np.full((4, 1), 1e20, np.float32), np.zeros((4, 1)), verbose=0)
    before = model.get_weights()
    # (1.5e19)^2 fits in float32, but dL/dW = 2 * x * x does not.
    with pytest.raises(NonFiniteLossError, match=r"A gradient became NaN or inf \(the loss was "
                                                 r"2\.25e\+38\) in train_on_batch.*backward pass "
                                                 r"of layer 'dense_1' \(Dense\): dL/dkernel"):
        model.train_on_batch(np.full((1, 1), 1.5e19, np.float32), np.zeros((1, 1)))
    np.testing.assert_array_equal(before[0], model.get_weights()[0])


def test_nan_diagnosis_leaves_dropout_streams_and_state_untouched(rng):
    x_in = Input(shape=(4,))
    h = Dropout(0.5)(Dense(4, kernel_initializer="ones")(x_in))
    model = Model(x_in, Dense(1)(Add()([x_in, h])), seed=0)
    model.compile("sgd", "mse")
    model.build()
    dropout = model.get_layer("dropout_1")
    state = dropout.noise_rng.bit_generator.state
    model._prepare_training()
    from glassnet.models.diagnose import non_finite_error

    xb = np.full((2, 4), 1e38, np.float32)
    err = non_finite_error(model, xb, np.zeros((2, 1), np.float32), None, float("nan"), 0, 0)
    assert "layer 'dense_1'" in str(err)
    assert dropout.noise_rng.bit_generator.state == state


# ------------------------------------------------------------------ teaching tools on graphs
def test_check_gradients_on_a_graph_with_merges_and_a_residual_block(rng, capsys):
    model = merge_model()
    model.compile("sgd", "categorical_crossentropy")
    x, y = classification(rng, n=8)
    rows = model.check_gradients(x, y)
    assert len(rows) == 12 and all(r["passed"] for r in rows), rows
    assert "12 of 12 weight tensors pass" in capsys.readouterr().out


def test_explain_step_on_a_graph_with_merges(rng):
    model = merge_model()
    model.compile(SGD(learning_rate=0.1), "categorical_crossentropy")
    x, y = classification(rng, n=8)
    steps = model.explain_step(x, y)
    assert [s.name for s in steps] == [layer.name for layer in model.layers]
    by_name = {s.name: s for s in steps}
    twin_grads = model.compute_gradients(x.astype(np.float32), y).grads  # float32 original
    # Dense 'dense_1' reads the input: dW = x^T delta, db = sum(delta), delta = dL/dz.
    d1 = by_name["dense_1"]
    np.testing.assert_allclose(d1.dW, x.T @ d1.delta, rtol=1e-10)
    np.testing.assert_allclose(d1.db, d1.delta.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(d1.a, np.tanh(d1.z), rtol=1e-12)
    np.testing.assert_allclose(d1.dW, twin_grads[0], rtol=1e-3, atol=1e-6)
    # The fused softmax output: delta = (p - y) / m.
    out = steps[-1]
    np.testing.assert_allclose(out.delta, (out.a - y) / len(x), rtol=1e-10)
    np.testing.assert_allclose(out.updates["kernel"], -0.1 * out.dW)
    # The skip: Add's output feeds Concatenate, whose output feeds the residual block.
    assert by_name["add_1"].a.shape == (8, 4) and by_name["add_1"].delta is None
    assert by_name["concatenate_1"].a.shape == (8, 6)
    assert set(by_name["residual_1"].grads) == {"0/kernel", "0/bias", "1/kernel", "1/bias"}


def test_gradient_flow_on_a_graph_with_merges(rng):
    model = merge_model()
    model.compile("sgd", "categorical_crossentropy")
    x, y = classification(rng, n=32)
    flow = GradientFlow(every=2)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[flow])
    assert [r["step"] for r in flow.records] == [0, 2]
    names = [e["name"] for e in flow.records[0]["layers"]]
    assert names == ["dense_1", "dense_2", "dense_3", "residual_1", "dense_4"]
    index = {layer.name: i for i, layer in enumerate(model.layers)}
    assert [e["index"] for e in flow.records[0]["layers"]] == [index[n] for n in names]
    acts = [a["name"] for a in flow.records[0]["activations"]]
    assert acts == ["dense_1", "dense_3"]  # tanh and sigmoid outputs
    for e in flow.records[-1]["layers"]:
        assert np.isfinite(e["grad_norm"]) and e["grad_norm"] > 0 and e["update_ratio"] > 0


def test_gradient_flow_measure_uses_the_models_gradient_step(rng):
    model = merge_model(dtype="float64")
    model.compile("sgd", "categorical_crossentropy")
    x, y = classification(rng, n=16)
    model.build()
    before = model.get_weights()
    flow = GradientFlow()
    record = flow.measure(model, x, y)
    assert flow.records == [record]
    grads = model.compute_gradients(x, y).grads
    first = record["layers"][0]
    assert first["name"] == "dense_1"
    np.testing.assert_allclose(first["params"]["kernel"]["grad_norm"], np.linalg.norm(grads[0]))
    np.testing.assert_allclose(record["loss"], model.evaluate(x, y, verbose=0))
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_plot_gradient_flow_of_a_graph(rng, tmp_path):
    pytest.importorskip("matplotlib")
    from glassnet.plotting.gradients import plot_gradient_flow

    model = merge_model()
    model.compile("sgd", "categorical_crossentropy")
    x, y = classification(rng, n=32)
    flow = GradientFlow(every=1)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[flow])
    fig = plot_gradient_flow(flow, tmp_path / "flow.png", param=None)
    assert (tmp_path / "flow.png").stat().st_size > 0
    lines = fig.axes[0].get_lines()
    assert len(lines) == 4 and all(len(line.get_ydata()) == 5 for line in lines)


def test_every_tool_runs_the_one_gradient_step(rng, monkeypatch):
    from glassnet.models import step

    calls = []
    original = step.gradient_step

    def counted(model, *args, **kwargs):
        calls.append(model)
        return original(model, *args, **kwargs)

    monkeypatch.setattr(step, "gradient_step", counted)
    model = merge_model()
    model.compile("sgd", "categorical_crossentropy")
    x, y = classification(rng, n=8)
    tools = {
        "fit": lambda: model.fit(x, y, batch_size=4, epochs=1, verbose=0),  # 2 steps
        "train_on_batch": lambda: model.train_on_batch(x, y),
        "compute_gradients": lambda: model.compute_gradients(x, y),
        "check_gradients": lambda: model.check_gradients(x, y, print_fn=None),
        "explain_step": lambda: model.explain_step(x, y),
        "GradientFlow.measure": lambda: GradientFlow().measure(model, x, y),
    }
    for name, run in tools.items():
        calls.clear()
        run()
        assert len(calls) == (2 if name == "fit" else 1), name


def test_nan_inside_a_residual_block_names_the_inner_layer():
    block = [Dense(2, kernel_initializer="ones", name="inner_dense"), Dense(2)]
    model = Sequential([Input(shape=(2,)), Residual(block), Dense(1)], seed=0)
    model.compile("sgd", "mse")
    x = np.full((4, 2), 3e38, np.float32)  # 3e38 + 3e38 overflows float32 in the matmul
    with pytest.raises(NonFiniteLossError,
                       match=r"layer 'inner_dense' \(Dense\), in its matmul \(x @ kernel \+ "
                             r"bias\); its input ranged over \[3e\+38, 3e\+38\] \(inside layer "
                             r"'residual_1' \(Residual\)\)"):
        model.fit(x, np.zeros((4, 1)), verbose=0)
