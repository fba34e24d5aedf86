"""Padding token sequences to one length: ``keras.utils.pad_sequences``.

Texts become lists of token ids of different lengths; a batch needs one length. Padding with
``0`` (the id ``Embedding(mask_zero=True)`` treats as "nothing here") before (``'pre'``) or
after (``'post'``) each sequence, and cutting the long ones, gives an array of shape
``(num_samples, maxlen)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["pad_sequences"]

_SIDES = ("pre", "post")


def pad_sequences(sequences: Sequence[Any], maxlen: int | None = None, dtype: Any = "int32",
                  padding: str = "pre", truncating: str = "pre",
                  value: Any = 0.0) -> np.ndarray:
    """Pad (and cut) sequences to the same length, as ``keras.utils.pad_sequences``.

    Parameters
    ----------
    sequences : list of sequences
        Each a list (or array) of ids, or of equally shaped entries.
    maxlen : int, optional
        The length of every row; by default the longest sequence's.
    dtype : dtype, default 'int32'
    padding : {'pre', 'post'}, default 'pre'
        Where the padding goes: before or after each sequence.
    truncating : {'pre', 'post'}, default 'pre'
        Which end of a sequence longer than ``maxlen`` is cut off.
    value : scalar, default 0.0
        The padding value.

    Returns
    -------
    ndarray of shape (num_samples, maxlen, *entry_shape)

    Examples
    --------
    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], padding="post")
    array([[1, 2, 3],
           [4, 5, 0],
           [6, 0, 0]], dtype=int32)
    """
    lengths = []
    sample_shape: tuple[int, ...] = ()
    found = False
    for seq in sequences:  # the entry shape from the first non-empty sequence
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {seq!s}"
            ) from None
        if not found and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
            found = True
    if padding not in _SIDES:
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in _SIDES:
        raise ValueError(f'Truncating type "{truncating}" not understood')
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative int or None, got {maxlen!r}.")
    textual = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not textual:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings.")
    out = np.full((len(lengths), int(maxlen)) + sample_shape, value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq) or not maxlen:
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different "
                f"from expected shape {sample_shape}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
