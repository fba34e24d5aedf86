"""Teaching aids on a model: a gradient check per layer, and one gradient step laid open.

``model.check_gradients(x, y)`` compares every weight's backward-pass gradient with central
differences of the compiled loss (regularisation included) on a float64 copy of the model, and
prints a table in the ``summary()`` layout.

``model.explain_step(x, y)`` performs one plain gradient-descent step on a float64 copy and
returns, per layer, what the workshop derives by hand: the pre-activation ``z``, the activation
``a``, the back-propagated ``delta = dL/dz``, ``dW``, ``db`` and the update ``-lr * dW``.

Both run the model's own gradient step (:meth:`Model.compute_gradients`) on any model kind:
Sequential, or a functional graph with merges and residual blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from glassnet import _validate, gradcheck
from glassnet.layers.base import Layer
from glassnet.models import data

if TYPE_CHECKING:
    from glassnet.models.model import Model


def _float64_config(config: dict[str, Any]) -> dict[str, Any]:
    """A model config with float64 for the model and every layer, nested models' included."""
    config = {**config, "dtype": "float64"}
    layers = []
    for entry in config.get("layers", []):
        inner = {k: v for k, v in entry.get("config", {}).items() if k != "dtype"}
        nested = inner.get("model")
        if isinstance(nested, dict) and isinstance(nested.get("config"), dict):
            inner["model"] = {**nested, "config": _float64_config(nested["config"])}
        layers.append({**entry, "config": inner})
    if "layers" in config:
        config["layers"] = layers
    return config


def float64_copy(model: Model) -> Model:
    """The same architecture, weights and loss, in float64 (for exact finite differences)."""
    twin = type(model).from_config(_float64_config(model.get_config()))
    twin.build()
    twin.set_weights([w.astype(np.float64) for w in model.get_weights()])
    from glassnet.models.multi_io import MultiOutputLoss

    loss = model.loss
    if isinstance(loss, MultiOutputLoss):  # several outputs: each its loss and weight again
        cast(Any, twin).compile(  # a functional model's compile takes loss_weights
            optimizer="sgd", loss=dict(zip(loss.names, loss.losses, strict=True)),
            loss_weights=dict(zip(loss.names, loss.weights, strict=True)))
    else:
        twin.compile(optimizer="sgd", loss=loss, metrics=[])
    return twin


def check_gradients(model: Model, x: Any, y: Any, tolerance: float = 1e-6, eps: float = 1e-6,
                    print_fn: Any = print) -> list[dict[str, Any]]:
    """Per layer and weight: max absolute and relative error, and pass/fail.

    Returns the rows; prints them as a table unless ``print_fn`` is None.
    """
    model._check_compiled("check_gradients")
    tolerance = _validate.check_float("check_gradients", "tolerance", tolerance, min=0.0,
                                      min_open=True)
    eps = _validate.check_float("check_gradients", "eps", eps, min=0.0, min_open=True)
    model._ensure_built(data.as_inputs(model._pack_inputs(x), model.dtype, "x"))
    twin = float64_copy(model)
    # the twin packs several inputs itself, in float64 (no rounding to the model's dtype)
    rows = gradcheck.check_model(twin, x, y, eps=eps)
    for row in rows:
        row["passed"] = row["relative_error"] < tolerance
    if print_fn is not None:
        print_fn(format_gradient_table(rows, tolerance))
    return rows


def format_gradient_table(rows: list[dict[str, Any]], tolerance: float = 1e-6) -> str:
    width = 78
    head = f"{'Layer (weight)':<32}{'Shape':<16}{'Max abs err':>12}{'Rel. error':>12}{'':>6}"
    lines = ["Gradient check: backward pass vs central differences (float64)", "_" * width,
             head, "=" * width]
    for r in rows:
        lines.append(f"{r['layer'] + ' (' + r['param'] + ')':<32}{str(tuple(r['shape'])):<16}"
                     f"{r['max_abs_error']:>12.2e}{r['relative_error']:>12.2e}"
                     f"{'  ok' if r['passed'] else '  FAIL':>6}")
    lines.append("=" * width)
    failed = sum(not r["passed"] for r in rows)
    lines.append(f"{len(rows) - failed} of {len(rows)} weight tensors pass "
                 f"(relative error < {tolerance:g}).")
    return "\n".join(lines)


