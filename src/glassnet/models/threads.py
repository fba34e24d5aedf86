"""How many BLAS threads a model's matrix products get.

Small products (the workshop's 784-30-30-10 net in batches of 32) run fastest on one thread:
waking a second costs more than it saves, and on a shared 2-core machine two threads collapse
when another process competes. Large products (wide layers, convolutions) want every core.
The choice is made once per ``fit``/``predict`` from the model's estimated work per step, and
applied with threadpoolctl (the ``speed`` extra); without it, BLAS keeps its own setting.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from glassnet.models.model import Model

#: When no single layer's products reach this many floating-point operations per training
#: step, use one BLAS thread. (Per layer, not summed: a 32-layer net of width 64 is many small
#: products, each too small to share between threads.)
SMALL_STEP_FLOPS = 3e7


def layer_flops(model: Model, batch_size: int) -> list[float]:
    """Rough multiply-adds x 2 for forward + backward (x 3) of each layer with a kernel.

    A kernel's last axis is its output width; ``kernel.size / out`` inputs feed each output
    value, and the layer's output shape says how many output values a sample has.
    """
    flops = []
    shapes = model.layer_output_shapes()
    for i, layer in enumerate(model.layers):
        kernel = layer.params.get("kernel")
        if kernel is None:
            continue
        shape: Any = shapes[i][0] if isinstance(shapes[i], list) else shapes[i]  # several: first
        outputs = float(np.prod([d for d in shape[1:] if d is not None]))
        fan_in = kernel.size / kernel.shape[-1]
        flops.append(3.0 * 2.0 * batch_size * outputs * fan_in)
    return flops


def step_flops(model: Model, batch_size: int) -> float:
    """Rough floating-point operations of one training step (all layers with a kernel)."""
    return float(sum(layer_flops(model, batch_size)))


def blas_threads(model: Model, batch_size: int) -> contextlib.AbstractContextManager:
    """A context in which BLAS uses the thread count that suits this model's step size.

    ``model.blas_threads`` may be ``'auto'`` (default), an int, or None (leave BLAS alone).
    """
    setting = model.blas_threads
    if setting is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    if setting == "auto":
        try:
            limit = 1 if max(layer_flops(model, batch_size), default=0.0) < SMALL_STEP_FLOPS else None
        except (AttributeError, ValueError):
            return contextlib.nullcontext()
        if limit is None:
            return contextlib.nullcontext()
    else:
        limit = int(setting)
    return threadpool_limits(limits=limit, user_api="blas")
