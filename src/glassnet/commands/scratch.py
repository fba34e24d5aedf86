"""``glassnet scratch``: the workshop's network learns who is an astronaut."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from glassnet.commands._args import positive_int

HELP = "Train the workshop's from-scratch sigmoid network on the astronaut set."

DEFAULT_HIDDEN = [3]
DEFAULT_EPOCHS = 3000
DEFAULT_LR = 6.0
#: A run predicted to take longer than this many seconds shows a progress bar with an ETA.
SLOW_RUN_S = 3.0
#: Seconds between progress lines of a slow run whose output is a file or a pipe.
NOTE_EVERY_S = 10.0


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no hidden layer) or a positive integer, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hidden", type=_non_negative_int, nargs="+", default=DEFAULT_HIDDEN, metavar="N",
        help="hidden layer sizes, e.g. --hidden 3 or --hidden 8 4; --hidden 0 for none, the "
             "network [2, 1] (default: 3)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=DEFAULT_EPOCHS,
        help=f"full-batch gradient descent steps (default: {DEFAULT_EPOCHS})",
    )
    parser.add_argument(
        "--lr", type=str, default=str(DEFAULT_LR),
        help=f"learning rate, a positive number (default: {DEFAULT_LR:g})",
    )
    parser.add_argument(
        "--gradient", choices=("backprop", "numeric"), default="backprop",
        help="exact backprop, or the slides' finite differences (default: backprop)",
    )
    parser.add_argument(
        "--samples", type=positive_int, default=200, help="size of the data set (default: 200)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for data and weights (default: 0)"
    )
    parser.add_argument(
        "--print-every", type=positive_int, default=None, metavar="N",
        help="print the cost every N epochs (default: about 10 rows)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("reports/scratch"),
        help="folder for error_curve.png and decision_boundary.png (default: reports/scratch)",
    )


def _fail(message: str) -> int:
    print(f"glassnet scratch: error: {message}", file=sys.stderr)
    return 2


def _check_out(out: Path) -> str | None:
    """Make sure ``--out`` is a folder we can write, before any training."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file; give a folder for the pictures (e.g. --out reports/scratch)."
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--out {out}: cannot create this folder ({exc.strerror or exc}); give a writable folder."
    if not os.access(out, os.W_OK):
        return f"--out {out}: this folder is not writable; give a writable folder."
    return None


def _hidden_sizes(hidden: list[int]) -> list[int] | str:
    if hidden == [0]:
        return []
    if 0 in hidden:
        given = " ".join(map(str, hidden))
        return f"--hidden 0 means no hidden layer and stands alone; got --hidden {given}."
    return hidden


