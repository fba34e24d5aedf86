"""``glassnet gradcheck``: backward passes against central finite differences."""

from __future__ import annotations

import argparse
import json

HELP = "Check backward passes against finite differences (a saved model, a layer, or all layers)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", help="a model file saved by model.save(); checked on a "
                        "random batch. Without it, every built-in layer is checked.")
    parser.add_argument("--layer", help="check one layer type, e.g. Dense")
    parser.add_argument("--config", default="{}",
                        help='the layer\'s arguments as JSON, e.g. \'{"units": 4, "activation": "tanh"}\'')
    parser.add_argument("--input-shape", default="3,5",
                        help="batch shape for --layer, e.g. 3,5 or 2,6,6,3 (default 3,5)")
    parser.add_argument("--batch", type=int, default=4, help="rows of the random batch for a model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=float, default=1e-6)


def _layer_cases():
    """Small instances of the built-in layers and the input shapes to check them on."""
    from glassnet import activations, layers

    cases = [(layers.Dense(4, activation="tanh"), (3, 5)), (layers.Flatten(), (2, 3, 4)),
             (layers.Dropout(0.3, seed=1), (3, 4))]
    cases += [(layers.Activation(name), (3, 4)) for name in activations.names()]
    optional = [("Conv2D", dict(filters=2, kernel_size=2), (2, 5, 5, 3)),
                ("MaxPooling2D", {}, (2, 4, 4, 2)), ("BatchNormalization", {}, (5, 3)),
                ("LayerNormalization", {}, (3, 4)), ("SimpleRNN", dict(units=3), (2, 4, 3)),
                ("LSTM", dict(units=3), (2, 4, 3)), ("GRU", dict(units=3), (2, 4, 3))]
    for name, kwargs, shape in optional:
        if hasattr(layers, name):
            cases.append((getattr(layers, name)(**kwargs), shape))
    return cases


def _check_layers(cases, rng, tolerance: float) -> int:
    from glassnet.gradcheck import check_layer

    print(f"{'Layer':<34}{'Tensor':<18}{'Rel. error':>12}")
    print("=" * 70)
    failures = 0
    for layer, shape in cases:
        label = type(layer).__name__
        act = getattr(getattr(layer, "activation", None), "name", None)
        if act and label == "Activation":
            label += f"('{act}')"
        x = rng.standard_normal(shape)
        for key, err in check_layer(layer, x, rng, training=True).items():
            ok = err < tolerance
            failures += not ok
            print(f"{label:<34}{key:<18}{err:>12.2e}  {'ok' if ok else 'FAIL'}")
    print("=" * 70)
    print("All backward passes agree with finite differences." if not failures
          else f"{failures} tensor(s) FAILED (relative error >= {tolerance:g}).")
    return 1 if failures else 0


def run(args: argparse.Namespace) -> int:
    import numpy as np

    rng = np.random.default_rng(args.seed)
    if args.model:
        from glassnet.models import load_model

        model = load_model(args.model)
        if not model.compiled:
            print("The model file has no compile settings (loss); cannot check its gradients.")
            return 2
        shape = (args.batch,) + tuple(model.input_shape[1:])
        x = rng.standard_normal(shape)
        out = model.predict(x)
        if model.loss.name == "sparse_categorical_crossentropy":
            y = rng.integers(0, out.shape[-1], out.shape[:-1])
        elif "crossentropy" in model.loss.name:
            y = np.eye(out.shape[-1])[rng.integers(0, out.shape[-1], out.shape[:-1])]
        else:
            y = rng.standard_normal(out.shape)
        rows = model.check_gradients(x, y, tolerance=args.tolerance)
        return 0 if all(r["passed"] for r in rows) else 1
    if args.layer:
        from glassnet.layers.base import layer_class

        try:
            config = json.loads(args.config)
            shape = tuple(int(d) for d in args.input_shape.split(","))
            layer = layer_class(args.layer)(**config)
        except (ValueError, TypeError) as exc:
            print(f"error: {exc}")
            return 2
        return _check_layers([(layer, shape)], rng, args.tolerance)
    return _check_layers(_layer_cases(), rng, args.tolerance)
