"""Seeing vanishing and exploding gradients: per-layer gradient statistics during training.

Backpropagation multiplies the output gradient by one Jacobian per layer on its way to the
input. For a plain stack of sigmoid layers each factor is ``W^T diag(s'(z))`` with
``s'(z) = a (1 - a) <= 1/4``, so the gradient reaching layer ``l`` of ``L`` shrinks roughly
like ``(||W|| / 4)^(L - l)``: the first layers of a 30-layer sigmoid network receive
gradients many orders of magnitude smaller than the last, and barely learn. ReLU (slope 1
where active) with He initialisation keeps the factor near 1 on average; a residual block
``y = x + f(x)`` has Jacobian ``I + df/dx``, so the identity carries the gradient through
any depth; normalisation keeps the activations (and so the slopes) in range.

:class:`GradientFlow` records, every ``every`` steps of ``fit``, for each layer with weights:

- ``grad_norm``: ``||dL/dW||`` over all of the layer's parameters (L2, in float64);
- ``weight_norm``: ``||W||`` before the step;
- ``update_ratio``: ``||W_after - W_before|| / ||W_before||`` (``~1e-3`` is healthy; NaN when
  ``||W_before|| = 0``);

and for each layer whose output goes through ReLU, sigmoid or tanh (``Dense(activation=...)``
or ``Activation``), on the training batch of that step:

- ``dead_fraction`` (ReLU): units that output 0 for every sample of the batch;
- ``saturated_fraction`` (sigmoid, tanh): outputs within ``saturation`` of the asymptotes.

Outside ``fit``, :meth:`GradientFlow.measure` records one batch's statistics without
training (the gradient flow of a freshly initialised network, say), through the model's own
gradient step :meth:`~glassnet.models.model.Model.compute_gradients`. Any model kind works:
Sequential, functional graphs with merges, residual blocks.

The records live in the callback's :attr:`GradientFlow.records` (plain dicts and floats, so
``json.dumps`` writes them), not in ``model.history``: History holds one scalar per epoch,
these are one vector per layer per recording. Draw them with
:func:`glassnet.plotting.gradients.plot_gradient_flow`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.callbacks import Callback
from glassnet.layers.base import Layer

if TYPE_CHECKING:
    from glassnet.models.model import Model

_TRACKED = ("relu", "sigmoid", "tanh")


def _norm(arrays: list[np.ndarray]) -> float:
    """L2 norm over several arrays, in float64 (float32 squares of 1e-20 would underflow)."""
    return math.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays))


def _activation_name(layer: Layer) -> str | None:
    name = layer.activation.name if layer.activation is not None else None
    return name if name in _TRACKED else None


def activation_stats(kind: str, a: np.ndarray, saturation: float = 0.05) -> dict[str, float]:
    """Health of one layer's activations ``a`` of shape (batch, ..., units).

    Returns ``{'dead_fraction': f}`` for ReLU (units never positive on this batch) or
    ``{'saturated_fraction': f}`` for sigmoid (``a < s`` or ``a > 1 - s``) and tanh
    (``|a| > 1 - s``), with ``s = saturation``.
    """
    if kind == "relu":
        alive = (a > 0).reshape(-1, a.shape[-1]).any(axis=0)  # (units,)
        return {"dead_fraction": float(1.0 - alive.mean())}
    if kind == "sigmoid":
        return {"saturated_fraction": float(np.mean((a < saturation) | (a > 1 - saturation)))}
    return {"saturated_fraction": float(np.mean(np.abs(a) > 1 - saturation))}


def layer_gradient_stats(layers: list[Layer], before: list[list[np.ndarray]] | None = None
                         ) -> list[dict[str, Any]]:
    """Gradient and weight norms (and update ratios, given the weights ``before``) per layer.

    Parameters
    ----------
    layers : list of Layer
        Built layers with parameters, whose ``grads`` hold the last backward pass.
    before : list of list of ndarray, optional
        Each layer's parameter values before the optimizer step.
    """
    out = []
    for j, layer in enumerate(layers):
        keys = list(layer.params)
        per_param = {}
        for i, key in enumerate(keys):
            w = layer.params[key]
            stats = {"grad_norm": _norm([layer.grads[key]])}
            if before is None:
                stats["weight_norm"] = _norm([w])
            else:
                w0 = _norm([before[j][i]])
                stats["weight_norm"] = w0
                stats["update_ratio"] = _ratio(_norm([w - before[j][i]]), w0)
            per_param[key] = stats
        entry: dict[str, Any] = {
            "name": layer.name, "type": type(layer).__name__,
            "grad_norm": _norm([layer.grads[k] for k in keys]),
        }
        if before is None:
            entry["weight_norm"] = _norm(list(layer.params.values()))
        else:
            entry["weight_norm"] = w0 = _norm(before[j])
            step = _norm([layer.params[k] - b for k, b in zip(keys, before[j], strict=True)])
            entry["update_ratio"] = _ratio(step, w0)
        entry["params"] = per_param
        out.append(entry)
    return out


def _ratio(step: float, weight: float) -> float:
    return step / weight if weight > 0 else float("nan")


class GradientFlow(Callback):
    """Record per-layer gradient statistics while ``fit`` runs (see the module notes).

    Parameters
    ----------
    every : int or 'epoch', default 'epoch'
        ``'epoch'`` records the first step of every epoch; an int ``k`` records steps
        ``0, k, 2k, ...``, counted across epochs (and across several ``fit`` calls).
    saturation : float, default 0.05
        Distance from the asymptotes (0 and 1 for sigmoid, -1 and 1 for tanh) counted as
        saturated.

    Attributes
    ----------
    records : list of dict
        One per recording: ``{'step', 'epoch', 'batch', 'loss', 'layers', 'activations'}``.
        ``loss`` is the running mean of the epoch so far (as the progress bar shows).
        ``layers`` has one entry per layer with parameters, input side first:
        ``{'index', 'name', 'type', 'grad_norm', 'weight_norm', 'update_ratio', 'params'}``
        (``index`` is the position in ``model.layers``; ``params`` holds the same three
        statistics for each parameter: ``params['kernel']['grad_norm']``). ``activations``
        has one entry per layer with a ReLU, sigmoid or tanh output: ``{'index', 'name',
        'activation', 'dead_fraction' or 'saturated_fraction'}``.

    Examples
    --------
    >>> flow = GradientFlow(every=20)
    >>> model.fit(x, y, epochs=5, callbacks=[flow])          # doctest: +SKIP
    >>> flow.series("grad_norm")[1][-1]   # last recording, one norm per layer  # doctest: +SKIP
    """

    def __init__(self, every: int | str = "epoch", saturation: float = 0.05) -> None:
        super().__init__()
        if every != "epoch" and (isinstance(every, bool) or not isinstance(every, int)
                                 or every <= 0):
            raise ValueError(f"GradientFlow `every` must be 'epoch' or a positive int, "
                             f"got {every!r}.")
        if not 0 < saturation < 0.5:
            raise ValueError(f"GradientFlow `saturation` must be in (0, 0.5), got {saturation!r}.")
        self.every = every
        self.saturation = float(saturation)
        self.records: list[dict[str, Any]] = []
        self._step = 0
        self._epoch = 0
        self._recording = False
        self._hooked: list[Layer] = []
        self._acts: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------- hooks
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = int(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        if isinstance(self.every, int):
            self._recording = self._step % self.every == 0
        else:  # 'epoch'
            self._recording = batch == 0
        if not self._recording:
            return
        self._with_params = [layer for layer in self.model.layers if layer.params]
        self._before = [[p.copy() for p in layer.params.values()]
                        for layer in self._with_params]
        self._hook_activations()

    def on_train_batch_end(self, batch, logs=None):
        if self._recording:
            self._unhook()
            index = {id(layer): i for i, layer in enumerate(self.model.layers)}
            layers = layer_gradient_stats(self._with_params, self._before)
            layers = [{"index": index[id(layer)], **entry}
                      for layer, entry in zip(self._with_params, layers, strict=True)]
            self.records.append({
                "step": self._step, "epoch": self._epoch, "batch": int(batch),
                "loss": float((logs or {}).get("loss", float("nan"))),
                "layers": layers,
                "activations": [self._acts[name] for name in sorted(
                    self._acts, key=lambda n: self._acts[n]["index"])],
            })
            self._before = []
            self._recording = False
        self._step += 1

    def on_train_end(self, logs=None):
        self._unhook()  # also when training stopped mid-step

    def measure(self, model: Model, x: Any, y: Any, sample_weight: Any = None
                ) -> dict[str, Any]:
        """Record the statistics of one batch without training (no weight changes).

        Runs :meth:`Model.compute_gradients` on ``(x, y)`` and appends a record like those of
        ``fit`` (``loss`` is this batch's loss; there is no ``update_ratio``, as nothing is
        updated). Returns the record.

        Parameters
        ----------
        model : Model
            A compiled model of any kind.
        x, y : array-like
            One batch of inputs (batch, *input_shape) and its targets.
        sample_weight : array-like of shape (batch,), optional
        """
        self.set_model(model)
        self._hook_activations()
        try:
            step = model.compute_gradients(x, y, sample_weight)
        finally:
            self._unhook()
        with_params = [layer for layer in model.layers if layer.params]
        index = {id(layer): i for i, layer in enumerate(model.layers)}
        layers = [{"index": index[id(layer)], **entry}
                  for layer, entry in zip(with_params, layer_gradient_stats(with_params),
                                          strict=True)]
        record = {"step": self._step, "epoch": self._epoch, "batch": 0,
                  "loss": float(step.loss), "layers": layers,
                  "activations": [self._acts[name] for name in sorted(
                      self._acts, key=lambda n: self._acts[n]["index"])]}
        self.records.append(record)
        return record

    # ------------------------------------------------------------- activation capture
    def _hook_activations(self) -> None:
        """Wrap ``forward`` of every ReLU/sigmoid/tanh layer for this one step."""
        self._acts = {}
        for i, layer in enumerate(self.model.layers):
            kind = _activation_name(layer)
            if kind is None:
                continue
            original = layer.forward

            def hooked(x, training=False, _f=original, _layer=layer, _kind=kind, _i=i):
                a = _f(x, training=training)
                self._acts[_layer.name] = {"index": _i, "name": _layer.name, "activation": _kind,
                                           **activation_stats(_kind, a, self.saturation)}
                return a

            layer.forward = hooked  # an instance attribute, shadowing the method
            self._hooked.append(layer)

    def _unhook(self) -> None:
        for layer in self._hooked:
            if "forward" in vars(layer):
                del layer.forward  # the class's method is visible again
        self._hooked = []

    # ------------------------------------------------------------- reading
    @property
    def layer_names(self) -> list[str]:
        """Names of the recorded layers (those with parameters), input side first."""
        return [e["name"] for e in self.records[0]["layers"]] if self.records else []

    def series(self, key: str = "grad_norm", param: str | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)``: ``values[r, j]`` is ``key`` of layer ``j`` at recording ``r``.

        Parameters
        ----------
        key : str, default 'grad_norm'
            A layer statistic (``'grad_norm'``, ``'weight_norm'``, ``'update_ratio'``) or an
            activation one (``'dead_fraction'``, ``'saturated_fraction'``; then ``j`` runs
            over the layers that have it).
        param : str, optional
            Take the statistic of this parameter only (``'kernel'``), over the layers that
            have it: the weight matrices, without normalisation's ``gamma``/``beta``.
        """
        if not self.records:
            raise ValueError("GradientFlow has no records yet: pass it to fit(callbacks=[...]).")
        steps = np.array([r["step"] for r in self.records])
        if param is not None:
            rows = [[e["params"][param][key] for e in r["layers"] if param in e["params"]]
                    for r in self.records]
        else:
            first = self.records[0]["layers"]
            group = "layers" if first and key in first[0] else "activations"
            rows = [[e[key] for e in r[group] if key in e] for r in self.records]
        return steps, np.array(rows, dtype=np.float64)
