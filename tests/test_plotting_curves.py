"""Plot helpers: training curves and decision boundaries (matplotlib, Agg backend)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

plt = pytest.importorskip("matplotlib.pyplot")

from glassnet.plotting.boundary import plot_decision_boundary  # noqa: E402
from glassnet.plotting.curves import OKABE_ITO, plot_curves, plot_error_curve  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def is_png(path: Path, min_bytes: int = 5_000) -> bool:
    data = path.read_bytes()
    return data[:8] == PNG and len(data) > min_bytes


# --------------------------------------------------------------------------- curves


def test_plot_curves_draws_each_series(tmp_path: Path) -> None:
    path = tmp_path / "curves.png"
    fig = plot_curves(
        {"train": [1.0, 0.5, 0.25], "val": [1.2, 0.7]}, path=path, ylabel="loss", title="t"
    )
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["train", "val"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [1.2, 0.7])
    assert ax.lines[0].get_color().lower() == OKABE_ITO[0].lower()
    assert ax.get_ylabel() == "loss" and ax.get_xlabel() == "epoch" and ax.get_title() == "t"
    assert ax.get_legend() is not None
    assert is_png(path)


def test_plot_curves_logy_and_given_ax() -> None:
    fig, axes = plt.subplots(1, 2)
    out = plot_curves({"loss": [1.0, 0.1, 0.01]}, logy=True, ax=axes[1])
    assert out is fig
    assert axes[1].get_yscale() == "log" and len(axes[1].lines) == 1
    assert len(axes[0].lines) == 0


@pytest.mark.parametrize(
    ("curves", "message"),
    [
        ({}, "`curves` must be a non-empty mapping"),
        ([1.0, 2.0], "`curves` must be a non-empty mapping"),
        ({"a": []}, "`curves['a']` must be a non-empty 1-D sequence of numbers, got shape (0,)."),
        ({"a": [[1.0, 2.0]]}, "`curves['a']` must be a non-empty 1-D sequence"),
    ],
)
def test_plot_curves_rejects_bad_input(curves: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        plot_curves(curves)  # type: ignore[arg-type]


def test_plot_curves_logy_needs_positive_values() -> None:
    with pytest.raises(ValueError, match=re.escape("`logy=True` needs every value")):
        plot_curves({"a": [1.0, 0.0]}, logy=True)


def test_plot_error_curve(tmp_path: Path) -> None:
    errors = list(np.linspace(0.3, 0.01, 50))
    path = tmp_path / "sub" / "error_curve.png"
    fig = plot_error_curve(errors, path=path, title="Training error")
    ax = fig.axes[0]
    assert ax.get_title() == "Training error"
    assert "cost" in ax.get_ylabel() and ax.get_xlabel() == "epoch"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), errors)
    assert [t.get_text() for t in ax.texts] == ["0.3", "0.01"]
    assert is_png(path)


# --------------------------------------------------------------------------- boundary


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 2))
    return X, (X[:, 0] > 0).astype(np.int64)


@pytest.mark.parametrize(
    "predict_fn",
    [
        lambda P: 1 / (1 + np.exp(-5 * P[:, 0])),  # probabilities (k,)
        lambda P: (1 / (1 + np.exp(-5 * P[:, 0])))[:, None],  # probabilities (k, 1)
        lambda P: 5 * P[:, 0],  # logits (k,)
    ],
)
def test_decision_boundary_binary(predict_fn, tmp_path: Path) -> None:
    X, y = _data()
    path = tmp_path / "boundary.png"
    fig = plot_decision_boundary(predict_fn, X, y, path=path, resolution=50)
    ax = fig.axes[0]
    assert "accuracy 100.0%" in ax.get_title()  # the boundary x0 = 0 is exact
    assert ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0", "class 1"]
    assert is_png(path)


def test_decision_boundary_multiclass_on_given_axes() -> None:
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (90, 2))
    angle = np.arctan2(X[:, 1], X[:, 0])
    y = ((angle + np.pi) // (2 * np.pi / 3)).astype(np.int64) % 3
    onehot = np.eye(3)[y]
    centres = np.array([[np.cos(a), np.sin(a)] for a in (-2 * np.pi / 3, 0.0, 2 * np.pi / 3)])

    def scores(P: np.ndarray) -> np.ndarray:
        return P @ centres.T  # (k, 3)

    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    out = plot_decision_boundary(scores, X, onehot, ax=axes[0], title="left", resolution=40,
                                 class_names=["a", "b", "c"])
    plot_decision_boundary(scores, X, y, ax=axes[1], title="right", resolution=40)
    assert out is fig
    assert axes[0].get_title() == "left" and axes[1].get_title() == "right"
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["a", "b", "c"]
    assert len(fig.axes) == 2


def test_decision_boundary_accepts_column_targets() -> None:
    X, y = _data()
    fig = plot_decision_boundary(lambda P: P[:, :1] > 0, X, y[:, None].astype(float),
                                 resolution=20)
    assert "accuracy 100.0%" in fig.axes[0].get_title()


@pytest.mark.parametrize(
    ("X", "y", "fn", "kwargs", "message"),
    [
        (np.zeros((5, 3)), np.zeros(5), None, {}, "`X` must have shape (m, 2), got (5, 3)."),
        (np.zeros((5, 2)), np.zeros(4), None, {},
         "`y` must have shape (5,), (5, 1) or (5, n_classes)"),
        (np.zeros((5, 2)), np.zeros(5), None, {"resolution": 1},
         "`resolution` must be an integer >= 2, got 1."),
        (np.zeros((5, 2)), np.zeros(5), lambda P: np.zeros((3, 1)), {},
         "`predict_fn` must map"),
    ],
)
def test_decision_boundary_rejects_bad_input(X, y, fn, kwargs, message) -> None:
    fn = fn or (lambda P: P[:, 0])
    with pytest.raises(ValueError, match=re.escape(message)):
        plot_decision_boundary(fn, X, y, **kwargs)
