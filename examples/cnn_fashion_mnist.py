"""A small CNN on Fashion-MNIST: the Keras-tutorial baseline, then batch norm + augmentation.

Run:  python examples/cnn_fashion_mnist.py                  (both models, full data)
      python examples/cnn_fashion_mnist.py --model baseline (or --model bn)
      python examples/cnn_fashion_mnist.py --quick          (512 images, 1 epoch: seconds; a
                                                            smoke test, too short to judge)

1. ``baseline``: Conv2D(32, 3, relu) - MaxPool - Conv2D(64, 3, relu) - MaxPool - Flatten -
   Dense(128, relu) - Dropout(0.3) - Dense(10, softmax); Adam(1e-3) decayed along a cosine,
   batch 128. Target: test accuracy >= 0.91.
2. ``bn``: the same two conv blocks with 'same' padding and BatchNormalization before each
   ReLU (and after the Dense(128)), dropout 0.3 before the classifier, trained on randomly
   shifted (+-2 px) and horizontally flipped images, Adam with cosine learning-rate decay.
   Target: test accuracy >= 0.925.

Prints, per epoch, the wall time, the training loss and the test accuracy, then a Markdown
table, and writes the results to ``<out>/results.json`` (``--out``, default
``reports/cnn_fashion_mnist``). The reported accuracy is the one after the last epoch; the test
set never chooses an epoch.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from _common import parser, saved

from glassnet.augment import ImageAugmenter
from glassnet.callbacks import Callback
from glassnet.datasets import fashion_mnist
from glassnet.layers import (
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPooling2D,
)
from glassnet.models import Sequential
from glassnet.optimizers import Adam
from glassnet.optimizers.schedules import CosineDecay

BATCH = 128


class EpochReport(Callback):
    """Prints each epoch's wall time, training loss and test accuracy after it."""

    def __init__(self, x_test: np.ndarray, y_test: np.ndarray) -> None:
        super().__init__()
        self.x_test, self.y_test = x_test, y_test
        self.times: list[float] = []
        self.cpu_times: list[float] = []
        self.accuracies: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t0, self._cpu0 = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        # Training only. CPU seconds (all threads of this process) tell how much work an
        # epoch is when other processes share the cores; wall seconds depend on them.
        self.times.append(time.perf_counter() - self._t0)
        self.cpu_times.append(time.process_time() - self._cpu0)
        pred = self.model.predict(self.x_test, batch_size=500).argmax(axis=1)
        self.accuracies.append(float((pred == self.y_test).mean()))
        print(f"  epoch {epoch + 1}: {self.times[-1]:.1f} s ({self.cpu_times[-1]:.1f} CPU s), "
              f"train loss {logs['loss']:.4f}, test accuracy {self.accuracies[-1]:.4f}",
              flush=True)


