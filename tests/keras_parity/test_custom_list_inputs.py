"""A custom layer whose ``call(self, inputs)`` takes a list of tensors, as Keras's guides
write them (``Gate()([a, b])``), the same tensor passed twice included: outputs, one epoch of
training from Keras's weights, and gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, keras


def _gate(K):  # noqa: N803
    class Gate(K.layers.Layer):
        """``a * sigmoid(b) * 3``: a layer of two tensors taken as one list."""

        def call(self, inputs):
            a, b = inputs
            return a * K.ops.sigmoid(b) * 3.0

    return Gate


def _model(K, twice: bool):  # noqa: N803
    x = K.Input((4,))
    h = K.layers.Dense(3, activation="tanh", name="h")(x)
    g = K.layers.Dense(3, name="g")(x)
    y = _gate(K)(name="gate")([h, h] if twice else [h, g])
    out = K.layers.Dense(2, name="out")(y)
    model = K.Model(x, out)
    model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    return model


@pytest.mark.parametrize("twice", [False, True], ids=["two_tensors", "one_tensor_twice"])
def test_custom_layer_on_a_list_trains_as_keras(G, twice):  # noqa: N803
    k_model, g_model = _model(keras, twice), _model(G, twice)
    # (the input layers are named by each library's counter; the named layers line up)
    assert [layer.name for layer in g_model.layers][1:] == [layer.name for layer in k_model.layers][1:]
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    rng = np.random.default_rng(5)
    x, y = rng.random((16, 4), dtype=np.float32), rng.random((16, 2), dtype=np.float32)
    np.testing.assert_allclose(g_model.predict(x, verbose=0),
                               as_numpy(k_model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    k_hist = k_model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(g_hist.history["loss"], k_hist.history["loss"], rtol=1e-5)
    for got, want in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        np.testing.assert_allclose(got, as_numpy(want), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("twice", [False, True], ids=["two_tensors", "one_tensor_twice"])
def test_custom_layer_on_a_list_gradients_match_finite_differences(G, twice):  # noqa: N803
    model = _model(G, twice)
    rng = np.random.default_rng(6)
    x, y = rng.random((5, 4)), rng.random((5, 2))
    report = model.check_gradients(x, y, print_fn=lambda *a: None)
    assert all(row["passed"] for row in report), report


def _split_model(K):  # noqa: N803
    class TemporalSplit(K.layers.Layer):
        """The masking guide's layer: the steps cut in two halves, a list of two tensors."""

        def call(self, inputs):
            return K.ops.split(inputs, 2, axis=1)

    x = K.Input((4, 3))
    h = K.layers.Dense(3, name="h")(x)
    first, second = TemporalSplit(name="split")(h)
    y = K.layers.Concatenate()([K.layers.GlobalAveragePooling1D()(first),
                                K.layers.GlobalMaxPooling1D()(second)])
    model = K.Model(x, K.layers.Dense(1, name="out")(y))
    model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    return model, TemporalSplit


def test_custom_layer_returning_a_list_as_keras(G):  # noqa: N803
    (k_model, k_split), (g_model, g_split) = _split_model(keras), _split_model(G)
    rng = np.random.default_rng(7)
    x, y = rng.random((8, 4, 3), dtype=np.float32), rng.random((8, 1), dtype=np.float32)
    halves = g_split()(x)  # on arrays: a list, as Keras's
    assert [h.shape for h in halves] == [tuple(h.shape) for h in k_split()(x)] == [(8, 2, 3)] * 2
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    np.testing.assert_allclose(g_model.predict(x, verbose=0),
                               as_numpy(k_model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    k_model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    g_model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        np.testing.assert_allclose(got, as_numpy(want), rtol=1e-5, atol=1e-6)
    report = _split_model(G)[0].check_gradients(x.astype(np.float64), y.astype(np.float64),
                                                print_fn=lambda *a: None)
    assert all(row["passed"] for row in report), report
