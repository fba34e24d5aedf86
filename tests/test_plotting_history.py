"""``glassnet.plotting.history.plot_history`` and ``History.plot``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from glassnet.callbacks import History  # noqa: E402
from glassnet.plotting.history import plot_history  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
LOGS = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "accuracy": [0.5, 0.7, 0.8, 0.85],
    "val_loss": [1.1, 0.7, 0.5, 0.55],
    "val_accuracy": [0.45, 0.65, 0.78, 0.77],
}


def _history(logs: dict[str, list[float]] = LOGS) -> History:
    h = History()
    for epoch in range(len(next(iter(logs.values())))):
        h.on_epoch_end(epoch, {k: v[epoch] for k, v in logs.items()})
    return h


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_history_plot_draws_one_panel_per_quantity_and_saves_png(tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    path = tmp_path / "curves.png"
    fig = _history().plot(path=path, title="Learning curves")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    loss_ax, acc_ax = fig.axes
    # training and validation lines, plus the dotted best-epoch marker
    labels = [line.get_label() for line in loss_ax.get_lines()]
    assert labels[0].startswith("training") and labels[1].startswith("validation")
    assert "best validation: epoch 3" in labels  # val_loss is lowest after epoch 3
    assert "best validation: epoch 3" in [line.get_label() for line in acc_ax.get_lines()]
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(loss_ax.get_lines()[1].get_ydata(), LOGS["val_loss"])
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5_000
    height, width = mpimg.imread(path).shape[:2]
    assert width > height > 200


def test_plot_history_accepts_a_dict_and_selects_keys() -> None:
    fig = plot_history({"loss": [3.0, 2.0, 1.0], "mse": [1.0, 0.5, 0.2]}, keys=["mse"])
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "mse"
    assert len(fig.axes[0].get_lines()) == 1  # no validation: no best-epoch line either
    fig = plot_history({"loss": [3.0, 2.0]}, keys="loss")
    assert fig.axes[0].get_ylabel() == "loss (lower is better)"


def test_epochs_continue_from_initial_epoch() -> None:
    h = _history()
    h.continue_from(2)
    h.on_epoch_end(2, {k: 0.1 for k in LOGS})
    fig = h.plot()
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_xdata(), [1, 2, 3])


@pytest.mark.parametrize(
    ("history", "keys", "match"),
    [
        ({}, None, "non-empty mapping"),
        ({"loss": []}, None, "no epochs"),
        (LOGS, ["accuracy", "f1"], r"`keys` must name quantities in the history \(loss, accuracy\)"),
        ([1, 2], None, "must be a History"),
    ],
)
def test_plot_history_errors(history, keys, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        plot_history(history, keys=keys)


def test_plot_history_rejects_unknown_options() -> None:
    with pytest.raises(TypeError):
        _history().plot(colour="red")
