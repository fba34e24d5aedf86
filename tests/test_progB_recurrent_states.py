"""Recurrent layers with ``return_state=True`` and ``initial_state=``: the final states are
outputs of their own (gradients from each, finite differences in float64), the loop starts
from the given states (gradients reaching them), and both work in a functional graph."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as G  # noqa: N812
from glassnet.gradcheck import check_model, numeric_gradient, relative_error

L = G.layers
CELLS = [("SimpleRNN", 1), ("GRU", 1), ("LSTM", 2)]


def make(kind, **kwargs):
    extra = {"reset_after": False} if kwargs.pop("gru_v1", False) and kind == "GRU" else {}
    return getattr(L, kind)(3, bias_initializer="random_normal", **kwargs, **extra)


@pytest.mark.parametrize("kind,n_states", CELLS)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_states_in_and_out_match_finite_differences(kind, n_states, return_sequences,
                                                    go_backwards, masked):
    rng = np.random.default_rng(0)
    layer = make(kind, return_sequences=return_sequences, return_state=True,
                 go_backwards=go_backwards, gru_v1=masked)
    layer.dtype = np.dtype("float64")
    x = rng.normal(size=(2, 4, 2))
    states = [rng.normal(size=(2, 3)) for _ in range(n_states)]
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 0]], bool) if masked else None
    layer.build([x.shape[1:]] + [s.shape[1:] for s in states], rng)
    layer.keep_cache = True
    outs = layer.forward([x, *states], mask=mask)
    assert len(outs) == 1 + n_states
    ups = [rng.normal(size=o.shape) for o in outs]

    def loss() -> float:
        return float(sum(np.sum(u * o) for u, o in
                         zip(ups, layer.forward([x, *states], mask=mask), strict=True)))

    loss()
    grads = layer.backward(ups)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    for arr, g in zip([x, *states], grads, strict=True):
        assert relative_error(g, numeric_gradient(loss, arr, 1e-6)) < 1e-6
    for key, p in layer.params.items():
        assert relative_error(analytic[key], numeric_gradient(loss, p, 1e-6)) < 1e-6, key


@pytest.mark.parametrize("kind,n_states", CELLS)
def test_final_states_are_the_last_step_and_zero_start_is_the_default(kind, n_states):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    layer = make(kind, return_sequences=True, return_state=True)
    seq, h, *rest = layer(x)
    np.testing.assert_allclose(h, seq[:, -1], rtol=1e-6)
    assert len(rest) == n_states - 1
    zeros = [np.zeros((3, 3), "float32")] * n_states
    again = layer(x, initial_state=zeros)
    for a, b in zip(again, [seq, h, *rest], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    other = layer(x, initial_state=[rng.normal(size=(3, 3)).astype("float32")] * n_states)
    assert not np.allclose(other[0], seq)
    with pytest.raises(ValueError, match="initial_state"):
        layer(x, initial_state=zeros[:1] * (n_states + 1))


@pytest.mark.parametrize("kind,n_states", CELLS)
def test_encoder_decoder_graph_gradients(kind, n_states):
    enc_in, dec_in = G.Input(shape=(4, 2)), G.Input(shape=(3, 2))
    _, *states = getattr(L, kind)(3, return_state=True)(enc_in)
    h = getattr(L, kind)(3, return_sequences=True)(dec_in, initial_state=states)
    out = L.Dense(1)(L.Flatten()(h))
    model = G.Model([enc_in, dec_in], [out, states[-1]], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss=["mse", "mse"])
    rng = np.random.default_rng(2)
    x = [rng.normal(size=(5, 4, 2)), rng.normal(size=(5, 3, 2))]
    y = [rng.normal(size=(5, 1)), rng.normal(size=(5, 3))]
    for row in check_model(model, x, y):
        assert row["relative_error"] < 1e-6, row
    clone = G.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for a, b in zip(clone.predict(x), model.predict(x), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_bidirectional_refuses_return_state():
    with pytest.raises(NotImplementedError, match="return_state"):
        L.Bidirectional(L.LSTM(2, return_state=True))
