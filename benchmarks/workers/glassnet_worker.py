"""glassnet worker: ``Sequential`` + ``compile`` + ``fit(verbose=0)``, as a user writes it.

W1 is the workshop's model exactly (Dense/Activation layers, one-hot targets,
``categorical_crossentropy``, ``metrics=['accuracy']``); W2-W4 use ``Dense(..., activation=)``,
integer labels and ``sparse_categorical_crossentropy``. Epoch times come from a callback
(``on_epoch_begin``/``on_epoch_end``), so they include the per-epoch shuffle, every step, and
the running loss and accuracy that ``fit`` keeps -- work the bare PyTorch loop does not do.

Usage: ``python benchmarks/workers/glassnet_worker.py --workload W1 --data DIR --result r.json``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers import _cli  # noqa: E402  (no NumPy import: the thread variables come first)

FRAMEWORK = "glassnet"


class MissingLayers(Exception):
    """The workload needs layers this checkout of glassnet does not have yet."""


def build_model(wl, seed: int = 0):
    """The workload's network as a compiled glassnet ``Sequential``."""
    from glassnet import optimizers
    from glassnet.layers import Activation, Dense, Flatten
    from glassnet.models import Sequential

    if wl.kind == "mlp" and wl.one_hot:  # the workshop's exact code
        h1, h2 = wl.hidden
        model = Sequential(seed=seed)
        model.add(Dense(h1, input_dim=784))
        model.add(Activation("relu"))
        model.add(Dense(h2))
        model.add(Activation("relu"))
        model.add(Dense(10))
        model.add(Activation("softmax"))
    elif wl.kind == "mlp":
        layers = [Dense(wl.hidden[0], activation="relu", input_dim=784)]
        layers += [Dense(h, activation="relu") for h in wl.hidden[1:]]
        model = Sequential([*layers, Dense(10, activation="softmax")], seed=seed)
    elif wl.kind == "cnn":
        try:
            from glassnet.layers import Conv2D, MaxPooling2D
        except ImportError as exc:
            raise MissingLayers(f"glassnet.layers has no Conv2D/MaxPooling2D yet ({exc})") from None
        c1, c2, d = wl.hidden
        model = Sequential([
            Conv2D(c1, 3, activation="relu", input_shape=(28, 28, 1)),
            MaxPooling2D(2),
            Conv2D(c2, 3, activation="relu"),
            MaxPooling2D(2),
            Flatten(),
            Dense(d, activation="relu"),
            Dense(10, activation="softmax"),
        ], seed=seed)
    else:
        import glassnet.layers as gl

        cls_name = wl.cell.upper()
        cell = getattr(gl, cls_name, None)
        if cell is None:
            raise MissingLayers(f"glassnet.layers has no {cls_name} yet")
        model = Sequential([cell(wl.hidden[0], input_shape=(28, 28)),
                            Dense(10, activation="softmax")], seed=seed)
    if wl.optimizer == "sgd":
        opt = optimizers.SGD(learning_rate=wl.learning_rate)
    else:
        import common

        opt = optimizers.Adam(learning_rate=wl.learning_rate, epsilon=common.ADAM_EPSILON)
    loss = "categorical_crossentropy" if wl.one_hot else "sparse_categorical_crossentropy"
    model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
    return model


def targets(wl, y):
    """One-hot float32 targets for the workshop's W1, integer labels otherwise."""
    import numpy as np

    return np.eye(10, dtype=np.float32)[y] if wl.one_hot else y


def train(args, wl):
    import common
    import numpy as np

    import glassnet
    from glassnet.callbacks import Callback

    class EpochTimer(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.watch = common.Stopwatch()

        def on_epoch_begin(self, epoch, logs=None):
            self.watch.start()

        def on_epoch_end(self, epoch, logs=None):
            self.watch.stop()

    result = common.WorkerResult(wl.key, FRAMEWORK, version=getattr(glassnet, "__version__", ""))
    x_train, y_train, x_test, y_test = common.load_prepared(args.data)
    x_train, x_test = common.shaped(x_train, wl.kind), common.shaped(x_test, wl.kind)
    y_fit = targets(wl, y_train)
    memory = common.MemoryProbe()
    memory.start()
    try:
        model = build_model(wl, args.seed)
    except MissingLayers as exc:
        result.status, result.note = "skipped", str(exc)
        return result
    timer = EpochTimer()
    t0 = time.perf_counter()
    model.fit(x_train, y_fit, batch_size=wl.batch_size, epochs=args.epochs, verbose=0,
              callbacks=[timer])
    result.fit_total_s = time.perf_counter() - t0
    result.predict_s, scores = common.timed_predict(
        lambda: model.predict(x_test, batch_size=common.PREDICT_BATCH))
    result.record(timer.watch, memory, scores, y_test)
    result.note = f"numpy {np.__version__}"
    return result


if __name__ == "__main__":
    sys.exit(_cli.main(FRAMEWORK, train))
