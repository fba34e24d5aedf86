"""The workshop, challenge by challenge, with ``glassnet.scratch``.

Run ``python examples/workshop_challenges.py`` (add ``--quick`` for a run of a second or
two). Each step prints what the slides draw: shapes, numbers, costs and counts. To write the
functions yourself, with a check after each, run ``glassnet workshop my-workshop`` and open
the notebooks in Jupyter.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from glassnet.datasets.toy import ASTRONAUT_TARGET_NAMES, make_astronaut
from glassnet.scratch import (
    GD,
    CallCounter,
    backprop,
    cost_function,
    count_params,
    forward_pass,
    gradient_estimator,
    init_params,
    one_step_gd,
    perceptron,
    predict,
    sigmoid,
    w_update,
)
from glassnet.workshop import check


def heading(text: str) -> None:
    print()
    print(text)
    print("=" * len(text))


def rel_error(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """||a - b|| / (||a|| + ||b||) over every entry of both lists."""
    fa = np.concatenate([x.ravel() for x in a])
    fb = np.concatenate([x.ravel() for x in b])
    return float(np.linalg.norm(fa - fb) / max(np.linalg.norm(fa) + np.linalg.norm(fb), 1e-300))


def best_time(fn: Callable[[], object], runs: int = 5) -> float:
    """Shortest wall time of ``runs`` calls of ``fn`` (the least disturbed one)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs, smaller timings")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    epochs = 1500 if args.quick else 3000
    np.set_printoptions(precision=4, suppress=True)

    X, y = make_astronaut(seed=args.seed)
    print(f"Astronaut data: X {X.shape}, y {y.shape}, {int(y.sum())} astronauts")

    heading("Neurons: the perceptron unit and the sigmoid unit")
    inputs = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    print("inputs (columns)        :", inputs.T.tolist())
    print("perceptron, w=[4,4], b=-7:", perceptron(inputs, np.array([4.0, 4.0]), -7.0), "(AND)")
    print("sigmoid unit, same z     :", sigmoid(np.array([4.0, 4.0]) @ inputs - 7.0))

    heading("Challenge 1: initialise weights and biases for any size of network")
    w, b = init_params([2, 3, 1], seed=args.seed)
    print("w shapes:", [wi.shape for wi in w], " b shapes:", [bi.shape for bi in b])
    n_w, n_b = sum(wi.size for wi in w), sum(bi.size for bi in b)
    print(f"[2, 3, 1]: {n_w} weights, {n_b} biases, {count_params(w, b)} parameters")
    big_w, big_b = init_params([784, 30, 30, 10], seed=args.seed)
    print(f"[784, 30, 30, 10]: {count_params(big_w, big_b):,} parameters (the Keras summary's)")

    heading("Challenge 2: the sigmoid unit")
    z = np.array([-1000.0, -7.0, 0.0, 7.0, 1000.0])
    print("z        :", z)
    print("sigmoid(z):", sigmoid(z), " (stable: no overflow at ±1000)")

    heading("Challenge 3: forward pass, samples as columns")
    inp = X[:3].T
    print(f"inp = X[:3].T has shape {inp.shape}; forward_pass ->", forward_pass(inp, w, b))
    print("predict(X[:3]) (rows again):", predict(X[:3], w, b).ravel())
    cost0 = cost_function(X, y, w, b)
    print(f"cost_function (MSE) of the untrained network: {cost0:.6f}")

    heading("Challenge 4: estimate the gradient, one nudged parameter at a time")
    eps = 1e-6
    w_plus = w_update(w, 0, 1, 1, w[0][1, 1] + eps)
    slope = (cost_function(X, y, w_plus, b) - cost0) / eps
    print(f"dJ/dw_11^(0) ~ (J(w+, b) - J(w, b)) / eps = {slope:.6f}")
    counter = CallCounter()
    w_pds, b_pds = gradient_estimator(X, y, w, b, counter=counter)
    print("w_pds:", *w_pds, sep="\n")
    print("b_pds:", *b_pds, sep="\n")
    print(f"{counter.cost} cost evaluations for {count_params(w, b)} parameters (P + 1)")

    heading("Challenge 5: one step of gradient descent, then many")
    lr = 6.0
    w1, b1 = one_step_gd(X, y, w, b, lr)
    print(f"lr {lr}: cost {cost0:.6f} -> {cost_function(X, y, w1, b1):.6f} after one step")
    start = time.perf_counter()
    w_n, b_n, errors = GD(X, y, w, b, epoch=epochs, lr=lr, gradient="numeric")
    seconds = time.perf_counter() - start
    for t in np.linspace(0, epochs - 1, 6).astype(int):
        print(f"  epoch {t + 1:>5}: cost {errors[t]:.6f}")
    acc = float(np.mean((predict(X, w_n, b_n) >= 0.5) == (y >= 0.5)))
    print(f"{epochs} epochs of numeric GD in {seconds:.2f} s; training accuracy {acc:.1%}")
    names = [ASTRONAUT_TARGET_NAMES[int(p >= 0.5)] for p in predict(X[:3], w_n, b_n).ravel()]
    print("first three people:", names)

    heading("Backpropagation: 1 forward + 1 backward pass")
    counter = CallCounter()
    bw, bb = backprop(X, y, w, b, counter=counter)
    print(f"backprop: {counter.forward} forward, {counter.backward} backward pass")
    cw, cb = gradient_estimator(X, y, w, b, method="central")
    print(f"relative error vs forward difference: {rel_error(bw + bb, w_pds + b_pds):.1e}")
    print(f"relative error vs central difference: {rel_error(bw + bb, cw + cb):.1e}")
    start = time.perf_counter()
    w_b, b_b, errors_b = GD(X, y, w, b, epoch=epochs, lr=lr, gradient="backprop")
    seconds_b = time.perf_counter() - start
    print(f"the same {epochs} epochs with backprop: {seconds_b:.2f} s (numeric: {seconds:.2f} s)")
    print(f"final costs: numeric {errors[-1]:.6f}, backprop {errors_b[-1]:.6f}")

    # Why it matters: one gradient of a 24,790-parameter network.
    rng = np.random.default_rng(args.seed)
    Xb, yb = rng.uniform(size=(64, 784)), rng.uniform(size=(64, 10))
    t_back = best_time(lambda: backprop(Xb, yb, big_w, big_b))
    t_eval = best_time(lambda: cost_function(Xb, yb, big_w, big_b))
    P = count_params(big_w, big_b)
    print(
        f"[784, 30, 30, 10] on 64 rows: backprop {t_back * 1e3:.1f} ms; the numeric gradient "
        f"needs {P + 1:,} cost evaluations ~ {t_eval * (P + 1):.1f} s (extrapolated)"
    )

    heading("Check your own function")

    def my_sigmoid(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(z))  # a classic slip: the sign of the exponent

    print(check("sigmoid", my_sigmoid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
