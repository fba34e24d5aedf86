"""MultiHeadAttention (Vaswani et al. 2017), Keras's layer with Keras's weight shapes."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet import _validate, initializers
from glassnet.layers._stochastic import seed_noise
from glassnet.layers._weights_config import serialize_initializer, serialize_regularizer
from glassnet.layers.attention import (
    ScoresLayer,
    apply_call_options,
    attend,
    attend_backward,
    check_attention_mask,
    check_rate,
    check_value_key_steps,
    input_shapes,
)

PROJECTIONS = ("query", "key", "value")


def _positive(owner: str, arg: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner} `{arg}` must be a positive integer, got {value!r}.")
    return int(value)


class MultiHeadAttention(ScoresLayer):
    """Multi-head attention, called as ``mha(query, value)`` or ``mha(query, value, key)``.

    Parameters
    ----------
    num_heads : int
        Number of attention heads ``H``.
    key_dim : int
        Size ``dk`` of each head's query and key projections.
    value_dim : int, optional
        Size ``dv`` of each head's value projection; defaults to ``key_dim``.
    dropout : float in [0, 1), default 0.0
        Dropout on the attention weights while training.
    use_bias : bool, default True
    output_shape : int, optional
        Output features ``do``; defaults to the query's last dimension.
    attention_axes, sliding_window : None
        Only the defaults (full attention over the steps axis) are supported.
    flash_attention : bool, optional
        Accepted for Keras compatibility (a speed hint there; the results are the same).
    kernel_initializer, bias_initializer : str or initializer
        ``'glorot_uniform'`` and ``'zeros'``, as Keras.
    kernel_regularizer, bias_regularizer : str or regularizer, optional
    use_gate : False
        Keras's gated variant is not supported.
    seed : int, optional
        Seed of the dropout (else the model's noise stream).
    use_causal_mask : bool, default False
        Query step ``i`` sees only key steps ``j <= i``. (In Keras a call argument; it is
        one here too, ``mha(q, v, use_causal_mask=True)``, and is remembered by the layer.)

    Notes
    -----
    Masks (Keras's ``_compute_attention_mask``): query step ``i`` may see key step ``j`` when
    every mask given allows it, combined with a logical *and*:

    - ``attention_mask`` (a call argument), bool or 0/1 of shape (batch, Tq, Tk), or any
      shape that broadcasts to it such as (Tq, Tk) or (batch, 1, Tk), or one mask per head
      (batch, heads, Tq, Tk); an array on arrays, a symbolic tensor (a model ``Input``) in a
      functional model;
    - the masks that reach the layer in a model (``Embedding(mask_zero=True)``,
      ``Masking``): the query's as (batch, Tq, 1), the value's and the key's as (batch, 1, Tk);
    - the causal mask (Tq, Tk) when ``use_causal_mask``.

    A hidden pair's score gets ``-1e9``, so its weight is 0; a query step that sees nothing
    (a padded query step) gets all-zero weights, as Keras's masked softmax gives them (Keras's
    fused kernel, its path without dropout or returned scores, averages the values there
    instead: the step is padding either way). The output carries the query's mask on.

    Shapes: query ``q`` (b, Tq, dq), value ``v`` (b, Tk, dv_in), key ``k`` (b, Tk, dk_in)
    (the value when omitted). Weights in Keras's shapes and order::

        query_kernel (dq, H, dk)   query_bias (H, dk)      same for key (dk_in, H, dk)
        value_kernel (dv_in, H, dv)   value_bias (H, dv)
        output_kernel (H, dv, do)     output_bias (do,)

    Forward, per head ``h`` (``Q``, ``K``, ``V`` the projections, ``s = 1 / sqrt(dk)``)::

        Q = q Wq + bq,  K = k Wk + bk,  V = v Wv + bv      one matmul each, all heads
        C_h = softmax(s Q_h K_h.T) V_h                       (Tq, dv), see attention.attend
        y = sum_h C_h Wo_h + bo                              (b, Tq, do)

    Backward runs these lines in reverse: the output projection, then
    :func:`~glassnet.layers.attention.attend_backward` for every head at once, then the three
    input projections (``dL/dW = x.T @ dL/dP``, ``dL/dx = dL/dP @ W.T``).
    """

    multi_input = True

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: int | tuple[int] | None = None,
        attention_axes: Any = None,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        use_causal_mask: bool = False,
        **base: Any,
    ) -> None:
        super().__init__(**base)
        owner = "MultiHeadAttention"
        self.num_heads = _positive(owner, "num_heads", num_heads)
        self.key_dim = _positive(owner, "key_dim", key_dim)
        self.value_dim = self.key_dim if value_dim is None else _positive(
            owner, "value_dim", value_dim)
        self.dropout = check_rate(owner, dropout)
        self.use_bias = _validate.check_bool(type(self).__name__, "use_bias", use_bias)
        if isinstance(output_shape, (tuple, list)) and len(output_shape) == 1:
            output_shape = output_shape[0]
        self.output_dim = None if output_shape is None else _positive(
            owner, "output_shape", output_shape)
        if isinstance(attention_axes, (int, np.integer)) and not isinstance(attention_axes, bool):
            attention_axes = (int(attention_axes),)
        if attention_axes is not None and tuple(attention_axes) in ((1,), (-2,)):
            attention_axes = None  # the steps axis of (batch, steps, features): the default
        if attention_axes is not None:
            raise NotImplementedError(
                f"{owner} `attention_axes` is not supported (attention runs over the steps "
                f"axis, Keras's default); got {attention_axes!r}.")
        if sliding_window is not None:
            raise NotImplementedError(f"{owner} `sliding_window` is not supported; pass None.")
        if use_gate:
            raise NotImplementedError(f"{owner} `use_gate=True` is not supported.")
        self.flash_attention = flash_attention  # a speed hint in Keras; results are the same
        initializers.get(kernel_initializer)
        initializers.get(bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.seed = seed
        self.use_causal_mask = _validate.check_bool(type(self).__name__, "use_causal_mask", use_causal_mask)
        self.stochastic = self.dropout > 0.0
        self.input_grad_needed = True
        #: ``attention_mask`` of the call under way, read (and cleared) by ``forward``.
        self._attention_mask: np.ndarray | None = None

    def __call__(  # type: ignore[override]  # Keras's signature: mha(query, value, key)
        self, query: Any, value: Any = None, key: Any = None, training: bool | None = None,
        use_causal_mask: bool | None = None, return_attention_scores: bool = False,
        attention_mask: Any = None,
    ) -> Any:
        """``mha(query, value)`` / ``mha(query, value, key)`` on arrays or symbolic tensors.

        A list ``mha([query, value])`` works too. The tensors become one graph node with
        two (or three) inputs. ``return_attention_scores=True`` also returns the attention
        weights (before dropout), shape (batch, heads, Tq, Tk), as Keras does: a pair of
        arrays, or of symbolic tensors (the node's two outputs) in a functional model.

        ``attention_mask`` (bool or 0/1, shape (batch, Tq, Tk) or broadcastable to it) says
        which key steps each query step may see: an array on arrays, a symbolic tensor (an
        ``Input`` of shape (Tq, Tk), say) on symbolic tensors. A node with a mask has four
        inputs ``[query, value, key, attention_mask]`` (the key is the value when not
        given), and ``mha([query, value, key, attention_mask])`` is the same call.
        """
        from glassnet.layers.input import is_symbolic

        if isinstance(query, (list, tuple)) and value is None:
            inputs = list(query)
        elif value is None:
            raise TypeError("MultiHeadAttention needs a query and a value: mha(query, value).")
        else:
            inputs = [query, value] + ([] if key is None else [key])
        apply_call_options(self, "MultiHeadAttention", inputs, use_causal_mask,
                           return_attention_scores)
        if is_symbolic(inputs):
            if attention_mask is not None:
                if not is_symbolic(attention_mask):
                    raise TypeError(
                        "MultiHeadAttention called on symbolic tensors takes a symbolic "
                        "`attention_mask` (an Input or a layer's output), got "
                        f"{type(attention_mask).__name__}.")
                inputs = inputs[:2] + [inputs[2] if len(inputs) == 3 else inputs[1],
                                       attention_mask]
            return super().__call__(inputs, training=training)  # a graph node
        if is_symbolic(attention_mask):
            raise TypeError("MultiHeadAttention got a symbolic `attention_mask` for arrays; "
                            "pass an array.")
        self._attention_mask = attention_mask
        out = super().__call__(inputs, training=training)
        if self.multi_output:
            out, weights = out
        else:
            weights = self._cache[4][0]  # before dropout, as Keras returns them
        return (out, weights) if return_attention_scores else out

    # -- shapes ---------------------------------------------------------------------------------
    @staticmethod
    def _split(items: Any) -> tuple[Any, Any]:
        """``[query, value(, key)]`` and the ``attention_mask`` of a four-input node (else
        None)."""
        if isinstance(items, (list, tuple)) and len(items) == 4:
            return list(items[:3]), items[3]
        return items, None

    def _shapes(self, input_shape: Any) -> list[tuple[Any, ...]]:
        input_shape, mask_shape = self._split(input_shape)
        shapes = input_shapes(
            input_shape, "MultiHeadAttention takes a query and a value (and optionally a key)")
        if mask_shape is not None:  # one sample's (Tq, Tk)
            tq, tk = shapes[0][0], shapes[1][0]
            fits = len(mask_shape) == 2 and all(
                m is None or e is None or m in (1, e)
                for m, e in zip(tuple(mask_shape)[::-1], (tq, tk)[::-1], strict=False))
            if not fits:
                raise ValueError(
                    "MultiHeadAttention `attention_mask` must have shape (batch, T_q, T_v) = "
                    f"{(None, tq, tk)}, got {(None,) + tuple(mask_shape)}.")
        if any(len(s) != 2 or s[-1] is None for s in shapes):
            raise ValueError(
                "MultiHeadAttention expects query, value and key of shape (batch, steps, "
                f"features) with known features, got {[(None,) + s for s in shapes]}."
            )
        check_value_key_steps("MultiHeadAttention", shapes)
        return shapes

    def output_shape(self, input_shape):  # type: ignore[override]  # a list of shapes
        shapes = self._shapes(input_shape)
        q = shapes[0]
        out = (q[0], self.output_dim or q[-1])
        return [out, (self.num_heads, q[0], shapes[1][0])] if self.multi_output else out

    def build(self, input_shape, rng=None):
        shapes = self._shapes(input_shape)
        super().build(input_shape, rng)
        self.built_input_shape = cast(Any, tuple(tuple(s) for s in input_shape))  # per input
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) == 3 else v
        h = self.num_heads
        for name, features, size in (("query", q[-1], self.key_dim), ("key", k[-1], self.key_dim),
                                     ("value", v[-1], self.value_dim)):
            self.add_param(f"{name}_kernel", (int(features), h, size), self.kernel_initializer,
                           rng, self.kernel_regularizer)
            if self.use_bias:
                self.add_param(f"{name}_bias", (h, size), self.bias_initializer, rng,
                               self.bias_regularizer)
        self.add_param("output_kernel", (h, self.value_dim, self.output_dim or int(q[-1])),
                       self.kernel_initializer, rng, self.kernel_regularizer)
        if self.use_bias:
            self.add_param("output_bias", (self.output_dim or int(q[-1]),),
                           self.bias_initializer, rng, self.bias_regularizer)
        if self.stochastic:
            seed_noise(self)

    # -- computation ----------------------------------------------------------------------------
    def _project(self, name: str, x: np.ndarray) -> np.ndarray:
        """``x W + b`` for all heads: (b, T, d) -> (b, H, T, size) (heads first for matmul)."""
        kernel = self.params[f"{name}_kernel"]  # (d, H, size)
        d, h, size = kernel.shape
        p = x.reshape(-1, d) @ kernel.reshape(d, h * size)  # (b*T, d) @ (d, H*size)
        if self.use_bias:
            p += self.params[f"{name}_bias"].reshape(-1)
        return p.reshape(x.shape[0], x.shape[1], h, size).transpose(0, 2, 1, 3)

    def _project_backward(self, name: str, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Fill ``name``'s kernel/bias gradients from ``grad`` (b, H, T, size); return dL/dx."""
        kernel = self.params[f"{name}_kernel"]
        d, h, size = kernel.shape
        g2 = grad.transpose(0, 2, 1, 3).reshape(-1, h * size)  # (b*T, H*size)
        self.grads[f"{name}_kernel"][...] = (x.reshape(-1, d).T @ g2).reshape(kernel.shape)
        if self.use_bias:
            self.grads[f"{name}_bias"][...] = g2.sum(axis=0).reshape(h, size)
        return (g2 @ kernel.reshape(d, h * size).T).reshape(x.shape)  # (b*T, H*size) @ (.., d)

    def compute_mask(self, xs: Any, mask: Any = None) -> np.ndarray | None:
        """The query's mask (Keras's rule): padded query steps stay padding."""
        return mask[0] if isinstance(mask, (list, tuple)) and mask else None

    def _allowed(self, q: np.ndarray, k: np.ndarray, masks: Any,
                 attention_mask: Any) -> np.ndarray | None:
        """Which (query step, key step) pairs may attend: bool, shape (batch or 1, 1, Tq, Tk)
        (the head axis broadcast), or None when nothing is masked but causally."""
        auto = None
        given = list(masks) if isinstance(masks, (list, tuple)) else []
        for i, m in enumerate(given[:3]):
            if m is None:
                continue
            m = np.asarray(m, dtype=bool)
            m = m[:, :, None] if i == 0 else m[:, None, :]  # query (b, Tq, 1); others (b, 1, Tk)
            auto = m if auto is None else auto & m
        scores = (q.shape[0], q.shape[1], k.shape[1])  # (b, Tq, Tk)
        if attention_mask is not None and np.ndim(attention_mask) == 4:  # one per head
            heads = check_attention_mask("MultiHeadAttention", attention_mask,
                                         scores[:1] + (self.num_heads,) + scores[1:])
            return heads if auto is None else heads & auto[:, None]
        if attention_mask is not None:
            given_mask = check_attention_mask("MultiHeadAttention", attention_mask, scores)
            auto = given_mask if auto is None else given_mask & auto
        if auto is None:
            return None
        return auto[:, None] if auto.ndim == 3 else auto  # (b, 1, Tq, Tk): every head alike

    def forward(self, xs, training=False, mask=None):
        attention_mask, self._attention_mask = self._attention_mask, None
        mask_node = isinstance(xs, (list, tuple)) and len(xs) == 4
        if mask_node:  # [query, value, key, attention_mask]
            xs, attention_mask = self._split(xs)
            mask = mask[:3] if isinstance(mask, (list, tuple)) else mask
        if not isinstance(xs, (list, tuple)) or len(xs) not in (2, 3):
            raise TypeError(
                f"MultiHeadAttention '{self.name}' expects [query, value] or "
                f"[query, value, key], got {type(xs).__name__}.")
        q, v = xs[0], xs[1]
        k = xs[2] if len(xs) == 3 else v
        scale = 1.0 / float(np.sqrt(self.key_dim))  # a Python float keeps float32 arrays
        qh = self._project("query", q) * scale  # (b, H, Tq, dk), scaled as Keras does
        kh = self._project("key", k)  # (b, H, Tk, dk)
        vh = self._project("value", v)  # (b, H, Tk, dv)
        scores = qh @ kh.transpose(0, 1, 3, 2)  # (b, H, Tq, dk) @ (b, H, dk, Tk)
        allowed = self._allowed(q, k, mask, attention_mask)  # (b, 1, Tq, Tk) or None
        ctx, core = attend(scores, vh, self.dropout, self.noise_rng, training,
                           self.use_causal_mask, allowed, zero_unseen=True)  # (b, H, Tq, dv)
        wo = self.params["output_kernel"]  # (H, dv, do)
        b, h, tq, dv = ctx.shape
        ctx2 = ctx.transpose(0, 2, 1, 3).reshape(b * tq, h * dv)  # (b*Tq, H*dv)
        y = ctx2 @ wo.reshape(h * dv, -1)  # (b*Tq, H*dv) @ (H*dv, do)
        if self.use_bias:
            y += self.params["output_bias"]
        self._cache = (xs, qh, kh, vh, core, ctx2, scale, mask_node)
        y = y.reshape(b, tq, -1)
        return [y, core[0]] if self.multi_output else y

    def backward(self, grad_y):
        xs, qh, kh, vh, core, ctx2, scale, mask_node = self._cache
        grad_y, grad_weights = self._split_grad(grad_y)
        wo = self.params["output_kernel"]
        h, dv, do = wo.shape
        b, tq = grad_y.shape[:2]
        g2 = grad_y.reshape(-1, do)  # (b*Tq, do)
        self.grads["output_kernel"][...] = (ctx2.T @ g2).reshape(wo.shape)
        if self.use_bias:
            self.grads["output_bias"][...] = g2.sum(axis=0)
        dctx = (g2 @ wo.reshape(h * dv, do).T).reshape(b, tq, h, dv).transpose(0, 2, 1, 3)
        dscores, dvh = attend_backward(dctx, vh, core, grad_weights)  # (b, H, Tq, Tk), (b, H, Tk, dv)
        dqh = (dscores @ kh) * scale  # (b, H, Tq, Tk) @ (b, H, Tk, dk); scale: qh was scaled
        dkh = dscores.transpose(0, 1, 3, 2) @ qh  # (b, H, Tk, Tq) @ (b, H, Tq, dk)
        q, v = xs[0], xs[1]
        k = xs[2] if len(xs) == 3 else v
        dq = self._project_backward("query", q, dqh)
        dk = self._project_backward("key", k, dkh)
        dv_in = self._project_backward("value", v, dvh)
        grads = [dq, dv_in, dk] if len(xs) == 3 else [dq, dv_in + dk]  # value = key when 2
        return grads + [None] if mask_node else grads  # (no gradient for a mask)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim,
            dropout=self.dropout, use_bias=self.use_bias, output_shape=self.output_dim,
            attention_axes=None, use_gate=False,
            kernel_initializer=serialize_initializer(self.kernel_initializer),
            bias_initializer=serialize_initializer(self.bias_initializer),
            kernel_regularizer=serialize_regularizer(self.kernel_regularizer),
            bias_regularizer=serialize_regularizer(self.bias_regularizer),
            seed=self.seed,
        )
        return self._call_options_config(config)
