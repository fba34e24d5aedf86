"""``glassnet.initializers`` names as Keras's: the lower-case names and the long names are
the classes themselves, the constant initializers give Keras's arrays, and the random ones
Keras's statistics (Keras draws from PyTorch's generator, so seeds cannot give equal arrays)."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras

ALIASES = ["constant", "zeros", "ones", "random_normal", "random_uniform", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
           "lecun_uniform", "lecun_normal", "orthogonal", "identity", "IdentityInitializer",
           "OrthogonalInitializer"]


@pytest.mark.parametrize("name", ALIASES)
def test_alias_is_the_class_keras_names(G, name):
    want = getattr(keras.initializers, name)
    got = getattr(G.initializers, name)
    assert isinstance(want, type) and isinstance(got, type)
    assert got is getattr(G.initializers, want.__name__)


def test_every_keras_initializer_name_exists(G):
    public = {n for n in dir(keras.initializers) if not n.startswith("_")}
    stft = {"STFT", "STFTInitializer", "stft"}  # signal-processing kernels: not provided
    assert {n for n in public - stft if not hasattr(G.initializers, n)} == set()


@pytest.mark.parametrize("name, args, shape", [
    ("zeros", (), (2, 3)), ("ones", (), (4,)), ("constant", (0.7,), (3, 2)),
    ("identity", (), (3, 3)), ("identity", (2.5,), (2, 4)), ("IdentityInitializer", (), (4, 2)),
])
def test_constant_initializers_give_keras_arrays(G, name, args, shape):
    got = getattr(G.initializers, name)(*args)(shape)
    want = getattr(keras.initializers, name)(*args)(shape)
    assert got.dtype == np.float32 and got.shape == tuple(want.shape)
    assert_close(got, want, rtol=0)


@pytest.mark.parametrize("shape", [(3, 5), (6, 2), (2, 3, 4)])
def test_orthogonal_is_semi_orthogonal_as_keras(G, shape):
    for init in (G.initializers.OrthogonalInitializer(gain=1.5, seed=3),
                 keras.initializers.OrthogonalInitializer(gain=1.5, seed=3)):
        w = as_numpy(init(shape)).reshape(-1, shape[-1]).astype(np.float64)
        small = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
        np.testing.assert_allclose(small, 1.5**2 * np.eye(len(small)), atol=1e-5)


def test_orthogonal_draws_are_distributed_as_keras(G):
    # Haar-distributed 3x3 matrices: an entry has mean 0 and variance 1/3; the sign fix of
    # the QR factors is what makes the first column symmetric (a QR alone is biased).
    n = 600
    mine = np.array([G.initializers.orthogonal(seed=s)((3, 3))[:, 0] for s in range(n)])
    ref = np.array([as_numpy(keras.initializers.orthogonal(seed=s)((3, 3)))[:, 0]
                    for s in range(n)])
    for draws in (mine, ref):
        assert np.all(np.abs(draws.mean(axis=0)) < 4 / np.sqrt(3 * n))
        np.testing.assert_allclose((draws**2).mean(axis=0), 1 / 3, atol=0.05)
    np.testing.assert_allclose(np.mean(np.abs(mine)), np.mean(np.abs(ref)), atol=0.03)


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                  "lecun_uniform", "lecun_normal", "random_normal",
                                  "random_uniform", "truncated_normal", "variance_scaling"])
def test_random_initializers_have_keras_statistics(G, name):
    shape = (200, 300)
    got = getattr(G.initializers, name)(seed=1)(shape)
    want = as_numpy(getattr(keras.initializers, name)(seed=1)(shape))
    assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
    got, want = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_allclose(got.std(), want.std(), rtol=0.02)
    np.testing.assert_allclose(got.mean(), want.mean(), atol=0.05 * want.std())
    np.testing.assert_allclose(np.abs(got).max(), np.abs(want).max(), rtol=0.1)
