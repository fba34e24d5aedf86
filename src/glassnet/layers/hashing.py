"""Hashing: values to hash buckets (Keras's layer), with TensorFlow's string hashes.

A value is hashed as a string: strings as they are, integers as their decimal digits,
floats first truncated to integers (as Keras casts them to int64). The bucket is FarmHash's
``Fingerprint64`` modulo the bin count, or with a ``salt`` SipHash-2-4 under that key
(TensorFlow's ``to_hash_bucket_fast`` / ``to_hash_bucket_strong``). With a ``mask_value``,
that value goes to bin 0 and the others to ``1 + hash % (num_bins - 1)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.base import Layer
from glassnet.layers.category_encoding import encode_categorical
from glassnet.layers.index_lookup import hash_buckets, salt_pair

_MODES = ("int", "one_hot", "multi_hot", "count")


class Hashing(Layer):
    """Hash strings or integers into ``num_bins`` bins (Keras's ``Hashing``).

    Parameters
    ----------
    num_bins : int
        The number of bins, the mask bin included.
    mask_value : str or int, optional
        A value sent to bin 0.
    salt : int or pair of int, optional
        Hash with SipHash-2-4 under this key (an int ``s`` is the key ``(s, s)``).
    output_mode : {'int', 'one_hot', 'multi_hot', 'count'}, default 'int'
        ``'int'``: the bins, int64, the input's shape; the others encode the last axis as
        vectors of ``num_bins`` (float32).
    sparse : bool, default False
        Only False is supported.
    **kwargs
        ``name``, ``dtype`` ... of :class:`~glassnet.layers.base.Layer`.

    Notes
    -----
    The bins are Keras's (TensorFlow's hashes, reproduced exactly). Nothing flows back:
    ``backward`` returns zeros.
    """

    def __init__(self, num_bins: int, mask_value: Any = None, salt: Any = None,
                 output_mode: str = "int", sparse: bool = False, **kwargs: Any) -> None:
        dtype = kwargs.pop("dtype", None)
        if isinstance(dtype, dict):  # Keras's DTypePolicy config
            dtype = dtype.get("config", {}).get("name")
        super().__init__(**kwargs)
        if num_bins is None or isinstance(num_bins, bool) or not isinstance(
                num_bins, (int, np.integer)) or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode not in _MODES:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{_MODES}. Received: output_mode={output_mode}")
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        if output_mode == "int" and str(dtype) not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, '
                             f"'int32' or 'in64'. Received: dtype={dtype}")
        if sparse:
            raise ValueError("Hashing `sparse=True` is not supported: outputs are dense arrays "
                             "(pass sparse=False).")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = salt_pair(salt, "`Hashing`")
        self.strong_hash = self.salt is not None
        self.output_mode = output_mode
        self.sparse = False
        self.output_dtype = np.dtype(str(dtype))

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        self.dtype = np.dtype("float32")

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if self.output_mode == "one_hot" and input_shape and input_shape[-1] == 1:
            return input_shape[:-1] + (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def hash(self, values: Any) -> np.ndarray:
        """The bin of each value (int64, the shape of ``values``)."""
        arr = np.asarray(values)
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = arr == self.mask_value
        if arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
        if arr.dtype.kind in "iub":
            strings = np.array([str(int(v)) for v in arr.ravel().tolist()],
                               dtype=object).reshape(arr.shape)
        elif arr.dtype.kind in "USO":
            strings = arr
        else:
            raise ValueError(f"Hashing expects strings or numbers, got dtype {arr.dtype}.")
        out = hash_buckets(strings, bins, self.salt) if strings.size else \
            np.zeros(arr.shape, np.int64)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def forward(self, x, training=False):
        self._cache = np.shape(x)
        arr = np.asarray(x)
        if self.output_mode == "one_hot" and arr.ndim and arr.shape[-1] == 1:
            arr = arr[..., 0]
        bins = self.hash(arr)
        if self.output_mode == "int":
            return bins.astype(self.output_dtype)
        return encode_categorical(bins, self.num_bins, self.output_mode, self.output_dtype)

    def backward(self, grad_y):
        return np.zeros(self._cache, dtype=np.float32)

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=False,
                      dtype=self.output_dtype.name)
        return config
