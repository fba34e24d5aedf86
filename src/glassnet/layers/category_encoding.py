"""CategoryEncoding: integer tokens to one-hot, multi-hot or count vectors (Keras's layer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.base import Layer

_MODES = ("one_hot", "multi_hot", "count")


def encode_categorical(tokens: np.ndarray, depth: int, output_mode: str,
                       dtype: Any) -> np.ndarray:
    """Integer ``tokens`` as one-hot, multi-hot or count vectors of length ``depth``.

    ``one_hot`` encodes each token (a trailing axis of size 1 is dropped first); ``multi_hot``
    and ``count`` reduce the last axis (a 1-D array is one sample). Tokens outside
    ``[0, depth)`` are left out (a zero row for ``one_hot``), as Keras's bincount does with
    the masked tokens of its lookup layers.
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    if tokens.ndim == 0:
        tokens = tokens[None]
    if output_mode == "one_hot":
        if tokens.ndim > 1 and tokens.shape[-1] == 1:
            tokens = tokens[..., 0]
        table = np.concatenate([np.eye(depth, dtype=dtype), np.zeros((1, depth), dtype=dtype)])
        return table[np.where((tokens >= 0) & (tokens < depth), tokens, depth)]
    rows = tokens.reshape(-1, tokens.shape[-1])  # (r, k)
    out = np.zeros((rows.shape[0], depth + 1), dtype=dtype)
    inside = np.where((rows >= 0) & (rows < depth), rows, depth)
    np.add.at(out, (np.arange(rows.shape[0])[:, None], inside), 1)
    out = out[:, :depth]
    if output_mode == "multi_hot":
        np.minimum(out, 1, out=out)
    return out.reshape(tokens.shape[:-1] + (depth,))


class CategoryEncoding(Layer):
    """Encode integer tokens in ``[0, num_tokens)`` as vectors of length ``num_tokens``.

    Parameters
    ----------
    num_tokens : int
        Size of the vocabulary (the output's last axis).
    output_mode : {'multi_hot', 'one_hot', 'count'}, default 'multi_hot'
        ``one_hot``: one vector per token (a trailing axis of size 1 is dropped first);
        ``multi_hot``: per sample, 1 where a token occurs; ``count``: how often it occurs.
    sparse : bool, default False
        Only dense outputs exist here; True raises.

    Notes
    -----
    Inputs ``(batch, k)``: ``one_hot`` gives ``(batch, k, num_tokens)`` (``(batch,
    num_tokens)`` when ``k == 1``), the others ``(batch, num_tokens)``. The tokens are
    integers, so nothing flows back: ``dL/dx`` is zero.
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **base: Any) -> None:
        super().__init__(**base)
        if output_mode == "binary":  # Keras's old name
            output_mode = "multi_hot"
        if output_mode not in _MODES:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer.")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, (int, np.integer)) \
                or num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens!r}.")
        if sparse:
            raise ValueError("CategoryEncoding `sparse=True` is not supported: use sparse=False.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            keep = input_shape if not input_shape or input_shape[-1] != 1 else input_shape[:-1]
            return keep + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def forward(self, x, training=False):
        tokens = np.asarray(x)
        if tokens.size and (tokens.dtype.kind not in "iuf" or np.any(tokens != np.floor(tokens))):
            raise ValueError(f"CategoryEncoding '{self.name}' expects integer tokens, "
                             f"got an array of dtype {tokens.dtype}.")
        tokens = tokens.astype(np.int64)
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.num_tokens):
            raise ValueError(
                f"CategoryEncoding '{self.name}' expects tokens in [0, {self.num_tokens}), "
                f"got values from {tokens.min()} to {tokens.max()}."
            )
        self._cache = x.shape
        return encode_categorical(tokens, self.num_tokens, self.output_mode,
                                  self.dtype or np.dtype("float32"))

    def backward(self, grad_y):
        return np.zeros(self._cache, dtype=grad_y.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode)
        return config
