"""Masks in the attention layers: ``attention_mask`` and the padding masks of
``MultiHeadAttention``, ``mask=[query_mask, value_mask]`` of ``Attention``; gradients by
central differences in float64 (masked positions included), the masks a model hands on,
and the errors for badly shaped masks. Keras's numbers: tests/keras_parity."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet import layers, losses, models
from glassnet.layers import Input


def numeric_check(call, layer, inputs, rng, eps=1e-6):
    """Max relative error of ``backward`` against central differences of ``sum(G * y)``
    (``G`` random), for every input that has a gradient and every weight."""
    y = call(inputs)
    upstream = rng.normal(size=y.shape)
    grads_in = layer.backward(upstream)
    grads_in = grads_in if isinstance(grads_in, list) else [grads_in]
    analytic = {f"input{i}": g for i, g in enumerate(grads_in)}
    analytic.update({k: g.copy() for k, g in layer.grads.items()})
    arrays = {f"input{i}": x for i, x in enumerate(inputs)}
    arrays.update(layer.params)
    errors = {}
    for name, a in arrays.items():
        num = np.zeros_like(a)
        for i in range(a.size):
            old = a.flat[i]
            a.flat[i] = old + eps
            plus = float(np.sum(upstream * call(inputs)))
            a.flat[i] = old - eps
            minus = float(np.sum(upstream * call(inputs)))
            a.flat[i] = old
            num.flat[i] = (plus - minus) / (2 * eps)
        scale = max(float(np.abs(num).max()), 1e-8)
        errors[name] = float(np.abs(num - analytic[name]).max()) / scale
    return errors


def _mha_layer(rng, shapes, **kw):
    layer = gl.MultiHeadAttention(2, 3, bias_initializer="random_normal", **kw)
    layer.dtype = np.dtype("float64")
    layer.build(shapes, rng)
    return layer


def _padding(rng, batch, steps, lengths):
    mask = np.zeros((batch, steps), bool)
    for b, n in enumerate(lengths):
        mask[b, :n] = True
    return mask


# ------------------------------------------------------------------ MultiHeadAttention
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("with_key", [False, True])
def test_mha_attention_mask_gradients(rng, causal, with_key):
    q, v = rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 6, 3))
    xs = [q, v] + ([rng.normal(size=(2, 6, 4))] if with_key else [])
    attention_mask = rng.random((2, 4, 6)) > 0.4
    attention_mask[1, 2, :] = False  # a query step that sees nothing: zero weights
    layer = _mha_layer(rng, [x.shape[1:] for x in xs], use_causal_mask=causal)

    def call(inputs):
        return layer(*inputs, attention_mask=attention_mask)

    errors = numeric_check(call, layer, xs, rng)
    errors.pop("key_bias")  # adds a constant to a row of scores: exactly zero gradient
    assert max(errors.values()) < 1e-6, errors
    _, scores = layer(*xs, attention_mask=attention_mask, return_attention_scores=True)
    seen = attention_mask & (np.tril(np.ones((4, 6), bool)) if causal else True)
    assert np.all(scores[:, :, ~seen[0]][0] == 0.0)  # hidden pairs weigh exactly 0
    np.testing.assert_array_equal(scores[1, :, 2], 0.0)  # the blind query step
    full = seen.any(axis=-1)
    np.testing.assert_allclose(scores.sum(axis=-1)[:, 0][full], 1.0)


def test_mha_attention_mask_broadcasts_as_keras(rng):
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    layer = gl.MultiHeadAttention(2, 3)
    steps = rng.random((3, 5)) > 0.3
    steps[:, 0] = True
    keys = rng.random((2, 1, 5)) > 0.3
    keys[:, :, 0] = True
    for small in (steps, keys, keys.astype(np.float32)):  # 0/1 numbers count as booleans
        full = np.broadcast_to(small, (2, 3, 5)).astype(bool)
        np.testing.assert_array_equal(layer(q, v, attention_mask=small),
                                      layer(q, v, attention_mask=full))
    assert not np.allclose(layer(q, v, attention_mask=steps), layer(q, v))
    # the mask belongs to one call: the next call without one sees every step
    np.testing.assert_array_equal(layer(q, v), layer(q, v, attention_mask=np.ones((2, 3, 5))))


def test_mha_wrongly_shaped_attention_mask_is_a_clear_error(rng):
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    layer = gl.MultiHeadAttention(2, 3)
    for bad in (np.ones((2, 3, 6)), np.ones((3, 3, 5)), np.ones(5)):
        with pytest.raises(ValueError, match=r"`attention_mask` must have shape \(batch, T_q, "
                           r"T_v\) = \(2, 3, 5\).*got shape " + re_shape(bad.shape)):
            layer(q, v, attention_mask=bad)
    with pytest.raises(ValueError, match=r"\(batch, heads, T_q, T_v\) = \(2, 2, 3, 5\).*"
                                         r"got shape \(2, 4, 3, 5\)"):
        layer(q, v, attention_mask=np.ones((2, 4, 3, 5)))
    with pytest.raises(TypeError, match="`attention_mask` must hold booleans"):
        layer(q, v, attention_mask=np.full((2, 3, 5), "yes"))
    with pytest.raises(ValueError, match=r"`attention_mask` must have shape \(batch, T_q, "
                       r"T_v\) = \(None, 3, 5\), got \(None, 3, 6\)"):
        gl.MultiHeadAttention(2, 3)(Input((3, 4)), Input((5, 4)), attention_mask=Input((3, 6)))
    with pytest.raises(TypeError, match="symbolic `attention_mask`"):
        gl.MultiHeadAttention(2, 3)(Input((3, 4)), Input((5, 4)), attention_mask=np.ones((3, 5)))


def _mask_input_model(with_key, dtype="float64"):
    q, v, m = Input((4, 3)), Input((5, 2)), Input((4, 5))
    inputs = [q, v, m] + ([Input((5, 3))] if with_key else [])
    key = inputs[3] if with_key else None
    a = layers.MultiHeadAttention(2, 3, bias_initializer="random_normal")(
        q, v, key, attention_mask=m)
    return models.Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling1D()(a)), seed=0,
                        dtype=dtype)


@pytest.mark.parametrize("with_key", [False, True])
def test_attention_mask_as_a_model_input(rng, with_key, tmp_path):
    model = _mask_input_model(with_key)
    mha = model.layers[-3]
    q, v = rng.normal(size=(3, 4, 3)), rng.normal(size=(3, 5, 2))
    k = rng.normal(size=(3, 5, 3)) if with_key else v
    m = rng.random((3, 4, 5)) > 0.4
    x = [q, v, m] + ([k] if with_key else [])
    out = model.predict(x, verbose=0)
    hidden = mha(q, v, k, attention_mask=m)  # the same layer on arrays
    dense = model.layers[-1]
    np.testing.assert_allclose(out, dense(hidden.mean(axis=1)), rtol=1e-12)
    assert not np.allclose(out, dense(mha(q, v, k).mean(axis=1)))
    model.compile("sgd", "mse")
    y = rng.normal(size=(3, 2))
    got = [g.copy() for g in model.compute_gradients(x, y, training=False).grads]
    eps = 1e-6
    for w, g in zip([np.asarray(t) for t in model.trainable_weights], got, strict=True):
        num = np.zeros_like(w)
        for i in range(w.size):
            old = w.flat[i]
            w.flat[i] = old + eps
            plus = model.compute_gradients(x, y, training=False).loss
            w.flat[i] = old - eps
            minus = model.compute_gradients(x, y, training=False).loss
            w.flat[i] = old
            num.flat[i] = (plus - minus) / (2 * eps)
        assert np.abs(num - g).max() <= 1e-6 * np.abs(num).max() + 1e-10
    path = tmp_path / "masked.npz"
    model.save(path)  # the node's four inputs round-trip
    np.testing.assert_array_equal(models.load_model(path).predict(x, verbose=0), out)


def re_shape(shape):
    return "\\(" + ", ".join(str(d) for d in shape) + (",\\)" if len(shape) == 1 else "\\)")


def _text_attention_model(causal, dtype="float64", seed=0, activation="softmax"):
    x = Input(shape=(None,))
    h = layers.Embedding(12, 4, mask_zero=True)(x)
    h = layers.MultiHeadAttention(2, 3, use_causal_mask=causal)(h, h)
    y = layers.Dense(3, activation=activation)(h)
    return models.Model(x, y, seed=seed, dtype=dtype)


def _padded_ids(rng, lengths, steps=6, vocab=12):
    ids = rng.integers(1, vocab, (len(lengths), steps))
    for b, n in enumerate(lengths):
        ids[b, n:] = 0
    return ids


@pytest.mark.parametrize("causal", [False, True])
def test_padding_masks_reach_mha_and_flow_on(rng, causal):
    model = _text_attention_model(causal)
    ids = _padded_ids(rng, [6, 3, 4])
    out = model.predict(ids, verbose=0)
    np.testing.assert_array_equal(model._graph.output_mask, ids != 0)  # the query's mask
    # a padded key step changes nothing the real steps see
    changed = ids.copy()
    changed[1, 4] = 0  # already padding
    np.testing.assert_allclose(model.predict(changed, verbose=0)[1, :3], out[1, :3])
    # the graph's masks are Keras's attention mask: query (b, Tq, 1) & key (b, 1, Tk)
    mha = model.layers[2]
    emb = model.layers[1].params["embeddings"][ids]
    real = ids != 0
    hidden = mha(emb, emb, attention_mask=real[:, :, None] & real[:, None, :])
    dense = model.layers[3]
    np.testing.assert_allclose(dense(hidden)[real], out[real], rtol=1e-12)
    if not causal:  # (causally, trailing padding lies in every real step's future)
        assert not np.allclose(dense(mha(emb, emb))[real], out[real])  # the padding seen


@pytest.mark.parametrize("causal", [False, True])
def test_masked_attention_model_gradients_match_finite_differences(rng, causal):
    # logits: no probability clipped at 1e-7 (where the loss is flat, as Keras clips it)
    model = _text_attention_model(causal, activation=None)
    model.compile("sgd", losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = _padded_ids(rng, [6, 2, 4])
    y = rng.integers(0, 3, ids.shape)
    model.build()  # O(1) weights: gradients well above rounding
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    got = [g.copy() for g in model.compute_gradients(ids, y, training=False).grads]
    eps = 1e-6
    for w, g in zip([np.asarray(v) for v in model.trainable_weights], got, strict=True):
        num = np.zeros_like(w)
        for i in range(w.size):
            old = w.flat[i]
            w.flat[i] = old + eps
            plus = model.compute_gradients(ids, y, training=False).loss
            w.flat[i] = old - eps
            minus = model.compute_gradients(ids, y, training=False).loss
            w.flat[i] = old
            num.flat[i] = (plus - minus) / (2 * eps)
        if np.abs(num).max() < 1e-10:  # the key bias: a constant per score row
            assert np.abs(g).max() < 1e-10
            continue
        assert np.abs(num - g).max() / np.abs(num).max() < 1e-6


# ------------------------------------------------------------------ Attention
@pytest.mark.parametrize("kw", [dict(), dict(use_scale=True), dict(score_mode="concat")])
@pytest.mark.parametrize("causal", [False, True])
def test_attention_masks_gradients(rng, kw, causal):
    q, v = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3))
    q_mask = _padding(rng, 2, 4, [4, 2])
    v_mask = _padding(rng, 2, 5, [3, 5])
    layer = gl.Attention(use_causal_mask=causal, **kw)
    layer.dtype = np.dtype("float64")
    layer.build([q.shape[1:], v.shape[1:]], rng)
    for p in layer.params.values():
        p[...] = rng.uniform(0.5, 1.5)

    def call(inputs):
        return layer(inputs, mask=[q_mask, v_mask])

    errors = numeric_check(call, layer, [q, v], rng)
    assert max(errors.values()) < 1e-6, errors
    out, weights = layer([q, v], mask=[q_mask, v_mask], return_attention_scores=True)
    np.testing.assert_array_equal(out[1, 2:], 0.0)  # padded query steps give 0
    np.testing.assert_array_equal(weights[0][:, 3:], 0.0)  # padded value steps weigh 0
    assert layer.compute_mask([q, v], [q_mask, v_mask]) is q_mask


def test_attention_mask_errors(rng):
    q, v = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3))
    layer = gl.Attention()
    with pytest.raises(ValueError, match=r"`mask` must be a list \[query_mask, value_mask\]"):
        layer([q, v], mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"value_mask must have shape \(2, 5\).*got shape "
                                         r"\(2, 4\)"):
        layer([q, v], mask=[None, np.ones((2, 4), bool)])


def test_attention_in_a_model_takes_the_padding_masks(rng):
    x = Input(shape=(None,))
    h = layers.Embedding(12, 3, mask_zero=True)(x)
    y = layers.Attention()([h, h])
    model = models.Model(x, y, seed=0, dtype="float64")
    ids = _padded_ids(rng, [5, 2])
    out = model.predict(ids, verbose=0)
    np.testing.assert_array_equal(model._graph.output_mask, ids != 0)
    emb = model.layers[1].params["embeddings"][ids]
    mask = ids != 0
    np.testing.assert_allclose(out, gl.Attention()([emb, emb], mask=[mask, mask]))
    np.testing.assert_array_equal(out[1, 2:], 0.0)


def test_mha_attention_mask_per_head(rng):
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    layer = gl.MultiHeadAttention(2, 3)
    per_head = rng.random((2, 2, 3, 5)) > 0.4
    per_head[..., 0] = True
    _, scores = layer(q, v, attention_mask=per_head, return_attention_scores=True)
    np.testing.assert_array_equal(scores[~per_head], 0.0)  # each head its own mask
    same = np.repeat(per_head[:, :1], 2, axis=1)
    np.testing.assert_array_equal(layer(q, v, attention_mask=same),
                                  layer(q, v, attention_mask=per_head[:, 0]))
