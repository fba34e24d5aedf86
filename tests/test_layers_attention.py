"""Attention and MultiHeadAttention: gradients, Keras (same weights, same shapes and order),
PyTorch, symbolic calls with two tensors, training in a functional model, saving, and the
Transformer encoder example's lesson."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet.gradcheck import check_merge_layer
from glassnet.models import Model, load_model
from glassnet.optimizers import Adam
from layer_referees import (
    GRAD_TOL,
    assert_config_round_trip,
    assert_gradients,
    keras_referee,
    to_numpy,
    torch_module,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _inputs(rng, with_key, d=3):
    q = rng.normal(size=(2, 4, d))
    v = rng.normal(size=(2, 5, 2))
    return [q, v, rng.normal(size=(2, 5, d))] if with_key else [q, rng.normal(size=(2, 5, d))]


ATTENTION_CASES = [dict(), dict(use_scale=True), dict(score_mode="concat"),
                   dict(score_mode="concat", use_scale=True)]


# ------------------------------------------------------------------ Attention
@pytest.mark.parametrize("kw", ATTENTION_CASES)
@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_attention_gradients(kw, with_key, causal, rng):
    layer = gl.Attention(**kw, use_causal_mask=causal)
    xs = _inputs(rng, with_key)
    layer.dtype = np.dtype("float64")
    layer.build([x.shape[1:] for x in xs], rng)
    for p in layer.params.values():  # away from 1, so that a wrong scale shows
        p[...] = rng.uniform(0.5, 1.5)
    assert_gradients(layer, xs)


def test_attention_dropout_gradients(rng):
    assert_gradients(gl.Attention(dropout=0.4, seed=3), _inputs(rng, True), training=True)


@pytest.mark.parametrize("kw", ATTENTION_CASES)
@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_keras(keras, kw, with_key, causal, rng):
    xs = [x.astype(np.float32) for x in _inputs(rng, with_key)]
    ref = keras.layers.Attention(**kw)
    ref(xs)
    weights = [to_numpy(w) + np.float32(0.3) for w in ref.get_weights()]
    ref.set_weights(weights)
    expected = to_numpy(ref(xs, use_causal_mask=causal))
    mine = gl.Attention(**kw)
    mine(xs, use_causal_mask=causal)
    assert [w.shape for w in mine.get_weights()] == [w.shape for w in weights]
    mine.set_weights(weights)
    np.testing.assert_allclose(mine(xs), expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ MultiHeadAttention
MHA_CASES = [dict(num_heads=2, key_dim=3), dict(num_heads=3, key_dim=2, value_dim=4,
                                                 output_shape=5),
             dict(num_heads=1, key_dim=4, use_bias=False)]


def _mha_inputs(rng, with_key):
    q, v = rng.normal(size=(2, 4, 6)), rng.normal(size=(2, 5, 3))
    return [q, v, rng.normal(size=(2, 5, 7))] if with_key else [q, v]


@pytest.mark.parametrize("kw", MHA_CASES)
@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_mha_gradients(kw, with_key, causal, rng):
    layer = gl.MultiHeadAttention(**kw, bias_initializer="random_normal",
                                  use_causal_mask=causal)
    errors = check_merge_layer(layer, _mha_inputs(rng, with_key), rng=rng)
    # The key bias adds q . b_k to a whole row of scores, which the softmax ignores: its
    # gradient is exactly zero (numerically ~1e-10), so a relative error means nothing there.
    if "key_bias" in errors:
        assert np.abs(layer.grads["key_bias"]).max() < 1e-12
        errors.pop("key_bias")
    assert max(errors.values()) < GRAD_TOL, errors


def test_mha_dropout_gradients(rng):
    layer = gl.MultiHeadAttention(2, 3, dropout=0.3, seed=1, use_bias=False)
    assert_gradients(layer, _mha_inputs(rng, True), training=True)


@pytest.mark.parametrize("kw", MHA_CASES)
@pytest.mark.parametrize("with_key", [False, True])
def test_mha_matches_keras(keras, kw, with_key, rng):
    xs = _mha_inputs(rng, with_key)
    mine = gl.MultiHeadAttention(**kw)
    keras_referee(_KerasCallList(keras.layers.MultiHeadAttention(**kw)), mine, xs)
    expected = [f"{p}_{w}" for p in ("query", "key", "value", "output")
                for w in (("kernel", "bias") if kw.get("use_bias", True) else ("kernel",))]
    assert list(mine.params) == expected


def test_mha_causal_matches_keras(keras, rng):
    xs = [x.astype(np.float32) for x in _mha_inputs(rng, False)]
    ref = keras.layers.MultiHeadAttention(2, 3)
    ref(xs[0], xs[1])
    mine = gl.MultiHeadAttention(2, 3)
    mine(xs[0], xs[1], use_causal_mask=True)
    mine.set_weights([to_numpy(w) for w in ref.get_weights()])
    np.testing.assert_allclose(mine(xs[0], xs[1]),
                               to_numpy(ref(xs[0], xs[1], use_causal_mask=True)),
                               rtol=1e-5, atol=1e-6)


class _KerasCallList:
    """Keras's MHA takes (query, value, key); the referee calls layers on one list."""

    def __init__(self, layer):
        self.layer = layer

    def __call__(self, xs):
        return self.layer(*xs)

    def get_weights(self):
        return self.layer.get_weights()

    def set_weights(self, weights):
        self.layer.set_weights(weights)


