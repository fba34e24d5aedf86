"""``glassnet demo``: the workshop's Keras model, end to end on real images, with a report."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, cast

from glassnet.commands._args import one_line, out_dir, positive_float, positive_int, prepare_out

HELP = "Train the workshop's Keras-style MLP on real images and write a report folder."

DEFAULT_LR = 0.1
WORKSHOP_LR = 0.001
DATASETS = ("auto", "mnist", "fashion-mnist", "digits")
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "digits": "8x8 digits"}
#: Seconds to wait for each connection or read of a download (offline, a mirror fails fast
#: or after this long; one missing file stops the others being tried).
DOWNLOAD_TIMEOUT = 15.0
GET_MNIST = ("To use MNIST, the workshop's data: run again with network access (it is "
             "downloaded once, 11 MB, into the user cache), or put its four *-ubyte.gz files in "
             "a folder and pass --data-dir FOLDER (or set GLASSNET_DATA=FOLDER)")

DESCRIPTION = f"""{HELP}

Which data: MNIST, the workshop's own data set (784 inputs, 24,790 parameters, as on the
slides). When its files are not on this machine, the demo downloads them once (11 MB,
checked against pinned checksums, with a progress bar) into the user cache and reuses
them afterwards; it never stops to ask, so it also runs unattended. With --no-download
or GLASSNET_OFFLINE=1 it downloads nothing and falls back to Fashion-MNIST when its files
are here, else to scikit-learn's 8x8 digits, and says how to get MNIST."""

EPILOG = """examples:
  glassnet demo                              MNIST (downloaded once if needed), 10 epochs
  glassnet demo --quick                      a few seconds: 1,000 images, 5 epochs
  glassnet demo --data-dir ~/data/mnist      MNIST files already in a folder
  glassnet demo --no-download                only data already on this machine
  glassnet demo --dataset fashion-mnist --lr 0.001 --epochs 20"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--dataset", choices=DATASETS, default="auto",
        help="auto (default): MNIST (from this machine, else downloaded once), else "
        "Fashion-MNIST, else scikit-learn's 8x8 digits",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, metavar="FOLDER",
        help="a folder holding the data set's files (e.g. MNIST's four *-ubyte.gz files, or a "
        "Keras-style mnist.npz file), searched first",
    )
    parser.add_argument(
        "--download", action=argparse.BooleanOptionalAction, default=None,
        help="download MNIST / Fashion-MNIST when their files are missing (default: yes, "
        "unless GLASSNET_OFFLINE=1); --no-download uses only files already here",
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
                        help="a few seconds: 1,000 training images, 5 epochs")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and shuffling")
    parser.add_argument("--out", type=out_dir, default=Path("reports/demo"),
                        help="report folder (default: reports/demo)")


def _where(mod: Any, data_dir: Path | None) -> str:
    """The folder holding ``mod``'s files, or 'missing: <files>' (never downloads)."""
    from glassnet.datasets.errors import DatasetError
    from glassnet.datasets.sources import locate

    if data_dir is not None and data_dir.is_file():
        return str(data_dir)
    try:
        found = locate([f for pair in mod.FILES.values() for f in pair], mod.SOURCE, data_dir,
                       system_dirs=mod.SYSTEM_DIRS, download=False)
    except DatasetError as exc:
        return "missing: " + ", ".join(getattr(exc, "missing", ()) or ("files",))
    return str(next(iter(found.values())).parent)


def _download_mnist(data_dir: Path | None) -> str | None:
    """Download MNIST's missing files into the cache; None on success, else why not."""
    from glassnet.datasets import mnist
    from glassnet.datasets.errors import DatasetError
    from glassnet.datasets.sources import cache_dir, locate

    print(f"MNIST, the workshop's data set, is not on this machine: downloading it once (11 MB) "
          f"into {cache_dir('mnist')} (--no-download skips this).", flush=True)
    try:
        locate([f for pair in mnist.FILES.values() for f in pair], mnist.SOURCE, data_dir,
               system_dirs=mnist.SYSTEM_DIRS, mirrors=mnist.MIRRORS, checksums=mnist.CHECKSUMS,
               download=True, progress=True, timeout=DOWNLOAD_TIMEOUT)
    except DatasetError as exc:
        attempts = [line.strip() for line in str(exc).splitlines() if "://" in line]
        return attempts[0] if attempts else one_line(exc)
    return None


