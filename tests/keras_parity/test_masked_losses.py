"""Padded steps left out of the loss and the metrics, under Keras and under glassnet: a masked
sequence model's loss and metric values (evaluate, test_on_batch, train_on_batch), its
History and its weights after an epoch of training, for several losses and reductions."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, keras

LENGTHS = [6, 3, 5, 2, 6, 4, 1, 5, 3]


def _ids(rng, lengths=LENGTHS, steps=6, vocab=12):
    ids = rng.integers(1, vocab, (len(lengths), steps))
    for b, n in enumerate(lengths):
        ids[b, n:] = 0
    return ids


def _tagger(K, loss, metrics, units=3, activation="softmax"):  # noqa: N803
    """Embedding(mask_zero=True) -> LSTM(return_sequences=True) -> Dense: one output per step."""
    x = K.Input(shape=(None,), dtype="int32") if K is keras else K.Input(shape=(None,))
    h = K.layers.Embedding(12, 4, mask_zero=True, name="emb")(x)
    h = K.layers.LSTM(5, return_sequences=True, name="lstm")(h)
    y = K.layers.Dense(units, activation=activation, name="out")(h)
    model = K.Model(x, y)
    model.compile(optimizer=K.optimizers.SGD(0.5), loss=loss(K), metrics=metrics(K))
    return model


def _pair(G, loss, metrics, **kw):  # noqa: N803
    keras.utils.set_random_seed(3)  # Keras's initial weights, copied to glassnet below
    k_model, g_model = _tagger(keras, loss, metrics, **kw), _tagger(G, loss, metrics, **kw)
    # larger weights than the initial ones: predictions far from uniform, so that which
    # steps count shows in the loss
    k_model.set_weights([as_numpy(w) * 2.5 for w in k_model.get_weights()])
    g_model.build()
    for layer in g_model.layers:
        if layer.params:
            layer.set_weights([as_numpy(w) for w in k_model.get_layer(layer.name).get_weights()])
    return k_model, g_model


def _sparse(K):  # noqa: N803
    return K.losses.SparseCategoricalCrossentropy()


def _accuracy(K):  # noqa: N803
    return ["accuracy", K.metrics.SparseCategoricalCrossentropy(name="ce")]


def test_masked_loss_and_metrics_match_keras(G, rng):  # noqa: N803
    k_model, g_model = _pair(G, _sparse, _accuracy)
    ids, y = _ids(rng), rng.integers(0, 3, (len(LENGTHS), 6))
    for batch_size in (9, 4):  # one batch; batches of different padding
        want = k_model.evaluate(ids, y, batch_size=batch_size, verbose=0, return_dict=True)
        got = g_model.evaluate(ids, y, batch_size=batch_size, verbose=0, return_dict=True)
        assert got.keys() == want.keys()
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)
    want = k_model.test_on_batch(ids, y, return_dict=True)
    got = g_model.test_on_batch(ids, y, return_dict=True)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)
    # the padded steps really are left out: the plain mean over every step differs
    probs = g_model.predict(ids, verbose=0)
    step_losses = -np.log(np.take_along_axis(probs, y[..., None], axis=-1)[..., 0])
    np.testing.assert_allclose(got["loss"], step_losses[ids != 0].mean(), rtol=1e-5)
    assert abs(step_losses.mean() - got["loss"]) > 1e-3


def test_masked_training_matches_keras(G, rng):  # noqa: N803
    k_model, g_model = _pair(G, _sparse, _accuracy)
    ids, y = _ids(rng), rng.integers(0, 3, (len(LENGTHS), 6))
    want = k_model.train_on_batch(ids[:4], y[:4], return_dict=True)
    got = g_model.train_on_batch(ids[:4], y[:4], return_dict=True)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)
    want_h = k_model.fit(ids, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    got_h = g_model.fit(ids, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    assert got_h.keys() == want_h.keys()
    for key in want_h:
        np.testing.assert_allclose(got_h[key], want_h[key], rtol=1e-5, err_msg=key)
    for layer in g_model.layers:
        if not layer.params:
            continue
        for mine, ref in zip(layer.get_weights(), k_model.get_layer(layer.name).get_weights(),
                             strict=True):
            ref = as_numpy(ref)
            scale = max(float(np.abs(ref).max()), 1e-12)
            assert float(np.abs(mine - ref).max()) / scale < 1e-5, layer.name


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_masked_regression_losses_and_reductions_match_keras(G, rng, reduction):  # noqa: N803
    def loss(K):  # noqa: N803
        return K.losses.MeanSquaredError(reduction=reduction)

    def metrics(K):  # noqa: N803
        return ["mae", K.metrics.MeanSquaredError(name="mse")]

    k_model, g_model = _pair(G, loss, metrics, units=2, activation=None)
    ids, y = _ids(rng), rng.normal(size=(len(LENGTHS), 6, 2)).astype(np.float32)
    want = k_model.evaluate(ids, y, batch_size=4, verbose=0, return_dict=True)
    got = g_model.evaluate(ids, y, batch_size=4, verbose=0, return_dict=True)
    # float32 sums in another order (Keras's torch backend, glassnet's NumPy): a few ulp apart,
    # more for the "sum" reduction's larger values.
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=5e-5, err_msg=key)
    want_h = k_model.fit(ids, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    got_h = g_model.fit(ids, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    for key in want_h:
        np.testing.assert_allclose(got_h[key], want_h[key], rtol=5e-5, err_msg=key)
    mine = g_model.get_layer("out").get_weights()[0]
    ref = as_numpy(k_model.get_layer("out").get_weights()[0])
    np.testing.assert_allclose(mine, ref, rtol=5e-5, atol=1e-5)


def test_masking_layer_output_mask_matches_keras(G, rng):  # noqa: N803
    """``Masking`` -> ``SimpleRNN(return_sequences=True)`` -> ``Dense``, binary targets."""
    x = rng.normal(size=(6, 5, 3)).astype(np.float32)
    for b, n in enumerate([5, 2, 4, 1, 3, 5]):
        x[b, n:] = 0.0
    y = rng.integers(0, 2, (6, 5, 1)).astype(np.float32)
    models = []
    for K in (keras, G):  # noqa: N806
        inp = K.Input(shape=(None, 3))
        h = K.layers.Masking(name="masking")(inp)
        h = K.layers.SimpleRNN(4, return_sequences=True, name="rnn")(h)
        out = K.layers.Dense(1, activation="sigmoid", name="out")(h)
        model = K.Model(inp, out)
        model.compile(optimizer=K.optimizers.SGD(0.5), loss="binary_crossentropy",
                      metrics=["accuracy"])
        models.append(model)
    k_model, g_model = models
    g_model.build()
    for layer in g_model.layers:
        if layer.params:
            layer.set_weights([as_numpy(w) for w in k_model.get_layer(layer.name).get_weights()])
    want = k_model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    got = g_model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)


def test_masked_sequential_model_trains_as_keras(G, rng):  # noqa: N803
    """A Sequential model (GRU, Adam, a regression metric): the same History."""
    def build(K):  # noqa: N803
        inp = K.Input((None,), dtype="int32") if K is keras else K.Input((None,))
        model = K.Sequential([inp, K.layers.Embedding(12, 4, mask_zero=True, name="emb"),
                              K.layers.GRU(3, return_sequences=True, name="gru"),
                              K.layers.Dense(2, name="out")])
        model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        return model

    k_model, g_model = build(keras), build(G)
    g_model.build()
    for layer in g_model.layers:
        if layer.params:
            layer.set_weights([as_numpy(w) for w in k_model.get_layer(layer.name).get_weights()])
    ids = _ids(rng, [6, 3, 4, 2, 1])
    y = rng.normal(size=(5, 6, 2)).astype(np.float32)
    want = k_model.fit(ids, y, epochs=2, batch_size=2, shuffle=False, verbose=0).history
    got = g_model.fit(ids, y, epochs=2, batch_size=2, shuffle=False, verbose=0).history
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)


def test_masked_outputs_of_a_multi_output_model_match_keras(G, rng):  # noqa: N803
    """Two masked sequence outputs (tags, a regression) and an unmasked one (after the last
    LSTM): per-output losses, loss weights, metric names and objects, as Keras logs them."""
    def build(K):  # noqa: N803
        x = K.Input((None,), dtype="int32") if K is keras else K.Input((None,))
        h = K.layers.Embedding(12, 4, mask_zero=True, name="emb")(x)
        h = K.layers.LSTM(4, return_sequences=True, name="lstm")(h)
        tags = K.layers.Dense(3, activation="softmax", name="tags")(h)
        score = K.layers.Dense(1, name="score")(K.layers.LSTM(2, name="last")(h))
        reg = K.layers.Dense(2, name="reg")(h)
        model = K.Model(x, {"tags": tags, "score": score, "reg": reg})
        model.compile(
            optimizer=K.optimizers.SGD(0.3),
            loss={"tags": "sparse_categorical_crossentropy", "score": "mse", "reg": "mae"},
            loss_weights={"tags": 1.0, "score": 0.5, "reg": 2.0},
            metrics={"tags": ["accuracy", K.metrics.SparseCategoricalAccuracy(name="acc2")],
                     "score": ["mae"], "reg": ["mse"]})
        return model

    k_model, g_model = build(keras), build(G)
    g_model.build()
    for layer in g_model.layers:
        if layer.params:
            layer.set_weights([as_numpy(w) for w in k_model.get_layer(layer.name).get_weights()])
    ids = _ids(rng, [5, 3, 4, 2, 1, 5], steps=5)
    y = {"tags": rng.integers(0, 3, ids.shape), "score": rng.normal(size=(6, 1)),
         "reg": rng.normal(size=(6, 5, 2))}
    want = k_model.evaluate(ids, y, batch_size=4, verbose=0, return_dict=True)
    got = g_model.evaluate(ids, y, batch_size=4, verbose=0, return_dict=True)
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)
    want = k_model.fit(ids, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    got = g_model.fit(ids, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)
