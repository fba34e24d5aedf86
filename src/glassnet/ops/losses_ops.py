"""Cross-entropies as ops (Keras's ``ops.binary_crossentropy`` ...), composed of primitives.

Each is written with the differentiable ops, so its gradient comes from theirs: nothing new
to derive. They return per-entry (binary) or per-distribution (categorical) values, not a
mean, as Keras's do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.ops import elementwise as el
from glassnet.ops import nn, reductions
from glassnet.ops.tape import unpack

EPSILON = 1e-7  # Keras's clip for probabilities


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    """``-(t log p + (1 - t) log(1 - p))`` elementwise.

    From logits ``z``: ``max(z, 0) - z t + log(1 + e^-|z|)``, which never overflows.
    """
    if from_logits:
        return el.subtract(el.add(el.maximum(output, 0.0), nn.softplus(el.negative(el.abs(output)))),
                           el.multiply(output, target))
    p = el.clip(output, EPSILON, 1.0 - EPSILON)
    return el.negative(el.add(el.multiply(target, el.log(p)),
                              el.multiply(el.subtract(1.0, target), el.log(el.subtract(1.0, p)))))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> Any:
    """``-sum_k t_k log p_k`` along ``axis``; ``p`` renormalised and clipped as in Keras, or
    ``log_softmax(output)`` from logits."""
    if from_logits:
        logp = nn.log_softmax(output, axis=axis)
    else:
        p = el.divide(output, reductions.sum(output, axis=axis, keepdims=True))
        logp = el.log(el.clip(p, EPSILON, 1.0 - EPSILON))
    return el.negative(reductions.sum(el.multiply(target, logp), axis=axis))


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> Any:
    """:func:`categorical_crossentropy` with integer labels ``target``."""
    labels = np.asarray(unpack(target)[0])
    n_classes = np.shape(unpack(output)[0])[axis]
    onehot = nn.one_hot(labels.reshape(labels.shape), n_classes, axis=axis,
                        dtype=np.result_type(unpack(output)[0], np.float32))
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)
