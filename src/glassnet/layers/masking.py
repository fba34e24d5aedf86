"""Masks: which time steps of a padded sequence are real, from where they start to the RNNs.

Padded text (``[[5, 8, 0, 0], [3, 0, 0, 0]]``) carries steps that are not data. As in Keras,
two layers say so with a boolean *mask* of shape ``(batch, T)``:

- ``Embedding(..., mask_zero=True)``: ``mask = x != 0`` (id 0 is padding);
- ``Masking(mask_value=0.0)``: ``mask = any(x != mask_value, axis=-1)``; its output is ``x``
  with the masked steps set to zero.

The graph walker (:mod:`glassnet.layers.graph`) hands the mask on from layer to layer: layers
that work step by step (``Dense``, ``Dropout``, activations, normalisation ...) pass it
through unchanged, merge layers combine their inputs' masks with a logical *and*, a recurrent
layer consumes it (a masked step keeps the previous state and output; ``return_sequences``
passes the mask on, else the mask stops there), ``GlobalAveragePooling1D`` averages the real
steps only, the attention layers (``Attention``, ``MultiHeadAttention``) hide padded key steps
and pass the query's mask on, and every other layer drops it. The model's output mask, when
there is one, weights the loss and the metrics (:mod:`glassnet.losses.masks`). None of this
runs unless some layer of the graph makes a mask.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.layers.base import Layer, Shape

#: Layers that act on each time step alone, so the mask of their input is that of their
#: output (Keras's ``supports_masking`` layers among glassnet's).
PASS_THROUGH = frozenset({
    "Dense", "Dropout", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "LayerNormalization", "BatchNormalization", "GaussianNoise", "SpatialDropout1D",
    "TimeDistributed", "Masking", "Rescaling",
})


class Masking(Layer):
    """Mark the time steps whose features all equal ``mask_value`` as padding (Keras's layer).

    Parameters
    ----------
    mask_value : float, default 0.0

    Notes
    -----
    ``x`` (batch, T, features) -> ``y`` of the same shape::

        m[b, t] = any_f (x[b, t, f] != mask_value)       the mask (batch, T), handed on
        y = x * m[..., None]                              masked steps become 0
        dL/dx = dL/dy * m[..., None]
    """

    def __init__(self, mask_value: float = 0.0, **base: Any) -> None:
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float, np.number)):
            raise TypeError(f"Masking `mask_value` must be a number, got {mask_value!r}.")
        super().__init__(**base)
        self.mask_value = float(mask_value)

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def compute_mask(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """``any(x != mask_value, axis=-1)``: (batch, T, features) -> (batch, T)."""
        return np.any(x != self.mask_value, axis=-1)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        keep = self.compute_mask(x)[..., None].astype(x.dtype)  # (batch, T, 1)
        self._cache = keep
        return x * keep

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y * self._cache

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


def _consumes_mask(layer: Layer) -> bool:
    """Layers whose ``forward`` takes the mask: the recurrent layers (also inside
    ``Bidirectional``), the 1-D global mean, the attention layers (a list: one per input),
    and custom layers whose ``call`` has a ``mask`` argument."""
    return _builtin_consumer(layer) or _call_takes_mask(type(layer))


def _builtin_consumer(layer: Layer) -> bool:
    from glassnet.layers.attention import Attention
    from glassnet.layers.multi_head_attention import MultiHeadAttention
    from glassnet.layers.pooling1d import GlobalAveragePooling1D
    from glassnet.layers.recurrent_base import RecurrentLayer
    from glassnet.layers.wrappers import Bidirectional

    return isinstance(layer, (RecurrentLayer, GlobalAveragePooling1D, Bidirectional,
                              Attention, MultiHeadAttention))


_TAKES_MASK: dict[type, bool] = {}


def _call_takes_mask(cls: type) -> bool:
    """Whether ``cls.call`` has a ``mask`` argument (looked up once per class)."""
    known = _TAKES_MASK.get(cls)
    if known is None:
        call = getattr(cls, "call", None)
        known = _TAKES_MASK[cls] = callable(call) and \
            "mask" in inspect.signature(call).parameters
    return known


def _custom_mask_maker(layer: Layer) -> bool:
    """A layer written outside glassnet with its own ``compute_mask``."""
    return hasattr(layer, "compute_mask") and not type(layer).__module__.startswith("glassnet.")


def mask_sources(layers: Sequence[Layer], sources: Sequence[Sequence[int]]) -> list[bool] | None:
    """None when no layer of the graph makes a mask (then masks cost nothing); else, per
    node, whether its layer makes one."""
    makes = [isinstance(layer, Masking) or bool(getattr(layer, "mask_zero", False))
             or _custom_mask_maker(layer) for layer in layers]
    return makes if any(makes) else None


def output_mask(layer: Layer, x: Any, mask: np.ndarray | None, y: Any) -> np.ndarray | None:
    """The mask of ``y = layer(x)`` for the input mask ``mask`` (Keras's rules): the layer's
    ``compute_mask`` if it has one; a recurrent layer's when it returns sequences; unchanged
    through a step-wise layer (``supports_masking``); else none."""
    compute = getattr(layer, "compute_mask", None)
    if compute is not None:
        out = compute(x, mask)
        return None if out is None else np.asarray(getattr(out, "value", out), dtype=bool)
    if mask is None:
        return None
    if _builtin_consumer(layer):
        return mask if getattr(layer, "return_sequences", False) else None
    if (type(layer).__name__ in PASS_THROUGH or getattr(layer, "supports_masking", False)) \
            and np.shape(y)[:mask.ndim] == mask.shape:
        return mask
    return None


class MaskedArray(np.ndarray):
    """A layer's output on arrays that carries its mask as ``_keras_mask`` (as Keras's
    tensors do): ``Embedding(mask_zero=True)(ids)._keras_mask``. The next layer called on
    it reads the mask; arrays computed from it carry none."""

    _keras_mask: np.ndarray | None = None


def with_mask(y: Any, mask: np.ndarray | None) -> Any:
    """``y`` carrying ``mask`` (``y`` itself when there is none)."""
    if mask is None or not isinstance(y, np.ndarray):
        return y
    out = y.view(MaskedArray)
    out._keras_mask = mask
    return out


def _merge_masks(masks: list[Any]) -> np.ndarray | None:
    """A merge layer's output mask: the *and* of its inputs' masks (None for an unmasked
    input: all steps real); None when no input has one or their shapes differ."""
    given = [m for m in masks if m is not None]
    if not given or any(m.shape != given[0].shape for m in given):
        return None
    out = given[0]
    for m in given[1:]:
        out = out & m
    return out


def forward_masked(layer: Layer, arg: Any, src: Sequence[int], masks: list[Any], k: int,
                   training: bool) -> Any:
    """Run node ``k`` with masks: ``layer``'s output, and its output mask in ``masks[k + 1]``
    (``masks[s]`` is tensor ``s``'s mask, None for none)."""
    if layer.multi_input:
        given = [masks[s] for s in src]
        if _consumes_mask(layer):  # attention: one mask per input, the query's passed on
            y = layer.forward(arg, training=training, mask=given)  # type: ignore[call-arg]
            compute = getattr(layer, "compute_mask", None)  # (a recurrent layer given
            masks[k + 1] = compute(arg, given) if compute is not None \
                else output_mask(layer, arg, given[0], y)  # initial states: the sequence's)
            return y
        y = layer.forward(arg, training=training)
        masks[k + 1] = _merge_masks(given)
        return y
    mask = masks[src[0]]
    if mask is not None and _consumes_mask(layer):
        y = layer.forward(arg, training=training, mask=mask)  # type: ignore[call-arg]
    else:
        y = layer.forward(arg, training=training)
    masks[k + 1] = output_mask(layer, arg, mask, y)
    return y
