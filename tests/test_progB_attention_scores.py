"""``return_attention_scores=True`` in functional models: the attention weights are the
node's second output. Backward takes one gradient per output (finite differences in
float64), an output without a loss gives a zero gradient, and the graph round-trips."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as G  # noqa: N812
from glassnet.gradcheck import check_model, numeric_gradient, relative_error

L = G.layers


def _layer_check(layer, xs, rng, mask=None):
    """dL/dx and dL/dw of ``L = sum(go * out) + sum(gw * weights)`` against central
    differences."""
    layer.dtype = np.dtype("float64")
    layer.build([x.shape[1:] for x in xs], rng)
    layer.multi_output = True
    out, w = layer.forward(xs, mask=mask)
    go, gw = rng.normal(size=out.shape), rng.normal(size=w.shape)

    def loss() -> float:
        out, w = layer.forward(xs, mask=mask)
        return float(np.sum(go * out) + np.sum(gw * w))

    loss()
    dxs = layer.backward([go, gw])
    analytic = {key: g.copy() for key, g in layer.grads.items()}
    for x, dx in zip(xs, dxs, strict=False):
        assert relative_error(dx, numeric_gradient(loss, x, 1e-6)) < 1e-6
    for key, p in layer.params.items():
        numeric = numeric_gradient(loss, p, 1e-6)
        # (the key bias shifts a whole row of scores: its exact gradient is 0)
        assert relative_error(analytic[key], numeric) < 1e-6 or \
            np.max(np.abs(analytic[key] - numeric)) < 1e-8, key
    return dxs


@pytest.mark.parametrize("kwargs", [{}, {"use_scale": True},
                                    {"score_mode": "concat", "use_scale": True}])
@pytest.mark.parametrize("n_inputs", [2, 3])
def test_attention_backward_takes_the_weights_gradient(kwargs, n_inputs):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4))]
    _layer_check(L.Attention(**kwargs), xs[:n_inputs], rng)


def test_attention_with_masks_backward_takes_the_weights_gradient():
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))]
    mask = [np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 1, 1, 0, 0], [1] * 5], bool)]
    _layer_check(L.Attention(), xs, rng, mask=mask)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("n_inputs", [2, 3])
def test_multi_head_attention_backward_takes_the_weights_gradient(causal, n_inputs):
    rng = np.random.default_rng(2)
    xs = [rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 4, 2))]
    layer = L.MultiHeadAttention(2, 3, value_dim=2, use_causal_mask=causal,
                                 bias_initializer="random_normal")
    _layer_check(layer, xs[:n_inputs], rng)


def scores_model(loss_on_scores: bool):
    q, v = G.Input(shape=(3, 4)), G.Input(shape=(5, 4))
    out, scores = L.MultiHeadAttention(2, 3, name="mha")(q, v, return_attention_scores=True)
    o2, s2 = L.Attention(use_scale=True, name="att")([out, v], return_attention_scores=True)
    y = L.Dense(1, name="head")(L.GlobalAveragePooling1D()(o2))
    outputs = [y, scores, s2] if loss_on_scores else [y, s2]
    model = G.Model([q, v], outputs, dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss=["mse"] * len(outputs))
    return model


@pytest.mark.parametrize("loss_on_scores", [False, True])
def test_model_gradients_through_the_scores_match_finite_differences(loss_on_scores):
    model = scores_model(loss_on_scores)
    rng = np.random.default_rng(3)
    x = [rng.normal(size=(4, 3, 4)), rng.normal(size=(4, 5, 4))]
    y = [rng.normal(size=(4, 1))]
    if loss_on_scores:
        y.append(rng.random((4, 2, 3, 5)))
    y.append(rng.random((4, 3, 5)))
    rows = check_model(model, x, y)
    assert len(rows) == 8 + 1 + 2
    for row in rows:  # the key bias's exact gradient is 0 (it shifts whole score rows)
        assert row["relative_error"] < 1e-6 or row["max_abs_error"] < 1e-10, row


def test_scores_without_a_loss_get_a_zero_gradient():
    """The MHA's weights are a model output nothing trains: its gradients are those of the
    main output alone (the same as a model without that output)."""
    q = G.Input(shape=(3, 4))
    out, scores = L.MultiHeadAttention(2, 3, name="mha")(q, q, return_attention_scores=True)
    y = L.Dense(1, name="head")(L.Flatten()(out))
    with_scores = G.Model(q, [y, scores], dtype="float64", seed=0)
    alone = G.Model(q, y, dtype="float64", seed=0)
    alone.set_weights(with_scores.get_weights())
    rng = np.random.default_rng(4)
    x, t = rng.normal(size=(4, 3, 4)), rng.normal(size=(4, 1))
    with_scores.compile(optimizer="sgd", loss=["mse", None])
    alone.compile(optimizer="sgd", loss="mse")
    with_scores.compute_gradients(x, [t, np.zeros((4, 2, 3, 3))], training=False)
    want = {k: g.copy() for k, g in alone.get_layer("mha").grads.items()}
    alone.compute_gradients(x, t, training=False)
    for key, g in alone.get_layer("mha").grads.items():
        np.testing.assert_allclose(with_scores.get_layer("mha").grads[key], g, rtol=1e-10,
                                   err_msg=key)
    assert want  # the layer has weights to compare


def test_on_arrays_the_pair_and_on_tensors_two_outputs():
    rng = np.random.default_rng(5)
    q, v = rng.random((2, 3, 4)).astype("float32"), rng.random((2, 5, 4)).astype("float32")
    att = L.Attention()
    out, w = att([q, v], return_attention_scores=True)
    assert out.shape == (2, 3, 4) and w.shape == (2, 3, 5)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-6)
    tq, tv = G.Input(shape=(3, 4)), G.Input(shape=(None, 4))
    mha = L.MultiHeadAttention(3, 2)
    pair = mha(tq, tv, return_attention_scores=True)
    assert [t.shape for t in pair] == [(None, 3, 4), (None, 3, 3, None)]
    with pytest.raises(ValueError, match="shared.*return_attention_scores=True"):
        mha(tq, tv)


def test_config_round_trip_and_npz_save(tmp_path):
    model = scores_model(loss_on_scores=True)
    rng = np.random.default_rng(6)
    x = [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))]
    want = model.predict(x)
    clone = G.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for got, exp in zip(clone.predict(x), want, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-12)
    path = tmp_path / "scores.npz"
    model.save(path)
    for got, exp in zip(G.models.load_model(path).predict(x), want, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-12)
