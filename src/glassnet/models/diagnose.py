"""Finding where a NaN or inf first appeared, and saying what to do about it.

Training checks the loss and the gradients of every step *before* the optimizer updates
anything (:meth:`glassnet.models.model.Model._train_step`). When one is not finite, the
weights are still those that produced it, so :func:`non_finite_error` replays the batch
through the same gradient step, watching every node of the graph walker, and names the
first layer and operation whose result is NaN or inf, with the range of what it received.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.layers.base import Layer

if TYPE_CHECKING:
    from glassnet.models.model import Model


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or inf loss or gradient. The message names the layer and
    operation where the first non-finite value appeared and suggests remedies; the weights
    are left as they were before that step."""


class NonFiniteStep(FloatingPointError):
    """Raised inside one training step, before the update, when the loss or a gradient is
    NaN or inf (``fit`` turns it into :class:`NonFiniteLossError` or a quiet stop)."""

    def __init__(self, loss: float) -> None:
        super().__init__(f"non-finite step (loss {loss})")
        self.loss = loss


def _range(a: Any) -> str:
    arrays = a if isinstance(a, (list, tuple)) else [a]
    finite = [x[np.isfinite(x)] for x in arrays]
    finite = [f for f in finite if f.size]
    if not finite:
        return "no finite values"
    lo = min(float(f.min()) for f in finite)
    hi = max(float(f.max()) for f in finite)
    bad = sum(int(np.size(x) - np.isfinite(x).sum()) for x in arrays)
    extra = f", and {bad} NaN/inf entries" if bad else ""
    return f"[{lo:.3g}, {hi:.3g}]{extra}"


def _finite(a: Any) -> bool:
    if isinstance(a, (list, tuple)):
        return all(_finite(x) for x in a)
    return a is None or bool(np.isfinite(a).all())


def _product_name(layer: Layer) -> str:
    """The layer's weighted operation, as the message names it."""
    kernel = layer.params.get("kernel")
    if kernel is None:
        return f"forward pass ({type(layer).__name__})"
    if kernel.ndim == 2:
        return "matmul (x @ kernel" + (" + bias)" if "bias" in layer.params else ")")
    return "convolution (kernel" + (" + bias)" if "bias" in layer.params else ")")


class _Watch:
    """A graph observer that remembers the first non-finite value, forward and backward."""

    def __init__(self, training: bool) -> None:
        self.training = training
        self.forward_at: str | None = None
        self.backward_at: str | None = None

    def on_forward(self, k: int, layer: Layer, x: Any, y: np.ndarray) -> None:
        if self.forward_at is not None or _finite(y):
            return
        who = f"layer '{layer.name}' ({type(layer).__name__})"
        if layer.branch is not None:  # look inside (a residual block's layers)
            inner = _Watch(self.training)
            layer.branch.forward(x, self.training, observer=inner)
            if inner.forward_at is not None:
                self.forward_at = f"{inner.forward_at} (inside {who})"
                return
        act = layer.activation
        if act is not None and act.name != "linear" and layer.has_preactivation_backward:
            z = layer.preactivation(x, self.training)
            if _finite(z):
                self.forward_at = (f"{who}, in its activation '{act.name}'; the activation's "
                                   f"input ranged over {_range(z)}")
                return
            op = _product_name(layer)
        else:
            op = _product_name(layer)
        self.forward_at = f"{who}, in its {op}; its input ranged over {_range(x)}"

    def on_backward(self, k: int, layer: Layer, grad_y: np.ndarray, grad_x: Any,
                    preactivation: bool) -> None:
        if self.backward_at is not None:
            return
        who = f"layer '{layer.name}' ({type(layer).__name__})"
        if not _finite(grad_y):
            self.backward_at = f"the loss gradient reaching {who}"
            return
        for key, g in layer.grads.items():
            if not _finite(g):
                self.backward_at = (f"the backward pass of {who}: dL/d{key}, from an incoming "
                                    f"gradient ranging over {_range(grad_y)}")
                return
        if not _finite(grad_x):
            self.backward_at = (f"the backward pass of {who}: dL/dx, from an incoming "
                                f"gradient ranging over {_range(grad_y)}")


