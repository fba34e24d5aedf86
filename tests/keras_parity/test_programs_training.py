"""The keras.io guides "Training & evaluation with the built-in methods", "Writing your own
callbacks" and "Save, serialize, and export models", as their programs are written, with tiny
synthetic data in place of MNIST. Each program runs once with ``K = keras`` and once with
``K = glassnet``; from identical weights both must report the same History, evaluations,
predictions, hook sequences and file round trips."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import glassnet

from .conftest import as_numpy, keras

RTOL = 2e-4


# ------------------------------------------------------------------ shared pieces
def mnist_like(n=48, n_test=16, seed=0):
    """MNIST's shapes and dtypes, small: 784 float32 features in [0, 1), float32 labels 0..9."""
    rng = np.random.default_rng(seed)
    x = rng.random((n + n_test, 784)).astype("float32")
    y = rng.integers(0, 10, n + n_test).astype("float32")
    return (x[:n], y[:n]), (x[n:], y[n:])


def get_uncompiled_model(K):  # noqa: N803 - reads like the module it stands for
    layers = K.layers
    inputs = K.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return K.Model(inputs=inputs, outputs=outputs)


def get_compiled_model(K):  # noqa: N803
    model = get_uncompiled_model(K)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    return model


def twins(make, *args):
    """The same model built by Keras and glassnet; glassnet gets Keras's weights (seeded,
    so that every run starts from the same ones)."""
    keras.utils.set_random_seed(0)
    k_model, g_model = make(keras, *args), make(glassnet, *args)
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    return k_model, g_model


def same_history(g_hist, k_hist, rtol=RTOL):
    assert list(g_hist) == list(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(g_hist[key], k_hist[key], rtol=rtol, atol=1e-6, err_msg=key)


def same_list(got, want, rtol=RTOL):
    got, want = np.atleast_1d(np.asarray(got, float)), np.atleast_1d(np.asarray(want, float))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6)


# ------------------------------------------------------------------ training guide
def test_end_to_end_fit_evaluate_predict(G):
    """"API overview": RMSprop, SparseCategoricalCrossentropy, SparseCategoricalAccuracy,
    `validation_data`, `evaluate(batch_size=)`, `predict` on three samples."""
    (x_train, y_train), (x_test, y_test) = mnist_like()
    x_val, y_val, x_train, y_train = x_train[-16:], y_train[-16:], x_train[:-16], y_train[:-16]
    results = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        model.compile(optimizer=K.optimizers.RMSprop(),
                      loss=K.losses.SparseCategoricalCrossentropy(),
                      metrics=[K.metrics.SparseCategoricalAccuracy()])
        history = model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False, verbose=0,
                            validation_data=(x_val, y_val))
        evaluation = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
        predictions = model.predict(x_test[:3], verbose=0)
        results[K] = (history.history, evaluation, as_numpy(predictions))
    (k_hist, k_eval, k_pred), (g_hist, g_eval, g_pred) = results[keras], results[G]
    same_history(g_hist, k_hist)
    assert isinstance(g_eval, list) and len(g_eval) == len(k_eval) == 2
    same_list(g_eval, k_eval)
    assert g_pred.shape == k_pred.shape == (3, 10)
    np.testing.assert_allclose(g_pred, k_pred, rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("how", ["strings", "objects"])
def test_compile_by_strings_or_objects_trains_the_same(G, how):
    (x_train, y_train), _ = mnist_like()
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        if how == "strings":
            model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                          metrics=["sparse_categorical_accuracy"])
        else:
            model.compile(optimizer=K.optimizers.RMSprop(learning_rate=1e-3),
                          loss=K.losses.SparseCategoricalCrossentropy(),
                          metrics=[K.metrics.SparseCategoricalAccuracy()])
        hists[K] = model.fit(x_train, y_train, batch_size=16, epochs=1, shuffle=False,
                             verbose=0, validation_split=0.25).history
    same_history(hists[G], hists[keras])


def custom_mean_squared_error(ops):
    def custom_mean_squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)
    return custom_mean_squared_error


def custom_mse_class(K):  # noqa: N803
    ops = K.ops

    class CustomMSE(K.losses.Loss):
        def __init__(self, regularization_factor=0.1, name="custom_mse"):
            super().__init__(name=name)
            self.regularization_factor = regularization_factor

        def call(self, y_true, y_pred):
            mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
            reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
            return mse + reg * self.regularization_factor

    return CustomMSE


@pytest.mark.parametrize("form", ["function", "subclass"])
def test_custom_losses_train_as_keras(G, form):
    """"Custom losses": a function of (y_true, y_pred) and a `losses.Loss` subclass, with
    one-hot targets from `ops.one_hot`."""
    (x_train, y_train), _ = mnist_like()
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        loss = custom_mean_squared_error(K.ops) if form == "function" else custom_mse_class(K)()
        model.compile(optimizer=K.optimizers.Adam(), loss=loss)
        y_train_one_hot = K.ops.one_hot(y_train, num_classes=10)
        hists[K] = model.fit(x_train, y_train_one_hot, batch_size=16, epochs=1, shuffle=False,
                             verbose=0).history
    same_history(hists[G], hists[keras])


