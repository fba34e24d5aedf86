"""``glassnet compare``: glassnet's networks against scikit-learn's classic algorithms."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from glassnet.commands._args import one_line, out_dir, positive_int, prepare_out

HELP = "Compare glassnet models with scikit-learn baselines on one data set; write a report."

DATASETS = ("digits", "mnist", "fashion-mnist", "toy-moons", "toy-circles", "toy-spirals",
            "toy-blobs", "toy-astronaut")
TITLES = {"digits": "8x8 digits", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST",
          "toy-moons": "Two moons", "toy-circles": "Two circles", "toy-spirals": "Three spirals",
          "toy-blobs": "Four blobs", "toy-astronaut": "Astronaut or not"}
MODEL_KEYS = ("mlp-workshop", "mlp-tuned", "cnn", "logreg", "knn", "linear-svc", "svc-rbf",
              "random-forest", "hist-gb")
PACKAGES = {"dask": "dask[distributed]", "ray": "ray"}
IMAGE_DATASETS = tuple(d for d in DATASETS if not d.startswith("toy-"))
EPILOG = """examples:
  glassnet compare                                   every model on the 8x8 digits
  glassnet compare --dataset toy-astronaut           the workshop's astronaut set, with boundaries
  glassnet compare --dataset digits --models cnn mlp-workshop logreg
  glassnet compare --dataset fashion-mnist --quick   1,000 training images, a tenth of the epochs"""

def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no cap) or a positive integer, got {text}")
    return value


def _n_jobs(text: str) -> int:
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive number of workers or -1 (all cores)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--dataset", choices=DATASETS, default="digits",
                        help="data set (default: digits, scikit-learn's 8x8 images)")
    parser.add_argument("--models", nargs="+", choices=MODEL_KEYS, default=None, metavar="KEY",
                        help=f"only these models ({', '.join(MODEL_KEYS)}); default: all. cnn needs "
                        f"image data ({', '.join(IMAGE_DATASETS)})")
    parser.add_argument("--max-train", type=positive_int, default=None, metavar="N",
                        help="train on a stratified random N of the training samples")
    parser.add_argument("--quick", action="store_true",
                        help="seconds, not minutes: image sets shrink to 1,000 training and 500 test "
                        "images and a tenth of the epochs; toy sets to 300 points (their "
                        "epochs stay: they take about a second and the lesson needs them)")
    parser.add_argument("--n-jobs", type=_n_jobs, default=1,
                        help="models trained at once by joblib (default: 1; -1: all cores). "
                        "Timings are then measured while the models share the cores.")
    parser.add_argument("--threads", type=_non_negative_int, default=1,
                        help="BLAS/OpenMP threads per model (default: 1, the same budget for "
                        "every model; 0: no cap)")
    parser.add_argument("--backend", default=None,
                        choices=("loky", "threading", "multiprocessing", "dask", "ray"),
                        help="joblib backend: loky (the default), threading, multiprocessing, "
                        "dask or ray (these two need their packages and a cluster)")
    parser.add_argument("--address", default=None,
                        help="scheduler address for --backend dask / ray (default: a local one)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the split and the models")
    parser.add_argument("--out", type=out_dir, default=Path("reports/compare"),
                        help="report folder (default: reports/compare)")


def run(args: argparse.Namespace) -> int:
    from glassnet import compare as cmp

    t0 = time.perf_counter()
    if args.models and "cnn" in args.models and args.dataset.startswith("toy-"):
        print(f"glassnet compare: error: argument --models: cnn needs image data (--dataset "
              f"{' / '.join(IMAGE_DATASETS)}); --dataset {args.dataset} holds 2-D points.",
              file=sys.stderr)
        return 2
    if not prepare_out(Path(args.out), "glassnet compare"):
        return 2
    client = None
    if args.backend in ("dask", "ray"):
        try:
            client = cmp.connect_backend(args.backend, args.address)
        except Exception as exc:  # noqa: BLE001 - missing package, unreachable cluster, ...
            print(f"glassnet compare: error: argument --backend: cannot use {args.backend} "
                  f"({one_line(exc)}); install it (pip install "
                  f"'{PACKAGES[args.backend]}') or leave --backend out.", file=sys.stderr)
            return 2
    try:
        data = cmp.load_dataset(args.dataset, max_train=args.max_train, quick=args.quick,
                                seed=args.seed)
    except (ImportError, ValueError) as exc:  # DatasetError is a ValueError
        print(f"glassnet compare: cannot load {args.dataset}: {one_line(exc)}", file=sys.stderr)
        if client is not None:
            client.close()
        return 1
    print(f"Data set {data.name}: {len(data.x_train):,} training and {len(data.x_test):,} test "
          f"samples, {data.n_features} features, {data.n_classes} classes"
          + (f" ({data.note})" if data.note else "") + ".")
    if not cmp.have_sklearn():
        print(f"scikit-learn baselines skipped -- {cmp.SKLEARN_HINT}.")
    toy = data.image_shape is None
    where = (f"{args.n_jobs} job{'s' if args.n_jobs != 1 else ''}, "
             f"{args.threads or 'uncapped'} thread{'s' if args.threads != 1 else ''} per model"
             + (f", joblib backend {args.backend}" if args.backend else ""))
    print(f"Training every model on the same split ({where})...\n", flush=True)
    n_models = len(args.models) if args.models else len(cmp.model_specs(data, quick=args.quick))
    progress = _Progress(n_models)
    try:
        rows = cmp.compare(data, models=args.models, quick=args.quick, n_jobs=args.n_jobs,
                           backend=args.backend, seed=args.seed, keep_models=toy,
                           threads=args.threads or None, on_result=progress)
    except ValueError as exc:
        print(f"glassnet compare: error: argument --models: {one_line(exc)}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            client.close()
    print()
    print(cmp.results_table(rows))
    out = Path(args.out)
    cmp.save_results(rows, data, out, meta={"n_jobs": args.n_jobs, "threads_per_model": args.threads or None,
                                            "backend": args.backend or "loky",
                                            "quick": args.quick, "seed": args.seed})
    written = [out / n for n in ("results.csv", "results.json", "results.md")]
    try:
        written += _plots(rows, data, out)
    except ImportError as exc:
        print(f"Plots skipped: {exc}", file=sys.stderr)
    print(f"\nReport in {out}/ ({time.perf_counter() - t0:.0f} s in all):")
    for p in written:
        print(f"  {p}")
    return 0


class _Progress:
    """One line per finished model: ``[k/n]``, its result, time so far and an estimate of
    the time left (the mean time per model so far, times the models left)."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.t0 = total, 0, time.perf_counter()

    def __call__(self, row: dict[str, Any]) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.t0
        left = self.total - self.done
        eta = f", about {elapsed / self.done * left:.0f} s left" if left > 0 else ""
        head = f"  [{self.done}/{self.total}] {row['model']}"
        if row["status"] == "ok":
            print(f"{head}: test accuracy {row['test_accuracy']:.4f}, trained in "
                  f"{row['train_time_s']:.1f} s ({elapsed:.0f} s so far{eta})", flush=True)
        else:
            print(f"{head}: skipped ({row['note']})", flush=True)


