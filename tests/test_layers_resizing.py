"""Resizing (nearest, bilinear) and CenterCrop against Keras 3 on its torch backend, with
finite-difference checks in float64 and config round trips."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers as L
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    keras_module,
    keras_referee,
)

SIZES = [(4, 6), (9, 5), (8, 8), (3, 13), (1, 1)]


@pytest.fixture
def rng():
    return np.random.default_rng(42)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", SIZES)
def test_resizing_matches_keras(interpolation, size, rng):
    keras = keras_module()
    x = rng.normal(size=(2, 7, 5, 3))
    keras_referee(keras.layers.Resizing(*size, interpolation=interpolation),
                  L.Resizing(*size, interpolation=interpolation), x, rtol=1e-5, atol=1e-6)
    assert_gradients(L.Resizing(*size, interpolation=interpolation), x)
    assert L.Resizing(*size).output_shape((7, 5, 3)) == size + (3,)


def test_resizing_config_and_errors():
    keras = keras_module()
    layer = L.Resizing(5, 4, interpolation="nearest")
    want = keras.layers.Resizing(5, 4, interpolation="nearest").get_config()
    got = layer.get_config()
    for key in ("height", "width", "interpolation", "crop_to_aspect_ratio", "antialias",
                "fill_mode", "fill_value"):
        assert got[key] == want[key], key
    assert_config_round_trip(layer)
    with pytest.raises(ValueError, match="interpolation"):
        L.Resizing(4, 4, interpolation="lanczos3")
    with pytest.raises(ValueError, match="crop_to_aspect_ratio"):
        L.Resizing(4, 4, crop_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="height"):
        L.Resizing(0, 4)


@pytest.mark.parametrize("size", [(4, 3), (7, 5), (2, 2), (5, 4)])
def test_center_crop_matches_keras(size, rng):
    keras = keras_module()
    x = rng.normal(size=(2, 7, 5, 3))
    keras_referee(keras.layers.CenterCrop(*size), L.CenterCrop(*size), x)
    assert_gradients(L.CenterCrop(*size), x)
    assert_config_round_trip(L.CenterCrop(*size))


def test_center_crop_refuses_smaller_images(rng):
    with pytest.raises(ValueError, match="smaller images"):
        L.CenterCrop(8, 3)(rng.normal(size=(1, 7, 5, 3)))


def test_resizing_in_a_model_and_keras_file(tmp_path, rng):
    keras = keras_module()
    model = gn.Sequential([gn.Input((6, 6, 1)), L.Resizing(8, 8), L.CenterCrop(6, 6),
                           L.Conv2D(2, 3), L.Flatten(), L.Dense(1)])
    model.save(tmp_path / "r.keras")
    theirs = keras.models.load_model(tmp_path / "r.keras")
    x = rng.normal(size=(3, 6, 6, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
