"""DepthwiseConv2D and SeparableConv2D: Keras 3 from identical weights, finite differences in
float64, config and file round trips."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers as L
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    assert_trains_and_saves,
    keras_module,
    keras_referee,
)

GEOMETRIES = [
    {"kernel_size": 3},
    {"kernel_size": (2, 3), "strides": 2, "padding": "same", "depth_multiplier": 2},
    {"kernel_size": 2, "dilation_rate": 2, "padding": "same"},
    {"kernel_size": 1, "depth_multiplier": 3, "use_bias": False, "activation": "relu"},
]


@pytest.fixture
def rng():
    return np.random.default_rng(42)


@pytest.mark.parametrize("kwargs", GEOMETRIES)
@pytest.mark.parametrize("channels", [1, 4])
def test_depthwise_matches_keras(kwargs, channels, rng):
    keras = keras_module()
    x = rng.normal(size=(2, 7, 6, channels))
    keras_referee(keras.layers.DepthwiseConv2D(**kwargs), L.DepthwiseConv2D(**kwargs), x,
                  rtol=1e-5, atol=1e-5)
    assert_gradients(L.DepthwiseConv2D(**kwargs), x)
    layer = L.DepthwiseConv2D(**kwargs)
    assert layer.output_shape((7, 6, channels)) == tuple(
        keras.layers.DepthwiseConv2D(**kwargs).compute_output_shape((None, 7, 6, channels))[1:])


@pytest.mark.parametrize("kwargs", GEOMETRIES)
@pytest.mark.parametrize("channels", [1, 3])
def test_separable_matches_keras(kwargs, channels, rng):
    keras = keras_module()
    x = rng.normal(size=(2, 7, 6, channels))
    keras_referee(keras.layers.SeparableConv2D(5, **kwargs), L.SeparableConv2D(5, **kwargs), x,
                  rtol=1e-5, atol=1e-5)
    assert_gradients(L.SeparableConv2D(5, **kwargs), x)
    assert L.SeparableConv2D(5, **kwargs).output_shape((7, 6, channels)) == tuple(
        keras.layers.SeparableConv2D(5, **kwargs).compute_output_shape(
            (None, 7, 6, channels))[1:])


def test_weight_names_and_order_as_keras(rng):
    sep = L.SeparableConv2D(4, 3, depth_multiplier=2)
    sep.build((8, 8, 3), rng)
    assert list(sep.params) == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert [p.shape for p in sep.params.values()] == [(3, 3, 3, 2), (1, 1, 6, 4), (4,)]
    dw = L.DepthwiseConv2D(3, depth_multiplier=2)
    dw.build((8, 8, 3), rng)
    assert [(k, p.shape) for k, p in dw.params.items()] == [("kernel", (3, 3, 3, 2)),
                                                            ("bias", (6,))]


def test_configs_as_keras():
    keras = keras_module()
    for ours, theirs in [(L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
                          keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")),
                         (L.SeparableConv2D(4, 3, strides=2),
                          keras.layers.SeparableConv2D(4, 3, strides=2))]:
        mine, want = ours.get_config(), theirs.get_config()
        for key in ("kernel_size", "strides", "padding", "depth_multiplier", "dilation_rate",
                    "use_bias", "filters"):
            if key in want:
                assert mine[key] == list(want[key]) if isinstance(want[key], tuple) \
                    else mine[key] == want[key], key
        assert_config_round_trip(ours)


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth_multiplier"):
        L.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="dilation_rate"):
        L.DepthwiseConv2D(3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters"):
        L.SeparableConv2D(0, 3)
    with pytest.raises(ValueError, match="channels"):
        L.DepthwiseConv2D(3)(np.ones((2, 5, 5)))


def test_train_save_and_keras_files(tmp_path, rng):
    keras = keras_module()
    x = rng.normal(size=(32, 6, 6, 2))
    y = x.mean(axis=(1, 2, 3))[:, None]
    model = assert_trains_and_saves(
        [gn.Input((6, 6, 2)), L.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"),
         L.SeparableConv2D(3, 2, padding="same"), L.GlobalAvgPool2D(), L.Dense(1)],
        x, y, "mse", tmp_path, epochs=20)
    model.save(tmp_path / "d.keras")
    theirs = keras.models.load_model(tmp_path / "d.keras")
    xs = x[:4].astype(np.float32)
    np.testing.assert_allclose(np.asarray(theirs.predict(xs, verbose=0)),
                               model.predict(xs, verbose=0), rtol=1e-4, atol=1e-5)
    theirs.save(tmp_path / "e.keras")
    back = gn.models.load_model(tmp_path / "e.keras")
    np.testing.assert_allclose(back.predict(xs, verbose=0), model.predict(xs, verbose=0),
                               rtol=1e-6)


def test_constraint_on_depthwise_kernel(rng):
    model = gn.Sequential([gn.Input((5, 5, 2)), L.DepthwiseConv2D(
        3, depthwise_constraint=gn.constraints.NonNeg()), L.Flatten(), L.Dense(1)])
    model.compile(optimizer=gn.optimizers.SGD(learning_rate=0.5), loss="mse")
    model.fit(rng.normal(size=(16, 5, 5, 2)), rng.normal(size=(16, 1)) * 5, verbose=0)
    assert model.layers[0].get_weights()[0].min() >= 0
