"""EinsumDense: a dense layer whose product is any einsum equation (Keras's ``EinsumDense``)."""

from __future__ import annotations

import re
from typing import Any, cast

import numpy as np

from glassnet.layers._weights_config import _KernelLayer

_EQUATION = re.compile(r"^(\.\.\.)?([a-zA-Z]+),([a-zA-Z]+)->(\.\.\.)?([a-zA-Z]+)$")


class EinsumDense(_KernelLayer):
    """``y = f(einsum(equation, x, kernel) + bias)``, Keras's ``EinsumDense``.

    Parameters
    ----------
    equation : str
        ``"<input>,<kernel>-><output>"`` with one letter per axis, the batch axis first
        (``"ab,bc->ac"``: Dense; ``"abc,cd->abd"``: Dense on the last axis of a sequence;
        ``"abc,cde->abde"``: a projection to heads). A leading ``...`` on the input and the
        output stands for the axes between them (``"...b,bc->...c"``).
    output_shape : int or tuple of int or None
        The output's shape without the batch axis (and without the axes ``...`` stands
        for); ``None`` for an axis the output shares with the input (its size is then taken
        from the input, but the layer's ``output_shape`` leaves it ``None``, as Keras's
        ``compute_output_shape`` does).
    activation : str or ActivationFunction, optional
    bias_axes : str, optional
        The output letters that get a bias (``"c"``); None adds no bias.
    **kwargs
        Of the kernel (one axis per kernel letter) and the bias (with ``bias_axes``):
        ``kernel_initializer`` (default ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``),
        the regularizers and constraints: see :class:`~glassnet.layers._weights_config._KernelLayer`.

    Notes
    -----
    Every kernel letter must be an input or an output letter, and every input letter a kernel
    or an output letter (a letter of the input alone, summed away, is refused). The kernel's
    shape takes each letter's size from the input or the output; the bias has the sizes of
    the output from the first bias letter on, 1 on the letters that get no bias (Keras's
    rule), and broadcasts over the leading axes. With ``in``, ``k``, ``out`` the three parts
    of the equation and ``g = dL/dz``::

        z = einsum('in,k->out', x, W) + b,   y = f(z)
        dL/dW = einsum('in,out->k', x, g)
        dL/dx = einsum('out,k->in', g, W)
        dL/db = g summed over the axes the bias broadcasts along
    """

    config_keys = ("equation",)

    def __init__(
        self,
        equation: str,
        output_shape: int | tuple[int | None, ...] | list[int | None],
        activation: Any = None,
        bias_axes: str | None = None,
        **kwargs: Any,
    ) -> None:
        for key in ("lora_rank", "lora_alpha", "quantization_config"):
            if kwargs.pop(key, None) is not None:
                raise ValueError(f"EinsumDense `{key}` is not supported by glassnet; "
                                 f"leave it None.")
        super().__init__(**kwargs)
        match = _EQUATION.match(equation) if isinstance(equation, str) else None
        if match is None or bool(match.group(1)) != bool(match.group(4)):
            raise ValueError(
                "EinsumDense `equation` must be of the form 'ab,bc->ac' (one letter per axis, "
                f"an optional '...' leading both the input and the output), got {equation!r}.")
        self.equation = equation
        self._elided = bool(match.group(1))
        self._in, self._k, self._out = match.group(2), match.group(3), match.group(5)
        for letter in self._k:
            if letter not in self._in and letter not in self._out:
                raise ValueError(
                    f"EinsumDense `equation` {equation!r}: kernel axis '{letter}' is in neither "
                    f"the input '{self._in}' nor the output '{self._out}'.")
        for letter in self._out:
            if letter not in self._in and letter not in self._k:
                raise ValueError(
                    f"EinsumDense `equation` {equation!r}: output axis '{letter}' is in neither "
                    f"the input nor the kernel.")
        for letter in self._in:
            if letter not in self._k and letter not in self._out:
                raise ValueError(
                    f"EinsumDense `equation` {equation!r}: input axis '{letter}' is in neither "
                    "the kernel nor the output (an axis summed away is not supported).")
        if isinstance(output_shape, (int, np.integer)) and not isinstance(output_shape, bool):
            shape: tuple[Any, ...] = (int(output_shape),)
        elif isinstance(output_shape, (tuple, list)) and all(
                d is None or isinstance(d, (int, np.integer)) and not isinstance(d, bool)
                and d > 0 for d in output_shape):
            shape = tuple(None if d is None else int(d) for d in output_shape)
        else:
            shape = ()
        out = self._sample_letters(self._out)
        if len(shape) != len(out):
            raise ValueError(
                f"EinsumDense `output_shape` must give the {len(out)} output axes '{out}' (not "
                "the batch axis), as an int or a tuple of positive ints (None where the input "
                f"gives the size), got {output_shape!r}.")
        self.partial_output_shape = shape
        if bias_axes is not None and (not isinstance(bias_axes, str) or not bias_axes or any(
                letter not in self._out for letter in bias_axes)):
            raise ValueError(
                f"EinsumDense `bias_axes` must be letters of the output '{self._out}', got "
                f"{bias_axes!r}.")
        self.bias_axes = bias_axes
        self._set_weights_config(activation, bias_axes is not None)

    # -- shapes ---------------------------------------------------------------------------------
    def _sizes(self, input_shape: tuple[Any, ...]) -> tuple[dict[str, Any], tuple[Any, ...]]:
        """``(size of each letter, the one-sample output shape)`` for ``input_shape``."""
        spec = self._sample_letters(self._in)  # the letters of one sample's axes
        rank = len(input_shape)
        if rank < len(spec) or (not self._elided and rank != len(spec)):
            raise ValueError(
                f"EinsumDense '{self.name}' with equation {self.equation!r} expects inputs of "
                f"rank {len(self._in)}{' or more' if self._elided else ''}, got inputs of shape "
                f"{(None,) + tuple(input_shape)}.")
        middle = tuple(input_shape[:rank - len(spec)])  # what '...' stands for
        sizes: dict[str, Any] = dict(zip(spec, input_shape[rank - len(spec):], strict=True))
        out = self._sample_letters(self._out)
        for letter, size in zip(out, self.partial_output_shape, strict=True):
            known = sizes.get(letter)
            if size is not None and known is not None and size != known:
                raise ValueError(
                    f"EinsumDense '{self.name}': `output_shape` gives axis '{letter}' size "
                    f"{size}, but the input has {known} (input shape "
                    f"{(None,) + tuple(input_shape)}).")
            if known is None:
                sizes[letter] = size
        # Keras's output shape: the given sizes, None where None was given
        return sizes, middle + self.partial_output_shape

    def output_shape(self, input_shape):
        return self._sizes(tuple(input_shape))[1]

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        sizes, _ = self._sizes(input_shape)
        kernel_shape = tuple(sizes.get(letter) for letter in self._k)
        if any(d is None for d in kernel_shape):
            raise ValueError(
                f"EinsumDense '{self.name}' needs a known size on every kernel axis "
                f"'{self._k}', got inputs of shape {(None,) + input_shape} and output_shape "
                f"{self.partial_output_shape}.")
        super().build(input_shape, rng)
        self.add_param("kernel", cast(tuple[int, ...], kernel_shape), self.kernel_initializer, rng,
                       self.kernel_regularizer)
        if self.bias_axes is not None:
            first = min(self._out.index(letter) for letter in self.bias_axes)
            bias_shape = tuple(sizes[letter] if letter in self.bias_axes else 1
                               for letter in self._out[first:])
            if any(d is None for d in bias_shape):
                raise ValueError(f"EinsumDense '{self.name}' needs a known size on the bias "
                                 f"axes '{self.bias_axes}'.")
            self.add_param("bias", bias_shape, self.bias_initializer, rng,
                           self.bias_regularizer)
        self.weight_constraints = {key: c for key, c in (("kernel", self.kernel_constraint),
                                                         ("bias", self.bias_constraint))
                                   if c is not None and key in self.params}

    # -- computation ----------------------------------------------------------------------------
    def _batch_spec(self, letters: str) -> str:
        """The letters as ``np.einsum`` reads them (``...`` stands for the batch axis and
        the axes after it)."""
        return ("..." + letters) if self._elided else letters

    def _sample_letters(self, letters: str) -> str:
        """The letters of one sample's axes: all of them after ``...``, else all but the
        batch letter."""
        return letters if self._elided else letters[1:]

    def forward(self, x, training=False):
        self._sizes(x.shape[1:])
        i, o = self._batch_spec(self._in), self._batch_spec(self._out)
        z = np.einsum(f"{i},{self._k}->{o}", x, self.params["kernel"], optimize=True)
        if self.use_bias:
            z += self.params["bias"]
        a = self.activation.forward_owned(z)
        self._cache = (x, z, a)
        return a

    def backward(self, grad_y):
        _, z, a = self._cache
        return self.backward_preactivation(self.activation.backward(z, a, grad_y))

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses this layer's activation calls this)."""
        x = self._cache[0]
        i, o = self._batch_spec(self._in), self._batch_spec(self._out)
        self.grads["kernel"][...] = np.einsum(f"{i},{o}->{self._k}", x, grad_z, optimize=True)
        if self.use_bias:
            bias = self.params["bias"]
            lead = grad_z.ndim - bias.ndim
            summed = grad_z.sum(axis=tuple(range(lead)))
            ones = tuple(ax for ax, d in enumerate(bias.shape) if d == 1)
            self.grads["bias"][...] = summed.sum(axis=ones, keepdims=True) if ones else summed
        if not self.input_grad_needed:
            return None
        return np.einsum(f"{o},{self._k}->{i}", grad_z, self.params["kernel"], optimize=True)

    def get_config(self):
        config = super().get_config()
        config["output_shape"] = list(self.partial_output_shape)
        config["bias_axes"] = self.bias_axes
        del config["use_bias"]  # Keras's EinsumDense has bias_axes instead
        return config
