"""Masked attention under Keras and under glassnet, from identical weights: MultiHeadAttention
with ``attention_mask`` (alone, with ``use_causal_mask``, with a key), the padding masks a
functional model hands to it (with the causal mask too), and ``Attention`` with
``mask=[query_mask, value_mask]``."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras


def _mha_pair(G, rng, with_key, **kw):  # noqa: N803
    q, v = (rng.normal(size=s).astype(np.float32) for s in ((2, 4, 6), (2, 5, 3)))
    xs = [q, v] + ([rng.normal(size=(2, 5, 7)).astype(np.float32)] if with_key else [])
    ref = keras.layers.MultiHeadAttention(2, 3, bias_initializer="random_normal", **kw)
    ref(*xs)
    mine = G.layers.MultiHeadAttention(2, 3, **kw)
    mine(*xs)
    mine.set_weights([as_numpy(w) for w in ref.get_weights()])
    return ref, mine, xs


def _attention_mask(rng, blind_row=False):
    mask = rng.random((2, 4, 5)) > 0.4
    mask[:, :, 0] = True  # every query step sees something ...
    if blind_row:
        mask[1, 2, :] = False  # ... but this one
    return mask


@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_mha_attention_mask_matches_keras(G, rng, with_key, causal):  # noqa: N803
    ref, mine, xs = _mha_pair(G, rng, with_key)
    mask = _attention_mask(rng)
    want = ref(*xs, attention_mask=mask, use_causal_mask=causal)
    assert_close(mine(*xs, attention_mask=mask, use_causal_mask=causal), want, rtol=1e-5,
                 atol=1e-6)
    # 0/1 numbers and a mask broadcast over the batch, as Keras takes them
    steps = mask[0].astype(np.float32)
    assert_close(mine(*xs, attention_mask=steps, use_causal_mask=causal),
                 ref(*xs, attention_mask=steps, use_causal_mask=causal), rtol=1e-5, atol=1e-6)


def test_mha_scores_of_a_query_step_that_sees_nothing_match_keras(G, rng):  # noqa: N803
    """Keras's masked softmax (its path with returned scores) gives such a step all-zero
    weights; glassnet does so on every path."""
    ref, mine, xs = _mha_pair(G, rng, False)
    mask = _attention_mask(rng, blind_row=True)
    out, scores = mine(*xs, attention_mask=mask, return_attention_scores=True)
    want_out, want_scores = ref(*xs, attention_mask=mask, return_attention_scores=True)
    assert_close(scores, want_scores, rtol=1e-5, atol=1e-6)
    assert_close(out, want_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(scores[1, :, 2], 0.0)


def _padded(rng, lengths, steps=6, vocab=12):
    ids = rng.integers(1, vocab, (len(lengths), steps))
    for b, n in enumerate(lengths):
        ids[b, n:] = 0
    return ids


def _encoder(K, causal, residual=True):  # noqa: N803
    x = K.Input(shape=(None,), dtype="int32") if K is keras else K.Input(shape=(None,))
    h = K.layers.Embedding(12, 6, mask_zero=True, name="emb")(x)
    a = K.layers.MultiHeadAttention(2, 3, name="mha")(h, h, use_causal_mask=causal)
    y = K.layers.Dense(3, name="out")(K.layers.add([h, a]) if residual else a)
    return K.Model(x, y)


def _copy(k_model, g_model):
    g_model.build()
    for layer in g_model.layers:
        if layer.params:
            layer.set_weights([as_numpy(w) for w in k_model.get_layer(layer.name).get_weights()])


@pytest.mark.parametrize("causal", [False, True])
def test_padding_and_causal_masks_in_a_model_match_keras(G, rng, causal):  # noqa: N803
    k_model, g_model = _encoder(keras, causal), _encoder(G, causal)
    _copy(k_model, g_model)
    ids = _padded(rng, [6, 3, 4, 1])
    real = ids != 0
    want = as_numpy(k_model(ids))
    got = g_model.predict(ids, verbose=0)
    # Padded query steps are padding on both sides (Keras's fused kernel averages the
    # values there, glassnet gives them zero weights): the real steps must agree.
    np.testing.assert_allclose(got[real], want[real], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(g_model._graph.output_mask, real)


@pytest.mark.parametrize("causal", [False, True])
def test_masked_attention_model_trains_as_keras(G, rng, causal):  # noqa: N803
    # No residual `add` here: Keras's eager run drops the mask of add([h, mha(h, h)]) (its
    # symbolic tensor has it), so its loss would count the padded steps.
    k_model, g_model = _encoder(keras, causal, False), _encoder(G, causal, False)
    _copy(k_model, g_model)
    ids = _padded(rng, [6, 3, 4, 2, 5, 6])
    y = rng.integers(0, 3, ids.shape)
    for m, K in ((k_model, keras), (g_model, G)):  # noqa: N806
        m.compile(optimizer=K.optimizers.SGD(0.3),
                  loss=K.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    want = k_model.fit(ids, y, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    got = g_model.fit(ids, y, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)
    for layer in g_model.layers:
        for mine, ref in zip(layer.get_weights(), k_model.get_layer(layer.name).get_weights()
                             if layer.params else [], strict=True):
            np.testing.assert_allclose(mine, as_numpy(ref), rtol=1e-5, atol=1e-6,
                                       err_msg=layer.name)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("kw", [dict(), dict(use_scale=True), dict(score_mode="concat")])
def test_attention_masks_match_keras(G, rng, causal, kw):  # noqa: N803
    q, v = (rng.normal(size=s).astype(np.float32) for s in ((2, 4, 3), (2, 5, 3)))
    q_mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    ref = keras.layers.Attention(**kw)
    ref([q, v])
    weights = [as_numpy(w) + np.float32(0.3) for w in ref.get_weights()]
    ref.set_weights(weights)
    mine = G.layers.Attention(**kw)
    mine([q, v])
    mine.set_weights(weights)
    want_out, want_scores = ref([q, v], mask=[q_mask, v_mask], use_causal_mask=causal,
                                return_attention_scores=True)
    out, scores = mine([q, v], mask=[q_mask, v_mask], use_causal_mask=causal,
                       return_attention_scores=True)
    assert_close(out, want_out, rtol=1e-5, atol=1e-6)
    assert_close(scores, want_scores, rtol=1e-5, atol=1e-6)


def test_attention_mask_as_a_model_input_trains_as_keras(G, rng):  # noqa: N803
    def build(K):  # noqa: N802, N803
        x = K.Input((5, 4))
        m = K.Input((5, 5), dtype="bool") if K is keras else K.Input((5, 5))
        a = K.layers.MultiHeadAttention(2, 3, name="mha")(x, x, attention_mask=m,
                                                          use_causal_mask=True)
        y = K.layers.Dense(2, name="out")(K.layers.GlobalAveragePooling1D()(a))
        return K.Model([x, m], y)

    k_model, g_model = build(keras), build(G)
    _copy(k_model, g_model)
    x = rng.normal(size=(6, 5, 4)).astype(np.float32)
    mask = rng.random((6, 5, 5)) > 0.3
    mask[..., 0] = True
    y = rng.normal(size=(6, 2)).astype(np.float32)
    np.testing.assert_allclose(g_model.predict([x, mask], verbose=0), as_numpy(k_model([x, mask])),
                               rtol=1e-5, atol=1e-6)
    for m, K in ((k_model, keras), (g_model, G)):  # noqa: N806
        m.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    want = k_model.fit([x, mask], y, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    got = g_model.fit([x, mask], y, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    for mine, ref in zip(g_model.get_layer("mha").get_weights(),
                         k_model.get_layer("mha").get_weights(), strict=True):
        np.testing.assert_allclose(mine, as_numpy(ref), rtol=1e-5, atol=1e-6)


def test_attention_layer_takes_the_padding_masks_as_keras(G, rng):  # noqa: N803
    def build(K):  # noqa: N803
        x = K.Input((None,), dtype="int32") if K is keras else K.Input((None,))
        h = K.layers.Embedding(12, 4, mask_zero=True, name="emb")(x)
        return K.Model(x, K.layers.Dense(3, name="out")(K.layers.Attention(name="att")([h, h])))

    k_model, g_model = build(keras), build(G)
    _copy(k_model, g_model)
    ids = _padded(rng, [6, 3, 4, 2, 1])
    np.testing.assert_allclose(g_model.predict(ids, verbose=0), as_numpy(k_model(ids)),
                               rtol=1e-5, atol=1e-6)


def test_mha_attention_mask_per_head_matches_keras(G, rng):  # noqa: N803
    ref, mine, xs = _mha_pair(G, rng, False)
    per_head = rng.random((2, 2, 4, 5)) > 0.4
    per_head[..., 0] = True
    want = ref(*xs, attention_mask=per_head)
    assert_close(mine(*xs, attention_mask=per_head), want, rtol=1e-5, atol=1e-6)
