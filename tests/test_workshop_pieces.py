"""The slides' missing pieces: the network drawing and a model's composition f_L(…f_1(x))."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.layers import Activation, Dense
from glassnet.models import Sequential
from glassnet.workshop import composition


def test_composition_of_the_slides_seven_functions() -> None:
    model = Sequential([Dense(8, input_dim=2), Activation("tanh"), Dense(8), Activation("tanh"),
                        Dense(4), Activation("tanh"), Dense(1, activation="sigmoid")], seed=0)
    text = composition(model)
    lines = text.splitlines()
    assert lines[0] == "f(x) = f_7(f_6(f_5(f_4(f_3(f_2(f_1(x)))))))"
    assert len(lines) == 8
    for i, layer in enumerate(model.layers, start=1):
        assert lines[i].startswith(f"  f_{i} = {layer.name} ({type(layer).__name__}")
    assert "1 units, sigmoid, kernel = w.T" in lines[7] and "tanh" in lines[2]


def test_composition_is_what_the_model_computes() -> None:
    model = Sequential([Dense(3, activation="sigmoid", input_dim=2), Dense(1, activation="sigmoid")],
                       seed=1)
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(model.dtype)
    model.predict(x, verbose=0)
    a = x
    for layer in model.layers:  # f_2(f_1(x))
        a = layer.forward(a)
    np.testing.assert_allclose(a, model.predict(x, verbose=0), rtol=1e-6)
    assert composition(model).splitlines()[0] == "f(x) = f_2(f_1(x))"


def test_composition_of_a_functional_model_with_a_merge() -> None:
    from glassnet.layers import Add, Input
    from glassnet.models import Model

    x = Input(shape=(4,))
    h = Dense(4, activation="relu")(x)
    model = Model(x, Dense(2)(Add()([x, h])))
    assert composition(model).splitlines()[0] == "f(x) = f_3(f_2(x, f_1(x)))"


def test_composition_rejects_what_is_not_a_model() -> None:
    with pytest.raises(TypeError, match="`model` must be a glassnet model with at least one layer"):
        composition(object())


pytest.importorskip("matplotlib")


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_draw_network_labels_every_weight_and_bias_of_2_3_1(tmp_path) -> None:
    from glassnet.plotting.network import draw_network

    fig = draw_network([2, 3, 1], path=tmp_path / "net.png")
    texts = _texts(fig)
    weights = {t for t in texts if t.startswith("$w^")}
    biases = {t for t in texts if t.startswith("$b^")}
    assert len(weights) == 9 and len(biases) == 4
    assert "$w^{(0)}_{10}$" in weights and "$w^{(1)}_{02}$" in weights  # w[0][1, 0], w[1][0, 2]
    assert "$b^{(0)}_{2}$" in biases and "$b^{(1)}_{0}$" in biases
    assert fig.axes[0].get_title() == "[2, 3, 1]: 9 weights, 4 biases, 13 parameters"
    assert (tmp_path / "net.png").read_bytes()[:4] == b"\x89PNG"


def test_draw_network_writes_values_and_handles_no_hidden_layer() -> None:
    from glassnet.plotting.network import draw_network
    from glassnet.scratch import init_params

    w, b = init_params([2, 1], seed=0)
    texts = _texts(draw_network([2, 1], values=(w, b)))
    assert f"$w^{{(0)}}_{{01}}$\n{w[0][0, 1]:.2f}" in texts
    assert f"$b^{{(0)}}_{{0}}$ = {b[0][0, 0]:.2f}" in texts


def test_draw_network_drops_labels_when_crowded_and_rejects_bad_sizes() -> None:
    from glassnet.plotting.network import draw_network

    assert not any(t.startswith("$w^") for t in _texts(draw_network([8, 8, 2])))
    with pytest.raises(ValueError, match=r"`layer_sizes\[1\]` must be an integer from 1 to 12"):
        draw_network([2, 30, 1])
    with pytest.raises(ValueError, match="at least 2 layer sizes"):
        draw_network([3])
