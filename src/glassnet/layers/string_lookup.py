"""StringLookup: strings to vocabulary indices (Keras's layer; see :mod:`.index_lookup`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.index_lookup import IndexLookup


def as_strings(data: Any, owner: str, encoding: str = "utf-8") -> np.ndarray:
    """``data`` (strings or bytes, any nesting) as a NumPy array of ``str``."""
    arr = np.asarray(data)
    if arr.dtype.kind == "S":
        return np.char.decode(arr, encoding)
    if arr.dtype.kind == "O":
        flat = [v.decode(encoding) if isinstance(v, bytes) else v for v in arr.ravel().tolist()]
        if not all(isinstance(v, str) for v in flat):
            bad = next(v for v in flat if not isinstance(v, str))
            raise ValueError(f"{owner} expects strings, got an element {bad!r} "
                             f"({type(bad).__name__}).")
        return np.array(flat, dtype=str).reshape(arr.shape) if flat else arr.astype(str)
    if arr.dtype.kind != "U":
        raise ValueError(f"{owner} expects strings, got an array of dtype {arr.dtype}.")
    return arr


class StringLookup(IndexLookup):
    """Map strings to integer indices of a vocabulary (Keras's ``StringLookup``).

    Parameters
    ----------
    max_tokens : int, optional
        The largest vocabulary, reserved indices included.
    num_oov_indices : int, default 1
        Indices shared by unknown strings (several: FarmHash buckets).
    mask_token : str, optional
        The padding string: index 0 in ``'int'`` mode, left out of the other modes.
    oov_token : str, default '[UNK]'
        What ``invert=True`` returns for OOV indices.
    vocabulary : list, array or str, optional
        The strings, or the path of a file with one per line; else call :meth:`adapt`.
    idf_weights : array-like, optional
        One weight per vocabulary entry, for ``output_mode='tf_idf'``.
    invert : bool, default False
        Map indices back to strings.
    output_mode : {'int', 'one_hot', 'multi_hot', 'count', 'tf_idf'}, default 'int'
        ``'int'`` gives int64 indices of the input's shape; the others encode the last axis
        as vectors of the vocabulary's size (float32).
    pad_to_max_tokens : bool, default False
        Encode to ``max_tokens`` entries.
    sparse : bool, default False
        Only False is supported.
    encoding : str, default 'utf-8'
        How bytes inputs are decoded.
    name : str, optional
    salt : int or pair of int, optional
        Key of a SipHash-2-4 of the OOV strings (instead of FarmHash).
    **kwargs
        ``dtype``, ``trainable`` ... of :class:`~glassnet.layers.base.Layer`.

    Notes
    -----
    ``adapt(data)`` orders the learned strings by count, ties broken by the strings from high
    to low (UTF-8 bytes), as Keras does. Keras runs this layer through TensorFlow only; here
    it is NumPy, with Keras's FarmHash and SipHash buckets for OOV strings.
    """

    vocabulary_dtype = "string"

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: str | None = None, oov_token: str = "[UNK]",
                 vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False,
                 sparse: bool = False, encoding: str = "utf-8", name: str | None = None,
                 salt: Any = None, **kwargs: Any) -> None:
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, sparse, pad_to_max_tokens,
                         salt=salt, name=name, **kwargs)

    def _as_tokens(self, data: Any) -> np.ndarray:
        return as_strings(data, type(self).__name__, self.encoding)

    def _inverse(self, indices: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        table = np.array(vocab + [self.oov_token], dtype=str)
        inside = (indices >= 0) & (indices < len(vocab))
        return table[np.where(inside, indices, len(vocab))]

    def get_config(self):
        config = super().get_config()
        config.pop("vocabulary_dtype", None)
        config["encoding"] = self.encoding
        return config
