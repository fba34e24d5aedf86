"""The new layers through Keras 3's ``.keras`` files, both ways: same architecture, weights
in the same order, same predictions."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet.models import Sequential, load_model
from layer_referees import keras_module, to_numpy

pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5 (pip install h5py)")
pytestmark = pytest.mark.filterwarnings(  # raised inside Keras's torch backend
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


@pytest.fixture(scope="module")
def keras():
    return keras_module()


def _keras_models(keras):
    L = keras.layers
    return {
        "conv1d": keras.Sequential([keras.Input((12, 3)), L.Conv1D(4, 3, padding="causal"),
                                    L.MaxPooling1D(), L.Conv1D(2, 2, strides=2),
                                    L.AveragePooling1D(2, padding="same"), L.UpSampling1D(3),
                                    L.GlobalAveragePooling1D()]),
        "image": keras.Sequential([keras.Input((5, 5, 2)),
                                   L.Conv2DTranspose(3, 3, strides=2, padding="same"),
                                   L.UpSampling2D(interpolation="bilinear"), L.Cropping2D(2),
                                   L.PReLU(shared_axes=[1, 2]), L.Flatten()]),
        "dense": keras.Sequential([keras.Input((4,)), L.Normalization(), L.Dense(6),
                                   L.ReLU(), L.LeakyReLU(0.1), L.ELU(0.5),
                                   L.RepeatVector(2), L.Permute((2, 1)), L.Flatten(),
                                   L.Dense(3), L.Softmax()]),
    }


@pytest.mark.parametrize("name", ["conv1d", "image", "dense"])
def test_keras_files_load_into_glassnet(keras, name, tmp_path, rng):
    model = _keras_models(keras)[name]
    if name == "dense":
        model.layers[0].adapt(rng.normal(2.0, 3.0, (50, 4)).astype(np.float32))
    model.set_weights([w + rng.normal(0, 0.2, np.shape(w)).astype(np.float32)
                       if np.asarray(w).dtype.kind == "f" and np.shape(w) and "norm" not in n
                       else w for w, n in zip(model.get_weights(), _weight_owners(model),
                                              strict=True)])
    model.save(tmp_path / "m.keras")
    mine = load_model(tmp_path / "m.keras")
    x = rng.normal(size=(3, *model.input_shape[1:])).astype(np.float32)
    np.testing.assert_allclose(mine.predict(x), to_numpy(model(x, training=False)),
                               rtol=1e-5, atol=1e-5)


def _weight_owners(model):
    """The owning layer's name for every entry of ``model.get_weights()``."""
    return [layer.name for layer in model.layers for _ in layer.get_weights()]


@pytest.mark.parametrize("layers, shape", [
    ([gl.Conv1D(2, 3, padding="causal"), gl.MaxPooling1D(), gl.UpSampling1D(2),
      gl.GlobalMaxPooling1D()], (6, 3)),
    ([gl.Conv2DTranspose(3, 3, strides=2, padding="same"), gl.UpSampling2D(),
      gl.Cropping2D(1), gl.PReLU(shared_axes=[1, 2]), gl.Flatten()], (4, 4, 2)),
    ([gl.Rescaling(0.5), gl.Dense(3), gl.ReLU(max_value=2.0), gl.LeakyReLU(0.1),
      gl.ELU(0.5), gl.GaussianNoise(0.1), gl.RepeatVector(2), gl.Permute((2, 1)),
      gl.Flatten(), gl.Softmax()], (4,)),
    ([gl.RandomFlip(), gl.RandomRotation(0.1), gl.RandomZoom(0.1),
      gl.RandomTranslation(0.1, 0.1), gl.Flatten()], (6, 6, 1)),
])
def test_glassnet_models_load_in_keras(keras, layers, shape, tmp_path, rng):
    model = Sequential([gl.Input(shape), *layers], seed=0)
    model.build()
    model.set_weights([w + rng.normal(0, 0.2, w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    x = rng.normal(size=(2, *shape)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(theirs(x, training=False)), model.predict(x),
                               rtol=1e-5, atol=1e-5)


def test_adapted_normalization_goes_to_keras(keras, tmp_path, rng):
    norm = gl.Normalization()
    norm.adapt(rng.normal(5.0, 2.0, (40, 4)))
    model = Sequential([gl.Input((4,)), norm, gl.Dense(2)], seed=0)
    model.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    x = rng.normal(5.0, 2.0, (3, 4)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(theirs(x)), model.predict(x), rtol=1e-5, atol=1e-5)