def _lr_hint(lr: float, initial: float, final: float, accuracy: float, saturated: float) -> str | None:
    """Why a run did not learn, when it did not."""
    if final <= 0.7 * initial and accuracy > 0.6:
        return None
    if final > initial * 1.05 or saturated > 0.9:
        return (f"Hint: the cost stalled at {final:.4f} (accuracy {accuracy:.0%}). With --lr {lr:g} the "
                f"first steps threw the weights so far that {saturated:.0%} of the sigmoids are saturated "
                "(output ≈ 0 or 1, σ' ≈ 0), so the gradient vanishes and nothing moves. Try a smaller "
                f"--lr, e.g. --lr {DEFAULT_LR:g}.")
    return (f"Hint: the cost barely moved ({initial:.4f} -> {final:.4f}). The steps are too small or too "
            f"few: try a larger --lr (e.g. --lr {DEFAULT_LR:g}) or more --epochs.")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from glassnet.datasets.toy import (
        ASTRONAUT_FEATURE_NAMES,
        ASTRONAUT_TARGET_NAMES,
        make_astronaut,
    )
    from glassnet.scratch import GD, cost_function, count_params, init_params, predict
    from glassnet.scratch.network import _forward

    try:
        lr = float(args.lr)
    except ValueError:
        lr = math.nan
    if not (math.isfinite(lr) and lr > 0):
        return _fail(f"--lr must be a positive finite number, got {args.lr}.")
    hidden = _hidden_sizes(list(args.hidden))
    if isinstance(hidden, str):
        return _fail(hidden)
    problem = _check_out(Path(args.out))
    if problem:
        return _fail(problem)

    X, y = make_astronaut(n_samples=args.samples, seed=args.seed)
    sizes = [X.shape[1], *hidden, 1]
    w, b = init_params(sizes, seed=args.seed)
    n_w, n_b = sum(wi.size for wi in w), sum(bi.size for bi in b)
    print(f"Astronaut data: {X.shape[0]} people, features {', '.join(ASTRONAUT_FEATURE_NAMES)}")
    print(
        f"Network {sizes}: {count_params(w, b)} parameters ({n_w} weights, {n_b} biases), "
        f"sigmoid everywhere, MSE cost"
    )
    print(f"Gradient descent: {args.epochs} epochs, lr {lr:g}, gradient by {args.gradient}")
    print()

    every = args.print_every or max(1, args.epochs // 10)
    width = max(len(str(args.epochs)), 5)
    print(f"{'epoch':>{width}} | cost (MSE)")
    print(f"{'-' * width}-+-----------")
    initial = cost_function(X, y, w, b)
    print(f"{0:>{width}} | {initial:10.6f}", flush=True)
    errors, w, b, seconds = _train(args, X, y, w, b, lr, every, width, GD)

    def prob(points: np.ndarray) -> np.ndarray:
        return predict(points, w, b)

    correct = int(np.sum((prob(X) >= 0.5) == (y >= 0.5)))
    accuracy = correct / X.shape[0]
    print()
    print(f"Trained in {seconds:.2f} s. Cost {initial:.4f} -> {errors[-1]:.4f}")
    print(f"Training accuracy: {accuracy:.1%} ({correct}/{X.shape[0]})")
    acts = [X.T]
    for wi, bi in zip(w, b, strict=True):
        acts.append(_forward(acts[-1], [wi], [bi]))
    saturated = float(np.mean(np.concatenate([np.abs(a - 0.5).ravel() > 0.499 for a in acts[1:]])))
    hint = _lr_hint(lr, initial, errors[-1], accuracy, saturated)
    if hint:
        print(hint)

    try:
        from glassnet.plotting._backend import pyplot

        plt = pyplot()
    except ImportError as exc:
        print(f"Plots skipped: {exc}", file=sys.stderr)
        return 1
    from glassnet.plotting.boundary import plot_decision_boundary

    out = Path(args.out)
    curve_path = out / "error_curve.png"
    boundary_path = out / "decision_boundary.png"
    fig = _error_curve([initial, *errors], curve_path, f"Network {sizes}: training error ({args.gradient})")
    plt.close(fig)
    fig = plot_decision_boundary(
        prob, X, y, path=boundary_path,
        title=f"Astronaut or not? Network {sizes}, training accuracy {accuracy:.1%}",
        feature_names=("height (scaled)", "fitness (scaled)"),
        class_names=ASTRONAUT_TARGET_NAMES,
    )
    plt.close(fig)
    print(f"Saved {curve_path}")
    print(f"Saved {boundary_path}")
    return 0


def _train(args: argparse.Namespace, X: Any, y: Any, w: Any, b: Any, lr: float, every: int,
           width: int, GD: Any) -> tuple[list[float], Any, Any, float]:
    """Train in chunks, printing a table row every ``every`` epochs and, for a run predicted to
    be slow, a progress bar with its ETA. Returns the errors, ``w``, ``b`` and the seconds."""
    from glassnet.progress import progress_bar

    errors: list[float] = []
    start = time.perf_counter()
    w, b, chunk = GD(X, y, w, b, epoch=1, lr=lr, gradient=args.gradient)
    errors.extend(chunk)
    per_epoch = time.perf_counter() - start
    predicted = per_epoch * args.epochs
    bar = None
    if predicted > SLOW_RUN_S:
        print(f"About {_duration(predicted)} to go ({per_epoch:.3g} s per epoch).", flush=True)
        bar = progress_bar(args.epochs, desc="training", unit="epoch")
        bar.update(1)
    # Chunks end at every table row, and for a slow run about every half second.
    step = max(1, min(every, int(0.5 / per_epoch))) if bar is not None else every
    done = 1
    # Where no bar can be drawn (a log file, a pipe), a plain line says how far along it is.
    plain = bar is not None and not hasattr(bar, "write")
    last_note = time.perf_counter()
    if every == 1 or args.epochs == 1:
        print(f"{1:>{width}} | {chunk[-1]:10.6f}", flush=True)
    while done < args.epochs:
        steps = min(step, args.epochs - done, every - done % every)
        w, b, chunk = GD(X, y, w, b, epoch=steps, lr=lr, gradient=args.gradient)
        errors.extend(chunk)
        done += steps
        if bar is not None:
            bar.update(steps)
        now = time.perf_counter()
        if plain and now - last_note >= NOTE_EVERY_S and done < args.epochs:
            eta = (now - start) / done * (args.epochs - done)
            print(f"  ... epoch {done}/{args.epochs}, about {_duration(eta)} to go", flush=True)
            last_note = now
        if done % every == 0 or done == args.epochs:
            if bar is not None and hasattr(bar, "write"):
                bar.write(f"{done:>{width}} | {chunk[-1]:10.6f}")
            else:
                print(f"{done:>{width}} | {chunk[-1]:10.6f}", flush=True)
    if bar is not None:
        bar.close()
    return errors, w, b, time.perf_counter() - start


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _error_curve(costs: list[float], path: Path, title: str) -> Any:
    """The error curve from step 0 (the untrained network's cost) to the last epoch."""
    import numpy as np

    from glassnet.plotting._backend import finish
    from glassnet.plotting.curves import plot_error_curve

    fig = plot_error_curve(costs[1:], title=title)
    ax = fig.axes[0]
    ax.lines[0].set_data(np.arange(len(costs)), costs)
    if ax.texts:  # the start label: move it to step 0
        ax.texts[0].xy = (0, costs[0])
        ax.texts[0].set_text(f"{costs[0]:.4g}")
    ax.relim()
    ax.autoscale_view()
    ax.set_xlim(left=0)
    ax.set_xlabel("epoch (0 = before training)")
    return finish(fig, path)
