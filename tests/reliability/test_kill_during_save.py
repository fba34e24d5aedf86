"""SIGKILL a process in the middle of saving: the file under its name is always a complete
old or new model, and the killed writer's temporary file is gone after the next save."""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet.models import Sequential, load_model

KILLS = 8
MAX_KILLS = 40


def _model() -> Sequential:
    model = Sequential([gl.Dense(700, input_dim=700), gl.Dense(1)], seed=0)  # ~0.5M weights
    model.compile(optimizer="adam", loss="mse")  # Adam's slots too: a ~6 MB file
    model.train_on_batch(np.ones((2, 700)), np.ones((2, 1)))
    return model


def _save_forever(model: Sequential, path: Path) -> None:
    """The writer: save versions 1, 2, 3 ... (every weight equal to the version) until killed."""
    version = 0
    while True:
        version += 1
        model.set_weights([np.full_like(w, version) for w in model.get_weights()])
        model.save(path)


def _temporaries(path: Path) -> list[Path]:
    return [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.")]


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_sigkill_mid_save_leaves_old_or_new_file_and_no_leftover(tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    model = _model()
    path = tmp_path / f"m{suffix}"
    rng = np.random.default_rng(0)
    killed_mid_write = 0
    for attempt in range(MAX_KILLS):
        if attempt >= KILLS and killed_mid_write:
            break  # enough kills, and at least one landed mid-write (a busy machine may need more)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            pid = os.fork()
        if pid == 0:
            try:
                _save_forever(model, path)
            finally:
                os._exit(1)
        try:
            deadline = time.monotonic() + 60
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(float(rng.uniform(0.0, 0.3)))
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        killed_mid_write += bool(_temporaries(path))
        loaded = load_model(path)  # complete: every weight from the same version
        values = np.unique(np.concatenate([w.ravel() for w in loaded.get_weights()]))
        assert values.size == 1 and values[0] >= 1, values
        loaded.save(path)  # the next save cleans up after the killed writer
        assert not _temporaries(path), _temporaries(path)
    assert killed_mid_write >= 1, "no kill landed during a write; the test proved nothing"
