"""A Transformer encoder block (self-attention + LayerNormalization + feed-forward, residual)
trained with the functional API on a toy sequence task.

Run:  python examples/transformer_encoder.py            (about half a minute of CPU)
      python examples/transformer_encoder.py --quick    (seconds, for CI)

**Has the last token been seen before?** Each sequence holds ``T`` tokens drawn from a
vocabulary of ``V``; the label says whether the *last* token also occurs among the first
``T - 1`` (half the sequences are built so that it does). Every step is fed as a one-hot
token concatenated with a one-hot position (the simplest positional encoding).

Answering needs a comparison between two steps: the last one and each earlier one. Self-
attention is exactly that: the last step's query is scored against every step's key, and
the matching step's value flows back to it. A model without attention sees each step on its
own and then averages them (``GlobalAveragePooling1D``): it must squeeze "which token is
last" and "which tokens came before" into one average of per-step features, and learns it
only partly. Baselines printed: the majority class, and that same model with the attention
block removed. A full run (seed 0) gives 0.50, 0.77 and 1.00 for the encoder; ``--quick``
about 0.50, 0.68 and 1.00.

The encoder block, as in Vaswani et al. (2017), post-norm::

    h = LayerNorm(x + MultiHeadAttention(x, x))
    y = LayerNorm(h + Dense(d)(Dense(ff, relu)(h)))
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from glassnet.layers import (
    Add,
    Dense,
    GlobalAveragePooling1D,
    Input,
    LayerNormalization,
    MultiHeadAttention,
)
from glassnet.models import Model
from glassnet.optimizers import Adam


def seen_before_task(n: int, timesteps: int, vocab: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (n, T, V + T) float32 (one-hot token | one-hot position) and ``y`` (n, 1)."""
    if vocab < timesteps:
        raise ValueError(f"`vocab` ({vocab}) must be at least `timesteps` ({timesteps}), so that "
                         "a last token unseen before always exists.")
    tokens = rng.integers(0, vocab, (n, timesteps))
    seen = rng.random(n) < 0.5  # balanced classes
    earlier = tokens[np.arange(n), rng.integers(0, timesteps - 1, n)]  # one of the first T-1
    present = np.zeros((n, vocab), dtype=bool)
    present[np.arange(n)[:, None], tokens[:, :-1]] = True
    unseen = np.argmin(rng.random((n, vocab)) + 2.0 * present, axis=1)  # a random absent one
    tokens[:, -1] = np.where(seen, earlier, unseen)
    x = np.zeros((n, timesteps, vocab + timesteps), dtype=np.float32)
    x[np.arange(n)[:, None], np.arange(timesteps), tokens] = 1.0
    x[:, np.arange(timesteps), vocab + np.arange(timesteps)] = 1.0
    return x, seen.astype(np.float32)[:, None]


def encoder_block(x, d_model: int, heads: int, ff: int):
    """One post-norm Transformer encoder block on the symbolic tensor ``x`` (batch, T, d)."""
    attended = MultiHeadAttention(num_heads=heads, key_dim=d_model // heads)(x, x)
    h = LayerNormalization()(Add()([x, attended]))
    hidden = Dense(ff, activation="relu")(h)
    return LayerNormalization()(Add()([h, Dense(d_model)(hidden)]))


def build(timesteps: int, features: int, d_model: int, heads: int, ff: int,
          attention: bool, seed: int) -> Model:
    inputs = Input((timesteps, features))
    x = Dense(d_model)(inputs)  # embed token + position
    if attention:
        x = encoder_block(x, d_model, heads, ff)
    else:  # the same per-step computation, with no way for steps to see each other
        x = Dense(d_model)(Dense(ff, activation="relu")(x))
    outputs = Dense(1, activation="sigmoid")(Dense(d_model, activation="relu")(
        GlobalAveragePooling1D()(x)))
    model = Model(inputs, outputs, seed=seed)
    model.compile(optimizer=Adam(learning_rate=3e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def run(args: argparse.Namespace) -> dict[str, float]:
    rng = np.random.default_rng(args.seed)
    x, y = seen_before_task(args.samples, args.timesteps, args.vocab, rng)
    x_test, y_test = seen_before_task(1000, args.timesteps, args.vocab, rng)
    results = {"majority class": float(max(y_test.mean(), 1 - y_test.mean()))}
    for name, attention in (("no attention", False), ("transformer encoder", True)):
        model = build(args.timesteps, x.shape[-1], args.d_model, args.heads, args.ff,
                      attention, args.seed)
        model.fit(x, y, epochs=args.epochs, batch_size=32, verbose=0)
        results[name] = float(model.evaluate(x_test, y_test, verbose=0)[1])
    return results


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and fast (CI smoke test)")
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--timesteps", type=int, default=8)
    parser.add_argument("--vocab", type=int, default=8)
    parser.add_argument("--d-model", type=int, default=16)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--ff", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.epochs = 2000, 20
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    args = parse(argv)
    print(f"Has the last token been seen before? T={args.timesteps}, V={args.vocab}, "
          f"{args.samples} training sequences, {args.epochs} epochs")
    results = run(args)
    for name, acc in results.items():
        print(f"  {name:<20} test accuracy {acc:.3f}")
    return results


if __name__ == "__main__":
    main()
