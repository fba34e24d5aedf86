"""The one gradient step every tool runs: forward, loss, backward, regularisation.

``fit``, ``train_on_batch``, ``Model.compute_gradients``, ``check_gradients``,
``explain_step``, the NaN diagnosis and ``GradientFlow`` all call :func:`gradient_step`; only
``fit`` and ``train_on_batch`` follow it with an update (:func:`train_step`), and only when the
loss and every gradient are finite, so a NaN never reaches the weights.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from glassnet.layers.graph import GraphObserver
from glassnet.losses.masks import loss_weights
from glassnet.models import data
from glassnet.models.diagnose import NonFiniteStep

if TYPE_CHECKING:
    from glassnet.models.model import Model


class Gradients(NamedTuple):
    """What :meth:`Model.compute_gradients` returns for one batch.

    Attributes
    ----------
    loss : float
        The batch loss, regularisation penalties included (what ``fit`` reports).
    y_pred : ndarray of shape (batch, *output_shape)
        The model's output.
    grads : list of ndarray
        ``dL/dW`` for every trainable weight, in the order of :attr:`Model.trainable_weights`
        (each trainable layer's ``params``, layers in ``model.layers`` order). These are the
        layers' own ``grads`` arrays: the next step overwrites them, so copy what you keep.
    """

    loss: float
    y_pred: np.ndarray
    grads: list[np.ndarray]


def checked_batch(model: Model, x: Any, y: Any, sample_weight: Any, what: str,
                  class_weight: dict | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(x, y, sample_weight)`` of one batch checked and converted; the model built and
    prepared for a gradient step. ``what`` names the caller in the not-compiled error."""
    model._check_compiled(what)
    xb = data.as_inputs(model._pack_inputs(x), model.dtype)
    model._ensure_built(xb)
    model._check_input_shape(xb)
    model._prepare_training()
    yb = model._targets(y, len(xb))
    return xb, yb, data.as_sample_weight(sample_weight, class_weight, yb, len(xb))


def gradient_step(model: Model, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None,
                  training: bool = True, observer: GraphObserver | None = None
                  ) -> tuple[float, np.ndarray]:
    """Loss and output of one checked batch; every gradient written into the layers'
    ``grads`` (the model's flat gradient vector). Nothing is updated.

    Shapes: ``xb`` (batch, *input_shape), ``yb`` as the loss takes it, ``wb`` (batch,).
    The model must be prepared (``_prepare_training``: fused output, regularised layers).
    """
    loss_fn = model.loss
    assert loss_fn is not None  # compiled: callers check first
    # A model with a graph is walked by it (``Model._forward``/``_backward``, called here
    # directly: this runs once per training step); a subclassed model runs its ``call``.
    graph = model.__dict__.get("_graph")
    fused = model._fused
    if graph is None:
        out = model._forward(xb, training, observer)
        mask = None
    else:
        out = graph.forward(xb, training, observer)
        mask = graph.output_mask  # (Model._output_mask)
    if mask is not None:  # a masked sequence output: padded steps weigh 0
        wb = loss_weights(loss_fn, wb, mask, out)
    if fused:  # dL/dz through the output activation (softmax/sigmoid + CE)
        loss, grad = loss_fn.value_and_logit_gradient(yb, out, wb)
    else:
        loss, grad = loss_fn.value_and_gradient(yb, out, wb)
    if graph is None:
        model._backward(grad, fused, observer)
    else:
        graph.backward(grad, fused, observer)
    if graph is not None and not graph._plain:  # activity regularizers ran in forward
        loss += graph.activity_penalty
    elif graph is None:  # a subclassed model's add_loss terms (their gradient: its backward)
        loss += sum(model.__dict__.get("_added_losses", ()))
    for layer in model._regularized:
        loss += layer.penalty()
        layer.add_penalty_gradients()
    return loss, out


def finite_gradients(grad: np.ndarray) -> bool:
    """True when every entry of ``grad`` is finite. One BLAS product per step: ``g . g`` is
    NaN or inf when an entry is; only when it overflows are the entries checked one by one."""
    return math.isfinite(np.dot(grad, grad)) or bool(np.isfinite(grad).all())


def train_step(model: Model, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None
               ) -> tuple[float, np.ndarray]:
    """:func:`gradient_step`, then the optimizer's update.

    Raises
    ------
    NonFiniteStep
        *Before* the update, when the loss or a gradient is NaN or inf: the weights are
        left as they were, for the diagnosis to replay the batch.
    """
    loss, out = gradient_step(model, xb, yb, wb)
    flat, optimizer = model._flat, model.optimizer
    assert flat is not None and optimizer is not None  # built and compiled
    grad = flat.grad  # finite_gradients(grad), inline: this runs once per step
    if not math.isfinite(loss) or not (math.isfinite(np.dot(grad, grad)) or finite_gradients(grad)) \
            or (flat.loose and not all(finite_gradients(g.reshape(-1)) for g in flat.loose_grads())):
        raise NonFiniteStep(loss)
    optimizer.step(model._opt_params, model._opt_grads)
    if flat.constraints:  # Keras's kernel_constraint ...: projected after the update
        flat.apply_constraints()
    return loss, out
