"""RepeatVector, Permute, Cropping2D, UpSampling1D/2D, Rescaling, GaussianNoise and
SpatialDropout1D/2D: gradients, Keras, PyTorch, training and saving."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    assert_trains_and_saves,
    keras_referee,
    torch_module,
)

# (glassnet factory, Keras class name, Keras kwargs, input shape)
CASES = [
    (lambda: gl.RepeatVector(3), "RepeatVector", {"n": 3}, (4, 5)),
    (lambda: gl.Permute((2, 1)), "Permute", {"dims": (2, 1)}, (2, 3, 4)),
    (lambda: gl.Permute((3, 1, 2)), "Permute", {"dims": (3, 1, 2)}, (2, 3, 4, 5)),
    (lambda: gl.Cropping2D(1), "Cropping2D", {"cropping": 1}, (2, 5, 6, 3)),
    (lambda: gl.Cropping2D(((1, 0), (2, 1))), "Cropping2D", {"cropping": ((1, 0), (2, 1))},
     (2, 5, 6, 3)),
    (lambda: gl.UpSampling1D(3), "UpSampling1D", {"size": 3}, (2, 4, 3)),
    (lambda: gl.UpSampling2D((2, 3)), "UpSampling2D", {"size": (2, 3)}, (2, 3, 4, 2)),
    (lambda: gl.UpSampling2D(2, interpolation="bilinear"), "UpSampling2D",
     {"size": 2, "interpolation": "bilinear"}, (2, 3, 4, 2)),
    (lambda: gl.UpSampling2D((3, 2), interpolation="bilinear"), "UpSampling2D",
     {"size": (3, 2), "interpolation": "bilinear"}, (1, 4, 3, 2)),
    (lambda: gl.Rescaling(1 / 255, offset=-0.5), "Rescaling", {"scale": 1 / 255, "offset": -0.5},
     (3, 4)),
    (lambda: gl.GaussianNoise(0.3), "GaussianNoise", {"stddev": 0.3}, (3, 4)),
    (lambda: gl.SpatialDropout1D(0.4), "SpatialDropout1D", {"rate": 0.4}, (3, 4, 5)),
    (lambda: gl.SpatialDropout2D(0.4), "SpatialDropout2D", {"rate": 0.4}, (3, 4, 5, 2)),
]


@pytest.mark.parametrize("make, _name, _kw, shape", CASES)
@pytest.mark.parametrize("training", [False, True])
def test_gradients_match_finite_differences(make, _name, _kw, shape, training, rng):
    assert_gradients(make(), rng.normal(size=shape), training=training)


@pytest.mark.parametrize("make, name, kw, shape", CASES)
def test_forward_matches_keras(keras, make, name, kw, shape, rng):
    keras_referee(getattr(keras.layers, name)(**kw), make(), rng.normal(size=shape))


def test_upsampling_bilinear_matches_torch(rng):
    torch = torch_module()
    x = rng.normal(size=(2, 3, 5, 2))
    g = rng.normal(size=(2, 6, 15, 2))
    layer = gl.UpSampling2D((2, 3), interpolation="bilinear")
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    ref = torch.nn.functional.interpolate(tx, scale_factor=(2, 3), mode="bilinear",
                                          align_corners=False)
    ref.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(layer(x), ref.detach().numpy().transpose(0, 2, 3, 1), atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), tx.grad.numpy().transpose(0, 2, 3, 1),
                               atol=1e-12)


def test_noise_layers_are_identity_at_inference_and_random_in_training(rng):
    x = rng.normal(size=(64, 8, 6)).astype(np.float32)
    noise = gl.GaussianNoise(0.5, seed=1)
    assert noise(x) is x
    diff = noise(x, training=True) - x
    assert abs(diff.std() - 0.5) < 0.02 and abs(diff.mean()) < 0.02
    drop = gl.SpatialDropout1D(0.5, seed=1)
    assert drop(x) is x
    y = drop(x, training=True)
    kept = y[:, 0, :] != 0  # (batch, channels): one decision per channel ...
    np.testing.assert_array_equal((y != 0), np.broadcast_to(kept[:, None, :], y.shape))
    np.testing.assert_allclose(y[:, :, :][np.broadcast_to(kept[:, None], y.shape)],
                               2 * x[np.broadcast_to(kept[:, None], y.shape)], rtol=1e-6)
    assert 0.35 < kept.mean() < 0.65  # ... kept with probability 1 - rate
    img = rng.normal(size=(32, 5, 5, 4)).astype(np.float32)
    y2 = gl.SpatialDropout2D(0.5, seed=2)(img, training=True)
    zero_maps = np.all(y2 == 0, axis=(1, 2))
    assert np.all(np.any(y2 != 0, axis=(1, 2)) == ~zero_maps) and zero_maps.any()


def test_shapes_and_errors():
    assert gl.RepeatVector(4).output_shape((3,)) == (4, 3)
    assert gl.Permute((2, 1)).output_shape((5, None)) == (None, 5)
    assert gl.Cropping2D((1, 2)).output_shape((10, 10, 3)) == (8, 6, 3)
    assert gl.UpSampling2D(2).output_shape((None, 4, 1)) == (None, 8, 1)
    with pytest.raises(ValueError, match="RepeatVector `n`"):
        gl.RepeatVector(0)
    with pytest.raises(ValueError, match="RepeatVector .* expects inputs of shape"):
        gl.RepeatVector(2).output_shape((3, 4))
    with pytest.raises(ValueError, match="`dims`"):
        gl.Permute((0, 1))
    with pytest.raises(ValueError, match="Cropping2D `cropping`"):
        gl.Cropping2D(-1)
    with pytest.raises(ValueError, match="removes the whole height"):
        gl.Cropping2D((3, 0)).output_shape((6, 4, 1))
    with pytest.raises(ValueError, match="interpolation"):
        gl.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="UpSampling1D `size`"):
        gl.UpSampling1D(0)
    with pytest.raises(ValueError, match="GaussianNoise `stddev`"):
        gl.GaussianNoise(-0.1)
    with pytest.raises(ValueError, match="Rescaling `scale`"):
        gl.Rescaling("big")
    with pytest.raises(ValueError, match="SpatialDropout1D `rate`"):
        gl.SpatialDropout1D(1.0)
    with pytest.raises(ValueError, match="SpatialDropout2D .* expects inputs"):
        gl.SpatialDropout2D(0.1).output_shape((4, 3))


@pytest.mark.parametrize("make, _name, _kw, _shape", CASES)
def test_config_round_trip(make, _name, _kw, _shape):
    assert_config_round_trip(make())


def test_sequence_model_trains_and_saves(tmp_path, rng):
    x = rng.normal(size=(64, 6)).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:2]).astype(np.float32)
    layers = [gl.Rescaling(0.5, input_shape=(6,)), gl.GaussianNoise(0.05), gl.Dense(5),
              gl.RepeatVector(4), gl.Permute((2, 1)), gl.Permute((2, 1)), gl.UpSampling1D(2),
              gl.SpatialDropout1D(0.1), gl.Flatten(), gl.Dense(1)]
    assert_trains_and_saves(layers, x, y, "mse", tmp_path, epochs=20, factor=0.5)


def test_image_model_trains_and_saves(tmp_path, rng):
    x = rng.normal(size=(48, 6, 6, 1)).astype(np.float32)
    y = (x[:, 2:4, 2:4, 0].mean(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    layers = [gl.Cropping2D(((1, 1), (1, 1)), input_shape=(6, 6, 1)),
              gl.UpSampling2D(2, interpolation="bilinear"), gl.SpatialDropout2D(0.1),
              gl.Conv2D(2, 3, padding="same"), gl.UpSampling2D(1), gl.Flatten(),
              gl.Dense(1, activation="sigmoid")]
    assert_trains_and_saves(layers, x, y, "binary_crossentropy", tmp_path, epochs=20)