def _largest_gradient(model: Model) -> str:
    """The largest finite gradient entry of the last step, the weight it belongs to, and how
    many entries are not finite."""
    flat = model._flat
    if flat is None or flat.grad.size == 0:
        return "none (no trainable weights)"
    grad = np.abs(flat.grad)
    bad = ~np.isfinite(grad)
    grad[bad] = 0.0
    i = int(np.argmax(grad))
    owner = next((f" ({layer.name} `{key}`)" for layer, key, part in flat.slots
                  if part.start <= i < part.stop), "")
    n_bad = int(bad.sum())
    text = "none" if n_bad == grad.size else f"{float(grad[i]):.3g}{owner}"
    return text + (f"; {n_bad} of {grad.size} gradient entries are NaN/inf" if n_bad else "")


def _replay(model: Model, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None) -> _Watch:
    """The failing step again, watched node by node; layer state and noise streams are put
    back afterwards, so the model is left exactly as it was."""
    saved_state = [(arr, arr.copy()) for layer in model.layers for arr in layer.state.values()]
    saved_rng = [(layer.noise_rng, layer.noise_rng.bit_generator.state)
                 for layer in model.layers if layer.noise_rng is not None]
    watch = _Watch(training=True)
    try:
        with np.errstate(all="ignore"):
            model._compute_gradients(xb, yb, wb, training=True, observer=watch)
    finally:
        for arr, before in saved_state:
            arr[...] = before
        for rng, state in saved_rng:
            rng.bit_generator.state = state
    return watch


def non_finite_error(model: Model, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None,
                     loss: float, epoch: int | None = None, step: int | None = None
                     ) -> NonFiniteLossError:
    """The error for a step whose loss or gradients are not finite (nothing was updated).

    Parameters
    ----------
    model : Model
        Compiled and prepared for training; its gradients are those of the failing step.
    xb, yb, wb : ndarray
        The batch (inputs, targets, sample weights or None).
    loss : float
        The step's loss.
    epoch, step : int, optional
        Where in ``fit`` (0-based; shown 1-based for the epoch, as the progress bar does).
    """
    biggest = _largest_gradient(model)  # before the replay overwrites the gradients
    lr = float(model.optimizer.learning_rate) if model.optimizer is not None else float("nan")
    where = next((f"the weights of layer '{layer.name}' (`{key}` holds NaN/inf)"
                  for layer in model.layers for key, p in {**layer.params, **layer.state}.items()
                  if not _finite(p)), None)
    if where is None:
        watch = _replay(model, xb, yb, wb)
        loss_name = getattr(model.loss, "name", "loss")
        where = (watch.forward_at
                 or (f"the loss '{loss_name}' itself; the model's output ranged over "
                     f"{_range(model._forward(xb, training=False))}"
                     if not np.isfinite(loss) else None)
                 or watch.backward_at or "no value on replay (the step's randomness, e.g. "
                 "dropout, differed)")
    when = "in train_on_batch" if epoch is None else f"at epoch {epoch + 1}, batch {step}"
    what = (f"The loss became {loss}" if not np.isfinite(loss)
            else f"A gradient became NaN or inf (the loss was {loss:.6g})")
    return NonFiniteLossError(
        f"{what} {when}; the step was not applied, so the weights are those from before this "
        f"batch. The first non-finite value appeared in {where}. Learning rate: {lr:g}; "
        f"largest finite gradient entry: {biggest}. Remedies: lower the learning rate, clip "
        "gradients (optimizer clipnorm=1.0), use a better initialisation (he_normal for "
        "ReLU), scale the inputs, or add TerminateOnNaN() to stop quietly instead."
    )
