"""Dot-product attention (Luong-style, Keras's ``Attention``) and the softmax-attention core
that :class:`~glassnet.layers.MultiHeadAttention` reuses.

Attention reads a ``value`` sequence with weights that say how well each of its steps (its
``key``) matches each ``query`` step::

    scores = query @ key.T          (Tq, Tk): one score per (query step, key step)
    A = softmax(scores)             each row sums to 1 over the key steps
    out = A @ value                 (Tq, dv): a weighted average of value steps

The core's backward is the chain rule through the two matmuls and the softmax, written once
in :func:`attend_backward`.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet import _validate
from glassnet.layers._stochastic import seed_noise
from glassnet.layers.base import Layer

#: What Keras subtracts from masked scores before the softmax.
MASKED = 1.0e9


def causal_mask(tq: int, tk: int) -> np.ndarray:
    """``(tq, tk)`` bool, True where query step ``i`` may see key step ``j <= i`` (Keras's)."""
    return np.arange(tq)[:, None] >= np.arange(tk)[None, :]


def attend(scores: np.ndarray, value: np.ndarray, dropout: float, rng: Any, training: bool,
           causal: bool, allowed: np.ndarray | None = None, zero_unseen: bool = False
           ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """``softmax(scores) @ value`` with optional masks and dropout on the weights.

    Parameters
    ----------
    scores : ndarray of shape (..., Tq, Tk)
    value : ndarray of shape (..., Tk, dv)
        Leading axes (batch, heads) broadcast as in ``np.matmul``.
    causal : bool
        Query step ``i`` sees only key steps ``j <= i``.
    allowed : ndarray of bool, broadcastable to (..., Tq, Tk), optional
        True where query step ``i`` may see key step ``j`` (combined with ``causal``).
    zero_unseen : bool, default False
        Set the weights of the hidden pairs to exactly 0 after the softmax (Keras's masked
        ``Softmax``, which ``MultiHeadAttention`` uses): a query step that sees no key step
        gets all-zero weights instead of a softmax over hidden scores.

    Returns
    -------
    out : ndarray of shape (..., Tq, dv)
    cache : (A, Ad, keep)
        The attention weights, the weights after dropout, and the dropout scale (or None).

    Notes
    -----
    A hidden score has ``MASKED`` (1e9) subtracted, as Keras does: ``exp`` of it underflows
    to 0, so hidden steps get no weight and (through ``A``) no gradient.
    """
    if causal:
        seen = causal_mask(*scores.shape[-2:])
        allowed = seen if allowed is None else allowed & seen
    if allowed is not None:
        scores = np.where(allowed, scores, scores - MASKED)
    a = np.exp(scores - scores.max(axis=-1, keepdims=True))
    a /= a.sum(axis=-1, keepdims=True)  # (..., Tq, Tk)
    if zero_unseen and allowed is not None:
        # Only rows with no visible step change; their weights (now 0) get no gradient.
        a = np.where(allowed, a, np.asarray(0.0, a.dtype))
    keep = None
    ad = a
    if training and dropout > 0.0:
        kept = rng.random(a.shape, dtype=np.float32) < 1.0 - dropout
        keep = np.where(kept, np.asarray(1.0 / (1.0 - dropout), a.dtype),
                        np.asarray(0.0, a.dtype))
        ad = a * keep
    return ad @ value, (a, ad, keep)


def attend_backward(grad_out: np.ndarray, value: np.ndarray,
                    cache: tuple[np.ndarray, np.ndarray, np.ndarray | None],
                    grad_weights: np.ndarray | None = None, dropped: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dscores, dL/dvalue)`` from ``dL/dout`` (shapes as in :func:`attend`).

    ``grad_weights`` (shape (..., Tq, Tk)) is the gradient reaching the attention weights
    when they are an output of their own (``return_attention_scores=True``): of ``A`` itself,
    or of ``Ad`` (the weights after dropout) when ``dropped``.

    Notes
    -----
    ::

        dL/dvalue = Ad.T @ dL/dout                      (..., Tk, Tq) @ (..., Tq, dv)
        dL/dA     = (dL/dout @ value.T) * keep          the dropout scale, if any
        dL/dscores = A * (dL/dA - sum_k(dL/dA * A))     the softmax's Jacobian-vector product

    (Masked scores had their softmax weight driven to 0, so they receive no gradient; the
    zeroed rows of ``zero_unseen`` have ``A = 0`` and get none either.)
    """
    a, ad, keep = cache
    grad_value = np.swapaxes(ad, -1, -2) @ grad_out
    grad_a = grad_out @ np.swapaxes(value, -1, -2)  # (..., Tq, Tk)
    if grad_weights is not None and dropped:  # Ad = A * keep: joins before the scale
        grad_a = grad_a + grad_weights
    if keep is not None:
        grad_a *= keep
    if grad_weights is not None and not dropped:
        grad_a = grad_a + grad_weights
    grad_scores = a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))
    return grad_scores, grad_value


def check_attention_mask(owner: str, attention_mask: Any, expected: tuple[int, ...]
                         ) -> np.ndarray:
    """``attention_mask`` as bools (nonzero is True, as Keras casts it), checked against the
    scores' ``expected`` shape ``(batch, Tq, Tk)`` (or ``(batch, heads, Tq, Tk)``): at least
    2 axes, broadcasting to that shape (each axis 1 or equal, leading axes may be left out,
    as Keras broadcasts)."""
    mask = np.asarray(attention_mask)
    if mask.dtype.kind not in "biuf":
        raise TypeError(f"{owner} `attention_mask` must hold booleans or 0/1 numbers, got "
                        f"an array of dtype {mask.dtype}.")
    fits = 2 <= mask.ndim <= len(expected) and all(
        m in (1, e) for m, e in zip(mask.shape[::-1], expected[::-1], strict=False))
    if not fits:
        names = "(batch, heads, T_q, T_v)" if len(expected) == 4 else "(batch, T_q, T_v)"
        shape = f"{names} = {tuple(expected)}"
        raise ValueError(f"{owner} `attention_mask` must have shape {shape} (or broadcast to "
                         f"it), got shape {mask.shape}.")
    return mask.astype(bool, copy=False)


def check_rate(owner: str, dropout: Any) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
            or not 0.0 <= dropout < 1.0:
        raise ValueError(f"{owner} `dropout` must be a float in [0, 1), got {dropout!r}.")
    return float(dropout)


def apply_call_options(layer: Layer, owner: str, inputs: Any, use_causal_mask: bool | None,
                       return_attention_scores: bool) -> None:
    """The call arguments of both attention layers: ``use_causal_mask`` (kept on the layer,
    as Keras does) and ``return_attention_scores``.

    On symbolic tensors ``return_attention_scores=True`` gives the node two outputs, the
    layer's output and the attention weights (``multi_output``, so the graph walker hands
    backward ``[dL/dout, dL/dweights]``); a shared layer must be called the same way each time.
    """
    from glassnet.layers.input import is_symbolic

    if use_causal_mask is not None:
        layer.use_causal_mask = bool(use_causal_mask)  # type: ignore[attr-defined]
    if not is_symbolic(inputs):
        return
    want = bool(return_attention_scores) or layer.__dict__.get("_scores_from_config", False)
    if layer._node is not None and layer.multi_output != want:
        raise ValueError(
            f"{owner} '{layer.name}' is shared: it was first called with "
            f"return_attention_scores={layer.multi_output}, so every call needs the same, got "
            f"return_attention_scores={bool(return_attention_scores)}.")
    layer.multi_output = want


def scores_config(layer: Layer, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with ``return_attention_scores: True`` when the layer's graph node returns
    the weights (a call argument in Keras, kept here so a saved graph rebuilds the same)."""
    if layer.multi_output:
        config["return_attention_scores"] = True
    return config


def layer_from_config(cls: Any, config: dict[str, Any]) -> Any:
    """The layer of :func:`scores_config`'s ``config``: called on symbolic tensors, it returns
    the weights as its second output again."""
    config = dict(config)
    scores = bool(config.pop("return_attention_scores", False))
    layer = Layer.from_config.__func__(cls, config)  # type: ignore[attr-defined]
    layer._scores_from_config = scores
    return layer


class ScoresLayer(Layer):
    """What Attention and MultiHeadAttention share: the call options kept in the config and
    the gradient a node that also returns the attention weights receives."""

    use_causal_mask: bool

    def _split_grad(self, grad_y: Any) -> tuple[Any, Any]:
        """``(dL/dout, dL/dweights)``; the second is None unless the node returns the weights
        (``multi_output``: the graph walker hands ``[dL/dout, dL/dweights]``)."""
        if self.multi_output:
            grad_out, grad_weights = grad_y
            return grad_out, grad_weights
        return grad_y, None

    def _call_options_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """``config`` with the call options that rebuild the same graph node."""
        if self.use_causal_mask:  # a call argument in Keras: only kept when set
            config["use_causal_mask"] = True
        return scores_config(self, config)

    @classmethod
    def from_config(cls, config):
        return layer_from_config(cls, config)


def input_shapes(input_shape: Any, expected: str) -> list[tuple[Any, ...]]:
    """The 2 or 3 one-sample shapes ``[query, value(, key)]`` as tuples; ``expected`` opens
    the error message for anything else."""
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) not in (2, 3) or \
            not all(isinstance(s, (list, tuple)) for s in input_shape):
        raise ValueError(f"{expected}, got input shapes {input_shape!r}.")
    return [tuple(s) for s in input_shape]


