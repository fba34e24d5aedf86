"""Keras 3 worker on the PyTorch backend: ``Sequential`` + ``compile`` + ``fit(verbose=0)``.

The same networks as glassnet's (Keras is the API glassnet copies), the same optimizer
settings, ``metrics=['accuracy']``; epoch times from a callback. Slow, so ``run.py`` runs it
only when asked (``--frameworks ...,keras``), and it is skipped when Keras is not installed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers import _cli  # noqa: E402  (no NumPy import: the thread variables come first)

FRAMEWORK = "keras"


def build_model(keras, wl):
    from keras import layers

    if wl.kind == "mlp":
        hidden = [layers.Dense(h, activation="relu") for h in wl.hidden]
        net = [keras.Input((784,)), *hidden]
    elif wl.kind == "cnn":
        c1, c2, d = wl.hidden
        net = [keras.Input((28, 28, 1)), layers.Conv2D(c1, 3, activation="relu"),
               layers.MaxPooling2D(2), layers.Conv2D(c2, 3, activation="relu"),
               layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(d, activation="relu")]
    else:
        cell = layers.LSTM if wl.cell == "lstm" else layers.GRU
        net = [keras.Input((28, 28)), cell(wl.hidden[0])]
    model = keras.Sequential([*net, layers.Dense(10, activation="softmax")])
    if wl.optimizer == "sgd":
        opt = keras.optimizers.SGD(learning_rate=wl.learning_rate)
    else:
        import common

        opt = keras.optimizers.Adam(learning_rate=wl.learning_rate, epsilon=common.ADAM_EPSILON)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(args, wl):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import common
    import keras
    import torch

    torch.set_num_threads(args.threads)
    keras.utils.set_random_seed(args.seed)
    result = common.WorkerResult(wl.key, FRAMEWORK,
                                 version=f"{keras.__version__} ({keras.backend.backend()})")
    x_train, y_train, x_test, y_test = common.load_prepared(args.data)
    x_train, x_test = common.shaped(x_train, wl.kind), common.shaped(x_test, wl.kind)
    memory = common.MemoryProbe()
    memory.start()

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.watch = common.Stopwatch()

        def on_epoch_begin(self, epoch, logs=None):
            self.watch.start()

        def on_epoch_end(self, epoch, logs=None):
            self.watch.stop()

    model = build_model(keras, wl)
    timer = EpochTimer()
    t0 = time.perf_counter()
    model.fit(x_train, y_train, batch_size=wl.batch_size, epochs=args.epochs, verbose=0,
              callbacks=[timer])
    result.fit_total_s = time.perf_counter() - t0
    result.predict_s, scores = common.timed_predict(
        lambda: model.predict(x_test, batch_size=common.PREDICT_BATCH, verbose=0))
    result.record(timer.watch, memory, scores, y_test)
    return result


if __name__ == "__main__":
    sys.exit(_cli.main(FRAMEWORK, train))