def categorical_true_positives(K):  # noqa: N803
    ops = K.ops

    class CategoricalTruePositives(K.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives.value

        def reset_state(self):
            # The state of the metric will be reset at the start of each epoch.
            self.true_positives.assign(0.0)

    return CategoricalTruePositives


def test_custom_metric_subclass_as_keras(G):
    """"Custom metrics": `CategoricalTruePositives` with `add_variable`, `assign_add`."""
    (x_train, y_train), _ = mnist_like()
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        model.compile(optimizer=K.optimizers.RMSprop(learning_rate=1e-3),
                      loss=K.losses.SparseCategoricalCrossentropy(),
                      metrics=[categorical_true_positives(K)()])
        hists[K] = model.fit(x_train, y_train, batch_size=16, epochs=2,
                             shuffle=False, verbose=0).history
    same_history(hists[G], hists[keras])


def activity_regularization_model(K):  # noqa: N803
    ops, layers = K.ops, K.layers

    class ActivityRegularizationLayer(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(inputs) * 0.1)
            return inputs  # Pass-through layer.

    inputs = K.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = ActivityRegularizationLayer()(x)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)
    return K.Model(inputs=inputs, outputs=outputs)


def test_add_loss_in_a_layer_adds_to_the_training_loss(G):
    """"Handling losses that don't fit the standard signature": `self.add_loss` in `call`."""
    (x_train, y_train), _ = mnist_like()
    hists = {}
    for K, model in zip((keras, G), twins(activity_regularization_model), strict=True):
        model.compile(optimizer=K.optimizers.RMSprop(learning_rate=1e-3),
                      loss=K.losses.SparseCategoricalCrossentropy(from_logits=True))
        hists[K] = (model.fit(x_train, y_train, batch_size=16, epochs=1, shuffle=False,
                              verbose=0).history,
                    model.evaluate(x_train, y_train, verbose=0))
    same_history(hists[G][0], hists[keras][0])
    assert hists[G][1] == pytest.approx(hists[keras][1], rel=RTOL)


def logistic_endpoint_model(K):  # noqa: N803
    ops = K.ops

    class LogisticEndpoint(K.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = K.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)
            return ops.softmax(logits)

    inputs = K.Input(shape=(3,), name="inputs")
    targets = K.Input(shape=(10,), name="targets")
    logits = K.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = K.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")
    return model


def test_endpoint_layer_compiled_without_a_loss(G):
    """"LogisticEndpoint": a model of inputs and targets, compiled with no `loss`."""
    rng = np.random.default_rng(0)
    data = {"inputs": rng.random((3, 3)).astype("float32"),
            "targets": rng.random((3, 10)).astype("float32")}
    hists = {}
    for K, model in zip((keras, G), twins(logistic_endpoint_model), strict=True):
        hists[K] = model.fit(data, verbose=0).history
    same_history(hists[G], hists[keras])


@pytest.mark.parametrize("weighting", ["class_weight", "sample_weight"])
def test_class_and_sample_weights_as_keras(G, weighting):
    """"Using sample weighting and class weighting": class 5 counts double."""
    (x_train, y_train), _ = mnist_like()
    class_weight = {i: 1.0 for i in range(10)}
    class_weight[5] = 2.0
    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        extra = ({"class_weight": class_weight} if weighting == "class_weight"
                 else {"sample_weight": sample_weight})
        hists[K] = model.fit(x_train, y_train, batch_size=16, epochs=1, shuffle=False,
                             verbose=0, **extra).history
    same_history(hists[G], hists[keras])


def image_timeseries_model(K):  # noqa: N803
    """"Passing data to multi-input, multi-output models" (smaller images)."""
    layers = K.layers
    image_input = K.Input(shape=(8, 8, 3), name="img_input")
    timeseries_input = K.Input(shape=(None, 10), name="ts_input")
    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)
    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)
    return K.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])


def multi_io_data(n=12):
    rng = np.random.default_rng(2)
    img_data = rng.random((n, 8, 8, 3)).astype("float32")
    ts_data = rng.random((n, 6, 10)).astype("float32")
    score_targets = rng.random((n, 1)).astype("float32")
    class_targets = rng.random((n, 5)).astype("float32")
    return img_data, ts_data, score_targets, class_targets


MULTI_IO_COMPILES = ["lists", "metrics", "dicts", "loss_weights", "none_loss"]


