"""The vocabulary lookup shared by ``StringLookup``, ``IntegerLookup`` and ``TextVectorization``.

A vocabulary maps tokens to consecutive indices. The first indices are reserved: the mask
index ``0`` (only when ``mask_token`` is set and ``output_mode='int'``), then
``num_oov_indices`` out-of-vocabulary indices; the learned or given tokens follow. As in
Keras:

- ``adapt(data)`` counts the tokens and orders them by count, most frequent first, ties
  broken by the tokens themselves from high to low (strings compared as UTF-8 bytes);
  ``max_tokens`` keeps the first ``max_tokens - reserved`` of them;
- an unknown token goes to the single OOV index, or with several to
  ``token % num_oov_indices`` (integers, ``oov_method='floormod'``) or to FarmHash's
  ``Fingerprint64`` bucket of the token (strings; SipHash-2-4 with a ``salt``);
- ``output_mode`` other than ``'int'`` encodes the indices over the last axis as
  ``one_hot``/``multi_hot``/``count``/``tf_idf`` vectors of the vocabulary's size, in the
  layer's float dtype (float32: the dtype Keras declares for them; Keras's eager TensorFlow
  call returns the same counts as int64); the mask token is left out of them;
- ``tf_idf`` weighs the counts by ``log(1 + documents / (1 + documents containing the
  token))``, the OOV indices by the mean of those weights.

These layers are preprocessing: their outputs are integers, nothing flows back through them
(``backward`` returns zeros).
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers._string_hash import fingerprint64, siphash24
from glassnet.layers.base import Layer
from glassnet.layers.category_encoding import encode_categorical

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def standard_output_mode(output_mode: Any, owner: str,
                         modes: tuple[str, ...] = OUTPUT_MODES) -> str:
    """Keras's spellings (``'binary'``, ``'tf-idf'``) to the current ones, checked."""
    output_mode = _ALIASES.get(output_mode, output_mode)
    if output_mode not in modes:
        raise ValueError(f"Invalid value for argument `output_mode` of {owner}. Expected one "
                         f"of {modes}. Received: output_mode={output_mode!r}")
    return str(output_mode)


def salt_pair(salt: Any, owner: str) -> list[int] | None:
    """Keras's ``salt``: an int ``s`` is ``[s, s]``; a pair stays; None is no salt."""
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in salt):
        return [int(salt[0]), int(salt[1])]
    if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
        return [int(salt), int(salt)]
    raise ValueError(f"The `salt` argument for {owner} can only be a tuple of 2 integers, or "
                     f"a single integer. Received: salt={salt!r}.")


def hash_buckets(values: np.ndarray, num_buckets: int, salt: list[int] | None) -> np.ndarray:
    """The bucket of each string of ``values`` (int64, same shape), as TensorFlow's
    ``to_hash_bucket_fast`` (FarmHash) or, with ``salt``, ``to_hash_bucket_strong``."""
    flat = values.ravel()
    uniq, inverse = np.unique(flat, return_inverse=True)

    def bucket(token: Any) -> int:
        data = token if isinstance(token, bytes) else str(token).encode("utf-8")
        h = fingerprint64(data) if salt is None else siphash24((salt[0], salt[1]), data)
        return h % num_buckets

    table = np.array([bucket(t) for t in uniq], dtype=np.int64)
    return table[inverse.reshape(-1)].reshape(values.shape)


