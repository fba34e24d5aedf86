"""Pictures that read at a glance: one scale and a colour bar for weight images, feature names
on boundaries, curves told apart by style and marker, whole-number epochs, labelled grids."""

from __future__ import annotations

import numpy as np
import pytest

plt = pytest.importorskip("matplotlib.pyplot")

from glassnet.plotting.curves import plot_curves  # noqa: E402
from glassnet.plotting.history import plot_history  # noqa: E402
from glassnet.plotting.images import plot_image_grid  # noqa: E402
from glassnet.plotting.report import plot_boundaries, plot_first_layer_weights  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _tick_values(ax) -> list[float]:
    lo, hi = ax.get_xlim()
    return [t for t in ax.get_xticks() if lo <= t <= hi]


def test_first_layer_weights_share_one_scale_and_have_a_colour_bar(tmp_path):
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(64, 6)) * np.array([0.01, 0.1, 1.0, 0.5, 0.2, 2.0])  # very unequal
    fig = plot_first_layer_weights(kernel, (8, 8), path=tmp_path / "w.png")
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 6
    limits = {im.get_clim() for im in images}
    assert len(limits) == 1  # every panel on the same scale
    vmin, vmax = limits.pop()
    assert vmin == -vmax > -np.abs(kernel).max() - 1e-12  # symmetric: white is zero
    colorbars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colorbars) == 1 and "same scale" in colorbars[0].get_ylabel()
    assert (tmp_path / "w.png").stat().st_size > 5000


def test_curves_that_overlap_differ_in_line_style_and_marker():
    same = np.linspace(1, 0.1, 40)
    fig = plot_curves({"Adam": same, "AdamW": same + 1e-4, "SGD": same * 2, "RMSprop": same * 3})
    lines = fig.axes[0].get_lines()
    assert len({line.get_linestyle() for line in lines}) == 4
    assert len({line.get_marker() for line in lines}) == 4
    starts = [line.get_markevery()[0] for line in lines]
    assert len(set(starts)) == 4  # staggered: identical curves still show both markers


@pytest.mark.parametrize("n", [3, 7, 45])
def test_epoch_ticks_are_whole_numbers(n):
    fig = plot_curves({"loss": np.linspace(1, 0, n)})
    assert all(float(t).is_integer() for t in _tick_values(fig.axes[0]))
    fig = plot_history({"loss": list(np.linspace(1, 0, n)), "val_loss": list(np.linspace(1, .2, n))})
    assert all(float(t).is_integer() for t in _tick_values(fig.axes[0]))


def test_boundaries_name_the_features():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(40, 2))
    y = (x[:, 0] > 0.5).astype(int)
    fns = {f"model {k}": (lambda p: p[:, 0]) for k in range(6)}
    fig = plot_boundaries(fns, x, y, ncols=4, feature_names=("height", "fitness"))
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert {ax.get_xlabel() for ax in panels} == {"height", ""}
    assert [ax.get_ylabel() for ax in panels] == ["fitness", "", "", "", "fitness", ""]
    # every column's lowest panel names the x feature
    assert [ax.get_xlabel() for ax in panels] == ["", "", "height", "height", "height", "height"]


def test_sample_grid_has_class_names_row_titles_and_a_title():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(6, 8, 8))
    fig = plot_image_grid(images, labels=[0, 1, 2] * 2, class_names=["cat", "dog", "bird"], n=6,
                          ncols=3, row_titles=["original", "augmented"], title="Samples")
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["cat", "dog", "bird"] * 2
    assert axes[0].get_ylabel() == "original" and axes[3].get_ylabel() == "augmented"
    assert fig._suptitle.get_text() == "Samples"
    with pytest.raises(ValueError, match="`row_titles` must hold one title per row"):
        plot_image_grid(images, n=6, ncols=3, row_titles=["only one"])