def _choose(name: str, data_dir: Path | None, download: bool | None) -> tuple[str, str]:
    """The data set to use and why; in 'auto' mode MNIST is downloaded when allowed."""
    if name != "auto":
        return name, "chosen with --dataset"
    from glassnet.datasets import fashion_mnist, mnist
    from glassnet.datasets.sources import downloads_enabled

    m = _where(mnist, data_dir)
    if not m.startswith("missing"):
        return "mnist", f"MNIST, the workshop's data set, is on this machine (in {m})"
    if downloads_enabled(download):
        failed = _download_mnist(data_dir)
        if failed is None:
            return "mnist", "MNIST, the workshop's data set, downloaded once into the cache"
        why = f"MNIST could not be downloaded ({failed})"
    else:
        part = "training split is" if "t10k" not in m else "files are"
        off = "--no-download" if download is False else "GLASSNET_OFFLINE=1"
        why = f"MNIST's {part} not on this machine ({m}) and {off} turns downloads off"
    f = _where(fashion_mnist, data_dir)
    if not f.startswith("missing"):
        return "fashion-mnist", (f"{why}; Fashion-MNIST, a drop-in replacement with the same "
                                 f"shapes (28x28 grey, 10 classes), is on this machine (in {f}). "
                                 + GET_MNIST)
    return "digits", (f"{why}, nor is Fashion-MNIST; scikit-learn ships the 8x8 digits, so "
                      "nothing needs downloading. " + GET_MNIST)


def _missing_message(name: str, exc: Exception, download: bool | None) -> str:
    """One line: which files are missing and the flags that provide them."""
    from glassnet.datasets.sources import downloads_enabled

    files = ", ".join(getattr(exc, "missing", ()) or ())
    title = TITLES.get(name, name)
    how = ("pass --data-dir FOLDER holding them (or set GLASSNET_DATA=FOLDER)")
    if downloads_enabled(download):
        lines = [line.strip() for line in str(exc).splitlines() if "://" in line]
        why = f"downloading failed ({lines[0]})" if lines else "downloading failed"
        return f"{title} files not found ({files}) and {why}; {how}, or try again online."
    off = "--no-download" if download is False else "GLASSNET_OFFLINE=1"
    return (f"{title} files not found ({files}) and {off} turns downloads off; {how}, or run "
            "without it to download them once.")


def run(args: argparse.Namespace) -> int:
    from glassnet.compare import build_workshop_mlp, load_dataset
    from glassnet.datasets.errors import MissingFilesError
    from glassnet.optimizers import SGD
    from glassnet.preprocessing import train_test_split
    from glassnet.utils import to_categorical

    t_start = time.perf_counter()
    if args.data_dir is not None and not args.data_dir.exists():
        print(f"glassnet demo: error: argument --data-dir: '{args.data_dir}' does not exist; "
              "pass a folder holding the data set's files.", file=sys.stderr)
        return 2
    out = Path(args.out)
    if not prepare_out(out, "glassnet demo"):
        return 2
    name, reason = _choose(args.dataset, args.data_dir, args.download)
    try:
        data = load_dataset(name, max_train=args.max_train, quick=args.quick, seed=args.seed,
                            download=args.download, progress=True,
                            path=None if name == "digits" or args.data_dir is None
                            else str(args.data_dir))
    except MissingFilesError as exc:
        print(f"glassnet demo: cannot load {name}: {_missing_message(name, exc, args.download)}",
              file=sys.stderr)
        return 1
    except (ImportError, ValueError) as exc:  # DatasetError is a ValueError
        print(f"glassnet demo: cannot load {name}: {one_line(exc)}", file=sys.stderr)
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
    try:
        history = model.fit(x_tr, to_categorical(y_tr, c), batch_size=args.batch_size,
                            epochs=epochs, validation_data=(x_val, to_categorical(y_val, c)),
                            verbose=1)
    except FloatingPointError as exc:  # NonFiniteLossError: the loss became inf / NaN
        first = one_line(exc).split(". ")[0]
        print(f"\nglassnet demo: training diverged ({first}): the steps of --lr {args.lr:g} "
              f"are too large. Try a smaller --lr (default {DEFAULT_LR:g}; the workshop used "
              f"{WORKSHOP_LR:g}).", file=sys.stderr)
        return 1
    train_time = time.perf_counter() - t0
    losses, val_acc = history.history["loss"], history.history["val_accuracy"][-1]
    stalled = len(losses) > 1 and losses[-1] > 0.97 * losses[0]
    if stalled or val_acc < 1.5 / c:
        what = (f"the training loss barely moved ({losses[0]:.3f} -> {losses[-1]:.3f})"
                if stalled else f"validation accuracy {val_acc:.1%} is close to chance "
                f"({1 / c:.0%})")
        print(f"\nHint: {what}. With --lr {args.lr:g} the steps may overshoot (try a smaller "
              "--lr) or be too small to get anywhere in these epochs (try a larger --lr or "
              "more --epochs).")
    test_loss, test_acc = model.evaluate(data.x_test, to_categorical(data.y_test, c), verbose=0)
    proba = model.predict(data.x_test)
    pred = proba.argmax(axis=1)
    print(f"\nTrained in {train_time:.1f} s. Test (held-out) accuracy: {test_acc:.2%}, "
          f"loss {test_loss:.4f} on {len(data.x_test):,} images never seen in training.")

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
