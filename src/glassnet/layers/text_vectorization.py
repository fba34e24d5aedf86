"""TextVectorization: strings to token indices or bag-of-words vectors (Keras's layer).

Each string goes through Keras's pipeline:

1. ``standardize``: ``'lower'`` lowercases ASCII letters (other letters stay, as TensorFlow's
   ``strings.lower``), ``'strip_punctuation'`` removes the ASCII punctuation
   ``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~``, ``'lower_and_strip_punctuation'`` does both; a
   callable receives a NumPy array of ``str`` and returns one;
2. ``split``: ``'whitespace'`` splits on runs of ASCII whitespace, ``'character'`` into
   code points; a callable receives the array of strings and returns a list of token lists;
3. ``ngrams``: ``n`` adds the 1- to n-grams, a tuple the n-grams of those widths, joined by a
   space, all unigrams of a string first, then its bigrams, ...;
4. a :class:`~glassnet.layers.string_lookup.StringLookup` with ``mask_token=''``: indices
   (int64; ``''`` is 0 and ``'[UNK]'`` 1), or vectors per string (``multi_hot``, ``count``,
   ``tf_idf``).

``'int'`` pads each batch's sequences with 0 to the longest (or cuts and pads to
``output_sequence_length``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.layers.base import Layer
from glassnet.layers.index_lookup import _batches, standard_output_mode
from glassnet.layers.string_lookup import StringLookup, as_strings

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_PUNCTUATION = re.compile(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~']")
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _check_string_arg(value: Any, allowed: tuple[str, ...], arg: str) -> None:
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(f"Invalid value for argument `{arg}` of TextVectorization. Expected one "
                     f"of {allowed}, None or a callable. Received: {arg}={value!r}")


def ngram_rows(tokens: list[str], widths: tuple[int, ...]) -> list[str]:
    """The n-grams of ``tokens`` for each width in order, each joined by a space."""
    return [" ".join(tokens[i:i + w]) for w in widths for i in range(len(tokens) - w + 1)]


class TextVectorization(Layer):
    """Turn strings into sequences of token indices or token vectors (Keras's layer).

    Parameters
    ----------
    max_tokens : int, optional
        The largest vocabulary, ``''`` and ``'[UNK]'`` included.
    standardize : {'lower_and_strip_punctuation', 'lower', 'strip_punctuation'}, callable or None
        Default 'lower_and_strip_punctuation' (see the module).
    split : {'whitespace', 'character'}, callable or None, default 'whitespace'
    ngrams : int or tuple of int, optional
        ``n``: the 1- to n-grams; a tuple: those widths.
    output_mode : {'int', 'multi_hot', 'count', 'tf_idf', 'one_hot'}, default 'int'
    output_sequence_length : int, optional
        ``'int'`` only: cut or pad every sequence to this length.
    pad_to_max_tokens : bool, default False
        Vectors of ``max_tokens`` entries whatever the vocabulary's size.
    vocabulary : list, array or str, optional
        The tokens, or the path of a file with one per line; else call :meth:`adapt`.
    idf_weights : array-like, optional
        ``tf_idf`` with a given vocabulary: one weight per token.
    sparse : bool, default False
        Only False is supported.
    ragged : bool, default False
        Only False is supported (sequences are padded).
    encoding : str, default 'utf-8'
        How bytes inputs are decoded.
    name : str, optional
    vocabulary_size : int, optional
        The size a saved layer had (Keras writes it in the config); informative only.
    **kwargs
        ``dtype``, ``trainable`` ... of :class:`~glassnet.layers.base.Layer`.

    Notes
    -----
    Inputs are a list or array of strings of shape (batch,) or (batch, 1). ``adapt(texts)``
    learns the vocabulary: the tokens by count, ties broken by the tokens from high to low
    (UTF-8 bytes), as Keras does. The outputs are integers (or ``tf_idf`` floats) and nothing
    flows back: apply the layer to the data before ``fit`` (``x = vectorizer(texts)``), or
    put it first in a model that receives numbers downstream of it.
    """

    tuple_config_keys = ("ngrams",)

    def __init__(self, max_tokens: int | None = None,
                 standardize: str | Callable[..., Any] | None = "lower_and_strip_punctuation",
                 split: str | Callable[..., Any] | None = "whitespace",
                 ngrams: int | tuple[int, ...] | None = None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary: Any = None, idf_weights: Any = None, sparse: bool = False,
                 ragged: bool = False, encoding: str = "utf-8", name: str | None = None,
                 vocabulary_size: int | None = None, **kwargs: Any) -> None:
        _check_string_arg(standardize, _STANDARDIZE, "standardize")
        _check_string_arg(split, _SPLIT, "split")
        output_mode = standard_output_mode(output_mode, "TextVectorization")
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
                or (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or (
                isinstance(output_sequence_length, int)
                and not isinstance(output_sequence_length, bool))):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is "
                             "not 'int'. Received output_sequence_length="
                             f"{output_sequence_length}.")
        if ragged:
            raise ValueError("TextVectorization `ragged=True` is not supported: sequences are "
                             "padded NumPy arrays (pass ragged=False).")
        has_input = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.encoding = encoding
        self.ragged = False
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, encoding=encoding, has_input_vocabulary=has_input,
            vocabulary_size=vocabulary_size)

    # -- the text pipeline ----------------------------------------------------------------------
    def _standardized(self, texts: np.ndarray) -> np.ndarray:
        if self.standardize is None:
            return texts
        if callable(self.standardize):
            return as_strings(self.standardize(texts), "TextVectorization `standardize`")
        out = texts
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            out = np.vectorize(lambda s: s.translate(_ASCII_LOWER), otypes=[object])(out)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            out = np.vectorize(lambda s: _PUNCTUATION.sub("", s), otypes=[object])(out)
        return as_strings(out, "TextVectorization") if out.size else texts

    def tokenize(self, texts: Any) -> list[list[str]]:
        """Standardize, split and n-gram a batch of strings: one token list per string.

        Parameters
        ----------
        texts : list or array of str, shape (batch,) or (batch, 1)
        """
        arr = as_strings(texts, "TextVectorization", self.encoding)
        if arr.ndim == 0:
            arr = arr[None]
        if self.split is not None and arr.ndim > 1:
            if arr.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must "
                    "be 1 or the last shape dimension must be 1. Received: inputs.shape="
                    f"{arr.shape} with rank={arr.ndim}")
            arr = arr[..., 0]
        arr = self._standardized(arr)
        if self.split is None:
            rows = [list(row) for row in arr.reshape(arr.shape[0], -1).tolist()]
        elif self.split == "whitespace":
            rows = [[t for t in _WHITESPACE.split(s) if t] for s in arr.ravel().tolist()]
        elif self.split == "character":
            rows = [list(s) for s in arr.ravel().tolist()]
        else:
            splitter: Callable[..., Any] = self.split  # type: ignore[assignment]
            rows = [[str(t) for t in row] for row in splitter(arr)]
        if self._ngrams is not None:
            rows = [ngram_rows(row, self._ngrams) for row in rows]
        return rows

    # -- vocabulary -----------------------------------------------------------------------------
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary (and IDF weights) from texts.

        Parameters
        ----------
        data : list or array of str, or an iterable of such batches
            Each string is a document.
        batch_size : int, optional
            Accepted for Keras's signature; the texts are read in one pass.
        steps : int, optional
            With an iterable of batches: how many to read at most.
        """
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` method.")
        lookup.learn(row for batch in _batches(data, steps)
                     for row in self.tokenize(batch))

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The tokens in index order (``''`` and ``'[UNK]'`` first in ``'int'`` mode).

        Parameters
        ----------
        include_special_tokens : bool, default True
        """
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The vocabulary's size, the reserved tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (and, for ``tf_idf``, the IDF weights) directly.

        Parameters
        ----------
        vocabulary : list, array or str
            The tokens, or the path of a file with one per line.
        idf_weights : array-like, optional
            Required for ``output_mode='tf_idf'``.
        """
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    # -- calling --------------------------------------------------------------------------------
    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        self.dtype = np.dtype("float32")

    def output_shape(self, input_shape):
        if self.output_mode == "int":
            return (self.output_sequence_length,)
        return (self._lookup_layer._depth(),)

    def forward(self, x, training=False):
        self._cache = np.shape(x)
        scalar = np.ndim(x) == 0
        rows = self.tokenize(x)
        lookup = self._lookup_layer
        lookup._check_ready()
        width = max((len(r) for r in rows), default=0)
        if self.output_mode == "int" and self.output_sequence_length is not None:
            width = self.output_sequence_length
        padded = np.full((len(rows), width), "", dtype=object)
        for i, row in enumerate(rows):
            row = row[:width]
            padded[i, :len(row)] = row
        indices = lookup.lookup(padded.astype(str)) if padded.size else \
            np.zeros(padded.shape, dtype=np.int64)
        out = lookup.encode(indices)
        return out[0] if scalar else out

    def backward(self, grad_y):
        return np.zeros(self._cache, dtype=np.float32)

    def get_config(self):
        config = super().get_config()
        config.pop("dtype", None)
        inner = self._lookup_layer.get_config()
        config.update(
            max_tokens=inner["max_tokens"], standardize=self.standardize, split=self.split,
            ngrams=list(self.ngrams) if isinstance(self.ngrams, tuple) else self.ngrams,
            output_mode=self.output_mode, output_sequence_length=self.output_sequence_length,
            pad_to_max_tokens=inner["pad_to_max_tokens"], sparse=False, ragged=False,
            vocabulary=inner["vocabulary"], idf_weights=inner["idf_weights"],
            encoding=self.encoding, vocabulary_size=self.vocabulary_size())
        return config
