"""F-scores, R2, IoUs, correlations and the rate-at-a-constraint metrics: Keras's results over
several batches (with and without sample weights), its configs, its function forms, and its
History keys and values when compiled into a model."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras


def _batch(kind, rng, n=12, classes=4):
    if kind == "multilabel":
        return rng.integers(0, 2, (n, classes)).astype("float32"), \
            rng.random((n, classes)).astype("float32")
    if kind == "onehot":
        return np.eye(classes, dtype="float32")[rng.integers(0, classes, n)], \
            rng.random((n, classes)).astype("float32")
    if kind == "regression":
        y = rng.normal(size=(n, 3)).astype("float32")
        return y, (y + 0.5 * rng.normal(size=(n, 3))).astype("float32")
    if kind == "labels":
        return rng.integers(0, classes, n), rng.integers(0, classes, n)
    if kind == "segmentation":
        return rng.integers(0, classes, (n, 5)), rng.integers(-1, classes + 1, (n, 5))
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)).astype("float32"), rng.random((n, 1)).astype("float32")
    raise ValueError(kind)


CASES = [
    ("F1Score", {}, "multilabel"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "multilabel"),
    ("F1Score", {"average": "macro"}, "onehot"),
    ("F1Score", {"average": "weighted", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"beta": 2.0}, "multilabel"),
    ("FBetaScore", {"beta": 0.5, "average": "macro", "threshold": 0.6}, "multilabel"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"num_regressors": 2}, "regression"),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "labels"),
    ("IoU", {"num_classes": 4, "target_class_ids": [1], "dtype": "float32"}, "labels"),
    ("MeanIoU", {"num_classes": 4, "dtype": "float32"}, "segmentation"),
    ("MeanIoU", {"num_classes": 4, "ignore_class": 0}, "segmentation"),
    ("MeanIoU", {"num_classes": 4, "sparse_y_true": False, "sparse_y_pred": False,
                 "dtype": "float32"}, "onehot"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3, "dtype": "float32"}, "binary"),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 3], "dtype": "float32"}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 4, "dtype": "float32"}, "onehot"),
    ("PearsonCorrelation", {}, "regression"),
    ("PearsonCorrelation", {"axis": 0}, "regression"),
    ("ConcordanceCorrelation", {}, "regression"),
    ("PrecisionAtRecall", {"recall": 0.6}, "multilabel"),
    ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 50}, "multilabel"),
    ("SensitivityAtSpecificity", {"specificity": 0.7}, "multilabel"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4, "class_id": 2}, "multilabel"),
    ("PrecisionAtRecall", {"recall": 0.3, "num_thresholds": 1}, "binary"),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name, kwargs, kind", CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_result_over_batches_as_keras(G, name, kwargs, kind, weighted):
    rng = np.random.default_rng(3)
    k_metric = getattr(keras.metrics, name)(**kwargs)
    g_metric = getattr(G.metrics, name)(**kwargs)
    # Keras numbers repeated default names within a process (f1_score, f1_score_1 ...)
    assert g_metric.name == re.sub(r"_\d+$", "", k_metric.name)
    for _ in range(3):  # the state accumulates over batches
        y_true, y_pred = _batch(kind, rng)
        # one weight per sample; per entry for segmentation maps (Keras's IoU flattens both)
        w = rng.uniform(0.0, 2.0, np.shape(y_true)[:2 if kind == "segmentation" else 1]
                        ).astype("float32") if weighted else None
        if kwargs.get("axis") == 0:  # one coefficient per column: Keras takes no weights
            w = None
        k_metric.update_state(y_true, y_pred, sample_weight=w)
        g_metric.update_state(y_true, y_pred, sample_weight=w)
    want = k_metric.result()
    got = g_metric.result()
    assert np.shape(got) == tuple(want.shape)
    assert_close(got, want, rtol=1e-5, atol=1e-6, what=name)
    g_metric.reset_state()
    k_metric.reset_state()
    if not name.startswith(("F", "R2", "Pearson", "Concordance")):  # Keras: nan or unbuilt
        assert_close(g_metric.result(), k_metric.result(), atol=1e-7, what="after reset")


@pytest.mark.parametrize("name, kwargs, kind", CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_config_as_keras(G, name, kwargs, kind):
    k_config = getattr(keras.metrics, name)(**kwargs).get_config()
    g_metric = getattr(G.metrics, name)(**kwargs)
    g_config = g_metric.get_config()
    assert sorted(g_config) == sorted(k_config)
    for key in set(k_config) - {"name", "dtype"}:
        assert g_config[key] == k_config[key], key
    assert g_config["dtype"] == k_config["dtype"]
    again = G.metrics.deserialize(G.metrics.serialize(g_metric))
    assert type(again) is type(g_metric) and again.get_config() == g_config


FUNCTIONS = [
    ("huber", {"delta": 0.5}, "regression"),
    ("binary_focal_crossentropy", {"gamma": 3.0}, "multilabel"),
    ("categorical_focal_crossentropy", {"alpha": 0.4}, "onehot"),
    ("pearson_correlation", {}, "regression"),
    ("pearson_correlation", {"axis": 0}, "regression"),
    ("concordance_correlation", {}, "regression"),
]


def test_function_forms_as_keras(G):
    rng = np.random.default_rng(6)
    for name, kwargs, kind in FUNCTIONS:
        y_true, y_pred = _batch(kind, rng)
        want = getattr(keras.metrics, name)(y_true, keras.ops.convert_to_tensor(y_pred),
                                            **kwargs)
        got = getattr(G.metrics, name)(y_true, y_pred, **kwargs)
        assert np.shape(got) == tuple(want.shape), name
        assert_close(got, want, rtol=2e-5, atol=1e-6, what=name)


@pytest.mark.parametrize("make, loss, kind", [
    (lambda m: [m.F1Score(average="macro", threshold=0.5, name="f1"),
                m.FBetaScore(beta=2.0, average="micro", name="f2"),
                m.PrecisionAtRecall(0.5, name="p_at_r")], "binary_crossentropy", "multilabel"),
    (lambda m: [m.R2Score(name="r2"), m.PearsonCorrelation(name="pearson"),
                m.ConcordanceCorrelation(name="ccc")], "mse", "regression"),
    (lambda m: [m.OneHotMeanIoU(3, name="miou", dtype="float32"),
                m.OneHotIoU(3, [1], name="iou1", dtype="float32"),
                m.SensitivityAtSpecificity(0.5, name="sens")],
     "categorical_crossentropy", "onehot"),
    (lambda m: ["r2_score", "pearson_correlation", "concordance_correlation"], "mse",
     "regression"),
])
def test_compiled_metrics_log_keras_keys_and_values(G, make, loss, kind):
    """One epoch from identical weights: the History's keys and values, and evaluate's."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(24, 4)).astype("float32")
    y, _ = _batch(kind, rng, n=24, classes=3)
    units = y.shape[-1]
    last = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}.get(loss)
    weights = [rng.normal(size=(4, units)).astype("float32"), np.zeros(units, "float32")]

    def run(lib):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(units, activation=last)])
        model.set_weights(weights)
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss=loss, metrics=make(lib.metrics))
        hist = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
        return hist, model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)

    (k_hist, k_eval), (g_hist, g_eval) = run(keras), run(G)
    assert sorted(g_hist) == sorted(k_hist)
    assert sorted(g_eval) == sorted(k_eval)
    for key in k_hist:
        assert_close(g_hist[key], k_hist[key], rtol=1e-5, atol=1e-6, what=key)
        assert_close(g_eval[key], k_eval[key], rtol=1e-5, atol=1e-6, what=f"evaluate {key}")