def check_value_key_steps(owner: str, shapes: list[tuple[Any, ...]]) -> None:
    """Value and key (the value when no key is given) must have the same number of steps."""
    v = shapes[1]
    k = shapes[2] if len(shapes) == 3 else v
    if v[0] is not None and k[0] is not None and v[0] != k[0]:
        raise ValueError(
            f"{owner}: value and key need the same number of steps, got value "
            f"{(None,) + v} and key {(None,) + k}."
        )


SCORE_MODES = ("dot", "concat")


class Attention(ScoresLayer):
    """Dot-product attention layer (Keras's ``Attention``), called on ``[query, value]`` or
    ``[query, value, key]`` (the key defaults to the value).

    Parameters
    ----------
    use_scale : bool, default False
        Learn a scalar ``scale`` multiplying the scores (inside the tanh for 'concat').
    score_mode : {'dot', 'concat'}, default 'dot'
        'dot': ``scores = q @ k.T``; 'concat': ``scores[i, j] = c * sum(tanh(q_i + k_j))``
        with a learned scalar ``concat_score_weight`` ``c`` (Bahdanau-style).
    dropout : float in [0, 1), default 0.0
        Dropout on the attention weights while training.
    seed : int, optional
    use_causal_mask : bool, default False
        Query step ``i`` sees only key steps ``j <= i``. (In Keras a call argument; here also
        settable when calling: ``layer([q, v], use_causal_mask=True)``.)

    Notes
    -----
    Masks, as Keras's: ``layer([q, v], mask=[query_mask, value_mask])`` (bool, shapes
    (batch, Tq) and (batch, Tv)), or the masks reaching the layer in a model
    (``Embedding(mask_zero=True)``, ``Masking``). Hidden value steps get ``1e9`` subtracted
    from their scores (no weight); the output rows of padded query steps are set to 0, and
    the query's mask is the output's mask.

    Shapes: query (batch, Tq, d), value (batch, Tk, dv), key (batch, Tk, d); output
    (batch, Tq, dv). Weights (Keras's order): ``scale`` if ``use_scale``, then
    ``concat_score_weight`` for 'concat', both scalars starting at 1. Backward, after
    :func:`attend_backward` gives ``G = dL/dscores``:

        dot:     dL/dq = s G @ k,   dL/dk = s G.T @ q,   dL/ds = sum(G * q @ k.T)
        concat:  with T = tanh(s (q_i + k_j)) and H = c G (1 - T^2):
                 dL/dq_i = s sum_j H_ij,  dL/dk_j = s sum_i H_ij,
                 dL/dc = sum(G * sum_d T),  dL/ds = sum(H * (q_i + k_j))
    """

    multi_input = True

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, use_causal_mask: bool = False, **base: Any) -> None:
        super().__init__(**base)
        if score_mode not in SCORE_MODES:
            raise ValueError(
                f"Attention `score_mode` must be one of {SCORE_MODES}, got {score_mode!r}.")
        self.use_scale = _validate.check_bool(type(self).__name__, "use_scale", use_scale)
        self.score_mode = score_mode
        self.dropout = check_rate("Attention", dropout)
        self.seed = seed
        self.use_causal_mask = _validate.check_bool(type(self).__name__, "use_causal_mask", use_causal_mask)
        self.stochastic = self.dropout > 0.0
        #: ``mask`` of the call under way, read (and cleared) by ``forward``.
        self._call_mask: list[Any] | None = None

    def __call__(  # type: ignore[override]  # Keras's signature: (inputs, mask, training)
        self, inputs: Any, mask: Any = None, training: bool | None = None,
        return_attention_scores: bool = False, use_causal_mask: bool | None = None,
    ) -> Any:
        """``layer([query, value(, key)], mask=[query_mask, value_mask])``.

        ``mask`` (arrays only; optional) holds bools of shapes (batch, Tq) and (batch, Tv)
        (either may be None). ``return_attention_scores=True`` also returns the attention
        weights (after dropout), shape (batch, Tq, Tk), as Keras does: a pair of arrays, or
        of symbolic tensors in a functional model.
        """
        from glassnet.layers.input import is_symbolic

        apply_call_options(self, "Attention", inputs, use_causal_mask, return_attention_scores)
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
                raise ValueError(
                    "Attention layer `mask` must be a list [query_mask, value_mask], got "
                    f"mask={mask!r}.")
            if is_symbolic(inputs) or any(is_symbolic(m) for m in mask):
                raise NotImplementedError(
                    "Attention `mask` is taken on arrays; in a functional model the masks of "
                    "Masking/Embedding(mask_zero=True) reach the layer by themselves.")
        self._call_mask = None if mask is None else list(mask)
        out = super().__call__(inputs, training=training)
        if is_symbolic(inputs):
            return out  # [output, weights] when multi_output
        if self.multi_output:
            out, weights = out
        else:
            weights = self._cache[5][1]  # after dropout, as Keras returns them
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, xs: Any, mask: Any = None) -> np.ndarray | None:
        """The query's mask (Keras's rule)."""
        return mask[0] if isinstance(mask, (list, tuple)) and mask else None

    def _masks(self, q: np.ndarray, v: np.ndarray, mask: Any
               ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """``(query_mask, value_mask)`` as bools of shapes (batch, Tq), (batch, Tv), checked."""
        if not isinstance(mask, (list, tuple)):
            return None, None
        out: list[np.ndarray | None] = []
        for name, m, x in (("query_mask", mask[0], q), ("value_mask", mask[1], v)):
            if m is not None:
                m = np.asarray(m)
                if m.shape != x.shape[:2]:
                    raise ValueError(
                        f"Attention `mask`: {name} must have shape {x.shape[:2]} (batch, "
                        f"steps) for inputs of shape {x.shape}, got shape {m.shape}.")
                m = m.astype(bool, copy=False)
            out.append(m)
        return out[0], out[1]

    def _shapes(self, input_shape: Any) -> list[tuple[Any, ...]]:
        shapes = input_shapes(
            input_shape, "Attention must be called on a list [query, value] or [query, value, key]")
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) == 3 else v
        if any(len(s) != 2 for s in (q, v, k)):
            raise ValueError(
                "Attention expects query, value and key of shape (batch, steps, features), "
                f"got {[(None,) + s for s in shapes]}."
            )
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1]:
            raise ValueError(
                f"Attention: query and key need the same last dimension, got query "
                f"{(None,) + q} and key {(None,) + k}."
            )
        check_value_key_steps("Attention", shapes)
        return shapes

    def output_shape(self, input_shape):  # type: ignore[override]  # a list of shapes
        shapes = self._shapes(input_shape)
        out = (shapes[0][0], shapes[1][-1])
        return [out, (shapes[0][0], shapes[1][0])] if self.multi_output else out

    def build(self, input_shape, rng=None):
        self._shapes(input_shape)
        super().build(input_shape, rng)
        self.built_input_shape = cast(Any, tuple(tuple(s) for s in input_shape))  # shapes
        self._add_score_weights(tuple(input_shape[0]), rng)
        if self.stochastic:
            seed_noise(self)

    def _add_score_weights(self, query_shape: tuple[Any, ...], rng: Any) -> None:
        """The weights of the scores (Keras's order), for queries of ``query_shape``."""
        scalars = (["scale"] if self.use_scale else []) + (
            ["concat_score_weight"] if self.score_mode == "concat" else [])
        for key in scalars:
            self.add_param(key, (), "ones", rng)
            # Keras's scalar weights have shape (); add_param's contiguous copy made them (1,)
            self.params[key] = self.params[key].reshape(())
            self.grads[key] = self.grads[key].reshape(())

    def forward(self, xs, training=False, mask=None):
        call_mask, self._call_mask = self._call_mask, None
        if not isinstance(xs, (list, tuple)) or len(xs) not in (2, 3):
            raise TypeError(f"Attention '{self.name}' expects a list [query, value(, key)].")
        q, v = xs[0], xs[1]
        k = xs[2] if len(xs) == 3 else v
        q_mask, v_mask = self._masks(q, v, call_mask if call_mask is not None else mask)
        scores, raw, t = self._scores(q, k)
        allowed = None if v_mask is None else v_mask[:, None, :]  # (b, 1, Tv)
        out, core = attend(scores, v, self.dropout, self.noise_rng, training,
                           self.use_causal_mask, allowed)
        keep_rows = None
        if q_mask is not None:  # padded query steps give 0 (Keras's where)
            keep_rows = q_mask[..., None]  # (b, Tq, 1)
            out = np.where(keep_rows, out, np.asarray(0.0, out.dtype))
        self._cache = (q, k, v, raw, t, core, len(xs), keep_rows)
        return [out, core[1]] if self.multi_output else out

    def backward(self, grad_y):
        q, k, v, raw, t, core, n_inputs, keep_rows = self._cache
        grad_y, grad_weights = self._split_grad(grad_y)
        if keep_rows is not None:
            grad_y = np.where(keep_rows, grad_y, np.asarray(0.0, grad_y.dtype))
        g, dv = attend_backward(grad_y, v, core, grad_weights, dropped=True)  # (b, Tq, Tk)
        dq, dk = self._scores_backward(g, q, k, raw, t)
        if n_inputs == 3:
            return [dq, dv, dk]
        return [dq, dv + dk]  # the value also served as the key

    def _scores(self, q: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, Any, Any]:
        """``(scores, raw, t)``: the (b, Tq, Tk) scores and what :meth:`_scores_backward`
        reads (the unscaled scores or the pairs ``q_i + k_j``, and the tanh)."""
        s = self.params["scale"] if self.use_scale else None
        if self.score_mode == "dot":
            raw = q @ np.swapaxes(k, -1, -2)  # (b, Tq, d) @ (b, d, Tk) -> (b, Tq, Tk)
            return (raw * s if s is not None else raw), raw, None
        pair = q[:, :, None, :] + k[:, None, :, :]  # (b, Tq, Tk, d)
        t = np.tanh(pair * s if s is not None else pair)
        return self.params["concat_score_weight"] * t.sum(axis=-1), pair, t

    def _scores_backward(self, g: np.ndarray, q: np.ndarray, k: np.ndarray, raw: Any,
                         t: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(dL/dq, dL/dk)`` from ``g = dL/dscores``; writes the score weights' gradients."""
        s = self.params["scale"] if self.use_scale else 1.0
        if self.score_mode == "dot":
            if self.use_scale:
                self.grads["scale"][...] = np.sum(g * raw)
            return (g @ k) * s, (np.swapaxes(g, -1, -2) @ q) * s  # (b, Tq, Tk) @ (b, Tk, d)
        c = self.params["concat_score_weight"]
        self.grads["concat_score_weight"][...] = np.sum(g * t.sum(axis=-1))
        h = (c * g)[..., None] * (1.0 - t * t)  # (b, Tq, Tk, d): dL/d(tanh argument)
        if self.use_scale:
            self.grads["scale"][...] = np.sum(h * raw)
        return h.sum(axis=2) * s, h.sum(axis=1) * s

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return self._call_options_config(config)
