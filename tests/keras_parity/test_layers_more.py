"""More Keras 3 layers, Keras as the referee: outputs from identical weights, output shapes
with unknown sizes, configs, one SGD epoch of ``fit`` in a small model, and ``.keras`` files
both ways."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras


def _perturbed(weights, rng):
    return [np.asarray(w) + rng.normal(0, 0.3, np.shape(w)).astype(np.float32)
            if np.asarray(w).dtype.kind == "f" else np.asarray(w) for w in weights]


def same_layer_outputs(K_layer, G_layer, x, rng, rtol=1e-5, atol=1e-5, **call):  # noqa: N803
    """The two layers from identical (perturbed) Keras weights give the same output."""
    xs = [np.asarray(a, np.float32) for a in x] if isinstance(x, list) else \
        np.asarray(x, np.float32)
    K_layer(xs, **call)
    weights = _perturbed([as_numpy(w) for w in K_layer.get_weights()], rng)
    K_layer.set_weights(weights)
    want = K_layer(xs, **call)
    G_layer(xs, **call)
    assert [w.shape for w in G_layer.get_weights()] == [w.shape for w in weights]
    G_layer.set_weights(weights)
    got = G_layer(xs, **call)
    if isinstance(want, (tuple, list)):
        for a, b in zip(got, want, strict=True):
            assert_close(a, b, rtol=rtol, atol=atol)
    else:
        assert np.asarray(got).dtype == np.float32
        assert_close(got, want, rtol=rtol, atol=atol)
    return got


def same_fit(k_model, g_model, x, y, rng, rtol=1e-5, atol=1e-6):
    """From the same (perturbed) weights, one epoch of ``fit`` (batches of 4, no shuffling)
    gives the same loss and leaves the same weights."""
    weights = _perturbed([as_numpy(w) for w in k_model.get_weights()], rng)
    k_model.set_weights(weights)
    g_model.set_weights(weights)
    want = k_model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    got = g_model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=rtol)
    for g_w, k_w in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        assert_close(g_w, k_w, rtol=rtol, atol=atol)


def one_sgd_epoch(G, make, shape, out_units, rng, rtol=1e-5, atol=1e-6, tmp_path=None):  # noqa: N803
    """``make(K)`` gives the layers of a small model ending in ``Dense(out_units)``: from the
    same weights, one SGD epoch (no shuffling) leaves the same weights and loss; with
    ``tmp_path``, the trained Keras model saved as ``.keras`` loads into glassnet and back."""
    x = rng.normal(size=(12, *shape)).astype(np.float32)
    y = rng.normal(size=(12, out_units)).astype(np.float32)
    models = []
    for K in (keras, G):  # noqa: N806
        model = K.Sequential([K.Input(shape), *make(K), K.layers.Dense(out_units)])
        model.compile(optimizer=K.optimizers.SGD(0.05), loss="mse")
        models.append(model)
    k_model, g_model = models
    same_fit(k_model, g_model, x, y, rng, rtol, atol)
    assert_close(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=rtol,
                 atol=1e-5)
    if tmp_path is not None:
        pytest.importorskip("h5py")
        k_model.save(tmp_path / "k.keras")
        mine = G.models.load_model(tmp_path / "k.keras")
        assert_close(mine.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-5,
                     atol=1e-5)
        mine.save(tmp_path / "g.keras")
        theirs = keras.saving.load_model(tmp_path / "g.keras")
        assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5,
                     atol=1e-5)


def same_config_keys(g_layer, k_layer):
    """glassnet's config has Keras's keys (less the dtype policy), with equal plain values."""
    mine, want = g_layer.get_config(), k_layer.get_config()
    assert set(want) - {"dtype"} <= set(mine) | {"activity_regularizer"}, \
        set(want) - set(mine)
    for key, value in want.items():
        if isinstance(value, (int, float, str, bool)) and key not in ("name", "dtype"):
            assert mine[key] == value, key
        elif isinstance(value, tuple) and key in mine:
            theirs = list(value)
            assert (mine[key] if isinstance(mine[key], list) else [mine[key]]) == theirs, key


@pytest.fixture
def rng():
    return np.random.default_rng(11)


# ------------------------------------------------------------ 1-D convolutions
@pytest.mark.parametrize("kwargs", [
    {}, {"strides": 2, "padding": "same"}, {"strides": 3, "output_padding": 1},
    {"dilation_rate": 2, "padding": "same", "activation": "relu"},
])
def test_conv1d_transpose_as_keras(G, kwargs, rng):
    x = rng.normal(size=(2, 6, 3))
    same_layer_outputs(keras.layers.Conv1DTranspose(4, 3, **kwargs),
                       G.layers.Conv1DTranspose(4, 3, **kwargs), x, rng)
    for steps in (6, None):
        assert G.layers.Conv1DTranspose(4, 3, **kwargs).output_shape((steps, 3)) == tuple(
            keras.layers.Conv1DTranspose(4, 3, **kwargs).compute_output_shape(
                (None, steps, 3))[1:])
    same_config_keys(G.layers.Conv1DTranspose(4, 3, **kwargs),
                     keras.layers.Conv1DTranspose(4, 3, **kwargs))


@pytest.mark.parametrize("kwargs", [
    {}, {"strides": 2, "padding": "same", "depth_multiplier": 2},
    {"dilation_rate": 2, "padding": "same", "activation": "relu"}, {"use_bias": False},
])
def test_depthwise_and_separable_conv1d_as_keras(G, kwargs, rng):
    x = rng.normal(size=(2, 9, 3))
    same_layer_outputs(keras.layers.DepthwiseConv1D(3, **kwargs),
                       G.layers.DepthwiseConv1D(3, **kwargs), x, rng)
    same_layer_outputs(keras.layers.SeparableConv1D(4, 3, **kwargs),
                       G.layers.SeparableConv1D(4, 3, **kwargs), x, rng)
    for steps in (9, None):
        assert G.layers.DepthwiseConv1D(3, **kwargs).output_shape((steps, 3)) == tuple(
            keras.layers.DepthwiseConv1D(3, **kwargs).compute_output_shape(
                (None, steps, 3))[1:])
        assert G.layers.SeparableConv1D(4, 3, **kwargs).output_shape((steps, 3)) == tuple(
            keras.layers.SeparableConv1D(4, 3, **kwargs).compute_output_shape(
                (None, steps, 3))[1:])
    same_config_keys(G.layers.DepthwiseConv1D(3, **kwargs),
                     keras.layers.DepthwiseConv1D(3, **kwargs))
    same_config_keys(G.layers.SeparableConv1D(4, 3, **kwargs),
                     keras.layers.SeparableConv1D(4, 3, **kwargs))


def test_conv1d_views_train_as_keras(G, rng, tmp_path):
    def make(K):  # noqa: N803
        return [K.layers.Conv1DTranspose(4, 3, strides=2, padding="same", activation="tanh"),
                K.layers.DepthwiseConv1D(3, depth_multiplier=2),
                K.layers.SeparableConv1D(3, 2, activation="relu"), K.layers.Flatten()]

    one_sgd_epoch(G, make, (5, 2), 2, rng, tmp_path=tmp_path)


# ------------------------------------------------------------ AdditiveAttention
@pytest.mark.parametrize("use_scale", [True, False])
@pytest.mark.parametrize("with_key", [False, True])
def test_additive_attention_as_keras(G, use_scale, with_key, rng):
    q, v, k = (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 6)),
               rng.normal(size=(2, 5, 4)))
    xs = [q, v, k] if with_key else [q, rng.normal(size=(2, 5, 4))]
    same_layer_outputs(keras.layers.AdditiveAttention(use_scale=use_scale),
                       G.layers.AdditiveAttention(use_scale=use_scale), xs, rng)
    masks = [np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]],
                                                              bool)]
    same_layer_outputs(keras.layers.AdditiveAttention(use_scale=use_scale),
                       G.layers.AdditiveAttention(use_scale=use_scale), xs, rng, mask=masks,
                       return_attention_scores=True)
    same_layer_outputs(keras.layers.AdditiveAttention(use_scale=use_scale),
                       G.layers.AdditiveAttention(use_scale=use_scale), [q, q], rng,
                       use_causal_mask=True)
    same_config_keys(G.layers.AdditiveAttention(use_scale=use_scale, dropout=0.1),
                     keras.layers.AdditiveAttention(use_scale=use_scale, dropout=0.1))
    assert "score_mode" not in G.layers.AdditiveAttention().get_config()


def test_additive_attention_trains_as_keras_with_masks(G, rng, tmp_path):
    ids = rng.integers(1, 9, size=(12, 6))
    ids[::3, 4:] = 0  # padding, masked by mask_zero
    y = rng.normal(size=(12, 2)).astype(np.float32)
    models = []
    for K in (keras, G):  # noqa: N806
        inp = K.Input((6,), dtype="int32")
        emb = K.layers.Embedding(9, 4, mask_zero=True)(inp)
        att = K.layers.AdditiveAttention()([emb, emb])
        out = K.layers.Dense(2)(K.layers.GlobalAveragePooling1D()(att))
        model = K.Model(inp, out)
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
        models.append(model)
    k_model, g_model = models
    same_fit(k_model, g_model, ids, y, rng)
    pytest.importorskip("h5py")
    g_model.save(tmp_path / "g.keras")  # a glassnet file: Keras loads it, glassnet too
    theirs = keras.saving.load_model(tmp_path / "g.keras")
    assert_close(g_model.predict(ids, verbose=0), theirs.predict(ids, verbose=0), rtol=1e-5,
                 atol=1e-6)
    again = G.models.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(again.predict(ids, verbose=0), g_model.predict(ids, verbose=0),
                               rtol=1e-6)


# ------------------------------------------------------------ RMSNormalization
# Trailing axes only: Keras's torch backend hands other axes to torch's rms_norm wrongly.
@pytest.mark.parametrize("axis, shape", [(-1, (3, 5)), ([2, 3], (3, 4, 2)), ([-2, -1], (4, 2))])
def test_rms_normalization_as_keras(G, axis, shape, rng):
    x = rng.normal(size=(2, *shape))
    same_layer_outputs(keras.layers.RMSNormalization(axis=axis, epsilon=1e-3),
                       G.layers.RMSNormalization(axis=axis, epsilon=1e-3), x, rng)
    same_config_keys(G.layers.RMSNormalization(axis=axis),
                     keras.layers.RMSNormalization(axis=axis))
    k_default, g_default = keras.layers.RMSNormalization(), G.layers.RMSNormalization()
    assert (g_default.axis, g_default.epsilon) == (k_default.axis, k_default.epsilon)


def test_rms_normalization_trains_as_keras(G, rng, tmp_path):
    def make(K):  # noqa: N803
        return [K.layers.Dense(5), K.layers.RMSNormalization(), K.layers.Dense(4, "tanh"),
                K.layers.RMSNormalization(epsilon=1e-3)]

    one_sgd_epoch(G, make, (3,), 2, rng, tmp_path=tmp_path)


# ------------------------------------------------------------ EinsumDense
@pytest.mark.parametrize("equation, output_shape, bias_axes, shape", [
    ("ab,bc->ac", 4, "c", (5,)),
    ("abc,cd->abd", (None, 4), "d", (3, 5)),
    ("abc,cde->abde", (None, 2, 3), "de", (3, 5)),
    ("abc,cde->abde", (3, 2, 4), "d", (3, 5)),
    ("...b,bc->...c", 4, "c", (3, 5)),
    ("abc,bcd->ad", 6, None, (3, 5)),
])
def test_einsum_dense_as_keras(G, equation, output_shape, bias_axes, shape, rng):
    x = rng.normal(size=(2, *shape))
    same_layer_outputs(
        keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="relu"),
        G.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="relu"),
        x, rng)
    for sample in (shape, (None, *shape[1:])):
        try:
            want = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes
                                            ).compute_output_shape((None, *sample))[1:]
        except ValueError:  # Keras refuses a given size on an axis the input leaves unknown
            continue
        assert G.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes).output_shape(
            sample) == tuple(want)
    mine = G.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes).get_config()
    want = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes).get_config()
    assert set(want) - {"dtype", "activity_regularizer", "quantization_config"} <= set(mine)
    assert (mine["equation"], mine["bias_axes"], tuple(mine["output_shape"])) == (
        want["equation"], want["bias_axes"], tuple(want["output_shape"]))


def test_einsum_dense_trains_as_keras(G, rng, tmp_path):
    def make(K):  # noqa: N803
        return [K.layers.EinsumDense("abc,cde->abde", (3, 2, 3), bias_axes="de",
                                     activation="tanh"),
                K.layers.EinsumDense("abcd,cde->abe", (3, 4), bias_axes="e"),
                K.layers.Flatten()]

    one_sgd_epoch(G, make, (3, 5), 2, rng, tmp_path=tmp_path)


# ------------------------------------------------------------ adaptive pooling
@pytest.mark.parametrize("name, shape, size", [
    ("AdaptiveAveragePooling1D", (7, 3), 3), ("AdaptiveMaxPooling1D", (7, 3), 3),
    ("AdaptiveAveragePooling2D", (7, 5, 2), (3, 2)), ("AdaptiveMaxPooling2D", (7, 5, 2), (3, 4)),
])
def test_adaptive_pooling_as_keras(G, name, shape, size, rng):
    x = rng.normal(size=(2, *shape))
    same_layer_outputs(getattr(keras.layers, name)(size), getattr(G.layers, name)(size), x, rng)
    assert getattr(G.layers, name)(size).output_shape(shape) == tuple(
        getattr(keras.layers, name)(size).compute_output_shape((None, *shape))[1:])
    same_config_keys(getattr(G.layers, name)(size), getattr(keras.layers, name)(size))


def test_adaptive_pooling_trains_as_keras(G, rng, tmp_path):
    def make(K):  # noqa: N803
        return [K.layers.Conv2D(3, 2, activation="tanh"), K.layers.AdaptiveMaxPooling2D((3, 2)),
                K.layers.AdaptiveAveragePooling2D(2), K.layers.Reshape((4, 3)),
                K.layers.AdaptiveAveragePooling1D(3), K.layers.AdaptiveMaxPooling1D(2),
                K.layers.Flatten()]

    one_sgd_epoch(G, make, (7, 6, 2), 2, rng, tmp_path=tmp_path)
