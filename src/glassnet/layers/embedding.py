"""Embedding: integer ids -> rows of a trainable table, ``y[..., :] = E[x[...]]``."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, initializers, regularizers
from glassnet.layers.base import Layer


def _initializer(identifier: Any) -> Any:
    """Keras's ``'uniform'`` is ``RandomUniform(-0.05, 0.05)``; everything else as usual."""
    if isinstance(identifier, str) and identifier.lower() == "uniform":
        return initializers.RandomUniform(-0.05, 0.05)
    return initializers.get(identifier)


class Embedding(Layer):
    """Turn integer ids into dense vectors (Keras's ``Embedding``).

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary: ids are in ``[0, input_dim)``.
    output_dim : int
        Length of each vector.
    embeddings_initializer : str or initializer, default 'uniform'
        Keras's default, ``RandomUniform(-0.05, 0.05)``.
    embeddings_regularizer : str or regularizer, optional
    mask_zero : bool, default False
        True: id 0 is padding. The layer then emits the mask ``x != 0`` (batch, T), which a
        model hands on to the recurrent layers (they skip the padded steps, as in Keras;
        see :mod:`glassnet.layers.masking`).
    input_length : int, optional
        Keras 2's argument: the sequence length, used as the input shape ``(input_length,)``
        when no ``input_shape`` is given.

    Notes
    -----
    ``x`` has shape (batch, ...) of integer ids (a model hands them over as floats, see
    :func:`glassnet.models.data.as_inputs`: they must be whole numbers, exact in float32 up to
    2**24). ``E`` is ``embeddings`` (input_dim, output_dim)::

        y[b, t, :] = E[x[b, t], :]                      (batch, T) -> (batch, T, output_dim)
        dL/dE[v, :] = sum over (b, t) with x[b, t] = v of dL/dy[b, t, :]

    The scatter-add sorts the ids once and sums each run of equal ids with
    ``np.add.reduceat`` (same result as ``np.add.at``, faster). The output does not depend
    smoothly on the ids, so ``backward`` returns zeros of ``x``'s shape as ``dL/dx`` (the true
    derivative of a piecewise-constant lookup) or ``None`` when the model says no one needs
    it (an Embedding is normally the first layer, where the model stops).
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        mask_zero: bool = False,
        input_length: int | None = None,
        **base: Any,
    ) -> None:
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            _validate.check_positive_int("Embedding", arg, value)
        if input_length is not None:
            if (isinstance(input_length, bool) or not isinstance(input_length, (int, np.integer))
                    or input_length <= 0):
                raise ValueError(
                    f"Embedding `input_length` must be a positive integer or None, "
                    f"got {input_length!r}.")
            if base.get("input_shape") is None and base.get("input_dim") is None:
                base["input_shape"] = (int(input_length),)
        super().__init__(**base)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        _initializer(embeddings_initializer)  # fail on a bad name now, not at build
        regularizers.get(embeddings_regularizer)
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = embeddings_regularizer
        self.mask_zero = _validate.check_bool(type(self).__name__, "mask_zero", mask_zero)
        self.input_length = None if input_length is None else int(input_length)
        #: The model clears this on its first layer: no one needs dL/dx there.
        self.input_grad_needed = True

    def _who(self) -> str:
        """``LSTM 'lstm_1'`` for messages (just ``LSTM`` before a model has named it)."""
        return f"{type(self).__name__} '{self.name}'" if self.name else type(self).__name__

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        if self.input_length is not None and input_shape and input_shape[0] not in (
                None, self.input_length):
            raise ValueError(
                f"{self._who()} was given input_length={self.input_length}, but "
                f"receives sequences of shape {(None,) + input_shape}."
            )
        super().build(input_shape, rng)
        self.add_param("embeddings", (self.input_dim, self.output_dim),
                       _initializer(self.embeddings_initializer), rng,
                       self.embeddings_regularizer)

    def output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _ids(self, x: np.ndarray) -> np.ndarray:
        """``x`` as ``intp`` ids, after checking they are whole numbers in range."""
        x = np.asarray(x)
        if x.ndim < 1:
            raise ValueError(
                f"{self._who()} expects an array of ids of shape (batch, ...), got a "
                f"scalar.")
        if x.dtype.kind == "f":
            if not np.isfinite(x).all() or (x != np.rint(x)).any():
                raise ValueError(
                    f"{self._who()} expects integer ids, but the input of shape "
                    f"{x.shape} holds non-integer values (e.g. {float(x[x != np.rint(x)].flat[0])})."
                )
        elif x.dtype.kind not in "iub":
            raise ValueError(
                f"{self._who()} expects integer ids, got an array of dtype {x.dtype}.")
        if x.size:
            low, high = x.min(), x.max()
            if low < 0 or high >= self.input_dim:
                raise ValueError(
                    f"{self._who()} has input_dim={self.input_dim}, so ids must be in "
                    f"[0, {self.input_dim}); got ids from {low:g} to {high:g}."
                )
        return x.astype(np.intp)

    def forward(self, x, training=False):
        ids = self._ids(x)
        self._cache = (ids, np.shape(x), np.asarray(x).dtype)
        return self.params["embeddings"][ids]  # (batch, ...) -> (batch, ..., output_dim)

    def compute_mask(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
        """``x != 0`` (batch, T) when ``mask_zero``, else None (Keras's rule)."""
        return np.asarray(x) != 0 if self.mask_zero else None

    def backward(self, grad_y):
        ids, x_shape, x_dtype = self._cache
        flat = ids.reshape(-1)
        g = grad_y.reshape(-1, self.output_dim)  # (batch*T, output_dim)
        ge = self.grads["embeddings"]
        ge[...] = 0.0
        if flat.size:
            order = np.argsort(flat, kind="stable")
            sorted_ids = flat[order]
            # first position of each run of equal ids
            starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
            ge[sorted_ids[starts]] = np.add.reduceat(g[order], starts, axis=0)
        if not self.input_grad_needed:
            return None
        return np.zeros(x_shape, dtype=x_dtype if np.dtype(x_dtype).kind == "f" else self.dtype)

    def get_config(self):
        config = super().get_config()
        reg = self.embeddings_regularizer
        config.update(
            input_dim=self.input_dim,
            output_dim=self.output_dim,
            embeddings_initializer=initializers.serialize(
                _initializer(self.embeddings_initializer)),
            embeddings_regularizer=None if reg is None else regularizers.serialize(
                regularizers.get(reg)),
            mask_zero=self.mask_zero,
            input_length=self.input_length,
        )
        return config
