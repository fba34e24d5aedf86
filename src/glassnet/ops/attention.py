"""Scaled dot-product attention as one operation (Keras's ``ops.dot_product_attention``).

Composed of the differentiable operations (transposes, matrix products, softmax), so its
gradients with respect to the query, key, value and bias are the chain rule through them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet.ops.elementwise import add, divide, multiply, where
from glassnet.ops.linalg import matmul
from glassnet.ops.nn import softmax, tanh
from glassnet.ops.shape_more import repeat
from glassnet.ops.shapes import transpose
from glassnet.ops.tape import unpack

#: What masked logits become: a large negative float32 number (Keras's value), so a row
#: with every key masked averages the values evenly instead of producing nan.
_LARGE_NEGATIVE = -0.7 * 3.38953e38


def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None, mask: Any = None,
                          scale: float | None = None, is_causal: bool = False,
                          flash_attention: bool | None = None,
                          attn_logits_soft_cap: float | None = None) -> Any:
    """``softmax(q k^T * scale + bias) v`` per batch and head.

    Parameters
    ----------
    query : array of shape (batch, q_len, heads, head_dim)
    key : array of shape (batch, kv_len, kv_heads, head_dim)
        ``heads`` must be a multiple of ``kv_heads`` (grouped-query attention repeats each
        key/value head for its group).
    value : array of shape (batch, kv_len, kv_heads, head_dim)
    bias : array, optional
        Added to the logits; broadcasts to ``(batch, heads, q_len, kv_len)``.
    mask : boolean array, optional
        True where a query may attend to a key; broadcasts like ``bias``.
    scale : float, optional
        Multiplies the logits; ``1 / sqrt(head_dim)`` by default.
    is_causal : bool, default False
        Query ``i`` attends to keys ``j <= i`` only.
    flash_attention : bool, optional
        Accepted for Keras's signature; ``True`` raises (there is no fused kernel here).
    attn_logits_soft_cap : float, optional
        Logits become ``cap * tanh(logits / cap)`` before the softmax.

    Returns
    -------
    array of shape (batch, q_len, heads, head_dim)
    """
    shapes = [np.shape(unpack(t)[0]) for t in (query, key, value)]
    if any(len(s) != 4 for s in shapes):
        raise ValueError(
            "`dot_product_attention` only supports 4D inputs. Received: "
            f"query.shape={shapes[0]}, key.shape={shapes[1]}, value.shape={shapes[2]}."
        )
    if bias is not None and mask is not None:
        raise ValueError("Only one of `bias` and `mask` can be provided. Received both.")
    if flash_attention:
        raise ValueError("`flash_attention=True` is not available: glassnet has no fused kernel.")
    heads, kv_heads = shapes[0][2], shapes[1][2]
    if heads % kv_heads:
        raise ValueError(
            f"The query's heads ({heads}) must be a multiple of the key's heads ({kv_heads})."
        )
    if heads != kv_heads:  # grouped-query attention: each key/value head serves a group
        key = repeat(key, heads // kv_heads, axis=2)
        value = repeat(value, heads // kv_heads, axis=2)
    q = transpose(query, (0, 2, 1, 3))  # (B, N, T, H)
    k = transpose(key, (0, 2, 3, 1))  # (B, N, H, S)
    v = transpose(value, (0, 2, 1, 3))  # (B, N, S, H)
    factor = 1.0 / math.sqrt(shapes[0][3]) if scale is None else float(scale)
    logits = multiply(matmul(q, k), factor)  # (B, N, T, S)
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = multiply(tanh(divide(logits, cap)), cap)
    if bias is not None:
        logits = add(logits, bias)
    allowed = None if mask is None else np.asarray(unpack(mask)[0], dtype=bool)
    if is_causal:
        t_len, s_len = shapes[0][1], shapes[1][1]
        causal = np.tril(np.ones((t_len, s_len), dtype=bool))
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None:
        logits = add(logits, where(allowed, 0.0, np.float32(_LARGE_NEGATIVE)))
    out = matmul(softmax(logits, axis=-1), v)  # (B, N, T, H)
    return transpose(out, (0, 2, 1, 3))
