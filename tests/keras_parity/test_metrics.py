"""Metric objects: the same batches give Keras's ``result()``, standalone and in ``compile``."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras


def _probs(rng, n, c):
    z = rng.normal(size=(n, c)) * 2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype("float32")


def _data(kind, rng, n=24):
    """(y_true, y_pred) of one batch for a kind of target."""
    if kind == "sparse":
        return rng.integers(0, 5, n), _probs(rng, n, 5)
    if kind == "onehot":
        return np.eye(5, dtype="float32")[rng.integers(0, 5, n)], _probs(rng, n, 5)
    if kind == "binary":
        return rng.integers(0, 2, (n, 3)).astype("float32"), rng.random((n, 3)).astype("float32")
    if kind == "labels":  # exact-match targets for Accuracy
        y = rng.integers(0, 3, (n, 1))
        return y.astype("float32"), np.where(rng.random((n, 1)) < 0.6, y, 2 - y).astype("float32")
    if kind == "counts":
        return rng.poisson(2.0, (n, 3)).astype("float32"), rng.uniform(0.5, 3.0, (n, 3)).astype("float32")
    y = rng.normal(size=(n, 3)).astype("float32")
    return np.abs(y) + 0.1, (np.abs(y) + 0.1 + 0.3 * rng.normal(size=(n, 3))).astype("float32")


CASES = [
    ("Accuracy", {}, "labels"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse"),
    ("MeanSquaredError", {}, "real"),
    ("MeanAbsoluteError", {}, "real"),
    ("MeanAbsolutePercentageError", {}, "real"),
    ("MeanSquaredLogarithmicError", {}, "real"),
    ("RootMeanSquaredError", {}, "real"),
    ("LogCoshError", {}, "real"),
    ("Poisson", {}, "counts"),
    ("Hinge", {}, "binary"),
    ("SquaredHinge", {}, "binary"),
    ("BinaryCrossentropy", {}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("KLDivergence", {}, "onehot"),
    ("CategoricalHinge", {}, "onehot"),
    ("CosineSimilarity", {}, "real"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": 0.7}, "binary"),
    ("Recall", {}, "binary"),
    ("Recall", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("Precision", {"top_k": 2}, "binary"),
    ("Recall", {"class_id": 1}, "binary"),
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {}, "binary"),
    ("TrueNegatives", {}, "binary"),
    ("FalseNegatives", {}, "binary"),
    ("AUC", {}, "binary"),
    ("AUC", {"num_thresholds": 50, "curve": "PR"}, "binary"),
    ("AUC", {"summation_method": "minoring"}, "binary"),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name, kwargs, kind", CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_result_matches_keras_over_batches(G, name, kwargs, kind, weighted):
    rng = np.random.default_rng(3)
    k_metric = getattr(keras.metrics, name)(**kwargs)
    g_metric = getattr(G.metrics, name)(**kwargs)
    # Keras numbers repeated default names within a process (precision, precision_1 ...).
    assert g_metric.name == re.sub(r"_\d+$", "", k_metric.name)
    for _ in range(3):  # state accumulates over batches
        y_true, y_pred = _data(kind, rng)
        w = rng.uniform(0.0, 2.0, len(y_pred)).astype("float32") if weighted else None
        k_metric.update_state(y_true, y_pred, sample_weight=w)
        g_metric.update_state(y_true, y_pred, sample_weight=w)
    assert_close(g_metric.result(), k_metric.result(), rtol=1e-5, atol=1e-6, what=name)
    g_metric.reset_state()
    k_metric.reset_state()
    assert_close(g_metric.result(), k_metric.result(), atol=1e-7, what=f"{name} after reset")


def test_call_updates_and_returns_the_result(G):
    k, g = keras.metrics.Mean(), G.metrics.Mean()
    for values, w in (([1.0, 3.0, 5.0, 7.0], None), ([2.0, 4.0], [1.0, 0.0])):
        assert_close(g(values, sample_weight=w), k(values, sample_weight=w), rtol=1e-6)
    s_k, s_g = keras.metrics.Sum(), G.metrics.Sum()
    assert_close(s_g([1.0, 2.0, 3.0], sample_weight=[1, 0, 2]),
                 s_k([1.0, 2.0, 3.0], sample_weight=[1, 0, 2]), rtol=1e-6)


def test_function_forms_match_keras(G):
    rng = np.random.default_rng(0)
    y, p = _data("sparse", rng)
    assert_close(G.metrics.sparse_categorical_accuracy(y, p),
                 keras.metrics.sparse_categorical_accuracy(y, p), what="sparse_categorical_accuracy")
    y, p = _data("binary", rng)
    assert_close(G.metrics.binary_accuracy(y, p), keras.metrics.binary_accuracy(y, p),
                 what="binary_accuracy")


@pytest.mark.parametrize("make", [
    lambda m: [m.SparseCategoricalAccuracy()],
    lambda m: [m.SparseCategoricalAccuracy(name="acc"), m.SparseTopKCategoricalAccuracy(k=2)],
])
def test_metric_objects_in_compile_log_the_same_keys_and_values(G, make):
    """One epoch on one batch from identical weights: Keras's history keys and values."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.integers(0, 3, 16)

    def run(lib):
        model = lib.Sequential([lib.layers.Dense(3, activation="softmax", input_shape=(4,))])
        model.build((None, 4))
        model.set_weights(weights)
        model.compile(optimizer=lib.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                      metrics=make(lib.metrics))
        hist = model.fit(x, y, batch_size=16, epochs=1, verbose=0).history
        return hist, model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)

    weights = [rng.normal(size=(4, 3)).astype("float32"), np.zeros(3, "float32")]
    k_hist, k_eval = run(keras)
    g_hist, g_eval = run(G)
    assert sorted(g_hist) == sorted(k_hist)
    for key in k_hist:
        assert_close(g_hist[key], k_hist[key], rtol=1e-5, what=key)
    assert sorted(g_eval) == sorted(k_eval)
    for key in k_eval:
        assert_close(g_eval[key], k_eval[key], rtol=1e-5, what=key)


def test_auc_values_are_a_float_and_threshold_lists_give_arrays(G):
    auc = G.metrics.AUC()
    auc.update_state([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3])
    assert isinstance(auc.result(), float) and auc.result() == pytest.approx(1.0)
    rec = G.metrics.Recall(thresholds=[0.2, 0.7])
    rec.update_state([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3])
    np.testing.assert_allclose(rec.result(), [1.0, 0.5])
    k_rec = keras.metrics.Recall(thresholds=[0.2, 0.7])
    assert as_numpy(k_rec([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3])).tolist() == [1.0, 0.5]
