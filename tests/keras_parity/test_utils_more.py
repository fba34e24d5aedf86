"""Keras's data and dtype utilities: pack/unpack_x_y_sample_weight, standardize_dtype,
is_float/int_dtype, is_keras_tensor, CustomObjectScope, save_model; split_dataset and
timeseries_dataset_from_array (Keras builds tf.data datasets for these two, which need
TensorFlow: their windows and splits are checked against Keras's documented rules)."""

from __future__ import annotations

import numpy as np
import pytest


def test_pack_and_unpack_equal_keras(K, G):
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    for args in ((x,), (x, y), (x, y, w), ((x, x),)):
        k, g = K.utils.pack_x_y_sample_weight(*args), G.utils.pack_x_y_sample_weight(*args)
        assert type(g) is type(k) and len(g) == len(k)
    for data in (x, (x,), (x, y), [x, y, w]):
        k, g = K.utils.unpack_x_y_sample_weight(data), G.utils.unpack_x_y_sample_weight(data)
        assert [v is None for v in g] == [v is None for v in k]
    with pytest.raises(ValueError):
        K.utils.unpack_x_y_sample_weight((x, x, x, x))
    with pytest.raises(ValueError, match="format"):
        G.utils.unpack_x_y_sample_weight((x, x, x, x))


@pytest.mark.parametrize("dtype", [None, "float32", np.float64, np.dtype("int8"), int, float,
                                   bool, "uint8", "int", "bfloat16", "string", str])
def test_standardize_dtype_equals_keras(K, G, dtype):
    assert G.backend.standardize_dtype(dtype) == K.backend.standardize_dtype(dtype)
    assert G.utils.standardize_dtype(dtype) == K.utils.standardize_dtype(dtype)
    if dtype not in ("string", str):
        assert G.backend.is_float_dtype(dtype) == K.backend.is_float_dtype(dtype)
        assert G.backend.is_int_dtype(dtype) == K.backend.is_int_dtype(dtype)


def test_standardize_dtype_refuses_what_keras_refuses(K, G):
    for bad in ("float", "complex32", 3):
        with pytest.raises(ValueError):
            K.backend.standardize_dtype(bad)
        with pytest.raises(ValueError, match="Invalid dtype"):
            G.backend.standardize_dtype(bad)


def test_is_keras_tensor_equals_keras(K, G):
    for lib in (K, G):
        assert lib.utils.is_keras_tensor(lib.Input(shape=(3,)))
        assert not lib.utils.is_keras_tensor(np.ones(3))


def test_custom_object_scope_class_loads_a_custom_layer(G, tmp_path):
    class Doubler(G.layers.Layer):
        def call(self, x):
            return x * 2

    inputs = G.Input(shape=(2,))
    model = G.Model(inputs, Doubler(name="doubler")(inputs))
    path = str(tmp_path / "custom.keras")
    G.models.save_model(model, path)
    class Tripler(G.layers.Layer):
        def call(self, x):
            return x * 3

    # the scope's objects come first: the saved "Doubler" resolves to Tripler in it
    with G.saving.CustomObjectScope({"Doubler": Tripler}) as scope:
        assert scope.custom_objects == {"Doubler": Tripler}
        loaded = G.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[3.0, 3.0]])
    assert G.utils.CustomObjectScope is G.saving.CustomObjectScope


def test_save_model_file_loads_in_keras(K, G, tmp_path):
    model = G.Sequential([G.Input(shape=(3,)), G.layers.Dense(2)])
    path = str(tmp_path / "m.keras")
    G.models.save_model(model, path)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(K.models.load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_timeseries_windows_follow_keras_documented_example(G):
    # Keras's docstring: data [0..99], sequence_length=10, sampling_rate=2 ->
    # the first window is [0, 2, ..., 18] and targets[0] == data[10] with targets = data[10:]
    data = np.arange(100)
    ds = G.utils.timeseries_dataset_from_array(data, data[10:], sequence_length=10,
                                               sampling_rate=2, batch_size=8)
    windows, targets = ds[0]
    np.testing.assert_array_equal(windows[0], np.arange(0, 20, 2))
    assert targets[0] == 10 and windows.shape == (8, 10)
    # (100 - 9 * 2) = 82 possible starts, at most len(targets) = 90
    assert sum(len(b[0]) for b in ds) == 82 and len(ds) == 11


def test_split_dataset_sizes_follow_keras_rules(G):
    x, y = np.arange(10), np.arange(10) * 10
    left, right = G.utils.split_dataset((x, y), left_size=0.8)
    np.testing.assert_array_equal(left[0], np.arange(8))
    np.testing.assert_array_equal(right[1], [80, 90])
    left, right = G.utils.split_dataset(x, left_size=3, right_size=2)
    np.testing.assert_array_equal(left, [0, 1, 2])
    np.testing.assert_array_equal(right, [8, 9])
    left, right = G.utils.split_dataset(x, right_size=0.25, shuffle=True, seed=1)
    order = np.arange(10)
    np.random.RandomState(1).shuffle(order)  # Keras: np.random.seed(seed); np.random.shuffle
    np.testing.assert_array_equal(np.concatenate([left, right]), order[:8].tolist() + order[-2:].tolist())
    with pytest.raises(ValueError, match="left_size"):
        G.utils.split_dataset(x, left_size=1.5)
    with pytest.raises(TypeError, match="left_size"):
        G.utils.split_dataset(x, left_size="half")
