"""Normalization (with adapt) and RandomFlip, RandomRotation, RandomZoom, RandomTranslation:
statistics and warps against Keras, gradients, training inside Sequential and saving."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet.optimizers import Adam
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    assert_trains_and_saves,
    keras_referee,
    to_numpy,
)


# ------------------------------------------------------------------ Normalization
@pytest.mark.parametrize("axis, shape", [(-1, (50, 4)), ((1, 2), (30, 3, 2)), (None, (20, 5)),
                                         (2, (30, 3, 2)), (-1, (20, 4, 4, 3))])
def test_adapt_matches_keras(keras, axis, shape, rng):
    data = rng.normal(3.0, 2.0, shape).astype(np.float32)
    ref = keras.layers.Normalization(axis=axis)
    ref.adapt(data)
    mine = gl.Normalization(axis=axis)
    mine.adapt(data)
    theirs = [to_numpy(w) for w in ref.get_weights()]
    assert [w.shape for w in mine.get_weights()] == [w.shape for w in theirs]  # mean, var, count
    for a, b in zip(mine.get_weights(), theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mine(data), to_numpy(ref(data)), rtol=1e-5, atol=1e-5)


def test_adapt_on_batches_equals_adapt_on_all(rng):
    data = rng.normal(size=(90, 3)) * [1.0, 5.0, 0.1] + [0.0, 2.0, -1.0]
    whole, parts = gl.Normalization(), gl.Normalization()
    whole.adapt(data)
    parts.adapt([data[:10], data[10:55], data[55:]])
    for a, b in zip(whole.get_weights(), parts.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    np.testing.assert_allclose(whole.state["mean"], data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(whole.state["variance"], data.var(axis=0), rtol=1e-5)
    assert int(whole.state["count"]) == 0  # Keras 3 never updates it either


@pytest.mark.parametrize("kw", [dict(mean=2.0, variance=4.0), dict(mean=[1.0, 2.0, 3.0],
                                                                    variance=[1.0, 4.0, 9.0]),
                                dict(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0],
                                     invert=True)])
def test_fixed_statistics_match_keras(keras, kw, rng):
    x = rng.normal(size=(6, 3))
    keras_referee(keras.layers.Normalization(**kw), gl.Normalization(**kw), x)


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_gradients(invert, rng):
    layer = gl.Normalization(axis=(1, 2), invert=invert)
    layer.adapt(rng.normal(2.0, 3.0, (40, 3, 2)))
    assert_gradients(layer, rng.normal(size=(4, 3, 2)))


def test_normalization_errors():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        gl.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        gl.Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="batch axis"):
        gl.Normalization(axis=0)
    layer = gl.Normalization()
    layer.adapt(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="was built for inputs of shape"):
        layer.adapt(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="no data"):
        gl.Normalization().adapt([])
    with pytest.raises(ValueError, match="out of range"):
        gl.Normalization(axis=3).build((4,), np.random.default_rng(0))


def test_adapted_layer_trains_in_sequential_and_saves(tmp_path, rng):
    x = (rng.normal(size=(64, 3)) * [100.0, 0.01, 5.0] + [500.0, 0.0, -20.0]).astype(np.float32)
    y = ((x[:, 0] - 500) / 100 + (x[:, 1] / 0.01) > 0).astype(np.float32)[:, None]
    norm = gl.Normalization()
    norm.adapt(x)
    layers = [gl.Input((3,)), norm, gl.Dense(8, activation="relu"),
              gl.Dense(1, activation="sigmoid")]
    model = assert_trains_and_saves(layers, x, y, "binary_crossentropy", tmp_path, factor=0.8)
    # the adapted statistics survived the model's build, and count as non-trainable weights
    np.testing.assert_allclose(norm.state["mean"], x.mean(axis=0), rtol=1e-4)
    assert norm.count_state() == 7 and norm.count_params() == 0
    assert np.abs(norm(x).mean(axis=0)).max() < 1e-3
    assert model.layers[0] is norm


def test_normalization_config_round_trip():
    assert_config_round_trip(gl.Normalization(axis=(1, 2), invert=True))
    assert_config_round_trip(gl.Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0]))
    assert_config_round_trip(gl.Normalization(axis=None))


# ------------------------------------------------------------------ random augmentation layers
# Ranges of zero width make a "random" layer deterministic, so Keras can referee its warp.
WARPS = [
    ("RandomZoom", dict(height_factor=(0.5, 0.5))),
    ("RandomZoom", dict(height_factor=(-0.25, -0.25), width_factor=(0.5, 0.5),
                        fill_mode="constant")),
    ("RandomTranslation", dict(height_factor=(0.5, 0.5), width_factor=(-0.25, -0.25))),
    ("RandomTranslation", dict(height_factor=(0.2, 0.2), width_factor=(0.1, 0.1),
                               interpolation="nearest", fill_mode="wrap")),
    ("RandomRotation", dict(factor=(0.25, 0.25))),
    ("RandomRotation", dict(factor=(0.1, 0.1), fill_mode="nearest")),
]


@pytest.mark.parametrize("name, kw", WARPS)
def test_warps_match_keras(keras, name, kw, rng):
    x = rng.normal(size=(2, 6, 8, 2)).astype(np.float32)
    expected = to_numpy(getattr(keras.layers, name)(**kw)(x, training=True))
    got = getattr(gl, name)(**kw, seed=0)(x, training=True)
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda: gl.RandomFlip(), lambda: gl.RandomRotation(0.2), lambda: gl.RandomZoom(0.3, 0.2),
    lambda: gl.RandomTranslation(0.2, 0.1),
])
def test_identity_at_inference_random_in_training(make, rng):
    x = rng.normal(size=(16, 7, 7, 1)).astype(np.float32)
    layer = make()
    assert layer(x, training=False) is x  # called by hand without `training`: augments, as Keras
    a = layer(x, training=True)
    b = layer(x, training=True)
    assert a.shape == x.shape and a.dtype == x.dtype
    assert not np.allclose(a, b)  # fresh draws each batch
    seeded = [type(layer).from_config({**layer.get_config(), "seed": 3}) for _ in range(2)]
    np.testing.assert_array_equal(seeded[0](x, training=True), seeded[1](x, training=True))


def test_random_flip_modes_and_exact_gradient(rng):
    x = rng.normal(size=(200, 3, 4, 1))
    y = gl.RandomFlip("horizontal", seed=0)(x, training=True)
    same = np.all(y == x, axis=(1, 2, 3))
    mirrored = np.all(y == x[:, :, ::-1], axis=(1, 2, 3))
    assert np.all(same | mirrored) and 0.35 < mirrored.mean() < 0.65
    y = gl.RandomFlip("vertical", seed=0)(x, training=True)
    assert np.all(np.all(y == x, axis=(1, 2, 3)) | np.all(y == x[:, ::-1], axis=(1, 2, 3)))
    assert_gradients(gl.RandomFlip(seed=1), x[:6], training=True)


def test_augmentation_errors():
    with pytest.raises(ValueError, match="RandomFlip `mode`"):
        gl.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="RandomZoom `height_factor`"):
        gl.RandomZoom((0.5, 0.1))
    with pytest.raises(ValueError, match="> -1"):
        gl.RandomZoom((-1.0, 0.0))
    with pytest.raises(ValueError, match="RandomTranslation `width_factor`"):
        gl.RandomTranslation(0.1, 1.5)
    with pytest.raises(ValueError, match="RandomRotation `fill_mode`"):
        gl.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="RandomRotation `factor`"):
        gl.RandomRotation("a lot")
    with pytest.raises(ValueError, match="expects images of shape"):
        gl.RandomRotation(0.1).output_shape((28, 28))


@pytest.mark.parametrize("layer", [
    gl.RandomFlip("vertical", seed=2), gl.RandomRotation((-0.1, 0.2), fill_mode="constant"),
    gl.RandomZoom(0.2, (-0.1, 0.1), interpolation="nearest"), gl.RandomTranslation(0.1, 0.2),
])
def test_augmentation_config_round_trip(layer):
    assert_config_round_trip(layer)


def test_augmented_cnn_trains_and_saves(tmp_path, rng):
    x = rng.normal(size=(48, 8, 8, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.float32)[:, None]
    layers = [gl.Input((8, 8, 1)), gl.RandomFlip(), gl.RandomRotation(0.05),
              gl.RandomZoom(0.1), gl.RandomTranslation(0.1, 0.1),
              gl.Conv2D(4, 3, activation="relu"), gl.GlobalAveragePooling2D(),
              gl.Dense(1, activation="sigmoid")]
    assert_trains_and_saves(layers, x, y, "binary_crossentropy", tmp_path, epochs=20, factor=0.8,
                            optimizer=Adam(learning_rate=0.02))
