import csv

import numpy as np
import pytest

from glassnet.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from glassnet.layers import Dense
from glassnet.models import Sequential, load_model
from glassnet.optimizers import SGD


@pytest.fixture
def problem(rng):
    x = rng.standard_normal((80, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    return x, y


def model_for(lr=0.05):
    model = Sequential([Dense(1, input_dim=3)], seed=0)
    model.compile(SGD(learning_rate=lr), "mse", metrics=["mae"])
    return model


def test_early_stopping_restores_best_weights(problem):
    x, y = problem
    model = model_for(lr=0.05)

    class Worsen(Callback):  # make validation get worse after epoch 2 by corrupting weights
        def on_epoch_end(self, epoch, logs=None):
            pass

    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = model.fit(x, y, epochs=100, validation_data=(x, y + 100 * (x[:, :1] > 0)), verbose=0,
                  callbacks=[es, Worsen()])
    assert len(h.epoch) < 100
    best = int(np.argmin(h.history["val_loss"]))
    assert es.best == pytest.approx(h.history["val_loss"][best])
    assert model.evaluate(x, y + 100 * (x[:, :1] > 0), verbose=0)[0] == pytest.approx(es.best, rel=1e-5)


def test_checkpoint_best_only_and_csv_logger(problem, tmp_path):
    x, y = problem
    model = model_for()
    ckpt = tmp_path / "best.npz"
    log = tmp_path / "log.csv"
    model.fit(x, y, epochs=3, validation_data=(x, y), verbose=0,
              callbacks=[ModelCheckpoint(ckpt, save_best_only=True), CSVLogger(log)])
    restored = load_model(ckpt)
    np.testing.assert_allclose(restored.predict(x), model.predict(x), rtol=1e-6)
    rows = list(csv.DictReader(log.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert {"loss", "mae", "val_loss", "val_mae"} <= set(rows[0])


def test_learning_rate_scheduler_and_reduce_on_plateau(problem):
    x, y = problem
    model = model_for(lr=0.1)
    h = model.fit(x, y, epochs=3, verbose=0,
                  callbacks=[LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert h.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    model = model_for(lr=0.0)  # nothing improves with lr=0 -> reduced after patience
    model.optimizer.learning_rate = 1e-9
    model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y),
              callbacks=[ReduceLROnPlateau(patience=1, factor=0.5, min_delta=1.0)])
    assert model.optimizer.learning_rate < 1e-9


def test_terminate_on_nan_stops_quietly(problem):
    x, y = problem
    model = model_for(lr=1e6)
    h = model.fit(x * 1e6, y, epochs=50, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(h.epoch) < 50


def test_keyboard_interrupt_leaves_model_usable(problem, tmp_path):
    x, y = problem
    model = model_for()
    log = tmp_path / "log.csv"

    class Interrupt(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model.optimizer.iterations >= 7:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[Interrupt(), CSVLogger(log)])
    assert model.history.epoch == [0]  # one complete epoch of 5 steps, then interrupted
    assert np.isfinite(model.predict(x)).all()
    model.fit(x, y, epochs=1, verbose=0)


def test_callbacks_must_be_callbacks(problem):
    x, y = problem
    with pytest.raises(TypeError, match="`callbacks` must hold Callback instances, got function"):
        model_for().fit(x, y, callbacks=[lambda: None], verbose=0)


# -- every hook, LambdaCallback, CallbackList --------------------------------------------------
def test_every_keras_hook_exists_and_the_list_passes_dicts():
    from glassnet.callbacks import HOOKS, CallbackList, LambdaCallback

    seen = []
    hooks = {h: (lambda *a, h=h, logs=None: seen.append((h, a[-1] if logs is None else logs)))
             for h in HOOKS}
    cbl = CallbackList([LambdaCallback(**hooks), Callback()])
    for h in HOOKS:
        args = (0,) if ("batch" in h or "epoch" in h) else ()
        getattr(cbl, h)(*args)  # logs left out
    assert [h for h, _ in seen] == list(HOOKS)
    assert all(logs == {} for _, logs in seen)


def test_list_sorts_logs_and_makes_floats_and_keras2_batch_names_work():
    from glassnet.callbacks import CallbackList

    class Old(Callback):  # a Keras 2 callback: on_batch_end only
        def __init__(self):
            super().__init__()
            self.got = []

        def on_batch_end(self, batch, logs=None):
            self.got.append((batch, logs))

    old = Old()
    cbl = CallbackList([old])
    assert cbl.wants_batch_logs
    cbl.on_train_batch_end(3, {"loss": np.float32(0.5), "accuracy": 1})
    assert old.got == [(3, {"accuracy": 1.0, "loss": 0.5})]
    assert list(old.got[0][1]) == ["accuracy", "loss"]
    assert type(old.got[0][1]["loss"]) is float


def test_lambda_callback_rejects_unknown_hooks_and_non_callables():
    from glassnet.callbacks import LambdaCallback

    with pytest.raises(TypeError, match=r"unknown hooks \['on_epoch_finish'\]"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="`on_epoch_end` of LambdaCallback must be callable"):
        LambdaCallback(on_epoch_end=3)


def test_lambda_callback_in_fit_sees_each_epoch(problem):
    from glassnet.callbacks import LambdaCallback

    x, y = problem
    losses = []
    model_for().fit(x, y, epochs=3, verbose=0,
                    callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: losses.append(logs["loss"]))])
    assert len(losses) == 3 and losses[2] < losses[0]


def test_csv_logger_columns_in_keras_order(problem, tmp_path):
    """Keras's order: epoch, the sorted keys, then val_ keys (NA) when no validation ran."""
    x, y = problem
    path = tmp_path / "log.csv"
    model_for().fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path)])
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    assert rows[1][3:] == ["NA", "NA"]
