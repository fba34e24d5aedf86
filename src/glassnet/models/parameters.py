"""One flat vector for every trainable weight; each layer's arrays become views into it.

Why: an optimizer step is then a handful of vectorised operations over one contiguous array
(``theta -= lr * grad``) instead of a Python loop over every weight with a dozen temporaries
each. Layers never notice: ``layer.params['kernel']`` is still an ``(in, units)`` array, and
``backward`` writes ``layer.grads['kernel']`` in place, which lands in ``grad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from glassnet.layers.base import Layer

if TYPE_CHECKING:
    from glassnet.optimizers import Optimizer


class FlatParameters:
    """Trainable parameters of ``layers`` packed into ``theta``, their gradients into ``grad``.

    Parameters
    ----------
    layers : sequence of built Layer
        Layers with ``trainable=False`` keep their own arrays and are left out.
    dtype : numpy dtype
        The vector's dtype. Trainable weights of another dtype (a ``Dense(dtype="float64")``
        in a float32 model) keep their own arrays too: they are listed in ``loose`` and the
        optimizer updates them one by one.

    Attributes
    ----------
    theta, grad : ndarray of shape (n_trainable,)
    slots : list of (layer, key, slice)
    loose : list of (layer, key)
        Trainable weights not of ``dtype``.
    order : list of (layer, key)
        Every trainable weight, in layer order (``model.trainable_weights``).
    trainable : tuple of bool
        Each layer's ``trainable`` when packed: a model repacks when it changes.
    """

    def __init__(self, layers: Sequence[Layer], dtype: np.dtype) -> None:
        self.layers = list(layers)
        self.trainable = tuple(layer.trainable for layer in self.layers)
        # Layers that freeze weight by weight (a model used as a layer, its inner layers'
        # flags): their trainable keys when packed, checked again by `current`.
        self.nested = [(layer, layer.trainable_params()) for layer in self.layers
                       if type(layer).trainable_params is not Layer.trainable_params]
        self.order = [(layer, key) for layer in layers for key in layer.trainable_params()]
        entries = [(layer, key) for layer, key in self.order if layer.params[key].dtype == dtype]
        self.loose = [(layer, key) for layer, key in self.order
                      if layer.params[key].dtype != dtype]
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
        #: ``(layer, key, constraint)`` of every constrained trainable weight, in order.
        self.constraints = [(layer, key, layer.weight_constraints[key]) for layer, key in self.order
                            if key in layer.weight_constraints]

    def apply_constraints(self) -> None:
        """Project each constrained weight in place (after the optimizer's update)."""
        for layer, key, constraint in self.constraints:
            w = layer.params[key]
            w[...] = constraint(w)

    def current(self, layers: Sequence[Layer]) -> bool:
        """Whether this packing still matches ``layers`` and their ``trainable`` flags."""
        return (len(layers) == len(self.layers)
                and all(a is b for a, b in zip(layers, self.layers, strict=True))
                and self.trainable == tuple(layer.trainable for layer in layers)
                and all(layer.trainable_params() == keys for layer, keys in self.nested)
                # every packed weight still a view of theta (no layer rebuilt since)
                and all(layer.params.get(key) is not None and layer.params[key].base is self.theta
                        for layer, key, _ in self.slots))

    def loose_params(self) -> list[np.ndarray]:
        return [layer.params[key] for layer, key in self.loose]

    def loose_grads(self) -> list[np.ndarray]:
        return [layer.grads[key] for layer, key in self.loose]

    @property
    def size(self) -> int:
        return int(self.theta.size)


Layout = list[tuple[list[tuple[Layer, str, slice]], tuple[int, ...]]]


def _layout(flat: FlatParameters, clip: bool) -> Layout:
    """The optimizer's parameter arrays for ``flat`` (as ``_prepare_training`` hands them
    over): for each, the weights it holds (where, raveled) and its shape."""
    def whole(layer: Layer, key: str) -> slice:
        return slice(0, layer.params[key].size)

    if clip:  # one 1-D view per packed weight
        arrays: Layout = [([(layer, key, whole(layer, key))], (part.stop - part.start,))
                          for layer, key, part in flat.slots]
    else:
        arrays = [(list(flat.slots), (flat.size,))]
    return arrays + [([(layer, key, whole(layer, key))], layer.params[key].shape)
                     for layer, key in flat.loose]


def carry_slots(optimizer: Optimizer, old: FlatParameters, new: FlatParameters,
                 clip: bool, stash: dict[tuple[int, str], dict[str, np.ndarray]]
                 ) -> list[dict[str, np.ndarray]]:
    """The optimizer's slots laid out for ``new``: each weight's values from ``old`` when it
    was trainable there, else from ``stash`` (kept while it was frozen, as Keras's optimizer
    keeps a frozen variable's slots), else the slot's initial value. Weights frozen now go
    into ``stash``."""
    assert optimizer._slots is not None
    known = stash
    for (entries, _), slots in zip(_layout(old, clip), optimizer._slots, strict=False):
        for layer, key, part in entries:
            known[(id(layer), key)] = {s: v.reshape(-1)[part].copy() for s, v in slots.items()}
    out = []
    for entries, shape in _layout(new, clip):
        dtype = new.theta.dtype if not entries else entries[0][0].params[entries[0][1]].dtype
        flat_slots = {s: np.full(int(np.prod(shape)), optimizer._initial_slot_value(s),
                                 dtype=dtype) for s in optimizer.slot_names}
        for layer, key, part in entries:
            for s, value in known.pop((id(layer), key), {}).items():
                flat_slots[s][part] = value
        out.append({s: v.reshape(shape) for s, v in flat_slots.items()})
    return out
