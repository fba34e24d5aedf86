"""``glassnet scratch``: the workshop's network learns who is an astronaut."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from glassnet.commands._args import positive_float, positive_int

HELP = "Train the workshop's from-scratch sigmoid network on the astronaut set."

DEFAULT_HIDDEN = [3]
DEFAULT_EPOCHS = 3000
DEFAULT_LR = 6.0






def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hidden", type=positive_int, nargs="+", default=DEFAULT_HIDDEN, metavar="N",
        help="hidden layer sizes, e.g. --hidden 3 or --hidden 8 4 (default: 3)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=DEFAULT_EPOCHS,
        help=f"full-batch gradient descent steps (default: {DEFAULT_EPOCHS})",
    )
    parser.add_argument(
        "--lr", type=positive_float, default=DEFAULT_LR,
        help=f"learning rate (default: {DEFAULT_LR})",
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


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from glassnet.datasets.toy import (
        ASTRONAUT_FEATURE_NAMES,
        ASTRONAUT_TARGET_NAMES,
        make_astronaut,
    )
    from glassnet.scratch import GD, cost_function, count_params, init_params, predict

    X, y = make_astronaut(n_samples=args.samples, seed=args.seed)
    sizes = [X.shape[1], *args.hidden, 1]
    w, b = init_params(sizes, seed=args.seed)
    n_w, n_b = sum(wi.size for wi in w), sum(bi.size for bi in b)
    print(f"Astronaut data: {X.shape[0]} people, features {', '.join(ASTRONAUT_FEATURE_NAMES)}")
    print(
        f"Network {sizes}: {count_params(w, b)} parameters ({n_w} weights, {n_b} biases), "
        f"sigmoid everywhere, MSE cost"
    )
    print(f"Gradient descent: {args.epochs} epochs, lr {args.lr:g}, gradient by {args.gradient}")
    print()

    every = args.print_every or max(1, args.epochs // 10)
    width = len(str(args.epochs))
    print(f"{'epoch':>{max(width, 5)}} | cost (MSE)")
    print(f"{'-' * max(width, 5)}-+-----------")
    initial = cost_function(X, y, w, b)
    print(f"{0:>{max(width, 5)}} | {initial:10.6f}")
    errors: list[float] = []
    start = time.perf_counter()
    done = 0
    while done < args.epochs:
        # Train in chunks so the table appears as the cost falls.
        steps = min(every, args.epochs - done)
        w, b, chunk = GD(X, y, w, b, epoch=steps, lr=args.lr, gradient=args.gradient)
        errors.extend(chunk)
        done += steps
        print(f"{done:>{max(width, 5)}} | {chunk[-1]:10.6f}", flush=True)
    seconds = time.perf_counter() - start

    def prob(points: np.ndarray) -> np.ndarray:
        return predict(points, w, b)

    correct = int(np.sum((prob(X) >= 0.5) == (y >= 0.5)))
    print()
    print(f"Trained in {seconds:.2f} s. Cost {initial:.4f} -> {errors[-1]:.4f}")
    print(f"Training accuracy: {correct / X.shape[0]:.1%} ({correct}/{X.shape[0]})")

    try:
        from glassnet.plotting._backend import pyplot

        plt = pyplot()
    except ImportError as exc:
        print(f"Plots skipped: {exc}", file=sys.stderr)
        return 1
    from glassnet.plotting.boundary import plot_decision_boundary
    from glassnet.plotting.curves import plot_error_curve

    out = Path(args.out)
    curve_path = out / "error_curve.png"
    boundary_path = out / "decision_boundary.png"
    fig = plot_error_curve(
        errors, path=curve_path, title=f"Network {sizes}: training error ({args.gradient})"
    )
    plt.close(fig)
    fig = plot_decision_boundary(
        prob, X, y, path=boundary_path,
        title=f"Astronaut or not? Network {sizes}, training accuracy {correct / X.shape[0]:.1%}",
        feature_names=("height (scaled)", "fitness (scaled)"),
        class_names=ASTRONAUT_TARGET_NAMES,
    )
    plt.close(fig)
    print(f"Saved {curve_path}")
    print(f"Saved {boundary_path}")
    return 0