def _plots(rows: list[dict[str, Any]], data: Any, out: Path) -> list[Path]:
    import numpy as np

    from glassnet.plotting._backend import pyplot
    from glassnet.plotting.report import plot_boundaries, plot_comparison

    plt = pyplot()
    ran = [r for r in rows if r["status"] == "ok"]
    if not ran:
        return []
    fig = plot_comparison(rows, path=out / "comparison.png",
                          title=f"{TITLES.get(data.name, data.name)}: {len(data.x_train):,} "
                          f"training and {len(data.x_test):,} test samples, same split for "
                          "every model")
    plt.close(fig)
    written = [out / "comparison.png"]
    if data.image_shape is None and data.n_features == 2:
        fns = {f"{_short(r['model'])}\ntest accuracy {r['test_accuracy']:.3f}":
               _scores(r["_model"], data.n_classes) for r in ran if "_model" in r}
        fig = plot_boundaries(fns, data.x_test.astype(np.float64), data.y_test,
                              path=out / "boundaries.png", class_names=data.class_names,
                              feature_names=data.feature_names or ("$x_0$", "$x_1$"),
                              title=f"{TITLES.get(data.name, data.name)}: each model's decision "
                              "regions, test points on top")
        plt.close(fig)
        written.append(out / "boundaries.png")
    return written


def _short(name: str) -> str:
    return name.replace("Classifier", "").replace("glassnet ", "")


def _scores(model: Any, n_classes: int) -> Any:
    """A function of points (k, 2) for plot_decision_boundary: the class-1 probability of a
    binary model (a squashed margin when it has none), else per-class scores."""
    import numpy as np

    def fn(points: np.ndarray) -> np.ndarray:
        x = points.astype(np.float32)
        if hasattr(model, "predict_proba"):
            p = model.predict_proba(x)
            return p[:, 1] if n_classes == 2 else p
        d = model.decision_function(x)
        if n_classes == 2:
            return 1.0 / (1.0 + np.exp(-np.clip(d, -50, 50)))
        return d

    return fn
