"""``glassnet gradcheck``: backward passes against central finite differences."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from glassnet.commands._args import one_line, positive_float, positive_int

HELP = "Check backward passes against finite differences (a saved model, a layer, or all layers)."

EPILOG = """examples:
  glassnet gradcheck                      every built-in layer
  glassnet gradcheck --layer Dense        one layer type, with small default arguments
  glassnet gradcheck --layer Dense --config '{"units": 3, "activation": "relu"}' --input-shape 2,4
  glassnet gradcheck model.npz            a saved model (it must have been compiled)"""

#: Small default arguments and input batch shape of the layers that need arguments.
#: ``--config`` entries override these; ``--input-shape`` overrides the shape.
DEFAULTS: dict[str, tuple[dict[str, Any], tuple[int, ...]]] = {
    "Dense": ({"units": 4, "activation": "tanh"}, (3, 5)),
    "Flatten": ({}, (2, 3, 4)),
    "Dropout": ({"rate": 0.3, "seed": 1}, (3, 4)),
    "Activation": ({"activation": "tanh"}, (3, 4)),
    "Conv2D": ({"filters": 2, "kernel_size": 2}, (2, 5, 5, 3)),
    "MaxPooling2D": ({}, (2, 4, 4, 2)),
    "AveragePooling2D": ({}, (2, 4, 4, 2)),
    "BatchNormalization": ({}, (5, 3)),
    "LayerNormalization": ({}, (3, 4)),
    "SimpleRNN": ({"units": 3}, (2, 4, 3)),
    "LSTM": ({"units": 3}, (2, 4, 3)),
    "GRU": ({"units": 3}, (2, 4, 3)),
}
DEFAULT_SHAPE = (3, 5)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("model", nargs="?", help="a model file saved by model.save(); checked on a "
                        "random batch. Without it, every built-in layer is checked.")
    parser.add_argument("--layer", help="check one layer type, e.g. Dense (built with small "
                        "default arguments, e.g. units=4; change them with --config)")
    parser.add_argument("--config", default=None,
                        help='the layer\'s arguments as JSON, e.g. \'{"units": 4, "activation": '
                        '"tanh"}\'')
    parser.add_argument("--input-shape", default=None,
                        help="batch shape for --layer, e.g. 3,5 or 2,6,6,3 (default: one that "
                        "suits the layer, 3,5 for Dense)")
    parser.add_argument("--batch", type=positive_int, default=4,
                        help="rows of the random batch for a model (default 4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=positive_float, default=1e-6,
                        help="largest relative error that passes (default 1e-6)")


def _error(text: str) -> int:
    print(f"glassnet gradcheck: error: {text}", file=sys.stderr)
    return 2


def _layer_cases() -> list[tuple[Any, tuple[int, ...]]]:
    """Small instances of the built-in layers and the input shapes to check them on."""
    from glassnet import activations, layers

    cases = [(layers.Dense(4, activation="tanh"), (3, 5)), (layers.Flatten(), (2, 3, 4)),
             (layers.Dropout(0.3, seed=1), (3, 4))]
    cases += [(layers.Activation(name), (3, 4)) for name in activations.names()]
    optional = ["Conv2D", "MaxPooling2D", "BatchNormalization", "LayerNormalization",
                "SimpleRNN", "LSTM", "GRU"]
    for name in optional:
        if hasattr(layers, name):
            kwargs, shape = DEFAULTS[name]
            cases.append((getattr(layers, name)(**kwargs), shape))
    return cases


def _check_layers(cases: list[tuple[Any, tuple[int, ...]]], rng: Any, tolerance: float) -> int:
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


def _one_layer(args: argparse.Namespace, rng: Any) -> int:
    from glassnet.layers.base import layer_class

    try:
        cls = layer_class(args.layer)
    except (ValueError, TypeError, KeyError) as exc:
        return _error(f"argument --layer: {one_line(exc)}")
    kwargs, shape = DEFAULTS.get(cls.__name__, ({}, DEFAULT_SHAPE))
    config = dict(kwargs)
    if args.config is not None:
        try:
            given = json.loads(args.config)
        except ValueError as exc:
            return _error(f"argument --config: not valid JSON ({exc}): {args.config!r}")
        if not isinstance(given, dict):
            return _error(f"argument --config: must be a JSON object such as "
                          f"'{{\"units\": 4}}', got {args.config!r}")
        config.update(given)
    if args.input_shape is not None:
        try:
            shape = tuple(int(d) for d in args.input_shape.split(","))
            if not shape or min(shape) < 1:
                raise ValueError
        except ValueError:
            return _error("argument --input-shape: must be positive integers separated by "
                          f"commas, e.g. 3,5, got {args.input_shape!r}")
    try:
        layer = cls(**config)
    except (ValueError, TypeError) as exc:
        return _error(f"argument --config: {cls.__name__}({json.dumps(config)}) failed: "
                      f"{one_line(exc)}")
    try:
        return _check_layers([(layer, shape)], rng, args.tolerance)
    except (ValueError, TypeError) as exc:
        return _error(f"argument --input-shape: {cls.__name__} cannot take inputs of shape "
                      f"{shape}: {one_line(exc)}")


def _model(args: argparse.Namespace, rng: Any) -> int:
    import numpy as np

    from glassnet.models import load_model

    try:
        model = load_model(args.model)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one line, never a traceback
        return _error(f"cannot load the model file '{args.model}': {one_line(exc)}")
    if not model.compiled:
        return _error(f"the model file '{args.model}' has no compile settings (loss), so its "
                      "gradients cannot be checked; save it after model.compile(...)")
    # one random array per input (a length declared None: 3 steps), targets per output
    shapes = model.input_shape if isinstance(model.input_shape, list) else [model.input_shape]
    xs = [rng.standard_normal((args.batch, *(3 if d is None else d for d in shape[1:])))
          for shape in shapes]
    x: Any = xs if len(xs) > 1 else xs[0]
    out = model.predict(x)
    outs = list(out.values()) if isinstance(out, dict) else out if isinstance(out, list) else [out]
    per_output = getattr(model.loss, "losses", [model.loss])  # several outputs: one loss each

    def target(loss: Any, out: Any) -> Any:
        name = loss.name if loss is not None else ""
        if name == "sparse_categorical_crossentropy":
            return rng.integers(0, out.shape[-1], out.shape[:-1])
        if "crossentropy" in name:
            return np.eye(out.shape[-1])[rng.integers(0, out.shape[-1], out.shape[:-1])]
        return rng.standard_normal(out.shape)

    ys = [target(loss, o) for loss, o in zip(per_output, outs, strict=True)]
    y: Any = ys if len(ys) > 1 else ys[0]
    rows = model.check_gradients(x, y, tolerance=args.tolerance)
    return 0 if all(r["passed"] for r in rows) else 1


def run(args: argparse.Namespace) -> int:
    import numpy as np

    rng = np.random.default_rng(args.seed)
    if args.model:
        if args.layer or args.config or args.input_shape:
            return _error("--layer, --config and --input-shape check a layer; do not combine "
                          "them with a model file")
        return _model(args, rng)
    if args.config is not None or args.input_shape is not None:
        if not args.layer:
            return _error("--config and --input-shape need --layer (e.g. --layer Dense)")
    if args.layer:
        return _one_layer(args, rng)
    return _check_layers(_layer_cases(), rng, args.tolerance)
