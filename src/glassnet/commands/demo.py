"""``glassnet demo``: the workshop's Keras model, end to end on real images, with a report."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, cast

from glassnet.commands._args import positive_float, positive_int

HELP = "Train the workshop's Keras-style MLP on real images and write a report folder."

DEFAULT_LR = 0.1
WORKSHOP_LR = 0.001
DATASETS = ("auto", "mnist", "fashion-mnist", "digits")
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "digits": "8x8 digits"}






def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset", choices=DATASETS, default="auto",
        help="auto (default): MNIST when its files are on this machine, else Fashion-MNIST, "
        "else scikit-learn's 8x8 digits; auto never downloads",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=None,
        help="passes over the training data (default: 10; 60 for the small digits set)",
    )
    parser.add_argument("--batch-size", type=positive_int, default=32,
                        help="mini-batch size (default: 32, as in the workshop)")
    parser.add_argument("--lr", type=positive_float, default=DEFAULT_LR,
                        help=f"SGD learning rate (default: {DEFAULT_LR}; the workshop used "
                        f"{WORKSHOP_LR})")
    parser.add_argument("--max-train", type=positive_int, default=None, metavar="N",
                        help="train on a stratified random N of the training images")
    parser.add_argument("--quick", action="store_true",
                        help="a few seconds: 1,000 training images, 5 epochs (for CI)")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and shuffling")
    parser.add_argument("--out", type=Path, default=Path("reports/demo"),
                        help="report folder (default: reports/demo)")


def _choose(name: str) -> tuple[str, str]:
    """The data set to use and why, without any download in 'auto' mode."""
    if name != "auto":
        return name, "chosen with --dataset"
    from glassnet.datasets import fashion_mnist, mnist
    from glassnet.datasets.errors import DatasetError
    from glassnet.datasets.sources import locate

    def where(mod: Any) -> str:
        try:
            found = locate([f for pair in mod.FILES.values() for f in pair], mod.SOURCE,
                           system_dirs=mod.SYSTEM_DIRS, download=False)
        except DatasetError as exc:
            return "missing: " + ", ".join(getattr(exc, "missing", ()) or ("files",))
        return str(next(iter(found.values())).parent)

    m = where(mnist)
    if not m.startswith("missing"):
        return "mnist", f"MNIST, the workshop's data set, is on this machine (in {m})"
    part = "training split is" if "t10k" not in m else "files are"
    why = f"MNIST's {part} not on this machine ({m}) and auto never downloads"
    f = where(fashion_mnist)
    if not f.startswith("missing"):
        return "fashion-mnist", (f"{why}; Fashion-MNIST, a drop-in replacement with the same "
                                 f"shapes (28x28 grey, 10 classes), is on this machine (in {f})")
    return "digits", (f"{why}, nor is Fashion-MNIST; scikit-learn ships the 8x8 digits, so "
                      "nothing needs downloading")


def run(args: argparse.Namespace) -> int:
    from glassnet.compare import build_workshop_mlp, load_dataset
    from glassnet.optimizers import SGD
    from glassnet.preprocessing import train_test_split
    from glassnet.utils import to_categorical

    t_start = time.perf_counter()
    name, reason = _choose(args.dataset)
    try:
        data = load_dataset(name, max_train=args.max_train, quick=args.quick, seed=args.seed)
    except (ImportError, ValueError) as exc:  # DatasetError is a ValueError
        print(f"glassnet demo: cannot load {name} ({reason}): {exc}", file=sys.stderr)
        return 1
    x_tr, x_val, y_tr, y_val = train_test_split(data.x_train, data.y_train, test_size=0.1,
                                                stratify=data.y_train, seed=args.seed)
    h, w = cast(tuple[int, int], data.image_shape)  # the demo's data sets are images
    c = data.n_classes
    print(f"Data set: {TITLES[name]} ({name}).")
    for text in (f"Why: {reason}.",
                 f"{len(x_tr):,} training, {len(x_val):,} validation (10% held out of the "
                 f"training set) and {len(data.x_test):,} test images of {h}x{w} pixels, {c} "
                 "classes" + (f"; {data.note}" if data.note else "") + "."):
        print(textwrap.fill(text, width=92, initial_indent="  ", subsequent_indent="    ",
                            break_on_hyphens=False))
    print(f"  Classes: {', '.join(data.class_names)}.\n")

    epochs = args.epochs or (5 if args.quick else 60 if name == "digits" else 10)
    model = build_workshop_mlp(data.n_features, c, seed=args.seed)
    model.summary()
    lr_note = ("the workshop's value" if args.lr == WORKSHOP_LR else
               f"{args.lr / WORKSHOP_LR:g}x the workshop's {WORKSHOP_LR:g}, which needs about that "
               "many times more steps to get as far")
    print(f"\nOptimizer: SGD(lr={args.lr:g}) -- {lr_note}.")
    print(f"Loss: categorical cross-entropy; batch {args.batch_size}, {epochs} epochs.\n")
    model.compile(optimizer=SGD(lr=args.lr), loss="categorical_crossentropy", metrics=["accuracy"])
    t0 = time.perf_counter()
    history = model.fit(x_tr, to_categorical(y_tr, c), batch_size=args.batch_size, epochs=epochs,
                        validation_data=(x_val, to_categorical(y_val, c)), verbose=1)
    train_time = time.perf_counter() - t0
    test_loss, test_acc = model.evaluate(data.x_test, to_categorical(data.y_test, c), verbose=0)
    proba = model.predict(data.x_test)
    pred = proba.argmax(axis=1)
    print(f"\nTrained in {train_time:.1f} s. Test (held-out) accuracy: {test_acc:.2%}, "
          f"loss {test_loss:.4f} on {len(data.x_test):,} images never seen in training.")

    out = Path(args.out)
    metrics = {
        "dataset": name, "dataset_reason": reason, "n_train": len(x_tr), "n_val": len(x_val),
        "n_test": len(data.x_test), "image_shape": [h, w], "class_names": list(data.class_names),
        "epochs": epochs, "batch_size": args.batch_size, "optimizer": "SGD",
        "learning_rate": args.lr,
        "loss": "categorical_crossentropy", "test_loss": float(test_loss),
        "test_accuracy": float(test_acc), "train_time_s": train_time,
        "params": model.count_params(),
        "architecture": f"Dense(30, input_dim={data.n_features})-relu-Dense(30)-relu-Dense({c})"
                        "-softmax",
        "final": {k: float(v[-1]) for k, v in history.history.items()},
    }
    paths = _write_report(out, model, history, data, pred, proba, metrics)
    print(f"\nReport in {out}/ ({time.perf_counter() - t_start:.0f} s in all):")
    for p in paths:
        print(f"  {p}")
    return 0


def _write_report(out: Path, model: Any, history: Any, data: Any, pred: Any, proba: Any,
                  metrics: dict[str, Any]) -> list[Path]:
    import csv
    import io
    import json

    import numpy as np

    from glassnet._atomic import atomic_write
    from glassnet.plotting._backend import pyplot
    from glassnet.plotting.report import (
        confusion_matrix,
        plot_confusion_matrix,
        plot_first_layer_weights,
        plot_misclassified,
    )

    out.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    h, w = data.image_shape
    names = data.class_names
    written = []

    def save(fig: Any, name: str) -> None:
        plt.close(fig)
        written.append(out / name)

    pretty = TITLES[metrics["dataset"]]
    title = (f"Workshop MLP on {pretty}: SGD(lr={metrics['learning_rate']:g}), "
             f"batch {metrics['batch_size']}, test accuracy {metrics['test_accuracy']:.1%}")
    save(history.plot(path=out / "curves.png", title=title), "curves.png")
    save(plot_confusion_matrix(data.y_test, pred, names, path=out / "confusion_matrix.png",
                               title=f"Which {pretty} classes are confused? "
                               f"(test accuracy {metrics['test_accuracy']:.1%})"),
         "confusion_matrix.png")
    cm = confusion_matrix(data.y_test, pred, len(names))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["true \\ predicted", *names])
    writer.writerows([names[i], *map(int, cm[i])] for i in range(len(names)))
    _write_text(out / "confusion_matrix.csv", buf.getvalue(), atomic_write)
    written.append(out / "confusion_matrix.csv")
    images = data.x_test.reshape(-1, h, w)
    save(plot_misclassified(images, data.y_test, pred, proba, names, path=out / "misclassified.png"),
         "misclassified.png")
    kernel = model.layers[0].params["kernel"]
    save(plot_first_layer_weights(np.asarray(kernel), (h, w), path=out / "first_layer_weights.png",
                                  title=f"What the 30 first-layer units look for: each unit's "
                                  f"{h * w} weights as a {h}x{w} image (red > 0 > blue)"),
         "first_layer_weights.png")
    _write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n", atomic_write)
    written.append(out / "metrics.json")
    keys = list(history.history)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i, e in enumerate(history.epoch):
        writer.writerow([e + 1, *(f"{history.history[k][i]:.6g}" for k in keys)])
    _write_text(out / "history.csv", buf.getvalue(), atomic_write)
    written.append(out / "history.csv")
    return written


def _write_text(path: Path, text: str, atomic_write: Any) -> None:
    with atomic_write(path, "w") as f:
        f.write(text)
