"""Callbacks: the hooks Keras calls, with the same ``logs`` keys, and CSVLogger's file."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import keras


def _recorder(lib):
    """A callback recording ``(hook, sorted logs keys)`` for every hook Keras defines."""
    events: list[tuple[str, tuple[str, ...] | None]] = []

    def record(name):
        def hook(*args, logs="missing"):
            logs = args[-1] if logs == "missing" else logs
            events.append((name, None if logs is None else tuple(sorted(logs))))
        return hook

    hooks = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
             "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
             "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
             "on_predict_batch_begin", "on_predict_batch_end"]
    return lib.callbacks.LambdaCallback(**{h: record(h) for h in hooks}), events


def _model(lib, weights):
    model = lib.Sequential([lib.layers.Dense(2, activation="softmax", input_shape=(3,))])
    model.build((None, 3))
    model.set_weights(weights)
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.integers(0, 2, 10)
    weights = [rng.normal(size=(3, 2)).astype("float32"), np.zeros(2, "float32")]
    return x, y, weights


def test_every_hook_is_defined_on_the_base_class_and_the_list(G):
    for hook in [h for h in dir(keras.callbacks.Callback) if h.startswith("on_")]:
        assert callable(getattr(G.callbacks.Callback(), hook)), hook
        assert callable(getattr(G.callbacks.CallbackList([]), hook)), hook


def test_lambda_callback_hooks_get_dicts_from_the_list(G):
    cb, events = _recorder(G)
    cbl = G.callbacks.CallbackList([cb])
    cbl.on_train_begin()
    cbl.on_test_batch_end(0, {"loss": np.float32(0.5)})
    cbl.on_predict_end()
    assert events == [("on_train_begin", ()), ("on_test_batch_end", ("loss",)),
                      ("on_predict_end", ())]


def test_hook_sequence_of_fit_evaluate_predict_matches_keras(G, problem):
    x, y, weights = problem

    def run(lib):
        cb, events = _recorder(lib)
        model = _model(lib, weights)
        model.fit(x, y, batch_size=4, epochs=2, validation_data=(x, y), callbacks=[cb], verbose=0)
        model.evaluate(x, y, batch_size=5, callbacks=[cb], verbose=0)
        model.predict(x, batch_size=5, callbacks=[cb], verbose=0)
        return events

    assert run(G) == run(keras)


def test_csv_logger_writes_keras_columns_and_rows(G, problem, tmp_path):
    x, y, weights = problem
    files = {}
    for name, lib, val in (("k", keras, None), ("g", G, None), ("kv", keras, (x, y)),
                           ("gv", G, (x, y))):
        path = tmp_path / f"{name}.csv"
        _model(lib, weights).fit(x, y, batch_size=10, epochs=2, validation_data=val,
                                 callbacks=[lib.callbacks.CSVLogger(str(path))], verbose=0)
        files[name] = path.read_text().splitlines()
    for k, g in (("k", "g"), ("kv", "gv")):
        assert files[g][0] == files[k][0]  # the header
        assert len(files[g]) == len(files[k]) == 3
        for g_row, k_row in zip(files[g][1:], files[k][1:], strict=True):
            g_cells, k_cells = g_row.split(","), k_row.split(",")
            assert g_cells[0] == k_cells[0]
            for gc, kc in zip(g_cells[1:], k_cells[1:], strict=True):
                if kc == "NA":
                    assert gc == "NA"
                else:
                    assert float(gc) == pytest.approx(float(kc), rel=1e-5)


def test_csv_logger_appends_without_a_second_header(G, problem, tmp_path):
    x, y, weights = problem
    path = tmp_path / "log.csv"
    model = _model(G, weights)
    model.fit(x, y, epochs=1, callbacks=[G.callbacks.CSVLogger(path)], verbose=0)
    model.fit(x, y, epochs=1, callbacks=[G.callbacks.CSVLogger(path, append=True)], verbose=0)
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch,") and not lines[2].startswith("epoch")


def test_history_keys_are_keras_keys(G, problem):
    x, y, weights = problem
    k = _model(keras, weights).fit(x, y, batch_size=5, epochs=1, validation_split=0.2, verbose=0)
    g = _model(G, weights).fit(x, y, batch_size=5, epochs=1, validation_split=0.2, verbose=0)
    assert list(g.history) == list(k.history)
