"""AdditiveAttention: Bahdanau-style attention, Keras's ``AdditiveAttention``.

The scores are a learned sum over features of ``tanh(q_i + k_j)`` instead of a dot product;
the rest (masks, dropout on the weights, the causal mask, ``return_attention_scores``) is
:class:`~glassnet.layers.Attention`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.attention import Attention


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention layer, called on ``[query, value]`` or
    ``[query, value, key]`` (the key defaults to the value).

    Parameters
    ----------
    use_scale : bool, default True
        Learn a vector ``scale`` of one weight per feature (Keras's ``glorot_uniform``
        start); without it every feature weighs 1.
    dropout : float in [0, 1), default 0.0
        Dropout on the attention weights while training.
    **kwargs
        ``seed``, ``use_causal_mask`` and the base layer's options (``name`` ...).

    Notes
    -----
    Shapes: query (batch, Tq, d), value (batch, Tk, dv), key (batch, Tk, d); output
    (batch, Tq, dv); weight ``scale`` (d,). With ``T = tanh(q_i + k_j)`` of shape
    (batch, Tq, Tk, d)::

        scores[b, i, j] = sum_d scale_d T[b, i, j, d]
        A = softmax(scores) over j,  out = A @ value       (masks as in Attention)

    Backward, after :func:`~glassnet.layers.attention.attend_backward` gives
    ``G = dL/dscores`` and with ``H = G[..., None] * scale * (1 - T^2)``::

        dL/dscale = sum_{b, i, j} G[b, i, j] T[b, i, j, :]
        dL/dq_i = sum_j H_ij,   dL/dk_j = sum_i H_ij,   dL/dvalue = A.T @ dL/dout

    Masks follow :class:`~glassnet.layers.Attention`: ``mask=[query_mask, value_mask]`` or
    the masks reaching the layer in a model.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("score_mode", None)  # Keras drops it too: the scores are always additive
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def _add_score_weights(self, query_shape, rng):
        if query_shape[-1] is None:
            raise ValueError(f"AdditiveAttention '{self.name}' needs a known feature axis, got "
                             f"queries of shape {(None,) + tuple(query_shape)}.")
        if self.use_scale:
            self.add_param("scale", (int(query_shape[-1]),), "glorot_uniform", rng)

    def _scores(self, q: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, Any, Any]:
        t = np.tanh(q[:, :, None, :] + k[:, None, :, :])  # (b, Tq, Tk, d)
        weighted = t * self.params["scale"] if self.use_scale else t
        return weighted.sum(axis=-1), None, t

    def _scores_backward(self, g: np.ndarray, q: np.ndarray, k: np.ndarray, raw: Any,
                         t: Any) -> tuple[np.ndarray, np.ndarray]:
        if self.use_scale:
            # sum over b, i, j of G * T: (d, b*Tq*Tk) @ (b*Tq*Tk,)
            self.grads["scale"][...] = t.reshape(-1, t.shape[-1]).T @ g.reshape(-1)
            h = g[..., None] * self.params["scale"] * (1.0 - t * t)
        else:
            h = g[..., None] * (1.0 - t * t)  # (b, Tq, Tk, d): dL/d(q_i + k_j)
        return h.sum(axis=2), h.sum(axis=1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
