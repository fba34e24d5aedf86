"""What a custom ``call`` layer costs: one training step of a model built from layers written
with ``glassnet.ops`` (differentiated by the tape) against the same model built from ``Dense``
layers (hand-written backward).

Usage::

    python benchmarks/custom_layer_step.py                 # batches 32 and 128, 3-layer MLPs
    python benchmarks/custom_layer_step.py --rounds 9 --steps 200

Both models have the same weights and see the same batches; their steps are interleaved,
``--rounds`` times after one warm-up round, so load from other processes spreads over both.
The clock is the process's CPU time. Prints microseconds per ``train_on_batch`` step (median
over rounds) and the ratio custom / built-in.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

import glassnet as keras  # noqa: E402
from glassnet import ops  # noqa: E402


class OpsDense(keras.layers.Layer):
    """``Dense`` written with ops: ``y = act(x @ w + b)``, its gradient from the tape."""

    def __init__(self, units: int, activation: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.relu = units, activation == "relu"

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        y = ops.matmul(inputs, self.w) + self.b
        return ops.relu(y) if self.relu else y


def build(layer: type, sizes: list[int]) -> keras.Model:
    model = keras.Sequential([keras.Input((sizes[0],))]
                             + [layer(n, activation="relu") for n in sizes[1:-1]]
                             + [layer(sizes[-1])])
    model.compile(optimizer=keras.optimizers.SGD(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="784,128,64,10", help="layer widths, input first")
    p.add_argument("--batches", default="32,128")
    p.add_argument("--steps", type=int, default=100, help="steps per round and model")
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(0)
    print("| batch | built-in µs/step | custom call µs/step | custom / built-in |")
    print("|---:|---:|---:|---:|")
    for batch in (int(b) for b in args.batches.split(",")):
        keras.utils.set_random_seed(0)
        builtin, custom = build(keras.layers.Dense, sizes), build(OpsDense, sizes)
        custom.set_weights(builtin.get_weights())
        x = rng.random((batch, sizes[0]), dtype=np.float32)
        y = rng.integers(0, sizes[-1], batch)
        times: dict[str, list[float]] = {"builtin": [], "custom": []}
        for r in range(args.rounds + 1):
            for name, model in (("builtin", builtin), ("custom", custom)):
                t0 = time.process_time()
                for _ in range(args.steps):
                    model.train_on_batch(x, y)
                if r:  # round 0 warms up
                    times[name].append((time.process_time() - t0) / args.steps * 1e6)
        b, c = statistics.median(times["builtin"]), statistics.median(times["custom"])
        print(f"| {batch} | {b:.0f} | {c:.0f} | {c / b:.2f}× |")


if __name__ == "__main__":
    main()
