"""A drawing of a small fully connected network in the slides' notation.

Units are circles in columns, one column per layer. Each arrow from unit ``k`` of layer
``i`` to unit ``j`` of layer ``i + 1`` is labelled :math:`w^{(i)}_{jk}`, the entry
``w[i][j, k]`` of the from-scratch layout (shape ``(n_{i+1}, n_i)``; a Keras kernel is its
transpose, ``kernel = w.T``), and each unit after the inputs carries its bias
:math:`b^{(i)}_j` = ``b[i][j, 0]``. The slides' ``[2, 3, 1]`` has 9 weights and 4 biases.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.plotting._backend import finish, pyplot

#: Above this many weights the labels would overlap; arrows are drawn without them.
MAX_LABELLED_WEIGHTS = 40


def _check_sizes(layer_sizes: Sequence[int]) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence) or len(layer_sizes) < 2:
        raise ValueError(
            f"`layer_sizes` must list at least 2 layer sizes such as [2, 3, 1], got {layer_sizes!r}."
        )
    sizes = []
    for i, n in enumerate(layer_sizes):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 12:
            raise ValueError(
                f"`layer_sizes[{i}]` must be an integer from 1 to 12 (a drawing for small networks), "
                f"got {n!r}."
            )
        sizes.append(int(n))
    return sizes


def draw_network(
    layer_sizes: Sequence[int],
    labels: bool | None = None,
    values: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    ax: Any = None,
) -> Any:
    """Draw the network ``[n0, n1, …]`` with every weight and bias named as on the slides.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, inputs first, e.g. ``[2, 3, 1]``; at most 12 per layer.
    labels : bool or None, default None
        Label each arrow :math:`w^{(i)}_{jk}`; ``None`` labels them when there are at most
        :data:`MAX_LABELLED_WEIGHTS` weights.
    values : (w, b) or None
        Parameters in the from-scratch layout (``w[i]`` of shape ``(n_{i+1}, n_i)``,
        ``b[i]`` of shape ``(n_{i+1}, 1)``): their numbers are written under the names.
    title : str, optional
        Default: ``"[2, 3, 1]: 9 weights, 4 biases, 13 parameters"``.
    path : str or path-like, optional
        Save the figure there.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    sizes = _check_sizes(layer_sizes)
    n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    n_b = sum(sizes[1:])
    if labels is None:
        labels = n_w <= MAX_LABELLED_WEIGHTS
    plt = pyplot()
    if ax is None:
        width = 3.2 * len(sizes) + 1.0
        height = 1.25 * max(sizes) + 1.6
        fig, ax = plt.subplots(figsize=(width, height))
    else:
        fig = ax.figure
    gap = 3.2  # horizontal distance between layers
    pos = {(i, j): (i * gap, (n - 1) / 2 - j) for i, n in enumerate(sizes) for j in range(n)}
    radius = 0.3
    hidden = ["hidden layer"] if len(sizes) == 3 else [f"hidden layer {i}" for i in range(1, len(sizes) - 1)]
    names = ["input layer", *hidden, "output layer"]
    for i, n in enumerate(sizes):
        ax.text(i * gap, (max(sizes) - 1) / 2 + 0.85, f"{names[i]}\n$\\in \\mathbb{{R}}^{{{n}}}$",
                ha="center", va="bottom", fontsize=10)
    for i in range(len(sizes) - 1):
        n_in, n_out = sizes[i], sizes[i + 1]
        for k in range(n_in):
            for j in range(n_out):
                (x0, y0), (x1, y1) = pos[(i, k)], pos[(i + 1, j)]
                d = np.hypot(x1 - x0, y1 - y0)
                ux, uy = (x1 - x0) / d, (y1 - y0) / d
                ax.annotate("", xy=(x1 - ux * radius, y1 - uy * radius),
                            xytext=(x0 + ux * radius, y0 + uy * radius),
                            arrowprops={"arrowstyle": "-|>", "color": "0.55", "lw": 0.9,
                                        "shrinkA": 0, "shrinkB": 0})
                if labels:
                    # Spread the labels of one unit's arrows along them, so they do not pile up.
                    t = 0.22 + 0.56 * (j + 0.5) / n_out if n_in >= n_out else 0.22 + 0.56 * (k + 0.5) / n_in
                    text = f"$w^{{({i})}}_{{{j}{k}}}$"
                    if values is not None:
                        text += f"\n{float(np.asarray(values[0][i])[j, k]):.2f}"
                    ax.text(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, text, fontsize=9, ha="center",
                            va="center", color="#0072B2",
                            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.9})
    for (i, j), (x, y) in pos.items():
        color = "#E69F00" if i == 0 else ("#009E73" if i == len(sizes) - 1 else "#56B4E9")
        ax.add_patch(plt.Circle((x, y), radius, facecolor=color, edgecolor="black", lw=1.2, zorder=3))
        name = f"$x_{{{j}}}$" if i == 0 else f"$a^{{({i})}}_{{{j}}}$"
        ax.text(x, y, name, ha="center", va="center", fontsize=11, zorder=4)
        if i > 0:
            bias = f"$b^{{({i - 1})}}_{{{j}}}$"
            if values is not None:
                bias += f" = {float(np.asarray(values[1][i - 1])[j, 0]):.2f}"
            ax.text(x + radius * 1.15, y + radius * 0.9, bias, fontsize=9, ha="left", va="bottom",
                    color="#D55E00")
    ax.set_title(title if title is not None else
                 f"{sizes}: {n_w} weights, {n_b} biases, {n_w + n_b} parameters", fontsize=12)
    ax.set_xlim(-0.9, (len(sizes) - 1) * gap + 1.3)
    ax.set_ylim(-(max(sizes) - 1) / 2 - 0.7, (max(sizes) - 1) / 2 + 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return finish(fig, path)
