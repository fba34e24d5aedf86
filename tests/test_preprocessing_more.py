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