def test_mha_matches_torch(rng):
    torch = torch_module()
    heads, key_dim = 2, 3
    e = heads * key_dim
    q, k, v = rng.normal(size=(2, 4, e)), rng.normal(size=(2, 5, 5)), rng.normal(size=(2, 5, 4))
    layer = gl.MultiHeadAttention(heads, key_dim, bias_initializer="random_normal")
    layer.dtype = np.dtype("float64")
    layer.build([q.shape[1:], v.shape[1:], k.shape[1:]], rng)
    p = layer.params
    y = layer.forward([q, v, k])
    g = rng.normal(size=y.shape)
    dq, dv, dk = layer.backward(g)
    ref = torch.nn.MultiheadAttention(e, heads, kdim=5, vdim=4, batch_first=True,
                                      dtype=torch.float64)
    with torch.no_grad():
        ref.q_proj_weight.copy_(torch.tensor(p["query_kernel"].reshape(e, e).T))
        ref.k_proj_weight.copy_(torch.tensor(p["key_kernel"].reshape(5, e).T))
        ref.v_proj_weight.copy_(torch.tensor(p["value_kernel"].reshape(4, e).T))
        ref.in_proj_bias.copy_(torch.tensor(np.concatenate(
            [p["query_bias"].ravel(), p["key_bias"].ravel(), p["value_bias"].ravel()])))
        ref.out_proj.weight.copy_(torch.tensor(p["output_kernel"].reshape(e, e).T))
        ref.out_proj.bias.copy_(torch.tensor(p["output_bias"]))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out, _ = ref(tq, tk, tv, need_weights=False)
    out.backward(torch.tensor(g))
    np.testing.assert_allclose(y, out.detach().numpy(), atol=1e-12)
    for mine, theirs in ((dq, tq), (dk, tk), (dv, tv)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads["query_kernel"].reshape(e, e),
                               ref.q_proj_weight.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(layer.grads["output_kernel"].reshape(e, e),
                               ref.out_proj.weight.grad.numpy().T, atol=1e-12)


# ------------------------------------------------------------------ graphs, training, saving
def test_symbolic_call_records_one_node_with_two_inputs():
    q, v = gl.Input((4, 6)), gl.Input((5, 3))
    mha = gl.MultiHeadAttention(num_heads=2, key_dim=3)
    out = mha(q, v)
    assert out.shape == (None, 4, 6)
    assert out.node.layer is mha and out.node.inputs == [q, v]
    x = gl.Input((7, 8))
    self_attention = gl.MultiHeadAttention(2, 4, output_shape=5)(x, x)
    assert self_attention.shape == (None, 7, 5) and self_attention.node.inputs == [x, x]
    att = gl.Attention()([x, x])
    assert att.shape == (None, 7, 8) and att.node.inputs == [x, x]


def test_errors():
    with pytest.raises(ValueError, match="MultiHeadAttention `num_heads`"):
        gl.MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="MultiHeadAttention `dropout`"):
        gl.MultiHeadAttention(2, 4, dropout=1.0)
    with pytest.raises(TypeError, match="needs a query and a value"):
        gl.MultiHeadAttention(2, 4)(np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match="same number of steps"):
        gl.MultiHeadAttention(2, 4).output_shape([(3, 4), (5, 4), (6, 4)])
    with pytest.raises(ValueError, match="Attention `score_mode`"):
        gl.Attention(score_mode="additive")
    with pytest.raises(ValueError, match="same last dimension"):
        gl.Attention().output_shape([(3, 4), (5, 2), (5, 3)])


