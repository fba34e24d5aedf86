"""Sample weights of shape (batch, T) on a sequence output weigh each time step, as in Keras:
``fit``/``evaluate`` give Keras's loss values and, from identical weights, Keras's trained
weights; a weight array of another shape is refused, naming the shapes it may have."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import assert_close, keras


def _tagger(K):  # noqa: N803
    return K.Sequential([K.Input((6,)), K.layers.Embedding(20, 5),
                         K.layers.LSTM(7, return_sequences=True),
                         K.layers.Dense(4, activation="softmax")])


def _data():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, (16, 6))
    y = rng.integers(0, 4, (16, 6))
    sw = rng.random((16, 6))
    sw[:, 4:] = 0.0  # the last two steps do not count
    return x, y, sw


def test_per_step_weights_train_as_in_keras(G):
    x, y, sw = _data()
    k_model, g_model = _tagger(keras), _tagger(G)
    g_model.set_weights([np.asarray(w) for w in k_model.get_weights()])
    k_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    g_model.compile(optimizer=G.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    assert_close(g_model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0),
                 k_model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0), rtol=1e-5)
    fit = dict(sample_weight=sw, epochs=2, batch_size=8, shuffle=False, verbose=0)
    k_hist = k_model.fit(x, y, **fit).history["loss"]
    g_hist = g_model.fit(x, y, **fit).history["loss"]
    assert_close(g_hist, k_hist, rtol=1e-5)
    for got, want in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        assert_close(got, want, rtol=1e-4, atol=1e-6)


def test_zero_weighted_steps_do_not_train(G):
    """Targets at weight-0 steps change nothing: the same weights result whatever they are."""
    x, y, sw = _data()
    results = []
    for tail in (0, 3):
        y2 = y.copy()
        y2[:, 4:] = tail
        model = _tagger(G)
        model.compile(optimizer=G.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        model.set_weights(_tagger_weights(G))
        model.fit(x, y2, sample_weight=sw, epochs=1, batch_size=8, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def _tagger_weights(G):  # noqa: N803
    model = _tagger(G)
    rng = np.random.default_rng(1)
    return [rng.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()]


def test_weights_of_another_shape_are_refused(G):
    x, y, _ = _data()
    model = _tagger(G)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"shape \(16,\), one weight per sample or \(16, 6\), "
                                          r"one per time step, got shape \(16, 5\)"):
        model.fit(x, y, sample_weight=np.ones((16, 5)), epochs=1, verbose=0)
