"""A live view of training, TensorFlow-Playground style: loss curves and, for 2-D data, the
decision boundary, redrawn in place every few epochs.

In Jupyter the picture is one output that is updated in place (an IPython display
handle); elsewhere it is written to a PNG file each time (when given ``path``), or not
drawn at all, so a script or a test with the callback costs nothing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._atomic import atomic_write
from glassnet.callbacks import Callback
from glassnet.progress import in_notebook

Predict = Callable[[np.ndarray], np.ndarray]


class LiveTraining(Callback):
    """Redraw the loss curves (and the decision boundary of 2-D data) every ``every`` epochs.

    Use it as a callback, ``model.fit(..., callbacks=[LiveTraining(data=(X, y))])``, or by
    hand in a from-scratch loop: ``live.record({"loss": cost}, predict=lambda P: predict(P, w, b))``.

    Parameters
    ----------
    every : int, default 5
        Epochs between redraws (the last epoch is always drawn).
    data : (X, y) or None
        Training points; when ``X`` has 2 columns the boundary is drawn over them.
    path : str or path-like, optional
        Outside Jupyter, write the picture there at each redraw.
    keys : sequence of str, default ("loss", "val_loss")
        Which logs to plot (those present).
    title : str, optional
    feature_names : (str, str), default ("feature 0", "feature 1")
        Axis labels of the boundary panel.

    Attributes
    ----------
    history : dict of str to list of float
    draws : int
        How many times the picture was redrawn.
    """

    def __init__(self, every: int = 5, data: tuple[np.ndarray, np.ndarray] | None = None,
                 path: str | os.PathLike[str] | None = None,
                 keys: Sequence[str] = ("loss", "val_loss"), title: str | None = None,
                 feature_names: Sequence[str] = ("feature 0", "feature 1")) -> None:
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"`every` must be a positive integer, got {every!r}.")
        if data is not None:
            X, y = data
            X = np.asarray(X, dtype=np.float64)
            if X.ndim != 2:
                raise ValueError(f"`data` must be (X, y) with X of shape (m, n_features), got {X.shape}.")
            data = (X, np.asarray(y))
        self.every, self.data, self.path, self.keys, self.title = every, data, path, tuple(keys), title
        self.feature_names = tuple(feature_names)
        self.history: dict[str, list[float]] = {}
        self.draws = 0
        self._handle: Any = None
        self._fig: Any = None

    # ------------------------------------------------------------------ callback hooks
    def on_train_begin(self, logs=None):
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self._append(logs)
        if (epoch + 1) % self.every == 0:
            self.draw(self._model_predict())

    def on_train_end(self, logs=None):
        n = len(next(iter(self.history.values()), []))
        if n and n % self.every != 0:
            self.draw(self._model_predict())

    def _model_predict(self) -> Predict | None:
        model = self.model
        if model is None or self.data is None:
            return None
        return lambda P: model.predict(P, verbose=0)

    # ------------------------------------------------------------------ by hand
    def record(self, logs: dict[str, float], predict: Predict | None = None) -> None:
        """Add one epoch's logs; redraw every ``every`` records (for loops without ``fit``)."""
        self._append(logs)
        n = len(next(iter(self.history.values())))
        if n % self.every == 0:
            self.draw(predict)

    def _append(self, logs: dict[str, float] | None) -> None:
        for key, value in (logs or {}).items():
            if key in self.keys:
                self.history.setdefault(key, []).append(float(np.mean(value)))  # per-class: mean

    # ------------------------------------------------------------------ drawing
    def draw(self, predict: Predict | None = None) -> Any:
        """Draw the current state and show it (notebook) or save it (``path``); returns the figure."""
        from matplotlib.figure import Figure

        show_boundary = self.data is not None and self.data[0].shape[1] == 2 and predict is not None
        if self._fig is None:
            self._fig = Figure(figsize=(10.0 if show_boundary else 5.5, 4.0))
        fig = self._fig
        fig.clear()
        axes = fig.subplots(1, 2 if show_boundary else 1, squeeze=False)[0]
        self._draw_curves(axes[0])
        if show_boundary and predict is not None:
            self._draw_boundary(axes[1], predict)
        if self.title:
            fig.suptitle(self.title)
        fig.subplots_adjust(left=0.08, right=0.97, bottom=0.13, top=0.82 if self.title else 0.88,
                            wspace=0.28)
        self.draws += 1
        self._show(fig)
        return fig

    def _draw_curves(self, ax: Any) -> None:
        styles = {"loss": ("#0072B2", "-"), "val_loss": ("#D55E00", "--")}
        for key, values in self.history.items():
            color, style = styles.get(key, ("#009E73", ":"))
            ax.plot(np.arange(1, len(values) + 1), values, style, color=color, lw=2, label=key)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        n = max((len(v) for v in self.history.values()), default=0)
        last = {k: v[-1] for k, v in self.history.items() if v}
        ax.set_title(f"epoch {n}: " + ", ".join(f"{k} {v:.4f}" for k, v in last.items()))
        ax.grid(True, alpha=0.3)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if self.history:
            ax.legend(frameon=False)

    def _draw_boundary(self, ax: Any, predict: Predict) -> None:
        assert self.data is not None
        X, y = self.data
        pad = 0.1 * (X.max(axis=0) - X.min(axis=0) + 1e-9)
        lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 80), np.linspace(lo[1], hi[1], 80))
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        p = np.asarray(predict(grid), dtype=np.float64)
        p = p.reshape(len(grid), -1)
        score = p[:, 0] if p.shape[1] == 1 else p.argmax(axis=1) / max(p.shape[1] - 1, 1)
        # imshow, not contourf: a redraw every few epochs must stay cheap.
        ax.imshow(score.reshape(gx.shape), origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
                  cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6, aspect="auto", interpolation="bilinear")
        ax.contour(gx, gy, score.reshape(gx.shape), levels=[0.5], colors="black", linewidths=1.5)
        labels = np.asarray(y).reshape(len(X), -1)
        labels = labels[:, 0] if labels.shape[1] == 1 else labels.argmax(axis=1)
        ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="RdBu_r", edgecolors="black", s=18, vmin=0,
                   vmax=max(labels.max(), 1))
        ax.set_title("decision boundary (black: output 0.5)")
        ax.set_xlabel(self.feature_names[0])
        ax.set_ylabel(self.feature_names[1])

    def _show(self, fig: Any) -> None:
        if in_notebook():
            from IPython.display import Image, display

            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=90)
            image = Image(data=buf.getvalue(), format="png")
            if self._handle is None:
                self._handle = display(image, display_id=True)
            else:
                self._handle.update(image)
        elif self.path is not None:
            with atomic_write(Path(self.path), "wb") as f:  # no tight bbox: one render, not two
                fig.savefig(f, format="png", dpi=90)
