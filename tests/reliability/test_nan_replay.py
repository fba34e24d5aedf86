"""The NaN diagnosis against an independent replay.

A float32 network trains on two ordinary batches, then meets a batch whose finite inputs grow
past float32's range inside the network. The error ``fit`` raises must name the layer and the
operation that a manual float64 replay of the same batch, with the weights from before the
step, finds first out of float32's range, with the same input range; and the weights must be
exactly those from before the failing step (with ``TerminateOnNaN`` too).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks as C
from glassnet import initializers
from glassnet import layers as L
from glassnet import optimizers as O
from glassnet.models.diagnose import NonFiniteLossError

F32_MAX = float(np.finfo(np.float32).max)
BATCH = 32


class WeightsAtBatchBegin(C.Callback):
    """Copies of the weights at the start of every batch: the pre-step weights."""

    def __init__(self) -> None:
        super().__init__()
        self.by_batch: dict[int, list[np.ndarray]] = {}

    def on_train_batch_begin(self, batch, logs=None):
        self.by_batch[batch] = [w.copy() for w in self.model.get_weights()]


def _model() -> gn.Sequential:
    """Positive weights and ReLU: every layer multiplies the magnitude by ~fan_in / 2."""
    init = [initializers.RandomUniform(0.0, 1.0, seed=k) for k in range(5)]
    model = gn.Sequential(
        [L.Dense(64, activation="relu", input_shape=(8,), kernel_initializer=init[0])]
        + [L.Dense(64, activation="relu", kernel_initializer=init[k]) for k in (1, 2, 3)]
        + [L.Dense(1, kernel_initializer=init[4])], seed=0)
    model.compile(O.SGD(learning_rate=1e-9), "mse")
    model.build()
    return model


def _dense_pre_activations(weights: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """The manual float64 replay: ``z_k = a_{k-1} @ W_k + b_k``, ``a_k = relu(z_k)``."""
    zs, a = [], x.astype(np.float64)
    for k in range(0, len(weights), 2):
        z = a @ weights[k].astype(np.float64) + weights[k + 1].astype(np.float64)
        zs.append(z)
        a = np.maximum(z, 0.0) if k + 2 < len(weights) else z
    return zs


def _data(model: gn.Sequential) -> tuple[np.ndarray, np.ndarray, int]:
    """Three batches; the third scaled so that layer 3 leaves float32's range with a wide
    margin on both sides (found with the float64 replay of the initial weights)."""
    rng = np.random.default_rng(0)
    x = rng.random((3 * BATCH, 8)) * 1e-3
    y = rng.random((3 * BATCH, 1))
    zs = _dense_pre_activations(model.get_weights(), x[2 * BATCH:] * 1e3)
    peaks = [float(np.abs(z).max()) for z in zs]
    target = 2  # the third Dense
    scale = F32_MAX / np.sqrt(peaks[target - 1] * peaks[target])  # geometric middle
    x[2 * BATCH:] *= 1e3 * scale
    return x.astype(np.float32), y, target


def test_the_error_names_what_a_float64_replay_finds_and_keeps_the_weights() -> None:
    model = _model()
    initial = [w.copy() for w in model.get_weights()]
    x, y, _ = _data(model)
    record = WeightsAtBatchBegin()
    with pytest.raises(NonFiniteLossError) as info:
        model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[record])
    message = str(info.value)

    # The weights are exactly those from before the failing step, and training did happen.
    pre_step = record.by_batch[2]
    for w, w0 in zip(model.get_weights(), pre_step, strict=True):
        np.testing.assert_array_equal(w, w0)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert any(not np.array_equal(a, b) for a, b in zip(pre_step, initial, strict=True))

    # The independent replay, in float64, of the failing batch with the pre-step weights.
    zs = _dense_pre_activations(pre_step, x[2 * BATCH:])
    out_of_range = [k for k, z in enumerate(zs) if np.abs(z).max() > F32_MAX]
    first = out_of_range[0]
    assert np.abs(zs[first]).max() > 4 * F32_MAX  # far from the edge: no rounding question
    assert np.abs(zs[first - 1]).max() < F32_MAX / 4
    layer = model.layers[first]
    assert "at epoch 1, batch 2" in message
    assert f"layer '{layer.name}' (Dense), in its matmul (x @ kernel + bias)" in message
    assert "Learning rate: 1e-09" in message

    # The input range the message reports is the replay's: relu of the previous layer.
    seen = re.search(r"its input ranged over \[([^,]+), ([^\]]+)\]", message)
    assert seen is not None, message
    previous = np.maximum(zs[first - 1], 0.0)
    np.testing.assert_allclose([float(seen[1]), float(seen[2])],
                               [previous.min(), previous.max()], rtol=1e-2)


def test_terminate_on_nan_stops_with_the_pre_step_weights() -> None:
    model = _model()
    x, y, _ = _data(model)
    record = WeightsAtBatchBegin()
    history = model.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0,
                        callbacks=[record, C.TerminateOnNaN()])
    for w, w0 in zip(model.get_weights(), record.by_batch[2], strict=True):
        np.testing.assert_array_equal(w, w0)
    assert len(history.history["loss"]) == 1 and not np.isfinite(history.history["loss"][0])
    # The model still works: it predicts finite values on ordinary inputs and trains on.
    assert np.isfinite(model.predict(x[:BATCH])).all()
    model.fit(x[:2 * BATCH], y[:2 * BATCH], batch_size=BATCH, verbose=0)
