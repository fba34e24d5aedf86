"""Embedding: lookup, the scatter-add gradient, id validation, Keras's arguments."""

import numpy as np
import pytest

from glassnet.gradcheck import check_model, numeric_gradient, relative_error
from glassnet.layers import GRU, Dense, Embedding, Flatten
from glassnet.layers.base import deserialize_layer, serialize_layer
from glassnet.models import Sequential, load_model
from layer_referees import summary_of


def built(layer, input_shape=(5,), dtype="float32", seed=0):
    layer.dtype = np.dtype(dtype)
    layer.build(input_shape, np.random.default_rng(seed))
    return layer


def test_lookup_shapes_and_values(rng):
    layer = built(Embedding(10, 4))
    ids = rng.integers(0, 10, (3, 5))
    y = layer(ids)
    assert y.shape == (3, 5, 4) and y.dtype == np.float32
    np.testing.assert_array_equal(y[1, 2], layer.params["embeddings"][ids[1, 2]])
    # the model hands ids over as floats: whole floats are accepted
    np.testing.assert_array_equal(layer(ids.astype(np.float32)), y)
    assert layer.output_shape((5,)) == (5, 4)
    assert layer.output_shape((None,)) == (None, 4)


def test_default_initializer_is_keras_uniform():
    layer = built(Embedding(1000, 16))
    e = layer.params["embeddings"]
    assert e.shape == (1000, 16) and e.dtype == np.float32
    assert e.min() >= -0.05 and e.max() < 0.05 and e.std() > 0.025  # U(-0.05, 0.05)


def test_embeddings_gradient_against_central_differences(rng):
    layer = built(Embedding(6, 3), input_shape=(7,), dtype="float64")
    ids = rng.integers(0, 6, (4, 7)).astype(np.float64)
    ids[0, :3] = 2  # repeated ids must accumulate
    upstream = rng.standard_normal((4, 7, 3))
    layer.forward(ids)
    dx = layer.backward(upstream)
    analytic = layer.grads["embeddings"].copy()
    numeric = numeric_gradient(lambda: float(np.sum(upstream * layer.forward(ids))),
                               layer.params["embeddings"])
    assert relative_error(analytic, numeric) < 1e-6
    # the same numbers as the obvious np.add.at scatter
    expected = np.zeros((6, 3))
    np.add.at(expected, ids.astype(int).ravel(), upstream.reshape(-1, 3))
    np.testing.assert_allclose(analytic, expected, rtol=1e-12)
    # ids are not differentiable: the derivative of a lookup is zero
    assert dx.shape == ids.shape and not dx.any()


def test_unused_rows_get_zero_gradient_every_step(rng):
    layer = built(Embedding(5, 2), input_shape=(2,))
    layer.forward(np.array([[0, 1]]))
    layer.backward(np.ones((1, 2, 2), np.float32))
    layer.forward(np.array([[3, 3]]))
    layer.backward(np.ones((1, 2, 2), np.float32))
    np.testing.assert_array_equal(layer.grads["embeddings"],
                                  [[0, 0], [0, 0], [0, 0], [2, 2], [0, 0]])


def test_model_gradients_through_embedding(rng):
    ids = rng.integers(0, 7, (4, 5)).astype(np.float64)
    y = rng.integers(0, 2, 4).astype(np.float64)
    model = Sequential([Embedding(7, 3, input_length=5), GRU(4), Dense(1, activation="sigmoid")],
                       dtype="float64", seed=0)
    model.compile("adam", "binary_crossentropy")
    rows = check_model(model, ids, y)
    assert max(r["relative_error"] for r in rows) < 1e-6, rows
    assert model.layers[0].input_grad_needed is False
    model.layers[0].forward(ids)
    assert model.layers[0].backward(np.ones((4, 5, 3))) is None


@pytest.mark.parametrize("ids, match", [
    (np.array([[0.5, 1.0]]), r"expects integer ids, but the input of shape \(1, 2\) holds "
                             r"non-integer values \(e.g. 0.5\)"),
    (np.array([[0, 10]]), r"input_dim=10, so ids must be in \[0, 10\); got ids from 0 to 10"),
    (np.array([[-1.0, 2.0]]), r"got ids from -1 to 2"),
    (np.array([["a", "b"]]), r"expects integer ids, got an array of dtype <U1"),
])
def test_bad_ids(ids, match):
    layer = built(Embedding(10, 2, name="embedding_1"), input_shape=(2,))
    with pytest.raises(ValueError, match=r"Embedding 'embedding_1' .*" + match):
        layer.forward(ids)


@pytest.mark.parametrize("make, error, match", [
    (lambda: Embedding(0, 4), ValueError, r"Embedding `input_dim` must be a positive integer, "
                                          r"got 0"),
    (lambda: Embedding(10, -2), ValueError, r"`output_dim` must be a positive integer, got -2"),
    (lambda: Embedding(10, 4, input_length=0), ValueError, r"`input_length`"),
    (lambda: Embedding(10, 4, embeddings_initializer="nope"), ValueError, r"nope"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_fit_predict_through_the_model_with_float_ids(tmp_path, rng):
    """fit/predict convert ids to float32 (data.as_inputs); the layer turns them back."""
    ids = rng.integers(0, 20, (64, 6))
    y = (ids[:, 0] >= 10).astype(np.float32)  # the class is in the first token
    model = Sequential([Embedding(20, 8, input_length=6), Flatten(),
                        Dense(1, activation="sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    text = summary_of(model)
    assert "(None, 6, 8)" in text and "160" in text  # 20 * 8 parameters
    model.fit(ids, y, epochs=60, batch_size=16, verbose=0)
    assert model.evaluate(ids, y, verbose=0)[1] > 0.95
    model.save(tmp_path / "emb.npz")
    np.testing.assert_array_equal(load_model(tmp_path / "emb.npz").predict(ids),
                                  model.predict(ids))
    with pytest.raises(ValueError, match=r"ids must be in \[0, 20\)"):
        model.predict(ids + 1)


def test_config_round_trip():
    for layer in [Embedding(50, 8), Embedding(7, 3, input_length=4, name="e",
                                              embeddings_initializer="glorot_uniform",
                                              embeddings_regularizer="l2")]:
        clone = deserialize_layer(serialize_layer(layer))
        assert isinstance(clone, Embedding)
        assert clone.get_config() == layer.get_config()
    assert Embedding(7, 3, input_length=4).input_shape == (4,)