def test_bad_arguments_as_keras(G):
    for make in (lambda m: m.F1Score(average="mean"), lambda m: m.FBetaScore(beta=0.0),
                 lambda m: m.R2Score(class_aggregation="median"),
                 lambda m: m.IoU(num_classes=2, target_class_ids=[2]),
                 lambda m: m.PrecisionAtRecall(recall=1.5)):
        with pytest.raises(ValueError):
            make(keras.metrics)
        with pytest.raises(ValueError, match="`(average|beta|class_aggregation|"
                                             "target_class_ids|recall)` of"):
            make(G.metrics)
    with pytest.raises(ValueError, match="expects 2D inputs"):
        G.metrics.F1Score().update_state(np.ones(3), np.ones(3))


def test_per_class_metric_in_compile_as_keras(G):  # noqa: N803
    """`F1Score()` (average=None: one value per class) in `compile`: History and `evaluate`
    hold the per-class arrays, as Keras's, and the progress line shows their mean."""
    import contextlib
    import io

    def build(K):  # noqa: N803
        model = K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="categorical_crossentropy",
                      metrics=[K.metrics.F1Score(), "accuracy"])
        return model

    k_model, g_model = build(keras), build(G)
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    rng = np.random.default_rng(3)
    x = rng.random((24, 4), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 24)]
    k_hist = k_model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                         validation_data=(x, y))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        g_hist = g_model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=2,
                             validation_data=(x, y))
    assert sorted(g_hist.history) == sorted(k_hist.history)
    for key in ("f1_score", "val_f1_score"):
        for got, want in zip(g_hist.history[key], k_hist.history[key], strict=True):
            assert np.shape(got) == np.shape(as_numpy(want)) == (3,)
            np.testing.assert_allclose(got, as_numpy(want), rtol=1e-5, atol=1e-6)
    last = float(np.mean(g_hist.history["f1_score"][-1]))
    assert f"f1_score: {last:.4f}" in out.getvalue()
    want = k_model.evaluate(x, y, verbose=0, return_dict=True)
    got = g_model.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(got["f1_score"], as_numpy(want["f1_score"]), rtol=1e-5, atol=1e-6)
    got_list = g_model.evaluate(x, y, verbose=0)
    want_list = k_model.evaluate(x, y, verbose=0)
    assert len(got_list) == len(want_list) and np.shape(got_list[1]) == (3,)