class IndexLookup(Layer):
    """Base of :class:`StringLookup` and :class:`IntegerLookup` (see the module).

    Parameters
    ----------
    max_tokens : int, optional
        The largest vocabulary, reserved indices included (> 1).
    num_oov_indices : int
        How many indices unknown tokens share (>= 0; 0 makes an unknown token an error).
    mask_token : str or int, optional
        The token of padding: index 0 in ``'int'`` mode, left out of the other modes.
    oov_token : str or int
        What ``invert=True`` returns for the OOV indices.
    vocabulary : list, array or str, optional
        The tokens (without the reserved ones, or with them first, in order), or the path of
        a text file of one token per line.
    idf_weights : array-like, optional
        ``tf_idf`` only: one weight per vocabulary token.
    invert : bool
        Map indices back to tokens (``output_mode='int'`` only).
    output_mode : {'int', 'one_hot', 'multi_hot', 'count', 'tf_idf'}
    sparse : bool
        Only False (dense outputs) is supported.
    pad_to_max_tokens : bool
        Encode to ``max_tokens`` entries whatever the vocabulary's size.
    oov_method : {'floormod', 'farmhash'}
        How integers reach one of several OOV indices.
    salt : int or pair of int, optional
        Key of the strong hash of OOV tokens.
    vocabulary_size : int, optional
        The size a saved layer had (Keras writes it in the config); informative only.
    **kwargs
        ``name``, ``dtype``, ... of :class:`~glassnet.layers.base.Layer`.
    """

    #: The kind of token: 'string' or 'int64'.
    vocabulary_dtype = "string"

    def __init__(self, max_tokens: int | None, num_oov_indices: int, mask_token: Any,
                 oov_token: Any, vocabulary: Any = None, idf_weights: Any = None,
                 invert: bool = False, output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, oov_method: str = "floormod",
                 salt: Any = None, vocabulary_size: int | None = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        kwargs.pop("vocabulary_dtype", None)
        frozen = vocabulary_size
        has_input = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(
                max_tokens, (int, np.integer)) or max_tokens <= 1):
            raise ValueError("If set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens!r}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        self.num_oov_indices = _validate.check_int(owner, "num_oov_indices", num_oov_indices,
                                                   min=0)
        oov_method = _validate.check_choice(owner, "oov_method", oov_method,
                                            ("floormod", "farmhash"))
        if salt is not None and self.vocabulary_dtype != "string" and oov_method != "farmhash":
            raise ValueError("`salt` can only be used when `oov_method='farmhash'`. "
                             f"Received: oov_method={oov_method}")
        output_mode = standard_output_mode(output_mode, owner)
        invert = _validate.check_bool(owner, "invert", invert)
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{owner} `sparse=True` is not supported: outputs are dense "
                             "arrays (pass sparse=False).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                             "mode, the `idf_weights` argument must also be provided.")
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.oov_method = oov_method
        self.salt = salt_pair(salt, owner)
        self._has_input_vocabulary = bool(has_input)
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._frozen_vocab_size: int | None = frozen
        self._tokens: list[Any] = []
        self._index: dict[Any, int] = {}
        self._idf: np.ndarray | None = None
        self._vocab_set = False
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- reserved indices -----------------------------------------------------------------------
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    # -- tokens ---------------------------------------------------------------------------------
    def _as_tokens(self, data: Any) -> np.ndarray:
        """``data`` as an array of tokens (str for strings, int64 for integers)."""
        raise NotImplementedError

    @staticmethod
    def _sort_key(token: Any) -> Any:
        return token.encode("utf-8") if isinstance(token, str) else token

    def _check_vocabulary(self, tokens: list[Any]) -> None:
        """Keras's checks: no repeats, no reserved token among the tokens, size."""
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        special = self._special_tokens()
        for kind, token, applies in (("mask", self.mask_token, True),
                                     ("OOV", self.oov_token, self.invert)):
            if token is not None and applies and token in tokens:
                raise ValueError(
                    f"Found reserved {kind} token at unexpected location in `vocabulary`. "
                    "Note that passed `vocabulary` does not need to include the OOV and mask "
                    "tokens. Either remove all mask and OOV tokens, or include them only at "
                    f"the start of the vocabulary in precisely this order: {special}. "
                    f"Received: {kind.lower()}_token={token!r} at vocabulary index "
                    f"{tokens.index(token)}")
        size = self._token_start_index() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab "
                             f"size. Received vocabulary size is {size}; `max_tokens` is "
                             f"{self.max_tokens}.")

    def _special_tokens(self) -> list[Any]:
        return [self.mask_token] * self._oov_start_index() + [self.oov_token] * \
            self.num_oov_indices

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (and, for ``tf_idf``, the IDF weights) directly.

        Parameters
        ----------
        vocabulary : list, tuple, 1-D array or str
            The tokens, optionally preceded by the reserved tokens in order; a string is the
            path of a text file with one token per line.
        idf_weights : array-like, optional
            Required for ``output_mode='tf_idf'``, one per entry of ``vocabulary``.
        """
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            path = os.fspath(vocabulary)
            if not os.path.exists(path):
                raise ValueError(f"Vocabulary file {path} does not exist.")
            if self.output_mode == "tf_idf":
                raise ValueError(
                    "output_mode `'tf_idf'` does not support loading a vocabulary from file.")
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines
        entries = [t for t in self._as_tokens(np.asarray(list(vocabulary))).ravel().tolist()]
        if not entries:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        start = self._token_start_index()
        found_special = entries[:start] == self._special_tokens()
        tokens = entries[start:] if found_special else entries
        self._check_vocabulary(tokens)
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            weights = np.asarray(idf_weights, dtype=np.float64)
            if weights.ndim != 1:
                raise ValueError("TF-IDF data must be a 1-index array. "
                                 f"Received: type(idf_weights)={type(idf_weights)}")
            if len(weights) != len(entries):
                raise ValueError("`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(weights)}; len(vocabulary) is "
                                 f"{len(entries)}")
            front = 0 if found_special else start
            front_value = 0.0 if found_special else float(np.average(weights))
            back = 0
            if self.pad_to_max_tokens and self.max_tokens is not None:
                back = self.max_tokens - front - len(weights)
            self._idf = np.pad(weights, (front, back), constant_values=(front_value, 0.0))
        self._record_vocabulary_size()

    def _set_tokens(self, tokens: list[Any]) -> None:
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._vocab_set = True

    def _record_vocabulary_size(self) -> None:
        size = self.vocabulary_size()
        if (self.output_mode != "int" and not self.pad_to_max_tokens
                and self._frozen_vocab_size is not None and size != self._frozen_vocab_size
                and self.built):
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {size}")
        self._frozen_vocab_size = size

    def vocabulary_size(self) -> int:
        """The vocabulary's size, the reserved indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """The tokens in index order: entry ``i`` is what index ``i`` stands for.

        Parameters
        ----------
        include_special_tokens : bool, default True
            Include the mask and OOV tokens first (so that positions are indices).
        """
        vocab = ([self.oov_token] * self._token_start_index()) + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    # -- adapt ----------------------------------------------------------------------------------
    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learn the vocabulary (and IDF weights) from ``data``.

        Parameters
        ----------
        data : array-like or iterable of batches
            An array or list of tokens (each row a document for ``tf_idf``), or any other
            iterable (a generator, a ``PyDataset``) of such batches.
        steps : int, optional
            With an iterable of batches: how many to read at most.
        """
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` method.")
        self.learn(row for batch in _batches(data, steps)
                   for row in self._documents(
                       np.reshape(np.asarray(batch), (-1, 1))
                       if _is_whole(data) and np.ndim(batch) == 1 else batch))

    def learn(self, documents: Iterable[list[Any]]) -> None:
        """Learn the vocabulary (and IDF weights) from documents, each a list of tokens.

        Parameters
        ----------
        documents : iterable of list
            Every token counts once per occurrence; a document counts once per token for the
            IDF weights.
        """
        counts: collections.Counter[Any] = collections.Counter()
        doc_counts: collections.Counter[Any] = collections.Counter()
        documents_seen = 0
        for row in documents:
            counts.update(row)
            if self.output_mode == "tf_idf":
                doc_counts.update(set(row))
                documents_seen += 1
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        if not counts:
            self._record_vocabulary_size()
            return
        ordered = sorted(counts, key=lambda t: (counts[t], self._sort_key(t)), reverse=True)
        if self.max_tokens:
            ordered = ordered[:self.max_tokens - self._token_start_index()]  # as Keras slices
        self._set_tokens(ordered)
        if self.output_mode == "tf_idf":
            df = np.array([doc_counts[t] for t in ordered], dtype=np.float64)
            idf = np.log(1.0 + documents_seen / (1.0 + df)).astype(np.float32).astype(np.float64)
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=float(idf.mean()))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self._idf = idf
        self._record_vocabulary_size()

    def _documents(self, batch: Any) -> list[list[Any]]:
        """A batch as rows of tokens (a 1-D batch is one document, as in Keras)."""
        tokens = self._as_tokens(batch)
        if tokens.ndim <= 1:
            return [tokens.ravel().tolist()]
        return [row.tolist() for row in tokens.reshape(tokens.shape[0], -1)]

    # -- calling --------------------------------------------------------------------------------
    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        self.dtype = np.dtype("float32")

    def _depth(self) -> int:
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size()

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            keep = input_shape if not input_shape or input_shape[-1] != 1 else input_shape[:-1]
            return keep + (depth,)
        return input_shape[:-1] + (depth,)

    def lookup(self, tokens: np.ndarray) -> np.ndarray:
        """Indices (int64) of an array of tokens: the mask, OOV and vocabulary rules."""
        flat = tokens.ravel()
        uniq, inverse = np.unique(flat, return_inverse=True)
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        table = np.array([self._index.get(t, default) for t in uniq.tolist()], dtype=np.int64)
        out = table[inverse.reshape(-1)]
        masked = None
        if self.mask_token is not None:
            masked = flat == self.mask_token
            out[masked] = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
        unknown = out == -1
        if self.num_oov_indices == 0 and unknown.any():
            raise ValueError("When `num_oov_indices=0` all inputs should be in vocabulary, "
                             f"found OOV values {flat[unknown][:10].tolist()}, consider "
                             "setting `num_oov_indices=1`.")
        if self.num_oov_indices > 1 and unknown.any():
            out[unknown] = self._oov_start_index() + self._oov_bucket(flat[unknown])
        return out.reshape(tokens.shape)

    def _oov_bucket(self, tokens: np.ndarray) -> np.ndarray:
        if self.vocabulary_dtype != "string" and self.oov_method == "floormod":
            return np.mod(tokens.astype(np.int64), self.num_oov_indices)
        if self.vocabulary_dtype != "string":
            tokens = np.array([str(int(t)) for t in tokens.tolist()], dtype=object)
        return hash_buckets(tokens, self.num_oov_indices, self.salt)

    def _inverse(self, indices: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _check_ready(self) -> None:
        if self.output_mode != "int" and not self.pad_to_max_tokens and not self._vocab_set:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")

    def encode(self, indices: np.ndarray) -> np.ndarray:
        """Indices from :meth:`lookup` in this layer's ``output_mode``."""
        if self.output_mode == "int":
            return indices
        if indices.ndim > 2 or (self.output_mode == "one_hot" and indices.ndim == 2
                                and indices.shape[-1] != 1):
            raise ValueError(
                "When output_mode is not `'int'`, maximum supported output rank is 2. "
                f"Received output_mode {self.output_mode} and input shape {indices.shape}.")
        depth = self._depth()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        dtype = self.dtype or np.dtype("float32")
        out = encode_categorical(indices, depth, mode, dtype)
        if self.output_mode == "tf_idf":
            assert self._idf is not None
            return out * self._idf.astype(dtype)
        return out

    def forward(self, x, training=False):
        self._check_ready()
        self._cache = np.shape(x)
        if self.invert:
            return self._inverse(np.asarray(x).astype(np.int64))
        return self.encode(self.lookup(self._as_tokens(x)))

    def backward(self, grad_y):
        return np.zeros(self._cache, dtype=grad_y.dtype if grad_y.dtype.kind == "f"
                        else np.float32)

    def get_config(self):
        config = super().get_config()
        config.pop("dtype", None)
        vocabulary = self.input_vocabulary
        if vocabulary is not None:
            vocabulary = np.asarray(vocabulary).tolist()
        elif self._vocab_set:
            # an adapted vocabulary travels in the config (Keras writes it to an asset file)
            vocabulary = self.get_vocabulary()
        idf = self.input_idf_weights
        if idf is None and self._vocab_set and self._idf is not None:
            idf = self._idf[: self.vocabulary_size()]
        config.update(
            invert=self.invert, max_tokens=self.max_tokens,
            num_oov_indices=self.num_oov_indices, oov_token=self.oov_token,
            mask_token=self.mask_token, output_mode=self.output_mode, sparse=False,
            pad_to_max_tokens=self.pad_to_max_tokens, vocabulary_dtype=self.vocabulary_dtype,
            idf_weights=None if idf is None else np.asarray(idf).tolist(),
            vocabulary=vocabulary, vocabulary_size=self._frozen_vocab_size,
            oov_method=self.oov_method, salt=self.salt)
        return config


def _is_whole(data: Any) -> bool:
    """Whether adapt() takes ``data`` as one batch (an array, list or tuple)."""
    return isinstance(data, (np.ndarray, list, tuple, str, bytes)) or np.isscalar(data)


def _batches(data: Any, steps: int | None) -> Iterable[Any]:
    """``data`` as batches: one for an array, list or tuple; else its items (``steps``)."""
    if _is_whole(data):
        return [data]
    if not isinstance(data, Iterable):
        raise TypeError("adapt() expects an array, a list of tokens or an iterable of "
                        f"batches, got {type(data).__name__}.")

    def limited() -> Iterable[Any]:
        for i, batch in enumerate(data):
            if steps is not None and i >= steps:
                break
            yield batch[0] if isinstance(batch, tuple) else batch

    return limited()
