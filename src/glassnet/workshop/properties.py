"""Challenge 1 is checked by properties, never by fixed numbers.

Any random scheme passes (standard normal as in the slides, uniform, Xavier, He, zero
biases …) as long as the result has the slides' layout and can be trained: every
``w[i]`` of shape ``(n_{i+1}, n_i)`` and ``b[i]`` a column ``(n_{i+1}, 1)``, floats, finite,
no two arrays sharing memory, no two units of a layer starting with the same weights
(symmetry), and nothing huge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: Largest accepted standard deviation and magnitude of an initial parameter. Standard
#: normal draws (the slides') stay far below; 10 × randn saturates every sigmoid.
MAX_STD = 3.0
MAX_ABS = 25.0


def _as_list(value: Any, name: str) -> tuple[list[np.ndarray] | None, str | None]:
    if isinstance(value, np.ndarray) or not isinstance(value, Sequence):
        return None, f"`{name}` must be a list of arrays, one per layer, got {type(value).__name__}."
    arrays = []
    for i, a in enumerate(value):
        try:
            arrays.append(np.asarray(a))
        except Exception:  # ragged nested lists
            return None, f"`{name}[{i}]` is not an array: {type(a).__name__}."
    return arrays, None


def check_init(received: Any, sizes: list[int]) -> str | None:
    """Return what is wrong with ``received = init_params(sizes)``, or None when it is fine."""
    if not isinstance(received, Sequence) or isinstance(received, (str, bytes)) or len(received) != 2:
        return "init_params must return the pair `w, b` (two lists), got " + _describe(received) + "."
    w_raw, b_raw = received
    if w_raw is b_raw:
        return "`w` and `b` are the same list object."
    w, problem = _as_list(w_raw, "w")
    if problem or w is None:
        return problem
    b, problem = _as_list(b_raw, "b")
    if problem or b is None:
        return problem
    n_layers = len(sizes) - 1
    for name, arrays in (("w", w), ("b", b)):
        if len(arrays) != n_layers:
            return (f"`{name}` must hold {n_layers} array{'s' if n_layers != 1 else ''} for "
                    f"{len(sizes)} layer sizes, got {len(arrays)}.")
    for i, (wi, bi) in enumerate(zip(w, b, strict=True)):
        n_in, n_out = sizes[i], sizes[i + 1]
        if wi.shape != (n_out, n_in):
            return f"`w[{i}]` must have shape {(n_out, n_in)} = (n_{i + 1}, n_{i}), got {wi.shape}."
        if bi.shape != (n_out, 1):
            return f"`b[{i}]` must be a column of shape {(n_out, 1)}, got {bi.shape}."
    arrays = w + b
    names = [f"w[{i}]" for i in range(n_layers)] + [f"b[{i}]" for i in range(n_layers)]
    for a, name in zip(arrays, names, strict=True):
        if not np.issubdtype(a.dtype, np.floating):
            return f"`{name}` must hold floats, got dtype {a.dtype}."
        if not np.all(np.isfinite(a)):
            return f"`{name}` holds NaN or infinite values."
        if a.size > 1 and (np.std(a) > MAX_STD or np.max(np.abs(a)) > MAX_ABS):
            return (f"`{name}` is huge: standard deviation {np.std(a):.3g}, largest magnitude "
                    f"{np.max(np.abs(a)):.3g} (expected at most {MAX_STD:g} and {MAX_ABS:g}).")
    for x in range(len(arrays)):
        for z in range(x + 1, len(arrays)):
            if np.shares_memory(arrays[x], arrays[z]):
                return f"`{names[x]}` and `{names[z]}` are the same array in memory."
    for i, wi in enumerate(w):
        if wi.shape[0] > 1 and np.unique(wi, axis=0).shape[0] < wi.shape[0]:
            return (f"two rows of `w[{i}]` are equal: those units of layer {i + 1} start alike, get "
                    "the same gradient and stay alike (symmetry is not broken).")
        if wi.size > 1 and np.ptp(wi) == 0:
            return f"every entry of `w[{i}]` is {wi.flat[0]!r}: symmetry is not broken."
    return None


def _describe(value: Any) -> str:
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return f"a {type(value).__name__} of length {len(value)}"
    return type(value).__name__
