"""float16 models train sensibly, and values float16 cannot hold are reported as overflows.

Optimizer state and update arithmetic of float16 weights are float32 (as in Keras's mixed
precision): Adam's second moment of a small gradient underflows to 0 in float16, and its
epsilon 1e-7 is below float16's smallest normal number, which turns a small gradient into a
huge step. A finite input above 65504 is not "NaN or inf": it overflows float16.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers as L
from glassnet import optimizers as O


def _adam_reference(p: np.ndarray, g: np.ndarray, lr: float = 1e-3, b1: float = 0.9,
                    b2: float = 0.999, eps: float = 1e-7) -> np.ndarray:
    """One Keras Adam step in float64: p - lr sqrt(1-b2)/(1-b1) m / (sqrt(v) + eps)."""
    m = (1 - b1) * g
    v = (1 - b2) * g * g
    alpha = lr * np.sqrt(1 - b2) / (1 - b1)
    return p - alpha * m / (np.sqrt(v) + eps)


@pytest.mark.parametrize("grad", [1e-4, 3e-3, 0.5])
def test_adam_step_on_float16_weights_matches_float64(grad: float) -> None:
    p = np.ones(64, dtype=np.float16)
    g = np.full(64, grad, dtype=np.float16)
    opt = O.Adam()
    opt.step([p], [g])
    expected = _adam_reference(np.ones(64), g.astype(np.float64))
    assert p.dtype == np.float16
    # One rounding into float16 (spacing 2**-11 ~ 4.9e-4 just below 1.0).
    np.testing.assert_allclose(p.astype(np.float64), expected, atol=5e-4)
    state = opt.get_state()
    assert state["m_0"].dtype == np.float32 and state["v_0"].dtype == np.float32
    assert np.all(state["v_0"] > 0)  # the float16 v would be 0 for grad=1e-4


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "nadam", "adamax", "sgd"])
def test_float16_model_trains_like_float32(optimizer: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 8))
    y = (x[:, 0] - x[:, 1] > 0).astype(int)
    histories = {}
    for dtype in ("float16", "float32"):
        model = gn.Sequential([L.Dense(16, activation="relu", input_shape=(8,)),
                               L.Dense(2, activation="softmax")], dtype=dtype, seed=0)
        model.compile(optimizer, "sparse_categorical_crossentropy")
        histories[dtype] = model.fit(x, y, epochs=8, batch_size=32, shuffle=False,
                                     verbose=0).history["loss"]
        assert all(np.isfinite(w).all() for w in model.get_weights())
        assert model.get_weights()[0].dtype == np.dtype(dtype)
    assert histories["float16"][-1] < 0.9 * histories["float16"][0]
    # float16 forward/backward arithmetic alone (SGD has no state) drifts by ~5% in 8
    # epochs; float16 optimizer state used to make Adam's first epochs differ by ~2x.
    np.testing.assert_allclose(histories["float16"], histories["float32"], rtol=0.1)


def _float16_model() -> gn.Sequential:
    model = gn.Sequential([L.Dense(2, input_shape=(3,))], dtype="float16", seed=0)
    model.compile("adam", "mse")
    return model


def test_fit_reports_a_float16_overflow_not_nan() -> None:
    x = np.ones((10, 3))
    x[4, 1] = 1e5  # finite, but larger than float16's 65504
    with pytest.raises(ValueError, match=r"`x` holds 100000 at sample 4, which overflows "
                                         r"float16 \(largest finite value 65504\)") as info:
        _float16_model().fit(x, np.zeros((10, 2)), verbose=0)
    assert "NaN" not in str(info.value)
    with pytest.raises(ValueError, match=r"`x` holds 100000 at sample 4, which overflows float16"):
        _float16_model().evaluate(x, np.zeros((10, 2)), verbose=0)


def test_fit_still_reports_real_nan_in_float16() -> None:
    x = np.ones((10, 3))
    x[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"`x` contains NaN or inf \(first at sample 2"):
        _float16_model().fit(x, np.zeros((10, 2)), verbose=0)


def test_predict_refuses_a_float16_overflow_instead_of_returning_inf() -> None:
    model = _float16_model()
    x = np.ones((300, 3))
    x[260, 2] = -7e4  # in the second predict batch
    with pytest.raises(ValueError, match=r"holds 70000 at sample 260, which overflows float16"):
        model.predict(x)
    ints = np.full((4, 3), 70000, dtype=np.int64)
    with pytest.raises(ValueError, match="overflows float16"):
        model.predict(ints)
    ok = model.predict(np.full((4, 3), 1000.0))  # in range: no error
    assert ok.dtype == np.float16


def test_predict_passes_nan_through_in_float16_as_keras() -> None:
    x = np.ones((3, 3))
    x[1, 0] = np.nan
    out = _float16_model().predict(x)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
