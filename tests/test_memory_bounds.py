"""The input checks and ``predict`` cost memory bounded by a chunk or a batch, not the data.

Peaks are measured with ``tracemalloc`` (NumPy reports its allocations to it), relative to
sizes computed from the shapes, so that the bound fails if a full-size temporary appears.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers as L
from glassnet.models import data


def _peak(call: Callable[[], Any]) -> tuple[int, Any]:
    tracemalloc.start()
    try:
        result = call()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_nan_scan_allocates_one_chunk_not_a_boolean_copy() -> None:
    x = np.ones((4000, 1000), dtype=np.float32)  # 16 MB; its boolean mask would be 4 MB
    peak, _ = _peak(lambda: data.check_finite(x, "x"))
    assert peak < 4 * data.SCAN_CHUNK  # a chunk's mask (64 kB) plus small change
    x[3999, 999] = np.inf
    with pytest.raises(ValueError, match=r"first at sample 3999, 1 sample\(s\) affected"):
        data.check_finite(x, "x")


def test_fit_input_check_costs_no_copy_of_float32_data() -> None:
    x = np.random.default_rng(0).random((20000, 100), dtype=np.float32)  # 8 MB
    peak, arr = _peak(lambda: data.as_inputs(x, np.dtype(np.float32)))
    assert arr is x or np.shares_memory(arr, x)
    assert peak < x.nbytes / 20


def test_evaluate_peak_is_a_batch_not_the_data() -> None:
    rng = np.random.default_rng(0)
    model = gn.Sequential([L.Dense(64, activation="relu", input_shape=(200,)),
                           L.Dense(3, activation="softmax")], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    small_x = rng.random((256, 200), dtype=np.float32)
    big_x = rng.random((20000, 200), dtype=np.float32)  # 16 MB
    model.evaluate(small_x, np.zeros(256, int), batch_size=256, verbose=0)  # warm-up
    small, _ = _peak(lambda: model.evaluate(small_x, np.zeros(256, int), batch_size=256, verbose=0))
    big, _ = _peak(lambda: model.evaluate(big_x, np.zeros(20000, int), batch_size=256, verbose=0))
    # Targets (160 kB as int64) and the per-sample loss of one batch differ; nothing scales
    # with x's 16 MB.
    assert big < small + 1_000_000, (small, big)


def _cnn() -> gn.Sequential:
    model = gn.Sequential([
        L.Conv2D(16, 3, activation="relu", input_shape=(28, 28, 1)), L.MaxPooling2D(2),
        L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(),
        L.Dense(10, activation="softmax"),
    ], seed=0)
    model.build()
    return model


def test_cnn_predict_peak_is_bounded_by_a_batch() -> None:
    model = _cnn()
    x = np.random.default_rng(0).random((5000, 28, 28, 1), dtype=np.float32)
    model.predict(x[:256])  # warm-up: buffers the layers keep between calls
    one_batch, _ = _peak(lambda: model.predict(x[:256]))
    everything, out = _peak(lambda: model.predict(x))  # batch_size=None: 256 rows at a time
    assert out.shape == (5000, 10)
    # What one sample needs in flight (im2col columns, conv outputs, pooled maps), times
    # the data: the bound a one-shot prediction would need.
    per_sample = 4 * (26 * 26 * 9 + 26 * 26 * 16 + 13 * 13 * 16 + 11 * 11 * 144 + 11 * 11 * 32)
    assert everything < 1.5 * one_batch + out.nbytes, (one_batch, everything)
    assert everything < per_sample * len(x) / 10