def compile_multi_io(K, model, how):  # noqa: N803
    L, M = K.losses, K.metrics  # noqa: N806
    if how == "lists":
        model.compile(optimizer=K.optimizers.RMSprop(1e-3),
                      loss=[L.MeanSquaredError(), L.CategoricalCrossentropy()])
    elif how == "metrics":
        model.compile(optimizer=K.optimizers.RMSprop(1e-3),
                      loss=[L.MeanSquaredError(), L.CategoricalCrossentropy()],
                      metrics=[[M.MeanAbsolutePercentageError(), M.MeanAbsoluteError()],
                               [M.CategoricalAccuracy()]])
    elif how == "dicts":
        model.compile(optimizer=K.optimizers.RMSprop(1e-3),
                      loss={"score_output": L.MeanSquaredError(),
                            "class_output": L.CategoricalCrossentropy()},
                      metrics={"score_output": [M.MeanAbsolutePercentageError(),
                                                M.MeanAbsoluteError()],
                               "class_output": [M.CategoricalAccuracy()]})
    elif how == "loss_weights":
        model.compile(optimizer=K.optimizers.RMSprop(1e-3),
                      loss={"score_output": L.MeanSquaredError(),
                            "class_output": L.CategoricalCrossentropy()},
                      metrics={"score_output": [M.MeanAbsolutePercentageError(),
                                                M.MeanAbsoluteError()],
                               "class_output": [M.CategoricalAccuracy()]},
                      loss_weights={"score_output": 2.0, "class_output": 1.0})
    else:
        model.compile(optimizer=K.optimizers.RMSprop(1e-3),
                      loss=[None, L.CategoricalCrossentropy()])


def test_multi_output_sample_weights_weigh_the_losses_not_the_metrics(G):
    img_data, ts_data, score_targets, class_targets = multi_io_data()
    sample_weight = np.linspace(0.2, 2.0, len(img_data))
    hists = {}
    for K, model in zip((keras, G), twins(image_timeseries_model), strict=True):
        compile_multi_io(K, model, "loss_weights")
        hists[K] = model.fit([img_data, ts_data], [score_targets, class_targets],
                             sample_weight=sample_weight, batch_size=4, epochs=1,
                             shuffle=False, verbose=0).history
    same_history(hists[G], hists[keras], rtol=1e-3)


@pytest.mark.parametrize("how", MULTI_IO_COMPILES)
def test_multi_input_multi_output_compiles_and_fits_as_keras(G, how):
    img_data, ts_data, score_targets, class_targets = multi_io_data()
    hists = {}
    for K, model in zip((keras, G), twins(image_timeseries_model), strict=True):
        compile_multi_io(K, model, how)
        if how in ("dicts", "loss_weights"):
            hists[K] = model.fit({"img_input": img_data, "ts_input": ts_data},
                                 {"score_output": score_targets, "class_output": class_targets},
                                 batch_size=4, epochs=1, shuffle=False, verbose=0).history
        else:
            hists[K] = model.fit([img_data, ts_data], [score_targets, class_targets],
                                 batch_size=4, epochs=1, shuffle=False, verbose=0).history
    same_history(hists[G], hists[keras], rtol=1e-3)


