"""Keras 3 as the referee: each test runs the same small program under ``keras`` and under
``import glassnet as keras`` and compares what a user observes.

Keras runs on its PyTorch backend (set before the first import). Without Keras installed
(the ``interop`` extra) every test here is skipped, saying why.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

try:
    import keras
except ImportError:  # every test below is skipped, saying why
    keras = None

import glassnet  # noqa: E402

_NO_REFEREE = "Keras 3 is not installed (the `interop` extra): it is the referee here"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        if keras is None:
            item.add_marker(pytest.mark.skip(reason=_NO_REFEREE))
        # Keras's torch backend warns about NumPy 2's __array__ protocol on every conversion.
        item.add_marker(pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning"))


@pytest.fixture(autouse=True)
def _seeded_referee():
    """Keras's random draws (initial weights, dropout) from one seed in every test, so a test
    sees the same numbers alone and in the whole suite."""
    if keras is not None:
        keras.utils.set_random_seed(1234)


@pytest.fixture
def K():  # noqa: N802 - reads like the module it stands for
    """The referee module, ``keras``."""
    return keras


@pytest.fixture
def G():  # noqa: N802
    """The port under test, ``glassnet`` (imported as keras would be)."""
    return glassnet


def as_numpy(value) -> np.ndarray:
    """A Keras tensor or variable (or anything array-like) as a NumPy array."""
    return np.asarray(keras.ops.convert_to_numpy(value))


def assert_close(got, want, rtol: float = 1e-6, atol: float = 0.0, what: str = "") -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                               np.asarray(as_numpy(want), dtype=np.float64),
                               rtol=rtol, atol=atol, err_msg=what)