def baseline_model(seed: int, steps: int) -> Sequential:
    """The Keras-tutorial CNN, plus dropout before the classifier and a cosine-decayed Adam.

    Without the last two (constant ``Adam(1e-3)``, no dropout) it overfits after ~10 epochs
    and ends near 0.91 (see docs/cnn_results.md).
    """
    model = Sequential([
        Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D(),
        Conv2D(64, 3, activation="relu"),
        MaxPooling2D(),
        Flatten(),
        Dense(128, activation="relu"),
        Dropout(0.3),
        Dense(10, activation="softmax"),
    ], seed=seed)
    schedule = CosineDecay(initial_learning_rate=1e-3, decay_steps=steps, alpha=0.01)
    model.compile(optimizer=Adam(learning_rate=schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def bn_model(seed: int, steps: int) -> Sequential:
    """Conv-BN-ReLU blocks (no conv bias: BN's beta replaces it), cosine-decayed Adam."""
    model = Sequential([
        Conv2D(32, 3, padding="same", use_bias=False, input_shape=(28, 28, 1)),
        BatchNormalization(),
        Activation("relu"),
        MaxPooling2D(),
        Conv2D(64, 3, padding="same", use_bias=False),
        BatchNormalization(),
        Activation("relu"),
        MaxPooling2D(),
        Flatten(),
        Dense(128, use_bias=False),
        BatchNormalization(),
        Activation("relu"),
        Dropout(0.3),
        Dense(10, activation="softmax"),
    ], seed=seed)
    schedule = CosineDecay(initial_learning_rate=2e-3, decay_steps=steps, alpha=0.01)
    model.compile(optimizer=Adam(learning_rate=schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def shifted_and_flipped(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
    """Endless shuffled batches, each image shifted by up to 2 px and flipped with p = 1/2."""
    flow = ImageAugmenter(shift=2, flip="horizontal", seed=seed).flow(
        x, y, batch_size=batch_size, seed=seed)
    return flow, len(flow)


def load(quick: bool):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    if quick:
        x_train, y_train, x_test, y_test = x_train[:512], y_train[:512], x_test[:256], y_test[:256]
    x_train = (x_train.astype("float32") / 255.0)[..., None]  # (n, 28, 28, 1)
    x_test = (x_test.astype("float32") / 255.0)[..., None]
    return (x_train, y_train.astype("int64")), (x_test, y_test.astype("int64"))


def run(name: str, data, epochs: int, seed: int) -> dict:
    (x_train, y_train), (x_test, y_test) = data
    report = EpochReport(x_test, y_test)
    print(f"\n{name}: batch {BATCH}, {epochs} epochs, {len(x_train)} training images",
          flush=True)
    if name == "baseline":
        model = baseline_model(seed, -(-len(x_train) // BATCH) * epochs)
        model.fit(x_train, y_train, batch_size=BATCH, epochs=epochs, verbose=0,
                  callbacks=[report])
    else:
        batches, steps = shifted_and_flipped(x_train, y_train, BATCH, seed)
        model = bn_model(seed, steps * epochs)
        model.fit(batches, epochs=epochs, steps_per_epoch=steps, verbose=0,
                  callbacks=[report])
    return {
        "model": name, "epochs": epochs, "train_images": len(x_train),
        "median_epoch_s": float(np.median(report.times)),
        "total_train_s": float(np.sum(report.times)),
        "median_epoch_cpu_s": float(np.median(report.cpu_times)),
        "test_accuracy": report.accuracies[-1], "best_test_accuracy": max(report.accuracies),
        "accuracy_per_epoch": report.accuracies, "seconds_per_epoch": report.times,
        "cpu_seconds_per_epoch": report.cpu_times,
        "params": model.count_params(),
    }


def main(argv: Sequence[str] | None = None) -> list[dict]:
    p = parser(__doc__, "cnn_fashion_mnist",
               quick_help="512 training / 256 test images, 1 epoch each (a smoke test)")
    p.add_argument("--model", choices=["baseline", "bn", "both"], default="both")
    p.add_argument("--baseline-epochs", type=int, default=15)
    p.add_argument("--bn-epochs", type=int, default=20)
    p.add_argument("--json", help="also write the results to this JSON file")
    args = p.parse_args(argv)
    data = load(args.quick)
    names = ["baseline", "bn"] if args.model == "both" else [args.model]
    results = []
    for name in names:
        epochs = 1 if args.quick else (args.baseline_epochs if name == "baseline"
                                       else args.bn_epochs)
        results.append(run(name, data, epochs, args.seed))
    print(f"\n(cores available: {os.cpu_count()})")
    print("| model | epochs | median s/epoch (wall) | median CPU s/epoch | total train s | "
          "final test accuracy |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['model']} | {r['epochs']} | {r['median_epoch_s']:.1f} | "
              f"{r['median_epoch_cpu_s']:.1f} | {r['total_train_s']:.0f} | "
              f"{r['test_accuracy']:.4f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in [args.out / "results.json"] + ([Path(args.json)] if args.json else []):
        path.write_text(json.dumps(results, indent=1) + "\n")
        saved(path)
    return results


if __name__ == "__main__":
    main()