@dataclass
class LayerStep:
    """What one layer saw and did during one gradient-descent step (all float64 arrays)."""

    name: str
    kind: str
    z: np.ndarray | None = None
    a: np.ndarray | None = None
    delta: np.ndarray | None = None
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    updates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def dW(self) -> np.ndarray | None:  # noqa: N802 - the workshop's notation
        return self.grads.get("kernel")

    @property
    def db(self) -> np.ndarray | None:
        return self.grads.get("bias")


class _StepRecorder:
    """A graph observer filling one :class:`LayerStep` per node of the walked graph."""

    def __init__(self, steps: list[LayerStep]) -> None:
        self.steps = steps

    def on_forward(self, k: int, layer: Layer, x: Any, y: np.ndarray) -> None:
        step = self.steps[k]
        step.a = y.copy()
        if _has_activation(layer):
            # Recomputed: Dense writes f(z) over z when f' needs only a (ReLU, sigmoid ...).
            step.z = layer.preactivation(x, training=False)

    def on_backward(self, k: int, layer: Layer, grad_y: np.ndarray, grad_x: Any,
                    preactivation: bool) -> None:
        step = self.steps[k]
        if preactivation:  # softmax/sigmoid + cross-entropy: dL/dz = p - y (scaled by 1/m)
            step.delta = grad_y.copy()
        elif _has_activation(layer):
            assert layer.activation is not None and step.z is not None and step.a is not None
            step.delta = layer.activation.backward(step.z, step.a, grad_y)


def _has_activation(layer: Layer) -> bool:
    """Layers that end with an activation ``a = f(z)`` and can show ``z`` (Dense, Conv2D,
    Activation): the contract's :attr:`Layer.has_preactivation_backward`."""
    return layer.activation is not None and layer.has_preactivation_backward


def explain_step(model: Model, x: Any, y: Any, learning_rate: float | None = None
                 ) -> list[LayerStep]:
    """One plain gradient-descent step on a float64 copy, laid open layer by layer.

    For a Dense layer: ``z = a_prev W + b``, ``a = f(z)``, ``delta = dL/dz``,
    ``dW = a_prev.T delta``, ``db = sum(delta)``, update ``-lr * dW``. Every model kind
    works (a functional graph gives one entry per layer of ``model.layers``, merges
    included); ``z`` and ``delta`` are shown for layers that end with an activation, ``a``
    (the output) for every layer. The model itself is not changed.
    """
    model._check_compiled("explain_step")
    assert model.optimizer is not None  # compiled
    packed = data.as_inputs(model._pack_inputs(x), model.dtype, "x")
    if learning_rate is not None:
        learning_rate = _validate.check_float("explain_step", "learning_rate", learning_rate,
                                              min=0.0, min_open=True)
    lr = float(model.optimizer.learning_rate if learning_rate is None else learning_rate)
    model._ensure_built(packed)
    twin = float64_copy(model)
    # the twin packs several inputs itself, in float64 (no rounding to the model's dtype)
    x = data.as_inputs(twin._pack_inputs(x), np.dtype(np.float64), "x")
    twin._prepare_training()
    y = twin._targets(y, len(x))
    steps = [LayerStep(str(layer.name), type(layer).__name__) for layer in twin.layers]
    recorder = _StepRecorder(_by_node(twin, steps))
    twin._compute_gradients(x, y, None, training=False, observer=recorder)
    for step, layer in zip(steps, twin.layers, strict=True):
        step.grads = {k: g.copy() for k, g in layer.grads.items()}
        step.updates = {k: -lr * g for k, g in step.grads.items()}
    return steps


def _by_node(model: Model, steps: list[LayerStep]) -> list[LayerStep]:
    """``steps`` (one per ``model.layers`` entry) in the order of the walker's nodes."""
    index = {id(layer): i for i, layer in enumerate(model.layers)}
    return [steps[index[id(layer)]] for layer in model._graph.layers]


def format_step(steps: list[LayerStep], precision: int = 4) -> str:
    """A readable print-out of :func:`explain_step` for small networks."""
    opts: dict[str, Any] = {"precision": precision, "suppress_small": True, "max_line_width": 100}
    out = []
    for s in steps:
        out.append(f"== {s.name} ({s.kind})")
        for label, value in (("z", s.z), ("a", s.a), ("delta = dL/dz", s.delta)):
            if value is not None:
                out.append(f"  {label}:\n" + _indent(np.array2string(value, **opts)))
        for key, g in s.grads.items():
            out.append(f"  d{key}:\n" + _indent(np.array2string(g, **opts)))
            out.append(f"  update {key} (-lr * d{key}):\n"
                       + _indent(np.array2string(s.updates[key], **opts)))
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
