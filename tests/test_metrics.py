"""Metric objects and functions: worked examples by hand, state, and the compile path.
(Keras's own numbers are compared in tests/keras_parity/test_metrics.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import metrics
from glassnet.layers import Dense
from glassnet.models import Sequential


def test_state_accumulates_resets_and_call_returns_the_result():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([1, 2], [[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])  # 1 of 2
    assert m.result() == pytest.approx(0.5)
    assert m([0], [[0.9, 0.1, 0.0]]) == pytest.approx(2 / 3)  # update, then result
    m.reset_state()
    assert m.result() == 0.0
    w = metrics.Mean()
    w.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    assert w.result() == pytest.approx(2.0)


def test_precision_recall_auc_by_hand():
    y = np.array([1, 1, 0, 0, 1])
    p = np.array([0.9, 0.4, 0.6, 0.2, 0.8])  # at 0.5: tp=2, fp=1, fn=1
    prec, rec = metrics.Precision(), metrics.Recall()
    prec.update_state(y, p)
    rec.update_state(y, p)
    assert prec.result() == pytest.approx(2 / 3) and rec.result() == pytest.approx(2 / 3)
    auc = metrics.AUC(num_thresholds=1001)
    auc.update_state(y, p)
    # Of the 3 x 2 (positive, negative) pairs, 5 are ranked right: ROC AUC = 5/6.
    assert auc.result() == pytest.approx(5 / 6, abs=1e-3)
    rmse = metrics.RootMeanSquaredError()
    rmse.update_state([[0.0], [0.0]], [[3.0], [4.0]])
    assert rmse.result() == pytest.approx(np.sqrt(12.5))


def test_functions_have_keras_shapes():
    y, p = np.array([[1.0, 0.0]]), np.array([[0.7, 0.6]])
    assert metrics.binary_accuracy(y, p).shape == (1, 2)  # one value per entry
    assert metrics.categorical_accuracy(y, p).shape == (1,)
    assert metrics.mean_squared_error(y, p).shape == (1,)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'. Valid: "):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="`k` of TopKCategoricalAccuracy must be an integer in"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match="`curve` of AUC must be one of 'ROC', 'PR'"):
        metrics.AUC(curve="roc curve")


def test_metric_objects_and_class_names_in_compile(rng):
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.integers(0, 3, 32)
    model = Sequential([Dense(3, activation="softmax", input_dim=4)], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy",
                  metrics=[metrics.SparseCategoricalAccuracy(name="acc"),
                           metrics.SparseTopKCategoricalAccuracy(k=2)])
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert list(logs) == ["acc", "loss", "sparse_top_k_categorical_accuracy"]  # sorted, as Keras
    probs = model.predict(x)
    expected = metrics.SparseCategoricalAccuracy()
    expected.update_state(y, probs)
    assert logs["acc"] == pytest.approx(expected.result())
    top2 = metrics.SparseTopKCategoricalAccuracy(k=2)
    top2.update_state(y, probs)
    assert logs["sparse_top_k_categorical_accuracy"] == pytest.approx(top2.result())


def test_serialize_round_trip():
    m = metrics.Precision(thresholds=[0.3, 0.6], name="p")
    again = metrics.deserialize(metrics.serialize(m))
    assert isinstance(again, metrics.Precision) and again.name == "p"
    np.testing.assert_array_equal(again.thresholds_array, [0.3, 0.6])


def test_stateful_metrics_in_compile_are_exact_on_one_batch(rng):
    x = rng.standard_normal((40, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=1)
    model.compile("sgd", "binary_crossentropy", metrics=["auc", metrics.Precision()])
    logs = model.evaluate(x, y, batch_size=40, verbose=0, return_dict=True)
    probs = model.predict(x)
    auc, prec = metrics.AUC(), metrics.Precision()
    auc.update_state(y, probs)
    prec.update_state(y, probs)
    assert logs["auc"] == pytest.approx(auc.result()) and 0.0 < logs["auc"] <= 1.0
    assert logs["precision"] == pytest.approx(prec.result())


def test_compiled_metrics_give_epoch_values_of_stateful_metrics(rng):
    """Over several batches, AUC and Precision are those of all the data, not batch means."""
    from glassnet.losses import BinaryCrossentropy

    y = (rng.random((60, 1)) < 0.5).astype("float32")
    p = np.clip(0.6 * y + 0.5 * rng.random((60, 1)), 0, 1).astype("float32")
    tracker = metrics.CompiledMetrics(["accuracy", "auc", metrics.Precision(name="prec")],
                                      loss=BinaryCrossentropy())
    assert tracker.names == ["accuracy", "auc", "prec"]
    tracker.reset_state()
    for i in range(0, 60, 16):
        tracker.update_state(y[i:i + 16], p[i:i + 16])
    whole_auc, whole_prec = metrics.AUC(), metrics.Precision()
    whole_auc.update_state(y, p)
    whole_prec.update_state(y, p)
    logs = tracker.result()
    assert logs["auc"] == pytest.approx(whole_auc.result())
    assert logs["prec"] == pytest.approx(whole_prec.result())
    assert logs["accuracy"] == pytest.approx(np.mean((p > 0.5) == (y > 0.5)))
    with pytest.raises(ValueError, match="Metric names must be unique"):
        metrics.CompiledMetrics(["mae", metrics.MeanAbsoluteError(name="mae")])


def test_a_user_metric_written_as_in_keras_guides():
    """Keras's "custom metric" pattern: state in add_variable, reset by the base class."""

    class CategoricalTruePositives(metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = (np.argmax(y_pred, axis=1) == np.ravel(y_true)).astype("float32")
            self.true_positives.assign_add(hits.sum())

        def result(self):
            return float(self.true_positives)

    m = CategoricalTruePositives()
    m.update_state([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]])
    assert m.result() == 2.0
    m.reset_state()
    assert m.result() == 0.0
