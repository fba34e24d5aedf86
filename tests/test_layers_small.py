"""Keras's small layers: Identity, ActivityRegularization, GaussianDropout, AlphaDropout,
ZeroPadding1D, Cropping1D, UnitNormalization, CategoryEncoding, GroupNormalization, and the
aliases of the pooling and convolution layers.

Each: a finite-difference check in float64, Keras 3 as the referee from identical weights
where the layer computes something deterministic, and a config round trip.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers as L
from glassnet.layers.base import serialize_layer
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    keras_module,
    keras_referee,
)


@pytest.fixture
def rng():
    return np.random.default_rng(42)  # not 0: the gradient check draws its upstream from 0


# -- aliases -----------------------------------------------------------------------------------
ALIASES = {
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D",
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
    "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D",
    "Convolution2DTranspose": "Conv2DTranspose", "SeparableConvolution2D": "SeparableConv2D",
}


@pytest.mark.parametrize(("alias", "canonical"), sorted(ALIASES.items()))
def test_alias_is_the_same_class_as_in_keras(alias, canonical):
    assert getattr(L, alias) is getattr(L, canonical)
    keras = keras_module()
    assert getattr(keras.layers, alias) is getattr(keras.layers, canonical)


def test_alias_saves_under_the_canonical_name(tmp_path):
    model = gn.Sequential([gn.Input((8, 8, 1)), L.Convolution2D(2, 3), L.MaxPool2D(),
                           L.GlobalAvgPool2D()])
    names = [serialize_layer(layer)["class_name"] for layer in model.layers]
    assert names == ["Conv2D", "MaxPooling2D", "GlobalAveragePooling2D"]
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = gn.models.load_model(path)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


# -- Identity, ActivityRegularization ----------------------------------------------------------
def test_identity_passes_through(rng):
    x = rng.normal(size=(3, 4, 5))
    assert np.array_equal(L.Identity()(x), x)
    assert_gradients(L.Identity(), x)
    keras_referee(keras_module().layers.Identity(), L.Identity(), x)


def test_activity_regularization_matches_keras_loss_and_gradient(rng):
    keras = keras_module()
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.normal(size=(8, 2)).astype(np.float32)
    w0 = [rng.normal(size=(3, 2)).astype(np.float32), np.zeros(2, np.float32)]
    results = []
    for lib in (keras, gn):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2),
                                lib.layers.ActivityRegularization(l1=0.01, l2=0.1)])
        model.layers[0].set_weights(w0)
        model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="mse")
        loss = model.evaluate(x, y, batch_size=8, verbose=0)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        results.append((loss, [np.asarray(w) for w in model.layers[0].get_weights()]))
    (k_loss, k_w), (g_loss, g_w) = results
    np.testing.assert_allclose(g_loss, k_loss, rtol=1e-5)
    for got, want in zip(g_w, k_w, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_activity_regularization_in_model_losses(rng):
    model = gn.Sequential([gn.Input((3,)), L.ActivityRegularization(l2=0.5)])
    x = rng.normal(size=(4, 3))
    model(x)
    model.predict(x, verbose=0)
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0]), 0.5 * np.sum(x ** 2) / 4, rtol=1e-5)


def test_activity_regularization_config():
    layer = L.ActivityRegularization(l1=0.1, l2=0.2, name="reg")
    config = layer.get_config()
    assert "activity_regularizer" not in config and (config["l1"], config["l2"]) == (0.1, 0.2)
    clone = assert_config_round_trip(layer)
    assert clone.activity_regularizer.l1 == pytest.approx(0.1)
    with pytest.raises(ValueError, match="l1"):
        L.ActivityRegularization(l1=-1.0)


# -- GaussianDropout, AlphaDropout -------------------------------------------------------------
@pytest.mark.parametrize("cls", [L.GaussianDropout, L.AlphaDropout])
def test_noise_layers_are_identity_at_inference_with_exact_backward(cls, rng):
    x = rng.normal(size=(4, 6))
    layer = cls(0.3, seed=3)
    assert np.array_equal(layer(x), x)
    assert_gradients(cls(0.3, seed=3), x, training=True)
    assert_config_round_trip(layer)
    with pytest.raises(ValueError, match="rate"):
        cls(1.5)


def test_gaussian_dropout_statistics_match_keras():
    keras = keras_module()
    x = np.ones((400, 500), np.float32)
    got = L.GaussianDropout(0.2, seed=1)(x, training=True)
    want = np.asarray(keras.ops.convert_to_numpy(
        keras.layers.GaussianDropout(0.2, seed=1)(x, training=True)))
    for y in (got, want):  # y = x * e, e ~ N(1, rate / (1 - rate))
        assert abs(y.mean() - 1.0) < 0.01
        assert abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_keeps_selu_statistics_as_keras():
    keras = keras_module()
    x = np.random.default_rng(0).normal(size=(400, 500)).astype(np.float32)
    got = L.AlphaDropout(0.2, seed=1)(x, training=True)
    want = np.asarray(keras.ops.convert_to_numpy(
        keras.layers.AlphaDropout(0.2, seed=1)(x, training=True)))
    for y in (got, want):
        assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    # the dropped entries all take one value (a' a + b), the same in both, on ~rate of them
    modes = []
    for y in (got, want):
        values, counts = np.unique(y, return_counts=True)
        modes.append(values[counts.argmax()])
        assert abs(counts.max() / y.size - 0.2) < 0.01
    np.testing.assert_allclose(modes[0], modes[1], rtol=1e-6)


# -- ZeroPadding1D, Cropping1D -----------------------------------------------------------------
@pytest.mark.parametrize("padding", [2, (1, 3), (0, 0)])
def test_zero_padding1d(padding, rng):
    keras = keras_module()
    x = rng.normal(size=(2, 5, 3))
    keras_referee(keras.layers.ZeroPadding1D(padding), L.ZeroPadding1D(padding), x)
    assert_gradients(L.ZeroPadding1D(padding), x)
    layer = L.ZeroPadding1D(padding)
    assert layer.output_shape((5, 3)) == keras.layers.ZeroPadding1D(padding) \
        .compute_output_shape((None, 5, 3))[1:]
    assert_config_round_trip(layer)


@pytest.mark.parametrize("cropping", [1, (0, 2), (2, 1)])
def test_cropping1d(cropping, rng):
    keras = keras_module()
    x = rng.normal(size=(2, 6, 3))
    keras_referee(keras.layers.Cropping1D(cropping), L.Cropping1D(cropping), x)
    assert_gradients(L.Cropping1D(cropping), x)
    assert L.Cropping1D(cropping).get_config()["cropping"] == list(
        keras.layers.Cropping1D(cropping).get_config()["cropping"])
    assert_config_round_trip(L.Cropping1D(cropping))


def test_padding1d_and_cropping1d_bad_input(rng):
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding1D((1, 2, 3))
    with pytest.raises(ValueError, match="removes every step"):
        L.Cropping1D((3, 3))(rng.normal(size=(2, 6, 3)))
    with pytest.raises(ValueError, match=r"\(batch, steps, channels\)"):
        L.ZeroPadding1D(1)(rng.normal(size=(2, 6)))


# -- UnitNormalization -------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization(axis, rng):
    keras = keras_module()
    x = rng.normal(size=(3, 4, 5))
    keras_referee(keras.layers.UnitNormalization(axis=axis), L.UnitNormalization(axis=axis), x)
    assert_gradients(L.UnitNormalization(axis=axis), x)
    assert L.UnitNormalization(axis).get_config()["axis"] == \
        keras.layers.UnitNormalization(axis).get_config()["axis"]
    assert_config_round_trip(L.UnitNormalization(axis=axis))


def test_unit_normalization_zero_row_and_bad_axis():
    y = L.UnitNormalization()(np.zeros((2, 3)))
    assert np.array_equal(y, np.zeros((2, 3)))
    with pytest.raises(TypeError, match="axis"):
        L.UnitNormalization(axis="last")
    with pytest.raises(ValueError, match="out of bounds"):
        L.UnitNormalization(axis=3)(np.ones((2, 3)))


# -- CategoryEncoding --------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("shape", [(6,), (6, 1), (6, 3)])
def test_category_encoding_matches_keras(mode, shape, rng):
    keras = keras_module()
    if mode == "one_hot" and len(shape) == 2 and shape[1] > 1:
        shape = (6, 3)
    x = rng.integers(0, 5, size=shape)
    want = np.asarray(keras.ops.convert_to_numpy(
        keras.layers.CategoryEncoding(5, output_mode=mode)(x)))
    got = L.CategoryEncoding(5, output_mode=mode)(x)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    if len(shape) == 2:
        assert L.CategoryEncoding(5, output_mode=mode).output_shape(shape[1:]) == want.shape[1:]


def test_category_encoding_config_and_errors():
    keras = keras_module()
    layer = L.CategoryEncoding(num_tokens=4, output_mode="count")
    want = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count").get_config()
    assert {k: want[k] for k in ("num_tokens", "output_mode")} == \
        {k: layer.get_config()[k] for k in ("num_tokens", "output_mode")}
    assert_config_round_trip(layer)
    with pytest.raises(ValueError, match="output_mode"):
        L.CategoryEncoding(4, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_tokens"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        layer(np.array([[1, 4]]))


def test_category_encoding_in_a_model(rng):
    x = rng.integers(0, 4, size=(32, 3))
    y = (x == 2).any(axis=1).astype(np.float32)
    model = gn.Sequential([gn.Input((3,)), L.CategoryEncoding(4, output_mode="multi_hot"),
                           L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=gn.optimizers.Adam(0.1), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


# -- GroupNormalization ------------------------------------------------------------------------
@pytest.mark.parametrize(("groups", "shape", "axis"), [
    (2, (3, 6), -1), (3, (2, 4, 6), -1), (-1, (2, 3, 3, 4), -1), (1, (2, 5, 4), 1),
    (2, (2, 4, 3, 3), 1),
])
def test_group_normalization_matches_keras(groups, shape, axis, rng):
    keras = keras_module()
    x = rng.normal(size=shape) * 2 + 1
    keras_referee(keras.layers.GroupNormalization(groups=groups, axis=axis),
                  L.GroupNormalization(groups=groups, axis=axis), x, rtol=1e-4, atol=1e-5)
    assert_gradients(L.GroupNormalization(groups=groups, axis=axis), x)


@pytest.mark.parametrize(("center", "scale"), [(False, True), (True, False), (False, False)])
def test_group_normalization_without_affine(center, scale, rng):
    keras = keras_module()
    x = rng.normal(size=(3, 4, 6))
    keras_referee(keras.layers.GroupNormalization(3, center=center, scale=scale),
                  L.GroupNormalization(3, center=center, scale=scale), x, rtol=1e-4, atol=1e-5)
    assert_gradients(L.GroupNormalization(3, center=center, scale=scale), x)


def test_group_normalization_config_and_errors(rng):
    keras = keras_module()
    layer = L.GroupNormalization(groups=2, epsilon=1e-4)
    ours, theirs = layer.get_config(), keras.layers.GroupNormalization(2, epsilon=1e-4) \
        .get_config()
    for key in ("groups", "axis", "epsilon", "center", "scale"):
        assert ours[key] == theirs[key], key
    json.dumps(ours)
    assert_config_round_trip(layer)
    with pytest.raises(ValueError, match="groups"):
        L.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="multiple"):
        L.GroupNormalization(groups=4)(rng.normal(size=(2, 6)))
    with pytest.raises(ValueError, match="cannot be more"):
        L.GroupNormalization(groups=8)(rng.normal(size=(2, 6)))


def test_group_normalization_trains_and_saves(tmp_path, rng):
    from layer_referees import assert_trains_and_saves
    x = rng.normal(size=(64, 4, 6))
    y = x.mean(axis=(1, 2))[:, None] * 0 + (x[:, :, 0].sum(axis=1, keepdims=True) > 0)
    assert_trains_and_saves([gn.Input((4, 6)), L.GroupNormalization(3), L.Flatten(),
                             L.Dense(1)], x, y, "mse", tmp_path)


def test_keras_files_both_ways(tmp_path):
    keras = keras_module()
    model = gn.Sequential([
        gn.Input((6, 4)), L.ZeroPadding1D(1), L.Cropping1D((1, 2)), L.GroupNormalization(2),
        L.UnitNormalization(), L.Identity(), L.ActivityRegularization(0.01),
        L.GaussianDropout(0.1), L.AlphaDropout(0.1), L.Flatten(), L.Dense(2)])
    model.save(tmp_path / "a.keras")
    theirs = keras.models.load_model(tmp_path / "a.keras")
    x = np.random.default_rng(0).normal(size=(3, 6, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    theirs.save(tmp_path / "b.keras")
    back = gn.models.load_model(tmp_path / "b.keras")
    assert [type(a) for a in back.layers] == [type(b) for b in model.layers]
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    tokens = np.array([[1, 2, 2], [0, 4, 4]])
    encoder = gn.Sequential([gn.Input((3,)), L.CategoryEncoding(5, output_mode="count"),
                             L.Dense(2)])
    encoder.save(tmp_path / "c.keras")
    np.testing.assert_allclose(
        np.asarray(keras.models.load_model(tmp_path / "c.keras").predict(tokens, verbose=0)),
        encoder.predict(tokens, verbose=0), rtol=1e-6)


def test_group_normalization_constraints(rng):
    keras = keras_module()
    x = rng.normal(size=(16, 6)).astype(np.float32)
    y = rng.normal(size=(16, 6)).astype(np.float32) * 3
    results = []
    for lib in (keras, gn):
        model = lib.Sequential([lib.Input((6,)), lib.layers.GroupNormalization(
            2, gamma_constraint=lib.constraints.MaxNorm(1.2), beta_constraint="non_neg")])
        model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.5), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append([np.asarray(w) for w in model.get_weights()])
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    config = gn.layers.GroupNormalization(2, beta_constraint="non_neg").get_config()
    assert config["beta_constraint"]["class_name"] == "NonNeg"
    assert config["gamma_constraint"] is None
