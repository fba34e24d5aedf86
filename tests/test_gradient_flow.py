"""GradientFlow records, the gradient-flow plot, and the two deep-network examples (--quick)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from glassnet.diagnostics import GradientFlow, activation_stats
from glassnet.layers import Activation, Add, Dense, Input
from glassnet.models import Model, Sequential

ROOT = Path(__file__).resolve().parents[1]


def deep_sigmoid(depth=12, width=16, seed=0):
    hidden = [Dense(width, activation="sigmoid") for _ in range(depth - 1)]
    return Sequential([Input(shape=(8,)), *hidden, Dense(3, activation="softmax")], seed=seed)


def data(rng, n=128):
    return rng.standard_normal((n, 8)).astype(np.float32), rng.integers(0, 3, n)


def test_records_one_entry_per_layer_with_params(rng):
    model = deep_sigmoid(depth=6)
    model.compile("sgd", "sparse_categorical_crossentropy")
    flow = GradientFlow(every=2)
    model.fit(*data(rng), epochs=2, batch_size=32, verbose=0, callbacks=[flow])
    assert [r["step"] for r in flow.records] == [0, 2, 4, 6]  # 4 steps per epoch, 2 epochs
    assert [r["epoch"] for r in flow.records] == [0, 0, 1, 1]
    for record in flow.records:
        assert [e["name"] for e in record["layers"]] == [f"dense_{i}" for i in range(1, 7)]
        assert [e["index"] for e in record["layers"]] == list(range(6))
        for e in record["layers"]:
            for key in ("grad_norm", "weight_norm", "update_ratio"):
                assert np.isfinite(e[key]) and e[key] > 0, (key, e)
            assert set(e["params"]) == {"kernel", "bias"}
            assert np.isfinite(e["params"]["kernel"]["grad_norm"])
        # Five sigmoid Dense layers are watched (the softmax output is not).
        assert [a["activation"] for a in record["activations"]] == ["sigmoid"] * 5
        assert all(0 <= a["saturated_fraction"] <= 1 for a in record["activations"])
        assert np.isfinite(record["loss"])
    json.dumps(flow.records)  # plain data: can be saved as it is
    steps, norms = flow.series("grad_norm")
    assert norms.shape == (4, 6) and steps.tolist() == [0, 2, 4, 6]
    assert flow.series("saturated_fraction")[1].shape == (4, 5)
    assert flow.series("grad_norm", param="kernel")[1].shape == (4, 6)
    assert flow.layer_names[0] == "dense_1"


def test_update_ratio_matches_the_sgd_step(rng):
    model = Sequential([Input(shape=(8,)), Dense(3, activation="softmax")], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")  # learning rate 0.01
    flow = GradientFlow(every=1)
    model.fit(*data(rng, n=32), epochs=1, batch_size=32, verbose=0, callbacks=[flow])
    e = flow.records[0]["layers"][0]
    assert e["update_ratio"] == pytest.approx(0.01 * e["grad_norm"] / e["weight_norm"], rel=1e-4)


def test_deep_sigmoid_first_layer_gradient_is_far_smaller_than_last(rng):
    model = deep_sigmoid(depth=12)
    model.compile("sgd", "sparse_categorical_crossentropy")
    flow = GradientFlow()  # once per epoch
    model.fit(*data(rng), epochs=1, batch_size=32, verbose=0, callbacks=[flow])
    _, norms = flow.series("grad_norm", param="kernel")
    assert norms.shape == (1, 12)
    assert norms[0, 0] < 1e-5 * norms[0, -1]  # vanishing: ~0.25 per sigmoid layer and more


def test_residual_relu_net_keeps_gradients_at_the_input(rng):
    x = Input(shape=(8,))
    h = Dense(16, kernel_initializer="he_normal")(x)
    for _ in range(5):
        f = Dense(16, activation="relu", kernel_initializer="he_normal")(Activation("relu")(h))
        h = Add()([h, Dense(16)(f)])
    model = Model(x, Dense(3, activation="softmax")(h), seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    flow = GradientFlow()
    model.fit(*data(rng), epochs=1, batch_size=32, verbose=0, callbacks=[flow])
    _, norms = flow.series("grad_norm", param="kernel")
    assert norms.shape == (1, 12)  # the InputLayer, Activation and Add layers have no weights
    assert norms[0, 0] > 1e-2 * norms[0, -1]
    kinds = [a["activation"] for a in flow.records[0]["activations"]]
    assert kinds == ["relu"] * 10
    for layer in model.layers:  # the capture of activations is undone after each step
        assert "forward" not in vars(layer)


def test_every_epoch_counts_across_fits(rng):
    model = deep_sigmoid(depth=3)
    model.compile("sgd", "sparse_categorical_crossentropy")
    flow = GradientFlow(every="epoch")
    model.fit(*data(rng, n=64), epochs=2, batch_size=32, verbose=0, callbacks=[flow])
    model.fit(*data(rng, n=64), epochs=1, batch_size=32, verbose=0, callbacks=[flow])
    assert [r["step"] for r in flow.records] == [0, 2, 4]


def test_activation_stats_by_hand():
    a = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])
    assert activation_stats("relu", a) == {"dead_fraction": pytest.approx(1 / 3)}
    s = np.array([[0.01, 0.5], [0.99, 0.3]])
    assert activation_stats("sigmoid", s) == {"saturated_fraction": 0.5}
    assert activation_stats("tanh", np.array([[-0.99, 0.0]])) == {"saturated_fraction": 0.5}


def test_bad_arguments_and_no_records():
    with pytest.raises(ValueError, match="`every` must be 'epoch' or a positive int, got 0"):
        GradientFlow(every=0)
    with pytest.raises(ValueError, match="`saturation` must be in"):
        GradientFlow(saturation=0.7)
    with pytest.raises(ValueError, match="no records yet"):
        GradientFlow().series()


def test_plot_gradient_flow(tmp_path, rng):
    pytest.importorskip("matplotlib")
    from glassnet.plotting._backend import pyplot
    from glassnet.plotting.gradients import plot_gradient_flow

    flows = {}
    for name, depth in (("deep", 6), ("shallow", 3)):
        model = deep_sigmoid(depth=depth)
        model.compile("sgd", "sparse_categorical_crossentropy")
        flows[name] = GradientFlow(every=1)
        model.fit(*data(rng), epochs=1, batch_size=32, verbose=0, callbacks=[flows[name]])
    fig = plot_gradient_flow(flows, path=tmp_path / "flow.png", max_lines=3)
    assert (tmp_path / "flow.png").stat().st_size > 1000
    norm_panels = fig.axes[:2]
    assert [len(ax.get_lines()) for ax in norm_panels] == [3, 3]
    assert norm_panels[0].get_yscale() == "log"
    assert norm_panels[0].get_ylim() == norm_panels[1].get_ylim()
    pyplot().close(fig)
    fig = plot_gradient_flow(flows["deep"].records, key="update_ratio", param=None,
                             show_loss=False)
    assert len(fig.axes) == 1
    pyplot().close(fig)
    with pytest.raises(ValueError, match="expects a GradientFlow callback with records"):
        plot_gradient_flow(GradientFlow())
    with pytest.raises(ValueError, match="`key` must be one of"):
        plot_gradient_flow(flows["deep"], key="loss")


def _example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vanishing_gradients_example_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    module = _example("vanishing_gradients")
    results = module.run(["--quick", "--depth", "16", "--plot", str(tmp_path / "v.png")])
    assert (tmp_path / "v.png").exists()
    sigmoid, _, res = results.values()
    assert sigmoid["norms_start"][0] < 1e-6 * sigmoid["norms_start"][-1]
    assert res["norms_start"][0] > 1e-2 * res["norms_start"][-1]
    assert res["loss"][-1] < sigmoid["loss"][-1]
    assert "|grad| first layer / last layer" in capsys.readouterr().out
    assert module.main(["--quick", "--depth", "6"]) == 0


def test_very_deep_resnet_example_quick(capsys):
    module = _example("very_deep_resnet")
    assert module.main(["--quick", "--blocks", "8"]) == 0
    result = module.run(["--quick"])  # the full depth: at least 100 layers
    assert result["depth"] >= 200 and result["dense"] == 102
    assert result["depth"] == sum(result["counts"].values())
    assert np.isfinite(result["loss"]).all()
    assert result["test_accuracy"] > 0.3  # one short epoch; chance is 0.1
    assert f"{result['depth']} layers (102 Dense" in capsys.readouterr().out
