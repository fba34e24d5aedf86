"""IntegerLookup: integers to vocabulary indices (Keras's layer; see :mod:`.index_lookup`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Map integers to indices of a vocabulary (Keras's ``IntegerLookup``).

    Parameters
    ----------
    max_tokens : int, optional
        The largest vocabulary, reserved indices included.
    num_oov_indices : int, default 1
        Indices shared by unknown integers (several: ``oov_method``).
    mask_token : int, optional
        The padding value: index 0 in ``'int'`` mode, left out of the other modes.
    oov_token : int, default -1
        What ``invert=True`` returns for OOV indices.
    vocabulary : list, array or str, optional
        The integers, or the path of a file with one per line; else call :meth:`adapt`.
    vocabulary_dtype : {'int64'}, default 'int64'
    idf_weights : array-like, optional
        One weight per vocabulary entry, for ``output_mode='tf_idf'``.
    invert : bool, default False
        Map indices back to integers.
    output_mode : {'int', 'one_hot', 'multi_hot', 'count', 'tf_idf'}, default 'int'
    sparse : bool, default False
        Only False is supported.
    pad_to_max_tokens : bool, default False
    oov_method : {'floormod', 'farmhash'}, default 'floormod'
        An unknown ``v`` goes to OOV index ``v % num_oov_indices`` or to the FarmHash
        bucket of its decimal string.
    salt : int or pair of int, optional
        With ``oov_method='farmhash'``: SipHash-2-4 under this key instead.
    name : str, optional
    **kwargs
        ``dtype``, ``trainable`` ... of :class:`~glassnet.layers.base.Layer`.

    Notes
    -----
    Integral floats are accepted (a model hands its layers float arrays), others raise.
    Keras runs this layer through TensorFlow only; here it is NumPy.
    """

    vocabulary_dtype = "int64"

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: int | None = None, oov_token: int = -1, vocabulary: Any = None,
                 vocabulary_dtype: str = "int64", idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", sparse: bool = False, pad_to_max_tokens: bool = False,
                 oov_method: str = "floormod", salt: Any = None, name: str | None = None,
                 **kwargs: Any) -> None:
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, sparse, pad_to_max_tokens,
                         oov_method, salt, name=name, **kwargs)

    def _as_tokens(self, data: Any) -> np.ndarray:
        arr = np.asarray(data)
        if arr.dtype.kind in "iub":
            return arr.astype(np.int64)
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            return arr.astype(np.int64)
        if arr.dtype.kind in "US":  # a vocabulary file's lines
            try:
                return arr.astype(np.int64)
            except ValueError:
                pass
        raise ValueError(f"{type(self).__name__} expects integers, got an array of dtype "
                         f"{arr.dtype}" + (" with non-integral values" if arr.dtype.kind == "f"
                                           else "") + ".")

    def _inverse(self, indices: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        table = np.array(vocab + [self.oov_token], dtype=np.int64)
        inside = (indices >= 0) & (indices < len(vocab))
        return table[np.where(inside, indices, len(vocab))]
