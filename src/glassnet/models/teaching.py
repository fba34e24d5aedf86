"""Teaching aids on a model: a gradient check per layer, and one gradient step laid open.

``model.check_gradients(x, y)`` compares every weight's backward-pass gradient with central
differences of the compiled loss (regularisation included) on a float64 copy of the model, and
prints a table in the ``summary()`` layout.

``model.explain_step(x, y)`` performs one plain gradient-descent step on a float64 copy and
returns, per layer, what the workshop derives by hand: the pre-activation ``z``, the activation
``a``, the back-propagated ``delta = dL/dz``, ``dW``, ``db`` and the update ``-lr * dW``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet import gradcheck


def float64_copy(model: Any) -> Any:
    """The same architecture, weights and loss, in float64 (for exact finite differences)."""
    config = dict(model.get_config())
    config["dtype"] = "float64"
    for layer_config in config.get("layers", []):
        layer_config.get("config", {}).pop("dtype", None)
    twin = type(model).from_config(config)
    twin.build()
    twin.set_weights([w.astype(np.float64) for w in model.get_weights()])
    twin.compile(optimizer="sgd", loss=model.loss, metrics=[])
    return twin


def check_gradients(model: Any, x: Any, y: Any, tolerance: float = 1e-6, eps: float = 1e-6,
                    print_fn: Any = print) -> list[dict[str, Any]]:
    """Per layer and weight: max absolute and relative error, and pass/fail.

    Returns the rows; prints them as a table unless ``print_fn`` is None.
    """
    model._check_compiled("check_gradients")
    x = np.asarray(x)
    model._ensure_built(np.asarray(x, dtype=model.dtype))
    twin = float64_copy(model)
    rows = gradcheck.check_model(twin, np.asarray(x, dtype=np.float64), y, eps=eps)
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


def explain_step(model: Any, x: Any, y: Any, learning_rate: float | None = None) -> list[LayerStep]:
    """One plain gradient-descent step on a float64 copy, laid open layer by layer.

    For a Dense layer: ``z = a_prev W + b``, ``a = f(z)``, ``delta = dL/dz``,
    ``dW = a_prev.T delta``, ``db = sum(delta)``, update ``-lr * dW``. The model itself is
    not changed. Sequential models only.
    """
    model._check_compiled("explain_step")
    if not hasattr(model, "_layers"):
        raise TypeError("explain_step supports Sequential models.")
    lr = float(model.optimizer.learning_rate if learning_rate is None else learning_rate)
    model._ensure_built(np.asarray(x, dtype=model.dtype))
    twin = float64_copy(model)
    x = np.asarray(x, dtype=np.float64)
    twin._prepare_training()
    y = twin._targets(y, len(x))
    out = twin._forward(x, training=False)
    steps = [LayerStep(layer.name, type(layer).__name__) for layer in twin.layers]
    for step, layer in zip(steps, twin.layers, strict=True):
        cache = layer._cache
        if type(layer).__name__ == "Dense":
            # Recomputed: the layer writes f(z) over z when f' needs only a (ReLU, sigmoid ...).
            step.z, step.a = _dense_preactivation(layer, cache[0]), cache[2]
        elif type(layer).__name__ == "Activation":
            step.z, step.a = cache
    if twin._fused:
        _, grad = twin.loss.value_and_logit_gradient(y, out)
    else:
        _, grad = twin.loss.value_and_gradient(y, out)
    layers = twin.layers
    end = len(layers)
    if twin._fused:
        end -= 1
        steps[end].delta = grad  # softmax/sigmoid + cross-entropy: dL/dz = p - y (scaled by 1/m)
        grad = layers[end].backward_preactivation(grad)
    for i in range(end - 1, -1, -1):
        layer = layers[i]
        if type(layer).__name__ == "Dense":
            steps[i].delta = layer.activation.backward(steps[i].z, steps[i].a, grad)
        if hasattr(layer, "input_grad_needed"):
            layer.input_grad_needed = True
        grad = layer.backward(grad)
        if type(layer).__name__ == "Activation":
            steps[i].delta = grad
    for layer in twin._regularized:
        layer.add_penalty_gradients()
    for step, layer in zip(steps, layers, strict=True):
        step.grads = {k: g.copy() for k, g in layer.grads.items()}
        step.updates = {k: -lr * g for k, g in step.grads.items()}
    return steps


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


def _dense_preactivation(layer, x: np.ndarray) -> np.ndarray:
    """``z = x W + b`` of a Dense layer for its cached input ``x`` (batch, in)."""
    z = x @ layer.params["kernel"]
    return z + layer.params["bias"] if layer.use_bias else z
