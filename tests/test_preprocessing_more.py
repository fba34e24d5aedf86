"""Unit tests of the text/categorical preprocessing layers, the image augmentation layers
RandomCrop, RandomContrast, RandomBrightness, RandomGrayscale, and the data utilities."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet.layers._string_hash import fingerprint64, siphash24

L = keras.layers


# ---------------------------------------------------------------- hashes
def test_fingerprint64_known_values():
    # FarmHash's Fingerprint64 of the empty string is its constant k2
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F
    # TensorFlow's documented example: to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3)
    assert [fingerprint64(s) % 3 for s in (b"Hello", b"TensorFlow", b"2.x")] == [0, 2, 2]


def test_siphash24_reference_vector():
    # SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


def test_hashing_documented_examples():
    # Keras's Hashing docstring
    x = [["A"], ["B"], ["C"], ["D"], ["E"]]
    np.testing.assert_array_equal(L.Hashing(num_bins=3)(x), [[1], [0], [1], [1], [2]])
    np.testing.assert_array_equal(L.Hashing(num_bins=3, mask_value="")(
        [["A"], ["B"], [""], ["C"], ["D"]]), [[1], [1], [0], [2], [2]])
    np.testing.assert_array_equal(L.Hashing(num_bins=3, salt=133)(x), [[0], [0], [2], [1], [0]])


def test_hashing_bad_arguments():
    with pytest.raises(ValueError, match="num_bins"):
        L.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="output_mode"):
        L.Hashing(num_bins=3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="salt"):
        L.Hashing(num_bins=3, salt="abc")


# ---------------------------------------------------------------- lookups
def test_string_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\n")
    layer = L.StringLookup(vocabulary=str(path))
    np.testing.assert_array_equal(layer([["c", "a", "zz"]]), [[3, 1, 0]])
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    with pytest.raises(ValueError, match="does not exist"):
        L.StringLookup(vocabulary=str(tmp_path / "missing.txt"))


def test_lookup_errors_name_the_problem():
    with pytest.raises(ValueError, match="repeated"):
        L.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="max_tokens"):
        L.StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match="`output_mode` must be `'int'`"):
        L.IntegerLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        L.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array([["a", "b"]]))
    with pytest.raises(RuntimeError, match="vocabulary before calling"):
        L.StringLookup(output_mode="multi_hot")(np.array([["a"]]))
    with pytest.raises(ValueError, match="expects strings"):
        L.StringLookup(vocabulary=["a"])(np.array([[1.0]]))
    with pytest.raises(ValueError, match="expects integers"):
        L.IntegerLookup(vocabulary=[1])(np.array([[1.5]]))


def test_lookup_round_trip_through_invert():
    lookup = L.StringLookup(vocabulary=["x", "y", "z"], mask_token="")
    back = L.StringLookup(vocabulary=lookup.get_vocabulary(), mask_token="", invert=True)
    words = np.array([["y", "", "z", "q"]])
    np.testing.assert_array_equal(back(lookup(words)), [["y", "", "z", "[UNK]"]])


def test_lookup_backward_is_zero():
    layer = L.IntegerLookup(vocabulary=[4, 5], output_mode="multi_hot")
    y = layer(np.array([[4.0, 5.0, 6.0]]))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(layer.backward(np.ones_like(y)), np.zeros((1, 3)))


# ---------------------------------------------------------------- TextVectorization
def test_text_vectorization_standardize_split_and_length():
    layer = L.TextVectorization(output_sequence_length=3)
    layer.adapt(["Hello, World!", "hello there"])
    assert layer.get_vocabulary() == ["", "[UNK]", "hello", "world", "there"]
    np.testing.assert_array_equal(layer(["HELLO world there again", "x"]), [[2, 3, 4], [1, 0, 0]])
    np.testing.assert_array_equal(layer([["hello"], ["world"]]), [[2, 0, 0], [3, 0, 0]])


def test_text_vectorization_callables():
    layer = L.TextVectorization(standardize=lambda a: np.char.upper(a),
                                split=lambda a: [s.split("-") for s in a])
    layer.adapt(["a-b", "b-c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "B", "C", "A"]


def test_text_vectorization_bad_arguments():
    with pytest.raises(ValueError, match="output_sequence_length"):
        L.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ngrams"):
        L.TextVectorization(ngrams="2")
    with pytest.raises(ValueError, match="standardize"):
        L.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        L.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


def test_vectorized_texts_train_a_model():
    texts = ["good movie", "great film", "bad movie", "awful film"] * 4
    labels = np.array([1, 1, 0, 0] * 4, dtype="float32")
    vectorizer = L.TextVectorization(output_sequence_length=3)
    vectorizer.adapt(texts)
    x = vectorizer(texts)
    model = keras.Sequential([keras.Input(shape=(3,)),
                              L.Embedding(vectorizer.vocabulary_size(), 8),
                              L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, labels, epochs=60, verbose=0)
    assert history.history["accuracy"][-1] == 1.0


# ---------------------------------------------------------------- Discretization
def test_discretization_bad_arguments():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        L.Discretization()
    with pytest.raises(ValueError, match="should not be set"):
        L.Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="adapt"):
        L.Discretization(num_bins=3)(np.zeros((1, 1)))
    with pytest.raises(ValueError, match="sorted"):
        L.Discretization(bin_boundaries=[1.0, 0.0])


# ---------------------------------------------------------------- augmentation gradients
def finite_difference_check(layer, x, seed=5, eps=1e-6):
    """backward() of the draw from ``seed`` against central differences of that same draw."""
    def run(inp):
        layer.noise_rng = np.random.default_rng(seed)
        return layer.forward(inp, training=True)

    y = run(x)
    g = np.random.default_rng(9).normal(size=y.shape)
    analytic = layer.backward(g)
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        numeric[idx] = np.sum((run(plus) - run(minus)) * g) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: L.RandomBrightness(0.5, value_range=(0, 1), seed=1),
    lambda: L.RandomContrast(0.9, value_range=(0, 1), seed=1),
    lambda: L.RandomGrayscale(0.5, seed=1),
    lambda: L.RandomCrop(3, 2, seed=1),
    lambda: L.RandomCrop(5, 5, seed=1),  # larger than the images: window + resize
])
def test_augmentation_backward_is_exact(make):
    x = np.random.default_rng(0).uniform(0, 1, (3, 4, 4, 3))  # float64; some values clip
    finite_difference_check(make(), x)


def test_random_crop_resizing_backward_at_inference():
    layer = L.RandomCrop(2, 3)
    x = np.random.default_rng(0).uniform(size=(2, 5, 4, 1))
    y = layer.forward(x, training=False)
    g = np.random.default_rng(1).normal(size=y.shape)
    dx = layer.backward(g)
    eps, idx = 1e-6, (1, 2, 1, 0)
    plus = x.copy()
    plus[idx] += eps
    assert np.isclose(np.sum((layer.forward(plus) - y) * g) / eps, dx[idx], rtol=1e-4)


def test_augmentation_bad_arguments():
    with pytest.raises(ValueError, match="factor"):
        L.RandomContrast(1.5)
    with pytest.raises(ValueError, match="value_range"):
        L.RandomBrightness(0.2, value_range=(1, 0))
    with pytest.raises(ValueError, match="3 channels"):
        L.RandomGrayscale(1.0)(np.zeros((1, 2, 2, 1)), training=True)
    with pytest.raises(ValueError, match="height"):
        L.RandomCrop(0, 2)


def test_augmentation_layers_train_in_a_model(tmp_path):
    x = np.random.default_rng(0).uniform(0, 1, (8, 6, 6, 3)).astype("float32")
    y = np.random.default_rng(1).uniform(size=(8, 1)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(6, 6, 3)), L.RandomCrop(4, 4, seed=0),
                              L.RandomBrightness(0.1, value_range=(0, 1)),
                              L.RandomContrast(0.2, value_range=(0, 1)),
                              L.RandomGrayscale(0.3), L.Flatten(), L.Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    path = str(tmp_path / "aug.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


# ---------------------------------------------------------------- utilities
def test_timeseries_dataset_trains_a_model():
    series = np.sin(np.arange(200) / 5).astype("float32")[:, None]
    ds = keras.utils.timeseries_dataset_from_array(series[:-5], series[5:, 0],
                                                   sequence_length=5, batch_size=32)
    windows, targets = ds[1]
    np.testing.assert_array_equal(windows[0], series[32:37])
    assert targets[0] == series[37, 0]
    model = keras.Sequential([keras.Input(shape=(5, 1)), L.Flatten(), L.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(ds, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3


def test_timeseries_options():
    data = np.arange(20)
    ds = keras.utils.timeseries_dataset_from_array(data, None, sequence_length=3,
                                                   sequence_stride=4, batch_size=None,
                                                   start_index=2, end_index=15)
    np.testing.assert_array_equal([w.tolist() for w in ds],
                                  [[2, 3, 4], [6, 7, 8], [10, 11, 12]])
    shuffled = keras.utils.timeseries_dataset_from_array(data, None, 3, batch_size=50,
                                                         shuffle=True, seed=0)[0]
    assert sorted(map(tuple, shuffled.tolist())) == [(i, i + 1, i + 2) for i in range(18)]
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.timeseries_dataset_from_array(data, None, 3, sampling_rate=0)
