"""One flat vector for every trainable weight; each layer's arrays become views into it.

Why: an optimizer step is then a handful of vectorised operations over one contiguous array
(``theta -= lr * grad``) instead of a Python loop over every weight with a dozen temporaries
each. Layers never notice: ``layer.params['kernel']`` is still an ``(in, units)`` array, and
``backward`` writes ``layer.grads['kernel']`` in place, which lands in ``grad``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from glassnet.layers.base import Layer


class FlatParameters:
    """Trainable parameters of ``layers`` packed into ``theta``, their gradients into ``grad``.

    Parameters
    ----------
    layers : sequence of built Layer
        Layers with ``trainable=False`` keep their own arrays and are left out.
    dtype : numpy dtype

    Attributes
    ----------
    theta, grad : ndarray of shape (n_trainable,)
    slots : list of (layer, key, slice)
    """

    def __init__(self, layers: Sequence[Layer], dtype: np.dtype) -> None:
        entries = [
            (layer, key) for layer in layers if layer.trainable for key in layer.params
        ]
        total = sum(layer.params[key].size for layer, key in entries)
        self.theta = np.empty(total, dtype=dtype)
        self.grad = np.zeros(total, dtype=dtype)
        self.slots: list[tuple[Layer, str, slice]] = []
        offset = 0
        for layer, key in entries:
            p = layer.params[key]
            part = slice(offset, offset + p.size)
            self.theta[part] = p.ravel()
            layer.params[key] = self.theta[part].reshape(p.shape)
            layer.grads[key] = self.grad[part].reshape(p.shape)
            self.slots.append((layer, key, part))
            offset += p.size

    @property
    def size(self) -> int:
        return int(self.theta.size)
