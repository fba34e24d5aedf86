"""Properties over random shapes: every new layer's ``output_shape`` (no data) agrees with what
``forward`` returns, in float32 and float64, and training mode keeps the shape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet.layers as gl

SETTINGS = settings(max_examples=15, deadline=None)


def _check(layer, x, training=False):
    expected = tuple(layer.output_shape(x.shape[1:]))
    layer.dtype = x.dtype
    layer.build(x.shape[1:], np.random.default_rng(0))
    y = layer.forward(x, training=training)
    assert y.shape[1:] == expected, (type(layer).__name__, x.shape, y.shape, expected)
    assert y.shape[0] == x.shape[0] and y.dtype == x.dtype
    g = layer.backward(np.ones_like(y))
    assert g.shape == x.shape


sequences = st.tuples(st.integers(1, 3), st.integers(4, 12), st.integers(1, 4))
images = st.tuples(st.integers(1, 2), st.integers(4, 9), st.integers(4, 9), st.integers(1, 3))
dtypes = st.sampled_from([np.float32, np.float64])


@SETTINGS
@given(shape=sequences, dtype=dtypes, k=st.integers(1, 3), s=st.integers(1, 3),
       d=st.integers(1, 2), padding=st.sampled_from(["valid", "same", "causal"]),
       training=st.booleans())
def test_sequence_layers(shape, dtype, k, s, d, padding, training):
    x = np.random.default_rng(0).normal(size=shape).astype(dtype)
    if padding != "valid" or shape[1] >= (k - 1) * d + 1:
        _check(gl.Conv1D(2, k, strides=s, padding=padding, dilation_rate=d), x)
    pool_padding = "same" if padding == "causal" else padding
    if pool_padding == "same" or shape[1] >= k:
        _check(gl.MaxPooling1D(k, s, padding=pool_padding), x)
        _check(gl.AveragePooling1D(k, s, padding=pool_padding), x)
    for layer in (gl.GlobalAveragePooling1D(), gl.GlobalMaxPooling1D(keepdims=True),
                  gl.UpSampling1D(k), gl.Permute((2, 1)), gl.SpatialDropout1D(0.3),
                  gl.TimeDistributed(gl.Dense(3)), gl.PReLU(shared_axes=[1]),
                  gl.Bidirectional(gl.GRU(2, return_sequences=bool(s % 2)))):
        _check(layer, x, training)


@SETTINGS
@given(shape=images, dtype=dtypes, k=st.integers(1, 3), s=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]), training=st.booleans())
def test_image_layers(shape, dtype, k, s, padding, training):
    x = np.random.default_rng(1).normal(size=shape).astype(dtype)
    for layer in (gl.Conv2DTranspose(2, k, strides=s, padding=padding),
                  gl.UpSampling2D((k, s)), gl.UpSampling2D((s, k), interpolation="bilinear"),
                  gl.Cropping2D(((k - 1, 0), (0, s - 1))), gl.SpatialDropout2D(0.5),
                  gl.RandomFlip(seed=0), gl.RandomRotation(0.2, seed=0),
                  gl.RandomZoom(0.2, seed=0), gl.RandomTranslation(0.2, 0.1, seed=0),
                  gl.Rescaling(2.0, 1.0), gl.Softmax(axis=(1, 2)), gl.ReLU(max_value=1.0)):
        _check(layer, x, training)


@SETTINGS
@given(dtype=dtypes, tq=st.integers(1, 5), tk=st.integers(1, 5), heads=st.integers(1, 3),
       training=st.booleans(), causal=st.booleans())
def test_attention_layers(dtype, tq, tk, heads, training, causal):
    rng = np.random.default_rng(2)
    q, v = rng.normal(size=(2, tq, 4)).astype(dtype), rng.normal(size=(2, tk, 3)).astype(dtype)
    mha = gl.MultiHeadAttention(heads, 2, dropout=0.2, use_causal_mask=causal)
    mha.dtype = np.dtype(dtype)
    mha.build([q.shape[1:], v.shape[1:]], rng)
    y = mha.forward([q, v], training=training)
    assert y.shape == (2, tq, 4) == (2, *mha.output_shape([q.shape[1:], v.shape[1:]]))
    assert y.dtype == dtype
    grads = mha.backward(np.ones_like(y))
    assert [g.shape for g in grads] == [q.shape, v.shape]
    att = gl.Attention(dropout=0.2, use_causal_mask=causal)
    att.build([q.shape[1:], q.shape[1:]], rng)
    out = att.forward([q, q], training=training)
    assert out.shape == q.shape and out.dtype == dtype


@pytest.mark.parametrize("n", [1, 3])
def test_repeat_vector_and_normalization_shapes(n):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    _check(gl.RepeatVector(n), x)
    norm = gl.Normalization(axis=None)
    norm.adapt(x)
    assert norm(x).shape == x.shape and norm.state["mean"].shape == ()