def example_py_dataset(K, epochs_seen):  # noqa: N803
    class ExamplePyDataset(K.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x = x
            self.y = y
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size : (idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size : (idx + 1) * self.batch_size]
            return batch_x, batch_y

        def on_epoch_end(self):
            epochs_seen.append(len(self.x))

    return ExamplePyDataset


def test_py_dataset_for_fit_validation_and_evaluate(G):
    """"Using a `keras.utils.PyDataset` instance": fit with a PyDataset as data and as
    `validation_data`, then evaluate and predict on one."""
    (x_train, y_train), (x_val, y_val) = mnist_like(n=40, n_test=20)
    outcome = {}
    for K, model in zip((keras, G), twins(get_compiled_model), strict=True):
        seen = []
        dataset = example_py_dataset(K, seen)
        train_py_dataset = dataset(x_train, y_train, batch_size=16)
        val_py_dataset = dataset(x_val, y_val, batch_size=16)
        # Keras shuffles the order of a PyDataset's batches unless told not to
        hist = model.fit(train_py_dataset, validation_data=val_py_dataset, epochs=2,
                         verbose=0, shuffle=False).history
        assert seen[:2] == [len(x_train)] * 2  # (Keras then calls it on the validation data)
        evaluation = model.evaluate(val_py_dataset, verbose=0)
        outcome[K] = hist, evaluation, as_numpy(model.predict(val_py_dataset, verbose=0))
    (k_hist, k_eval, k_pred), (g_hist, g_eval, g_pred) = outcome[keras], outcome[G]
    same_history(g_hist, k_hist)
    same_list(g_eval, k_eval)
    np.testing.assert_allclose(g_pred, k_pred, rtol=RTOL, atol=1e-6)


def test_early_stopping_callback_from_the_guide(G):
    """"Using callbacks": EarlyStopping on `val_loss` with `min_delta` and `patience`."""
    (x_train, y_train), _ = mnist_like()
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        model.compile(optimizer=K.optimizers.SGD(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        callbacks = [K.callbacks.EarlyStopping(monitor="val_loss", min_delta=1e-2, patience=2,
                                               verbose=0)]
        hists[K] = model.fit(x_train, y_train, epochs=8, batch_size=16, shuffle=False,
                             validation_split=0.25, callbacks=callbacks, verbose=0).history
    same_history(hists[G], hists[keras], rtol=1e-3)


def loss_history_callback(K):  # noqa: N803
    class LossHistory(K.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

    return LossHistory()


def test_per_batch_loss_history_callback(G):
    """"Writing your own callback": `on_batch_end` records the running loss."""
    (x_train, y_train), _ = mnist_like()
    seen = {}
    for K, model in zip((keras, G), twins(get_compiled_model), strict=True):
        callback = loss_history_callback(K)
        model.fit(x_train, y_train, epochs=1, batch_size=16, shuffle=False,
                  callbacks=[callback], verbose=0)
        seen[K] = callback.per_batch_losses
    assert len(seen[G]) == len(seen[keras]) == 3
    same_list(seen[G], seen[keras])


def test_model_checkpoint_best_only_then_restore_latest(G, tmp_path):
    """"Checkpointing models": `mymodel_{epoch}.keras` with `save_best_only`, then the guide's
    `make_or_restore_model` loads the newest file and keeps training."""
    (x_train, y_train), (x_test, _) = mnist_like()
    outcome = {}
    for K, model in zip((keras, G), twins(get_compiled_model), strict=True):
        folder = tmp_path / K.__name__
        folder.mkdir()
        callbacks = [K.callbacks.ModelCheckpoint(
            filepath=str(folder / "mymodel_{epoch}.keras"), save_best_only=True,
            monitor="val_loss", verbose=0)]
        model.fit(x_train, y_train, epochs=2, batch_size=16, shuffle=False,
                  callbacks=callbacks, validation_split=0.25, verbose=0)
        names = sorted(os.listdir(folder))
        checkpoints = [str(folder / name) for name in names]
        latest = max(checkpoints, key=os.path.getctime)
        restored = K.models.load_model(latest)
        before = as_numpy(restored.predict(x_test, verbose=0))
        hist = restored.fit(x_train, y_train, epochs=1, batch_size=16, shuffle=False,
                            verbose=0).history
        outcome[K] = names, before, hist
    (k_names, k_pred, k_hist), (g_names, g_pred, g_hist) = outcome[keras], outcome[G]
    assert g_names == k_names
    np.testing.assert_allclose(g_pred, k_pred, rtol=RTOL, atol=1e-6)
    same_history(g_hist, k_hist)


def test_checkpoint_every_n_batches_with_a_formatted_loss(G, tmp_path):
    """"Checkpointing models": `model-loss={loss:.2f}.keras` with `save_freq=` batches."""
    (x_train, y_train), _ = mnist_like()
    names = {}
    for K, model in zip((keras, G), twins(get_compiled_model), strict=True):
        folder = tmp_path / K.__name__
        folder.mkdir()
        callbacks = [K.callbacks.ModelCheckpoint(filepath=str(folder) + "/model-loss={loss:.2f}.keras",
                                                 save_freq=2)]
        model.fit(x_train, y_train, epochs=2, batch_size=8, shuffle=False, callbacks=callbacks,
                  verbose=0)
        names[K] = sorted(os.listdir(folder))
    assert names[G] == names[keras] and names[G]


@pytest.mark.parametrize("schedule", ["ExponentialDecay", "PiecewiseConstantDecay",
                                      "InverseTimeDecay", "PolynomialDecay", "CosineDecay"])
def test_learning_rate_schedules_drive_the_optimizer_as_keras(G, schedule):
    """"Using learning rate schedules": a schedule object as `learning_rate`."""
    (x_train, y_train), _ = mnist_like()
    args = {"ExponentialDecay": ((0.1,), {"decay_steps": 2, "decay_rate": 0.5, "staircase": True}),
            "PiecewiseConstantDecay": (([2, 4], [0.1, 0.05, 0.01]), {}),
            "InverseTimeDecay": ((0.1, 2, 0.5), {}),
            "PolynomialDecay": ((0.1, 5, 0.01), {}),
            "CosineDecay": ((0.1, 5), {})}[schedule]
    # SGD: RMSprop's first steps at these rates saturate the softmax, where Keras's clipped
    # probabilities and the fused softmax/cross-entropy gradient part ways.
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        lr_schedule = getattr(K.optimizers.schedules, schedule)(*args[0], **args[1])
        model.compile(optimizer=K.optimizers.SGD(learning_rate=lr_schedule),
                      loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        hists[K] = model.fit(x_train, y_train, epochs=2, batch_size=16, shuffle=False,
                             verbose=0).history
    same_history(hists[G], hists[keras], rtol=1e-3)


def test_reduce_lr_on_plateau_and_learning_rate_scheduler(G):
    (x_train, y_train), _ = mnist_like()
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        model.compile(optimizer=K.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
        callbacks = [K.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0,
                                                   min_delta=10.0),
                     K.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9)]
        hists[K] = model.fit(x_train, y_train, epochs=3, batch_size=16, shuffle=False,
                             verbose=0, callbacks=callbacks).history
    same_history(hists[G], hists[keras])


# ------------------------------------------------------------------ callbacks guide
def get_model(K):  # noqa: N803
    model = K.Sequential()
    model.add(K.layers.Dense(1))
    model.compile(optimizer=K.optimizers.RMSprop(learning_rate=0.1), loss="mean_squared_error",
                  metrics=["mean_absolute_error"])
    return model


def regression_data(n=32, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784)).astype("float32")
    y = rng.integers(0, 10, n).astype("float32")
    return x, y


def recording_callback(K, seen):  # noqa: N803
    """The guide's `CustomCallback`, keeping (hook, keys) instead of printing them."""
    def hook(name):
        def method(self, *args, logs=None):
            if args and isinstance(args[-1], dict):  # logs given by position
                *args, logs = args
            seen.append((name, *args, sorted(logs or {})))
        return method

    names = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
             "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end",
             "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
             "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"]
    return type("CustomCallback", (K.callbacks.Callback,), {n: hook(n) for n in names})()


def test_custom_callback_hooks_and_logs_keys_as_keras(G):
    """"An overview of callback methods": the order of every hook and its `logs` keys from
    fit (with `validation_split`), evaluate and predict."""
    x_train, y_train = regression_data()
    seen = {}
    for K, model in zip((keras, G), twins(get_model_built), strict=True):
        seen[K] = []
        model.fit(x_train, y_train, batch_size=8, epochs=1, verbose=0, validation_split=0.5,
                  callbacks=[recording_callback(K, seen[K])])
        model.evaluate(x_train, y_train, batch_size=8, verbose=0,
                       callbacks=[recording_callback(K, seen[K])])
        model.predict(x_train, batch_size=8, verbose=0, callbacks=[recording_callback(K, seen[K])])
    assert seen[G] == seen[keras]


def get_model_built(K):  # noqa: N803
    model = get_model(K)
    model.build((None, 784))
    return model


def loss_and_error_printing(K, lines):  # noqa: N803
    class LossAndErrorPrintingCallback(K.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            lines.append(f"Up to batch {batch}, the average loss is {logs['loss']:7.2f}.")

        def on_test_batch_end(self, batch, logs=None):
            lines.append(f"Up to batch {batch}, the average loss is {logs['loss']:7.2f}.")

        def on_epoch_end(self, epoch, logs=None):
            lines.append(f"The average loss for epoch {epoch} is {logs['loss']:7.2f} and mean "
                         f"absolute error is {logs['mean_absolute_error']:7.2f}.")

    return LossAndErrorPrintingCallback()


def test_loss_and_error_printing_callback(G):
    """"Usage of `logs` dict": running averages per batch, epoch means."""
    x_train, y_train = regression_data()
    lines = {}
    for K, model in zip((keras, G), twins(get_model_built), strict=True):
        lines[K] = []
        model.fit(x_train, y_train, batch_size=8, epochs=2, verbose=0, shuffle=False,
                  callbacks=[loss_and_error_printing(K, lines[K])])
        model.evaluate(x_train, y_train, batch_size=8, verbose=0,
                       callbacks=[loss_and_error_printing(K, lines[K])])
    words = {K: [line.split() for line in lines[K]] for K in lines}
    assert [[w for w in line if not w[0].isdigit()] for line in words[G]] == \
        [[w for w in line if not w[0].isdigit()] for line in words[keras]]
    numbers = {K: [float(w.rstrip(".,")) for line in words[K] for w in line if w[0].isdigit()]
               for K in lines}
    np.testing.assert_allclose(numbers[G], numbers[keras], rtol=1e-4)


def early_stopping_at_min_loss(K):  # noqa: N803
    class EarlyStoppingAtMinLoss(K.callbacks.Callback):
        """Stop training when the loss is at its min, i.e. the loss stops decreasing."""

        def __init__(self, patience=0):
            super().__init__()
            self.patience = patience
            self.best_weights = None

        def on_train_begin(self, logs=None):
            self.wait = 0
            self.stopped_epoch = 0
            self.best = np.inf

        def on_epoch_end(self, epoch, logs=None):
            current = logs.get("loss")
            if np.less(current, self.best):
                self.best = current
                self.wait = 0
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.stopped_epoch = epoch
                    self.model.stop_training = True
                    self.model.set_weights(self.best_weights)

    return EarlyStoppingAtMinLoss


def test_early_stopping_at_min_loss_restores_the_best_weights(G):
    """"Early stopping at minimum loss": `model.stop_training`, get/set_weights."""
    x_train, y_train = regression_data()
    outcome = {}
    for K, model in zip((keras, G), twins(get_model_built), strict=True):
        callback = early_stopping_at_min_loss(K)()
        hist = model.fit(x_train, y_train, batch_size=8, steps_per_epoch=3, epochs=30,
                         verbose=0, shuffle=False, callbacks=[callback]).history
        outcome[K] = hist, callback.stopped_epoch, [as_numpy(w) for w in model.get_weights()]
    (k_hist, k_stop, k_w), (g_hist, g_stop, g_w) = outcome[keras], outcome[G]
    assert g_stop == k_stop > 0
    same_history(g_hist, k_hist, rtol=1e-3)
    for got, want in zip(g_w, k_w, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)


LR_SCHEDULE = [(1, 0.05), (2, 0.01), (3, 0.005), (4, 0.001)]


def lr_schedule(epoch, lr):
    """Helper function to retrieve the scheduled learning rate based on epoch."""
    if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
        return lr
    for i in range(len(LR_SCHEDULE)):
        if epoch == LR_SCHEDULE[i][0]:
            return LR_SCHEDULE[i][1]
    return lr


def custom_learning_rate_scheduler(K, seen):  # noqa: N803
    class CustomLearningRateScheduler(K.callbacks.Callback):
        def __init__(self, schedule):
            super().__init__()
            self.schedule = schedule

        def on_epoch_begin(self, epoch, logs=None):
            if not hasattr(self.model.optimizer, "learning_rate"):
                raise ValueError('Optimizer must have a "learning_rate" attribute.')
            # Get the current learning rate from model's optimizer.
            lr = self.model.optimizer.learning_rate
            # Call schedule function to get the scheduled learning rate.
            scheduled_lr = self.schedule(epoch, lr)
            # Set the value back to the optimizer before this epoch starts
            self.model.optimizer.learning_rate = scheduled_lr
            seen.append(float(np.array(scheduled_lr)))

    return CustomLearningRateScheduler(lr_schedule)


def test_custom_learning_rate_scheduler_sets_the_optimizer_rate(G):
    """"Learning rate scheduling": read and assign `self.model.optimizer.learning_rate`."""
    x_train, y_train = regression_data()
    outcome = {}
    for K, model in zip((keras, G), twins(get_model_built), strict=True):
        seen = []
        hist = model.fit(x_train, y_train, batch_size=8, epochs=6, verbose=0, shuffle=False,
                         callbacks=[custom_learning_rate_scheduler(K, seen)]).history
        outcome[K] = seen, hist, float(np.array(model.optimizer.learning_rate))
    (k_seen, k_hist, k_lr), (g_seen, g_hist, g_lr) = outcome[keras], outcome[G]
    np.testing.assert_allclose(g_seen, k_seen, rtol=1e-6)
    assert g_lr == pytest.approx(k_lr, rel=1e-6)
    same_history(g_hist, k_hist, rtol=1e-3)


# ------------------------------------------------------------------ serialization guide
def get_simple_model(K):  # noqa: N803
    inputs = K.Input(shape=(32,))
    outputs = K.layers.Dense(1)(inputs)
    model = K.Model(inputs, outputs)
    model.compile(optimizer=K.optimizers.Adam(), loss="mean_squared_error")
    return model


def test_save_load_keras_file_and_resume_training(G, tmp_path):
    """"Saving": `model.save('my_model.keras')`, `load_model`, the same predictions, and
    training that goes on where it stopped (optimizer state included)."""
    rng = np.random.default_rng(5)
    test_input = rng.random((128, 32)).astype("float32")
    test_target = rng.random((128, 1)).astype("float32")
    outcome = {}
    for K, model in zip((keras, G), twins(get_simple_model), strict=True):
        model.fit(test_input, test_target, verbose=0, shuffle=False)
        path = str(tmp_path / f"{K.__name__}_my_model.keras")
        model.save(path)
        reconstructed_model = K.models.load_model(path)
        np.testing.assert_allclose(as_numpy(model.predict(test_input, verbose=0)),
                                   as_numpy(reconstructed_model.predict(test_input, verbose=0)))
        hist = reconstructed_model.fit(test_input, test_target, verbose=0, shuffle=False).history
        outcome[K] = hist, as_numpy(reconstructed_model.predict(test_input, verbose=0))
    same_history(outcome[G][0], outcome[keras][0])
    np.testing.assert_allclose(outcome[G][1], outcome[keras][1], rtol=RTOL, atol=1e-6)


def custom_objects_of(K):  # noqa: N803
    def custom_fn(x):
        return x**2

    class CustomLayer(K.layers.Layer):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    return CustomLayer, custom_fn


def custom_model(K, CustomLayer, custom_fn):  # noqa: N803
    inputs = K.Input(shape=(4,))
    mid = CustomLayer(0.5)(inputs)
    outputs = K.layers.Dense(1, activation=custom_fn)(mid)
    model = K.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="mean_squared_error")
    return model


@pytest.mark.parametrize("how", ["registered", "custom_objects", "scope"])
def test_custom_objects_save_and_load(G, tmp_path, how):
    """"Custom objects": registered with `register_keras_serializable`, or passed to
    `load_model(custom_objects=)`, or in a `custom_object_scope`."""
    rng = np.random.default_rng(6)
    x, target = rng.random((4, 4)).astype("float32"), rng.random((4, 1)).astype("float32")
    outcome, start = {}, None
    for K in (keras, G):
        CustomLayer, custom_fn = custom_objects_of(K)  # noqa: N806
        if how == "registered":
            package = f"{K.__name__}_{tmp_path.name}"
            custom_fn = K.saving.register_keras_serializable(package=package,
                                                             name="custom_fn")(custom_fn)
            CustomLayer = K.saving.register_keras_serializable(package=package)(CustomLayer)  # noqa: N806
        model = custom_model(K, CustomLayer, custom_fn)
        if start is None:  # Keras's initial weights, for glassnet's model
            start = [as_numpy(w) for w in model.get_weights()]
        else:
            model.set_weights(start)
        model.fit(x, target, verbose=0, shuffle=False)
        path = str(tmp_path / f"{K.__name__}_custom_model.keras")
        model.save(path)
        custom_objects = {"CustomLayer": CustomLayer, "custom_fn": custom_fn}
        if how == "registered":
            reconstructed = K.models.load_model(path)
        elif how == "custom_objects":
            reconstructed = K.models.load_model(path, custom_objects=custom_objects)
        else:
            with K.saving.custom_object_scope(custom_objects):
                reconstructed = K.models.load_model(path)
        pred = as_numpy(reconstructed.predict(x, verbose=0))
        np.testing.assert_allclose(as_numpy(model.predict(x, verbose=0)), pred, rtol=1e-6)
        outcome[K] = [as_numpy(w) for w in model.get_weights()], pred
    np.testing.assert_allclose(outcome[G][1], outcome[keras][1], rtol=RTOL, atol=1e-6)


def test_get_config_from_config_and_json_round_trips(G):
    """"Model serialization": Sequential and functional configs, `to_json` and
    `model_from_json`, `clone_model`, a layer's config."""
    x = np.random.default_rng(7).random((3, 32)).astype("float32")
    for K in (keras, G):
        model = K.Sequential([K.Input((32,)), K.layers.Dense(1)])
        new_model = K.Sequential.from_config(model.get_config())
        assert [tuple(w.shape) for w in new_model.weights] == [(32, 1), (1,)]
        inputs = K.Input((32,))
        outputs = K.layers.Dense(1)(inputs)
        model = K.Model(inputs, outputs)
        new_model = K.Model.from_config(model.get_config())
        new_model.set_weights(model.get_weights())
        np.testing.assert_allclose(as_numpy(new_model.predict(x, verbose=0)),
                                   as_numpy(model.predict(x, verbose=0)), rtol=1e-6)
        json_config = model.to_json()
        assert json.loads(json_config)["class_name"] == "Functional"
        new_model = K.models.model_from_json(json_config)
        assert new_model.count_params() == model.count_params() == 33
        clone = K.models.clone_model(model)
        assert clone.count_params() == 33
        layer = K.layers.Dense(3, activation="relu")
        layer_config = layer.get_config()
        new_layer = K.layers.Dense.from_config(layer_config)
        assert new_layer.units == 3 and new_layer.get_config()["activation"] == "relu"


def create_simple_model(K, dropout=False):  # noqa: N803
    inputs = K.Input(shape=(784,), name="digits")
    x = K.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = K.layers.Dense(64, activation="relu", name="dense_2")(x)
    if dropout:  # a layer without weights changes nothing in the list of weights
        x = K.layers.Dropout(0.5)(x)
    outputs = K.layers.Dense(10, name="predictions")(x)
    return K.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")


def subclassed_model(K):  # noqa: N803
    class SubclassedModel(K.Model):
        def __init__(self, output_dim, name=None):
            super().__init__(name=name)
            self.output_dim = output_dim
            self.dense_1 = K.layers.Dense(64, activation="relu", name="dense_1")
            self.dense_2 = K.layers.Dense(64, activation="relu", name="dense_2")
            self.dense_3 = K.layers.Dense(output_dim, name="predictions")

        def call(self, inputs):
            x = self.dense_1(inputs)
            x = self.dense_2(x)
            x = self.dense_3(x)
            return x

        def get_config(self):
            return {"output_dim": self.output_dim, "name": self.name}

    return SubclassedModel(10)


def test_weights_transfer_between_layers_and_models(G):
    """"Transferring weights": layer to layer, functional to subclassed, to a model with an
    extra Dropout."""
    x = np.random.default_rng(8).random((2, 784)).astype("float32")
    for K in (keras, G):
        def create_layer(K=K):  # noqa: N803
            layer = K.layers.Dense(64, activation="relu", name="dense_2")
            layer.build((None, 784))
            return layer

        layer_1, layer_2 = create_layer(), create_layer()
        layer_2.set_weights(layer_1.get_weights())
        for a, b in zip(layer_1.get_weights(), layer_2.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        functional_model = create_simple_model(K)
        sub = subclassed_model(K)
        sub(np.ones((1, 784)))
        sub.set_weights(functional_model.get_weights())
        assert len(functional_model.weights) == len(sub.weights) == 6
        for a, b in zip(functional_model.weights, sub.weights, strict=True):
            np.testing.assert_allclose(as_numpy(a), as_numpy(b))
        with_dropout = create_simple_model(K, dropout=True)
        with_dropout.set_weights(functional_model.get_weights())
        np.testing.assert_allclose(as_numpy(with_dropout.predict(x, verbose=0)),
                                   as_numpy(functional_model.predict(x, verbose=0)), rtol=1e-6)


def test_save_weights_load_weights_and_extracted_layers(G, tmp_path):
    """"Saving & loading only the weights": `.weights.h5` round trip, then a Sequential made
    of a pretrained model's layers and a new head."""
    x = np.random.default_rng(9).random((2, 784)).astype("float32")
    counts = {}
    for K in (keras, G):
        sequential_model = K.Sequential([
            K.Input(shape=(784,), name="digits"),
            K.layers.Dense(64, activation="relu", name="dense_1"),
            K.layers.Dense(64, activation="relu", name="dense_2"),
            K.layers.Dense(10, name="predictions"),
        ])
        path = str(tmp_path / f"{K.__name__}_my_model.weights.h5")
        sequential_model.save_weights(path)
        other = K.models.clone_model(sequential_model)
        other.load_weights(path)
        np.testing.assert_allclose(as_numpy(other.predict(x, verbose=0)),
                                   as_numpy(sequential_model.predict(x, verbose=0)), rtol=1e-6)
        pretrained = create_simple_model(K)
        pretrained.save_weights(path)
        pretrained_model = create_simple_model(K)
        pretrained_model.load_weights(path)
        extracted_layers = pretrained_model.layers[:-1]
        extracted_layers.append(K.layers.Dense(5, name="dense_3"))
        model = K.Sequential(extracted_layers)
        counts[K] = model.count_params(), [tuple(w.shape) for w in model.weights]
        np.testing.assert_allclose(as_numpy(model.layers[0].get_weights()[0]),
                                   as_numpy(pretrained.layers[1].get_weights()[0]))
    assert counts[G] == counts[keras]


def my_dense_class(K, package):  # noqa: N803
    ops = K.ops

    @K.saving.register_keras_serializable(package=package, name="KernelMult")
    class MyDense(K.layers.Layer):
        def __init__(self, units, *, kernel_regularizer=None, kernel_initializer=None,
                     nested_model=None, **kwargs):
            super().__init__(**kwargs)
            self.hidden_units = units
            self.kernel_regularizer = kernel_regularizer
            self.kernel_initializer = kernel_initializer
            self.nested_model = nested_model

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.hidden_units,
                           "kernel_regularizer": self.kernel_regularizer,
                           "kernel_initializer": self.kernel_initializer,
                           "nested_model": self.nested_model})
            return config

        def build(self, input_shape):
            input_units = input_shape[-1]
            self.kernel = self.add_weight(name="kernel", shape=(input_units, self.hidden_units),
                                          regularizer=self.kernel_regularizer,
                                          initializer=self.kernel_initializer)

        def call(self, inputs):
            return ops.matmul(inputs, self.kernel)

    return MyDense


def test_layer_serialize_and_deserialize_with_a_nested_layer(G, tmp_path):
    """"Serialization of custom objects": `layers.serialize`/`deserialize` of a registered
    layer holding another, `serialize_keras_object` of a function."""
    x = np.random.default_rng(10).random((2, 3)).astype("float32")
    results = {}
    for K in (keras, G):
        MyDense = my_dense_class(K, f"{K.__name__}_{tmp_path.name}")  # noqa: N806
        layer = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")
        layer3 = MyDense(units=64, nested_model=layer)
        config = K.layers.serialize(layer3)
        assert config["class_name"] == "MyDense" and config["config"]["units"] == 64
        assert config["registered_name"].endswith(">KernelMult")
        new_layer = K.layers.deserialize(config)
        assert type(new_layer).__name__ == "MyDense" and new_layer.hidden_units == 64
        assert new_layer.nested_model["config"]["units"] == 16  # left serialized, as Keras
        results[K] = as_numpy(layer(x))  # ones kernel: each output is the row's sum
    np.testing.assert_allclose(results[G], results[keras], rtol=1e-6)


@pytest.mark.parametrize("weighting", ["class_weight", "sample_weight"])
def test_weighted_metrics_are_weighted_and_metrics_are_not(G, weighting):
    (x_train, y_train), _ = mnist_like()
    sample_weight = np.where(y_train == 5, 3.0, 1.0)
    extra = ({"class_weight": {i: 3.0 if i == 5 else 1.0 for i in range(10)}}
             if weighting == "class_weight" else {"sample_weight": sample_weight})
    hists = {}
    for K, model in zip((keras, G), twins(get_uncompiled_model), strict=True):
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"],
                      weighted_metrics=["sparse_categorical_accuracy"], run_eagerly=True,
                      jit_compile=False)
        hists[K] = model.fit(x_train, y_train, batch_size=16, epochs=2, shuffle=False,
                             verbose=0, **extra).history
    same_history(hists[G], hists[keras])
    assert hists[G]["weighted_sparse_categorical_accuracy"] != \
        hists[G]["sparse_categorical_accuracy"]
