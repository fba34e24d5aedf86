"""Keras 3's preprocessing layers for text and categories: TextVectorization, StringLookup,
IntegerLookup, Hashing and Discretization.

Keras runs the first four through TensorFlow only (on the torch backend they raise
ImportError), so their referee is Keras 3.15.1 on TensorFlow 2.21: ``program`` below ran
under it and its observations are recorded in ``data/text_preprocessing_keras_tf.json``.
Where TensorFlow is installed, the live test runs the program again under Keras. The
non-``'int'`` encodings are compared by value: Keras's eager TensorFlow call returns them as
int64, its declared output (and glassnet's) is float32. Discretization runs on the torch
backend and is compared live.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import as_numpy, assert_close

REFERENCE = Path(__file__).parent / "data" / "text_preprocessing_keras_tf.json"



def program(K):  # noqa: N803, PLR0915 - the same program under both libraries
    import numpy as np

    out = {}
    texts = [
        "The cat sat on the mat.",
        "The dog ate my homework!",
        "Ünï cat, CAT",
        "a\tb\nc  d\xa0e",
        "",
        "x-y z_w 'q'",
    ]
    t = K.layers.TextVectorization()
    t.adapt(texts)
    out["tv_vocab"] = [str(v) for v in t.get_vocabulary()]
    out["tv_int"] = t(np.array(["the cat", "a dog sat on the mat of doom", "zzz"]))
    t = K.layers.TextVectorization(max_tokens=6, output_sequence_length=4)
    t.adapt(texts)
    out["tv_int_len"] = t(["the cat sat on the mat today", "cat"])
    out["tv_v6"] = [str(v) for v in t.get_vocabulary()]
    for mode in ["multi_hot", "count", "tf_idf"]:
        t = K.layers.TextVectorization(output_mode=mode, ngrams=2)
        t.adapt(texts)
        out["tv_" + mode + "_vocab"] = [str(v) for v in t.get_vocabulary()]
        out["tv_" + mode] = t(["the cat the cat sat", "mat mat dog x"])
    t = K.layers.TextVectorization(ngrams=(1, 3))
    t.adapt(["a b c d", "b c d"])
    out["tv_ngram13"] = [str(v) for v in t.get_vocabulary()]
    t = K.layers.TextVectorization(split="character", standardize="lower")
    t.adapt(["Héllo", "World!"])
    out["tv_char"] = [str(v) for v in t.get_vocabulary()]
    out["tv_char_out"] = t(["Hola"])
    t = K.layers.TextVectorization(
        vocabulary=["earth", "wind", "and", "fire"], output_sequence_length=5
    )
    out["tv_given"] = t([["earth wind and fire"], ["fire and earth"]])
    out["tv_given_vocab"] = [str(v) for v in t.get_vocabulary()]
    t = K.layers.TextVectorization(output_mode="multi_hot", pad_to_max_tokens=True, max_tokens=8)
    t.adapt(texts)
    out["tv_pad"] = t(["the cat"])
    t = K.layers.TextVectorization(
        output_mode="tf_idf", vocabulary=["a", "b", "c"], idf_weights=[0.5, 1.0, 2.0]
    )
    out["tv_tfidf_given"] = t(["a b b d"])
    out["tv_tfidf_given_vocab"] = [str(v) for v in t.get_vocabulary()]
    s = K.layers.StringLookup()
    s.adapt(np.array([["b", "a", "c", "b"], ["c", "a", "d", "e"], ["ä", "z", "b", "Z"]]))
    out["sl_vocab"] = [str(v) for v in s.get_vocabulary()]
    out["sl"] = s(np.array([["a", "q", "Z"]]))
    s = K.layers.StringLookup(max_tokens=3, num_oov_indices=3, mask_token="")
    s.adapt(["b", "a", "c", "b", "x"])
    out["sl_oov3_vocab"] = [str(v) for v in s.get_vocabulary()]
    out["sl_oov3"] = s(np.array([["b", "", "zz", "q", "hello", "c", "b"]]))
    s = K.layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=2, salt=7)
    out["sl_salt"] = s(np.array([["x", "y", "z", "w", "a"]]))
    s = K.layers.StringLookup(vocabulary=["a", "b", "c"], output_mode="count", mask_token="")
    out["sl_count"] = s(np.array([["a", "", "c", "c", "q"], ["b", "b", "b", "", "a"]]))
    out["sl_count_vocab"] = [str(v) for v in s.get_vocabulary()]
    s = K.layers.StringLookup(vocabulary=["a", "b", "c"], output_mode="one_hot")
    out["sl_onehot"] = s(np.array(["a", "q", "c"]))
    s = K.layers.StringLookup(output_mode="tf_idf")
    s.adapt(np.array([["a", "b"], ["a", "c"], ["a", "a"]]))
    out["sl_tfidf"] = s(np.array([["a", "b", "q"]]))
    out["sl_tfidf_vocab"] = [str(v) for v in s.get_vocabulary()]
    s = K.layers.StringLookup(output_mode="tf_idf")
    s.adapt(["a", "b", "a", "c"])
    out["sl_tfidf1d"] = s(np.array([["a", "b", "q"]]))
    s = K.layers.StringLookup(vocabulary=["a", "b", "c"], invert=True, mask_token="")
    out["sl_inv"] = [
        [str(v.decode() if isinstance(v, bytes) else v) for v in row]
        for row in np.asarray(s(np.array([[0, 1, 2, 3, 4, 7]])))
    ]
    i = K.layers.IntegerLookup()
    i.adapt(np.array([[12, 1138, 42], [42, 1000, 36], [36, 36, 7]]))
    out["il_vocab"] = [int(v) for v in i.get_vocabulary()]
    out["il"] = i(np.array([[12, 36, 5, -1]]))
    i = K.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], mask_token=0, num_oov_indices=2)
    out["il_mask"] = i(np.array([[12, 1138, 42, 0], [42, 0, 36, 7]]))
    out["il_mask_vocab"] = [int(v) for v in i.get_vocabulary()]
    i = K.layers.IntegerLookup(
        vocabulary=[12, 36, 1138, 42], num_oov_indices=3, oov_method="farmhash"
    )
    out["il_farm"] = i(np.array([[5, 6, 7, 8, 9, 10, 11]]))
    i = K.layers.IntegerLookup(
        vocabulary=[12, 36, 1138, 42], num_oov_indices=3, oov_method="farmhash", salt=[3, 99]
    )
    out["il_farm_salt"] = i(np.array([[5, 6, 7, 8, 9, 10, 11]]))
    i = K.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    out["il_inv"] = i(np.array([[0, 1, 2, 3, 4, 5]]))
    i = K.layers.IntegerLookup(
        vocabulary=[12, 36, 1138, 42], output_mode="multi_hot", pad_to_max_tokens=True, max_tokens=8
    )
    out["il_mh"] = i(np.array([[12, 36, 12, 5], [42, 42, 42, 42]]))
    h = K.layers.Hashing(num_bins=3)
    out["h"] = h([["A"], ["B"], ["C"], ["D"], ["E"]])
    h = K.layers.Hashing(num_bins=3, mask_value="")
    out["h_mask"] = h([["A"], ["B"], [""], ["C"], ["D"]])
    h = K.layers.Hashing(num_bins=3, salt=133)
    out["h_salt"] = h([["A"], ["B"], ["C"], ["D"], ["E"]])
    h = K.layers.Hashing(num_bins=5)
    out["h_int"] = h(np.array([[1, 2, -3, 1000000007]]))
    h = K.layers.Hashing(num_bins=5)
    out["h_float"] = h(np.array([[1.7, 2.2, -3.9]], dtype="float32"))
    h = K.layers.Hashing(num_bins=4, output_mode="multi_hot")
    out["h_mh"] = h(np.array([["a", "b", "c"], ["d", "e", "e"]]))
    h = K.layers.Hashing(num_bins=4, output_mode="one_hot")
    out["h_oh"] = h(np.array([["a"], ["b"], ["c"]]))
    h = K.layers.Hashing(num_bins=4, output_mode="count")
    out["h_count"] = h(np.array([["a", "b", "a"]]))
    return out


def observations(out: dict) -> dict:
    """Each output as its dtype, shape and values (strings decoded), as JSON holds them."""
    plain = {}
    for key, value in out.items():
        arr = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        if arr.dtype.kind in "SO":
            arr = np.vectorize(lambda s: s.decode() if isinstance(s, bytes) else s)(arr)
        plain[key] = {"dtype": "str" if arr.dtype.kind in "UO" else str(arr.dtype),
                      "shape": list(arr.shape), "v": arr.tolist()}
    return plain


def assert_same_observations(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key, w in want.items():
        g = got[key]
        assert g["shape"] == w["shape"], key
        if w["dtype"] == "str":
            assert g["dtype"] == "str" and g["v"] == w["v"], key
            continue
        # 'int' outputs are int64 in both; encodings: Keras's eager int64 counts = float32
        assert g["dtype"] == w["dtype"] or (w["dtype"] == "int64" and g["dtype"] == "float32"), key
        np.testing.assert_allclose(np.asarray(g["v"], dtype=np.float64),
                                   np.asarray(w["v"], dtype=np.float64), rtol=1e-6, err_msg=key)


def test_text_layers_equal_keras_on_tensorflow(G):
    want = json.loads(REFERENCE.read_text())
    assert_same_observations(observations(program(G)), want)


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                    reason="TensorFlow is not installed: the recorded Keras run is the referee")
def test_text_layers_equal_keras_live(G):
    code = ("import os, json, sys; os.environ['KERAS_BACKEND'] = 'tensorflow'; "
            f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import keras; "
            "from test_preprocessing_more import program, observations; "
            "print(json.dumps(observations(program(keras))))")
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert_same_observations(observations(program(G)), json.loads(run.stdout.splitlines()[-1]))


def test_text_layers_need_tensorflow_in_keras_but_not_here(K, G):
    for name in ("TextVectorization", "StringLookup", "IntegerLookup"):
        if importlib.util.find_spec("tensorflow") is None:
            with pytest.raises(ImportError):
                getattr(K.layers, name)()
        assert "vocabulary" in getattr(G.layers, name)().get_config()


def test_text_vectorization_config_round_trip(G):
    layer = G.layers.TextVectorization(max_tokens=20, ngrams=(1, 2), output_sequence_length=6)
    layer.adapt(["the cat sat", "the dog sat down", "a cat"])
    config = layer.get_config()
    assert config["ngrams"] == [1, 2] and config["vocabulary_size"] == layer.vocabulary_size()
    twin = G.layers.TextVectorization.from_config(config)
    texts = ["the cat sat on the dog", "nothing known"]
    np.testing.assert_array_equal(twin(texts), layer(texts))
    assert twin.get_vocabulary() == layer.get_vocabulary()
    with pytest.raises(ValueError, match="Cannot adapt"):
        G.layers.TextVectorization(vocabulary=["a"]).adapt(["a b"])


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_equals_keras(K, G, mode):
    x = np.array([[-1.5, 0.0, 0.2], [1.0, 2.5, 7.0]], dtype="float32")
    bounds = [0.0, 1.0, 2.5]
    if mode == "one_hot":
        x = x[:, :1]
    k_layer = K.layers.Discretization(bin_boundaries=bounds, output_mode=mode)
    g_layer = G.layers.Discretization(bin_boundaries=bounds, output_mode=mode)
    want, got = as_numpy(k_layer(x)), g_layer(x)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert_close(got, want)
    unnamed = {"dtype": None, "name": None, "trainable": None}
    assert g_layer.get_config() | unnamed == k_layer.get_config() | unnamed


def test_discretization_adapt_equals_keras(K, G):
    data = np.random.default_rng(0).normal(size=(1000, 1)).astype("float32") * 3
    k_layer = K.layers.Discretization(num_bins=5, epsilon=0.01)
    # Keras's adapt() asks TensorFlow whether `data` is a tf.data.Dataset; what it then runs
    # on an array is exactly these two calls
    k_layer.update_state(data)
    k_layer.finalize_state()
    g_layer = G.layers.Discretization(num_bins=5, epsilon=0.01)
    g_layer.adapt(data)
    assert_close(g_layer.bin_boundaries, np.asarray(k_layer.bin_boundaries), rtol=1e-6)
    assert_close(g_layer(data[:7]), k_layer(data[:7]))
    batches = [data[:300], data[300:]]
    k_layer.reset_state()
    for b in batches:
        k_layer.update_state(b)
    k_layer.finalize_state()
    g_layer.adapt(batches)
    assert_close(g_layer.bin_boundaries, np.asarray(k_layer.bin_boundaries), rtol=1e-6)


def test_discretization_model_saved_by_glassnet_loads_in_keras(K, G, tmp_path):
    x = np.array([[0.5, -2.0, 3.0], [1.5, 2.0, 0.0]], dtype="float32")
    inputs = G.Input(shape=(3,))
    outputs = G.layers.Dense(2)(G.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0],
                                                        output_mode="count")(inputs))
    model = G.Model(inputs, outputs)
    path = str(tmp_path / "disc.keras")
    model.save(path)
    k_model = K.models.load_model(path)
    assert_close(model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-5)
    again = G.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("make", [
    lambda L: L.IntegerLookup(vocabulary=[3, 5, 7], output_mode="multi_hot"),
    lambda L: L.Hashing(num_bins=4, output_mode="count"),
    lambda L: L.IntegerLookup(vocabulary=[3, 5, 7], num_oov_indices=2, output_mode="count"),
])
def test_lookup_models_train_and_round_trip_through_keras_files(G, tmp_path, make):
    x = np.array([[3, 5, 9], [7, 7, 1], [5, 4, 3]], dtype="float32")
    inputs = G.Input(shape=(3,))
    model = G.Model(inputs, G.layers.Dense(2)(make(G.layers)(inputs)))
    model.compile("adam", "mse")
    history = model.fit(x, np.ones((3, 2)), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    path = str(tmp_path / "lookup.keras")
    model.save(path)
    np.testing.assert_allclose(G.models.load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0))


# ---------------------------------------------------------------- image augmentation
def images(n=3, h=6, w=8, c=3, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, h, w, c)).astype("float32")


@pytest.mark.parametrize("make", [
    lambda L: L.RandomBrightness(0.3), lambda L: L.RandomContrast(0.4),
    lambda L: L.RandomGrayscale(0.7),
])
def test_color_layers_are_the_identity_at_inference_as_in_keras(K, G, make):
    x = images()
    assert_close(make(G.layers)(x, training=False), make(K.layers)(x, training=False))


def test_random_grayscale_always_equals_keras(K, G):
    x = images()
    assert_close(G.layers.RandomGrayscale(1.0)(x, training=True),
                 K.layers.RandomGrayscale(1.0)(x, training=True), rtol=1e-5, atol=1e-4)


def test_random_crop_at_inference_is_keras_documented_window(K, G):
    x = images(h=7, w=12)
    got = G.layers.RandomCrop(4, 5)(x, training=False)
    want = K.ops.image.resize(x, (4, 5), crop_to_aspect_ratio=True)
    assert_close(got, want, rtol=1e-5, atol=1e-3)


def test_random_crop_training_cuts_one_window_of_the_batch(K, G):
    x = images(h=7, w=9)
    for y in (G.layers.RandomCrop(4, 5, seed=3)(x, training=True),
              as_numpy(K.layers.RandomCrop(4, 5, seed=3)(x, training=True))):
        assert y.shape == (3, 4, 5, 3)
        hits = [(i, j) for i in range(4) for j in range(5)
                if np.array_equal(x[:, i:i + 4, j:j + 5], y)]
        assert len(hits) == 1


@pytest.mark.parametrize("lib", ["keras", "glassnet"])
def test_brightness_and_contrast_training_statistics(K, G, lib):
    L = (K if lib == "keras" else G).layers  # noqa: N806
    x = images(n=64, seed=1) * 0.5 + 60  # inside (60, 188): the clip rarely cuts
    y = as_numpy(L.RandomBrightness(0.1, seed=1)(x, training=True))
    delta = (y - x).reshape(64, -1)
    assert np.allclose(delta, delta[:, :1], atol=1e-3)  # one shift per image
    assert np.all(np.abs(delta[:, 0]) <= 0.1 * 255 + 1e-3) and delta[:, 0].std() > 1
    y = as_numpy(L.RandomContrast(0.5, seed=1)(x, training=True))
    mean = x.mean(axis=(1, 2), keepdims=True)
    ratio = ((y - mean) / (x - mean)).reshape(64, -1)
    # Keras 3: a factor f in [0, 1] draws contrasts from [1, 1 + f]
    assert np.all(ratio.min(axis=1) > 1 - 1e-3) and np.all(ratio.max(axis=1) < 1.5 + 1e-3)
    assert np.allclose(np.clip(y, 0, 255), y)


def test_augmentation_configs_match_keras(K, G):
    pairs = [(L.RandomCrop(4, 5, seed=2), ["height", "width", "seed", "data_format"])
             for L in (K.layers, G.layers)]
    k, g = pairs[0][0].get_config(), pairs[1][0].get_config()
    assert {key: g[key] for key in pairs[0][1]} == {key: k[key] for key in pairs[0][1]}
    for name, arg in (("RandomGrayscale", 0.3), ("RandomContrast", 0.3),
                      ("RandomBrightness", 0.3)):
        k = getattr(K.layers, name)(arg).get_config()
        g = getattr(G.layers, name)(arg).get_config()
        for key in ("factor", "value_range"):
            if key in k:
                np.testing.assert_allclose(np.asarray(g[key], float), np.asarray(k[key], float))
