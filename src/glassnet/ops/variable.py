"""``Variable``: a layer weight made by ``Layer.add_weight``, read by the ops as an array.

A Variable does not hold its array: it names one entry of its layer's ``params`` (trainable)
or ``state`` (non-trainable) and reads it on each use. A model may rebind ``params`` entries
to views into its flat parameter vector (:mod:`glassnet.models.parameters`); a Variable then
sees the new array, so ``self.kernel`` in a layer's ``call`` is always the weight the
optimizer updates. While a :class:`~glassnet.ops.tape.Tape` records, a trainable Variable
read by an op becomes a leaf of that tape, so the tape can return ``dL/dweight``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.ops.tape import ArrayAttributes, Traced, active_tape


class Variable(ArrayAttributes):
    """One weight of a layer, by reference.

    Parameters
    ----------
    layer : Layer
    key : str
        Its key in ``layer.params`` (trainable) or ``layer.state``.
    trainable : bool
    spec : dict
        ``shape``, ``initializer``, ``regularizer``, ``dtype``: what re-creates the array
        when the layer is built again.
    """

    __array_ufunc__ = None  # ndarray (op) Variable -> Variable's reflected operator

    def __init__(self, layer: Any, key: str, trainable: bool, spec: dict[str, Any]) -> None:
        self.layer = layer
        self.key = key
        self.trainable = bool(trainable)
        self.spec = spec

    @property
    def name(self) -> str:
        return self.key

    @property
    def path(self) -> str:
        return f"{self.layer.name}/{self.key}"

    @property
    def value(self) -> np.ndarray:
        """The current array (a view into the model's flat vector once compiled)."""
        store = self.layer.params if self.trainable else self.layer.state
        return store[self.key]

    def numpy(self) -> np.ndarray:
        return self.value.copy()

    def assign(self, value: Any) -> None:
        """Overwrite the weight in place (its array is never rebound)."""
        self.value[...] = np.asarray(value)

    def assign_add(self, value: Any) -> None:
        self.value[...] += np.asarray(value)

    def assign_sub(self, value: Any) -> None:
        self.value[...] -= np.asarray(value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.value if dtype is None else self.value.astype(dtype)

    def _lift(self) -> tuple[np.ndarray, Traced | None]:
        """``(array, leaf)``: the recording tape's leaf for a trainable weight, else None."""
        tape = active_tape()
        if tape is None or not self.trainable or not tape.watch_accessed_variables:
            return self.value, None
        leaf = tape.leaf_of(self)
        return leaf.value, leaf

    def __repr__(self) -> str:
        return f"<Variable path={self.path!r} shape={self.shape} dtype={self.dtype}>"

    # Python operators are bound in glassnet.ops.__init__, as for Traced.
