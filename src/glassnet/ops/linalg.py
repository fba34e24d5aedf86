"""Products: ``matmul``, ``dot``, ``tensordot``, ``einsum``-free and each with its derivative.

For ``C = A @ B``: ``dL/dA = dL/dC @ B^T`` and ``dL/dB = A^T @ dL/dC``, summed over any
batch axes that were broadcast. A 1-D operand is treated as NumPy treats it (a row for the
left, a column for the right) and its gradient reshaped back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.ops.elementwise import multiply
from glassnet.ops.tape import record, unbroadcast, unpack


def matmul(x1: Any, x2: Any) -> Any:
    """``x1 @ x2`` with NumPy's rules (batched over leading axes, 1-D operands promoted).

    Parameters
    ----------
    x1 : array of shape (..., n, k) or (k,)
    x2 : array of shape (..., k, m) or (k,)

    Returns
    -------
    array of shape (..., n, m), with the promoted axes of 1-D operands removed
    """
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    a, b = np.asarray(a), np.asarray(b)
    out = np.matmul(a, b)  # (..., n, k) @ (..., k, m) -> (..., n, m)

    def backward(g):
        if a.ndim == 2 and b.ndim == 2:  # the common case, without the general reshapes
            return (None if ta is None else g @ b.T,  # (n, m) @ (m, k) -> (n, k)
                    None if tb is None else a.T @ g)  # (k, n) @ (n, m) -> (k, m)
        a2 = a[None, :] if a.ndim == 1 else a  # (1, k): a row
        b2 = b[:, None] if b.ndim == 1 else b  # (k, 1): a column
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g2 = np.reshape(g, (*batch, a2.shape[-2], b2.shape[-1]))  # the promoted axes back
        ga = gb = None
        if ta is not None:  # (..., n, m) @ (..., m, k) -> (..., n, k)
            ga = unbroadcast(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if tb is not None:  # (..., k, n) @ (..., n, m) -> (..., k, m)
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape)
        return ga, gb

    return record(out, (ta, tb), backward)


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Any:
    """``np.tensordot``: sum of products over ``axes`` of ``x1`` and ``x2``.

    The gradient of each operand contracts ``g`` with the other operand over the other's free
    axes, then puts the axes back in the operand's order.
    """
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    a, b = np.asarray(a), np.asarray(b)
    given: list[Any]
    if isinstance(axes, (int, np.integer)):
        given = [range(a.ndim - int(axes), a.ndim), range(int(axes))]
    else:
        given = [[i] if isinstance(i, (int, np.integer)) else i for i in axes]
    ax_a = [int(i) % a.ndim for i in given[0]]
    ax_b = [int(i) % b.ndim for i in given[1]]
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    out = np.tensordot(a, b, axes=(ax_a, ax_b))  # axes: free_a then free_b

    def backward(g):
        na = len(free_a)
        ga = gb = None
        # tensordot leaves the uncontracted axes in their operand's order: label them with
        # the partner axes they were contracted with, then transpose into place
        if ta is not None:  # g's free_b part . b's free axes -> free_a, then b's summed axes
            part = np.tensordot(g, b, axes=(list(range(na, g.ndim)), free_b))
            labels = free_a + [ax_a[ax_b.index(j)] for j in sorted(ax_b)]
            ga = np.transpose(part, np.argsort(labels))
        if tb is not None:  # a's free axes . g's free_a part -> a's summed axes, then free_b
            part = np.tensordot(a, g, axes=(free_a, list(range(na))))
            labels = [ax_b[ax_a.index(i)] for i in sorted(ax_a)] + free_b
            gb = np.transpose(part, np.argsort(labels))
        return ga, gb

    return record(out, (ta, tb), backward)


def dot(x1: Any, x2: Any) -> Any:
    """``np.dot``: scalars multiply, 1-D/2-D operands as ``matmul``, N-D over ``x1``'s last
    and ``x2``'s second-to-last axis."""
    a, b = np.asarray(unpack(x1)[0]), np.asarray(unpack(x2)[0])
    if a.ndim == 0 or b.ndim == 0:
        return multiply(x1, x2)
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=([a.ndim - 1], [b.ndim - 2 if b.ndim > 1 else 0]))


def outer(x1: Any, x2: Any) -> Any:
    """``x1_i x2_j`` of the flattened operands."""
    from glassnet.ops.shapes import reshape

    return multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


def einsum(subscripts: str, *operands: Any) -> Any:
    """``np.einsum`` with explicit output (``'bij,bjk->bik'``); no ``...``, no index repeated
    within one operand.

    The gradient of operand ``k`` is the einsum of ``g`` with the other operands onto
    ``k``'s indices; an index only ``k`` has (summed away) is broadcast back with ones.
    """
    if "->" not in subscripts or "." in subscripts:
        raise ValueError(
            f"`subscripts` must name the output explicitly, without '...', got {subscripts!r}."
        )
    ins, out_sub = subscripts.replace(" ", "").split("->")
    subs = ins.split(",")
    if len(subs) != len(operands):
        raise ValueError(f"`subscripts` {subscripts!r} names {len(subs)} operands, "
                         f"got {len(operands)}.")
    parts = [unpack(x) for x in operands]
    values = [np.asarray(v) for v, _ in parts]
    sizes = {c: n for sub, v in zip(subs, values, strict=True) for c, n in zip(sub, v.shape, strict=True)}
    out = np.einsum(subscripts, *values)

    def backward(g):
        grads: list[np.ndarray | None] = []
        for k, (sub, (_, t)) in enumerate(zip(subs, parts, strict=True)):
            if t is None:
                grads.append(None)
                continue
            others = [(s, v) for j, (s, v) in enumerate(zip(subs, values, strict=True)) if j != k]
            seen = set(out_sub).union(*(set(s) for s, _ in others))
            alone = "".join(c for c in dict.fromkeys(sub) if c not in seen)
            terms = [out_sub] + [s for s, _ in others] + ([alone] if alone else [])
            arrays = [g] + [v for _, v in others]
            if alone:
                arrays.append(np.ones([sizes[c] for c in alone], dtype=g.dtype))
            grads.append(np.einsum(",".join(terms) + "->" + sub, *arrays))
        return tuple(grads)

    return record(out, tuple(t for _, t in parts), backward)
