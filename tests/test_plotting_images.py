"""The image-grid plot writes a valid PNG and marks predictions right or wrong."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from glassnet.plotting.images import RIGHT, WRONG, plot_image_grid  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_writes_a_png_with_labels(tmp_path, images):
    path = tmp_path / "sub" / "grid.png"
    fig = plot_image_grid(images, np.arange(12) % 10, class_names=list("abcdefghij"), n=9,
                          path=path, title="samples")
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1000
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == list("abcdefghi")
    assert not list(tmp_path.glob("sub/.*tmp"))  # written atomically


def test_predictions_are_coloured(images):
    y = np.array([0, 1, 2, 3])
    probs = np.eye(4)[[0, 2, 2, 3]] * 0.9 + 0.025  # the second is wrong
    fig = plot_image_grid(images[:4], y, probs, n=4)
    colours = [ax.title.get_color() for ax in fig.axes]
    assert colours == [RIGHT, WRONG, RIGHT, RIGHT]
    assert fig.axes[1].get_title() == "2 92%\n(true: 1)"


def test_other_layouts(tmp_path, rng):
    rgb = rng.random((5, 8, 8, 3), dtype=np.float32)
    fig = plot_image_grid(rgb, n=5, ncols=5, path=tmp_path / "rgb.png")
    assert len(fig.axes) == 5 and (tmp_path / "rgb.png").read_bytes()[:8] == PNG_MAGIC
    flat = rng.standard_normal((4, 64))  # flattened 8x8, any range
    assert len(plot_image_grid(flat, np.eye(3)[[0, 1, 2, 0]], ncols=3).axes) == 6


def test_errors(images):
    with pytest.raises(ValueError, match=r"`images` of shape \(2, 10\) are flat, but 10 is not"):
        plot_image_grid(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"`images` must have shape .*got \(2, 4, 4, 2\)"):
        plot_image_grid(np.zeros((2, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"`labels` must hold at least 12 labels"):
        plot_image_grid(images, np.zeros(3), n=12)
    with pytest.raises(ValueError, match="`predictions` need `labels`"):
        plot_image_grid(images, predictions=np.zeros(12))
    with pytest.raises(ValueError, match="`class_names` has 2 names, but a class index reaches 5"):
        plot_image_grid(images, np.full(12, 5), class_names=["a", "b"])
    with pytest.raises(ValueError, match="`n` must be a positive int, got 0"):
        plot_image_grid(images, n=0)
