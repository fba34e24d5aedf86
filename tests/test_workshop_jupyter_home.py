"""At home in Jupyter: glassnet keeps the user's matplotlib backend; progress fits the output."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

CODE = """
import matplotlib
before = matplotlib.get_backend()
from glassnet.plotting._backend import pyplot
plt = pyplot()
import glassnet.plotting.boundary, glassnet.plotting.curves
fig = plt.figure(); plt.close(fig)
print(before, "|", matplotlib.get_backend())
"""


@pytest.mark.parametrize("backend", ["svg", "pdf", "module://matplotlib_inline.backend_inline"])
def test_plotting_keeps_the_users_backend(backend: str) -> None:
    if backend.startswith("module://"):
        pytest.importorskip("matplotlib_inline")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # headless, as on a server
    env["MPLBACKEND"] = backend
    done = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = (part.strip() for part in done.stdout.split("|"))
    assert after == before
    assert after.lower() == backend.lower()


def test_plotting_without_display_and_without_choice_still_saves(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    code = ("from glassnet.plotting._backend import pyplot; plt = pyplot(); fig = plt.figure(); "
            f"fig.savefig({str(tmp_path / 'x.png')!r}); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr
    assert (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG"


# --------------------------------------------------------------------------- progress


def _fit_with(stream, verbose: int):
    from glassnet.callbacks import Callback
    from glassnet.layers import Dense
    from glassnet.models import Sequential
    from glassnet.progress import EpochProgress

    class Progress(EpochProgress, Callback):
        pass

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 3)), rng.uniform(size=(64, 1))
    model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[Progress(verbose, stream)])


@pytest.mark.parametrize("verbose", [1, 2])
def test_log_file_gets_one_clean_line_per_epoch(verbose: int) -> None:
    stream = io.StringIO()  # not a terminal, not a notebook: a log file
    _fit_with(stream, verbose)
    text = stream.getvalue()
    assert "\r" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 3
    for k, line in enumerate(lines, start=1):
        assert line.startswith(f"Epoch {k}/3 - 4/4 - ") and "loss: " in line


def test_terminal_gets_a_tqdm_bar() -> None:
    pytest.importorskip("tqdm")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    _fit_with(stream, 1)
    text = stream.getvalue()
    assert "\r" in text  # redrawn in place
    assert "Epoch 3/3" in text and "4/4" in text


def test_progress_bar_helper_is_silent_off_terminal() -> None:
    from glassnet.progress import interactive, progress_bar

    stream = io.StringIO()
    assert not interactive(stream)
    bar = progress_bar(10, desc="x", stream=stream)
    bar.update(3)
    bar.close()
    assert bar.n == 3 and stream.getvalue() == ""


# --------------------------------------------------------------------------- live view


def _blobs(rng):
    X = np.concatenate([rng.normal(-1, 0.5, (40, 2)), rng.normal(1, 0.5, (40, 2))])
    y = np.concatenate([np.zeros(40), np.ones(40)]).reshape(-1, 1)
    return X, y


def test_live_training_writes_png_outside_jupyter(tmp_path) -> None:
    from glassnet.layers import Dense
    from glassnet.models import Sequential
    from glassnet.plotting.live import LiveTraining

    X, y = _blobs(np.random.default_rng(0))
    model = Sequential([Dense(4, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    live = LiveTraining(every=3, data=(X, y), path=tmp_path / "live.png")
    model.fit(X, y, epochs=7, batch_size=16, verbose=0, callbacks=[live])
    assert live.draws == 3  # epochs 3 and 6, then the last one (7)
    assert len(live.history["loss"]) == 7
    assert (tmp_path / "live.png").read_bytes()[:4] == b"\x89PNG"
    assert len(live._fig.axes) >= 2  # curves and boundary


def test_live_training_without_path_draws_nothing_to_disk(tmp_path, monkeypatch) -> None:
    from glassnet.plotting.live import LiveTraining

    monkeypatch.chdir(tmp_path)
    live = LiveTraining(every=2)
    for k in range(4):
        live.record({"loss": 1.0 / (k + 1)})
    assert live.draws == 2 and list(tmp_path.iterdir()) == []


def test_live_training_updates_one_output_in_jupyter(monkeypatch) -> None:
    pytest.importorskip("IPython")
    import IPython.display

    import glassnet.plotting.live as live_module

    calls = []

    class Handle:
        def update(self, obj):
            calls.append(("update", type(obj).__name__))

    def display(obj, display_id=False):
        calls.append(("display", type(obj).__name__))
        return Handle()

    monkeypatch.setattr(live_module, "in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    X, y = _blobs(np.random.default_rng(1))
    live = live_module.LiveTraining(every=1, data=(X, y))
    for k in range(3):
        live.record({"loss": 1.0 / (k + 1)}, predict=lambda P: 1 / (1 + np.exp(-P.sum(axis=1))))
    assert calls == [("display", "Image"), ("update", "Image"), ("update", "Image")]


def test_live_training_rejects_bad_every() -> None:
    from glassnet.plotting.live import LiveTraining

    with pytest.raises(ValueError, match="`every` must be a positive integer, got 0"):
        LiveTraining(every=0)
