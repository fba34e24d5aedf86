"""Shared test set-up: where the real data live, and a seeded generator."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# Tests find the real MNIST test split through GLASSNET_DATA (CI has ../shared beside the
# clone); a user's clone without it skips those tests, saying why.
if "GLASSNET_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["GLASSNET_DATA"] = str(SHARED_DATA)
# Never reach for the internet from a test.
os.environ.setdefault("GLASSNET_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="module")
def keras():
    """Keras 3 on the torch backend (the referee for behaviour), or a skip saying why."""
    from layer_referees import keras_module

    return keras_module()