@pytest.mark.parametrize("layer", [
    gl.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=2),
    gl.MultiHeadAttention(4, 8, value_dim=6, dropout=0.1, output_shape=12, use_bias=False),
])
def test_config_round_trip(layer):
    assert_config_round_trip(layer)


def test_self_attention_model_trains_and_saves(tmp_path, rng):
    # Which of the 6 steps holds the largest value? Every step must be compared with the others.
    x = rng.normal(size=(256, 6, 1)).astype(np.float32)
    y = (x[:, :, 0] == x[:, :, 0].max(axis=1, keepdims=True)).astype(np.float32)[:, :, None]
    inputs = gl.Input((6, 1))
    h = gl.Dense(8)(inputs)
    h = gl.LayerNormalization()(gl.Add()([h, gl.MultiHeadAttention(2, 4, dropout=0.1)(h, h)]))
    h = gl.Attention(use_scale=True)([h, h])
    outputs = gl.Dense(1, activation="sigmoid")(h)
    model = Model(inputs, outputs, seed=0)
    model.compile(optimizer=Adam(learning_rate=0.01), loss="binary_crossentropy")
    losses = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses
    model.save(tmp_path / "attention.npz")
    loaded = load_model(tmp_path / "attention.npz")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)


def test_transformer_encoder_example_beats_its_baselines(monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    try:
        results = importlib.import_module("transformer_encoder").main(["--quick"])
    finally:
        sys.modules.pop("transformer_encoder", None)
    assert abs(results["majority class"] - 0.5) < 0.05  # balanced classes
    assert results["transformer encoder"] > 0.95
    assert results["transformer encoder"] > results["no attention"] + 0.15
    assert "transformer encoder  test accuracy" in capsys.readouterr().out


def test_attention_scores_are_returned_as_keras_does(keras, rng):
    q, v = (rng.normal(size=s).astype(np.float32) for s in ((2, 4, 6), (2, 5, 3)))
    ref = keras.layers.MultiHeadAttention(2, 3)
    ref(q, v)
    mine = gl.MultiHeadAttention(2, 3)
    mine(q, v)
    mine.set_weights([to_numpy(w) for w in ref.get_weights()])
    out, scores = mine(q, v, return_attention_scores=True)
    ref_out, ref_scores = ref(q, v, return_attention_scores=True)
    assert scores.shape == (2, 2, 4, 5)
    np.testing.assert_allclose(scores, to_numpy(ref_scores), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scores.sum(axis=-1), 1.0, rtol=1e-5)
    out, weights = gl.Attention()([q, q], return_attention_scores=True)
    ref_out, ref_weights = keras.layers.Attention()([q, q], return_attention_scores=True)
    np.testing.assert_allclose(weights, to_numpy(ref_weights), rtol=1e-5, atol=1e-6)
    pair = gl.MultiHeadAttention(2, 3)(gl.Input((4, 6)), gl.Input((5, 3)),
                                       return_attention_scores=True)  # a node's two outputs
    assert [t.shape for t in pair] == [(None, 4, 6), (None, 2, 4, 5)]
    with pytest.raises(TypeError, match="symbolic `attention_mask`"):  # tensors want tensors
        gl.MultiHeadAttention(2, 3)(gl.Input((4, 6)), gl.Input((5, 3)),
                                    attention_mask=np.ones((2, 4, 5), bool))
