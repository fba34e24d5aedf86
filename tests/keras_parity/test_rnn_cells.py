"""Custom recurrent cells, ``RNN(cell)`` and ``StackedRNNCells`` against Keras 3 ("Working
with RNNs"): from identical weights, the same outputs, states and trained weights; the same
weight shapes, order and count."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras


def _cells(K):  # noqa: N803 - the same cells written against either module
    ops = K.ops

    class MinimalRNNCell(K.layers.Layer):
        """The guide's cell."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = ops.matmul(inputs, self.kernel)
            output = h + ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    class TwoStateCell(K.layers.Layer):
        """An LSTM-like cell by hand: states [h, c], a sigmoid gate, training argument."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = [units, units]
            self.output_size = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2 * self.units),
                                     initializer="glorot_uniform", name="w")
            self.u = self.add_weight(shape=(self.units, 2 * self.units),
                                     initializer="glorot_uniform", name="u")
            self.b = self.add_weight(shape=(2 * self.units,), initializer="zeros", name="b")

        def call(self, inputs, states, training=False):
            h, c = states
            z = ops.matmul(inputs, self.w) + ops.matmul(h, self.u) + self.b
            gate = ops.sigmoid(z[:, :self.units])
            c = gate * c + (1.0 - gate) * ops.tanh(z[:, self.units:])
            h = ops.tanh(c) * gate
            return h, [h, c]

    return MinimalRNNCell, TwoStateCell


def _seq(n=6, steps=5, features=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, steps, features)).astype("float32")


def _pair(build):
    """The same model under Keras and glassnet, glassnet given Keras's weights."""
    k_model, g_model = build(keras), build(__import__("glassnet"))
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    return k_model, g_model


def _flat(out):
    if isinstance(out, (list, tuple)):
        return [a for part in out for a in _flat(part)]
    return [out]


def _outputs_match(got, want, rtol=1e-5, atol=1e-6):
    """Equal arrays; a model's nested outputs (Keras's) are compared flattened."""
    got, want = _flat(got), _flat(want)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert_close(g, w, rtol=rtol, atol=atol)


def test_the_guides_minimal_cell_computes_and_trains_as_in_keras():
    def build(K):  # noqa: N803
        cell = _cells(K)[0](32)
        x = K.Input((None, 5))
        y = K.layers.Dense(1)(K.layers.RNN(cell)(x))
        return K.Model(x, y)

    k_model, g_model = _pair(build)
    rnn = g_model.layers[1]
    assert [tuple(w.shape) for w in rnn.weights] == [(5, 32), (32, 32)]
    assert g_model.count_params() == k_model.count_params() == 5 * 32 + 32 * 32 + 33
    x = _seq(8, 4, 5) * 0.3
    y = np.random.default_rng(1).normal(size=(8, 1)).astype("float32")
    _outputs_match(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    for model, K in ((k_model, keras), (g_model, __import__("glassnet"))):
        model.compile(optimizer=K.optimizers.SGD(0.01), loss="mse")
    fit = dict(epochs=1, batch_size=4, shuffle=False, verbose=0)
    k_loss = k_model.fit(x, y, **fit).history["loss"]
    g_loss = g_model.fit(x, y, **fit).history["loss"]
    assert_close(g_loss, k_loss, rtol=1e-5)
    for got, want in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        assert_close(got, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_a_two_state_cell_returns_sequences_and_states_as_in_keras(go_backwards):
    def build(K):  # noqa: N803
        x = K.Input((5, 3))
        outs = K.layers.RNN(_cells(K)[1](4), return_sequences=True, return_state=True,
                            go_backwards=go_backwards)(x)
        return K.Model(x, outs)

    k_model, g_model = _pair(build)
    x = _seq()
    got, want = g_model.predict(x, verbose=0), k_model.predict(x, verbose=0)
    assert [np.shape(g) for g in got] == [(6, 5, 4), (6, 4), (6, 4)]
    _outputs_match(got, want)


def test_stacked_lstm_cells_as_in_keras():
    def build(K):  # noqa: N803
        x = K.Input((5, 3))
        h = K.layers.RNN([K.layers.LSTMCell(8), K.layers.LSTMCell(8)])(x)
        return K.Model(x, K.layers.Dense(2)(h))

    k_model, g_model = _pair(build)
    assert [w.shape for w in g_model.get_weights()] == \
        [tuple(w.shape) for w in k_model.get_weights()]
    assert g_model.count_params() == k_model.count_params()
    x, y = _seq(), np.random.default_rng(2).normal(size=(6, 2)).astype("float32")
    _outputs_match(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    for model, K in ((k_model, keras), (g_model, __import__("glassnet"))):
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    fit = dict(epochs=1, batch_size=3, shuffle=False, verbose=0)
    assert_close(g_model.fit(x, y, **fit).history["loss"],
                 k_model.fit(x, y, **fit).history["loss"], rtol=1e-5)
    for got, want in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_stacked_rnn_cells_of_every_kind_with_states_as_in_keras():
    def build(K):  # noqa: N803
        x = K.Input((5, 3))
        cells = K.layers.StackedRNNCells([K.layers.LSTMCell(6), K.layers.GRUCell(4),
                                          K.layers.SimpleRNNCell(3), _cells(K)[0](2)])
        outs = K.layers.RNN(cells, return_sequences=True, return_state=True)(x)
        return K.Model(x, outs)

    k_model, g_model = _pair(build)
    rnn = g_model.layers[1]
    assert isinstance(rnn.cell, __import__("glassnet").layers.StackedRNNCells)
    assert rnn.cell.state_size == [[6, 6], 4, 3, 2]
    assert [w.name for w in rnn.weights][:3] == [
        "stacked_rnn_cells/lstm_cell/kernel", "stacked_rnn_cells/lstm_cell/recurrent_kernel",
        "stacked_rnn_cells/lstm_cell/bias"]
    x = _seq()
    _outputs_match(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))


def test_direct_calls_return_states_nested_as_keras():
    import glassnet

    x = _seq()
    k_rnn = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.GRUCell(3)],
                             return_state=True)
    g_rnn = glassnet.layers.RNN([glassnet.layers.LSTMCell(4), glassnet.layers.GRUCell(3)],
                                return_state=True)
    want = k_rnn(x)
    g_rnn(x)
    g_rnn.set_weights([as_numpy(w) for w in k_rnn.get_weights()])
    got = g_rnn(x)
    assert len(got) == len(want) == 3 and len(got[1]) == 2
    _outputs_match([got[0], *got[1], got[2]], [want[0], *want[1], want[2]])


@pytest.mark.parametrize("zero_output", [False, True])
def test_masked_steps_keep_the_state_as_in_keras(zero_output):
    def build(K):  # noqa: N803
        x = K.Input((6,))
        h = K.layers.Embedding(10, 3, mask_zero=True)(x)
        h = K.layers.RNN(_cells(K)[1](4), return_sequences=True,
                         zero_output_for_mask=zero_output)(h)
        return K.Model(x, h)

    k_model, g_model = _pair(build)
    ids = np.array([[3, 4, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6], [7, 0, 8, 0, 9, 0]])
    _outputs_match(g_model.predict(ids, verbose=0), k_model.predict(ids, verbose=0))


def test_masking_layer_before_a_stacked_rnn_as_in_keras():
    def build(K):  # noqa: N803
        x = K.Input((5, 3))
        h = K.layers.Masking()(x)
        h = K.layers.RNN([_cells(K)[0](4), K.layers.GRUCell(3)], go_backwards=True)(h)
        return K.Model(x, h)

    k_model, g_model = _pair(build)
    x = _seq()
    x[0, 3:] = 0.0
    x[2, :2] = 0.0
    _outputs_match(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))


def test_a_time_dimension_of_none_takes_two_lengths_as_in_keras():
    def build(K):  # noqa: N803
        x = K.Input((None, 3))
        return K.Model(x, K.layers.RNN(_cells(K)[1](4), return_sequences=True)(x))

    k_model, g_model = _pair(build)
    for steps in (2, 7):
        x = _seq(steps=steps, seed=steps)
        got = g_model.predict(x, verbose=0)
        assert got.shape == (6, steps, 4)
        _outputs_match(got, k_model.predict(x, verbose=0))


def test_initial_state_as_in_keras():
    def build(K):  # noqa: N803
        x, h0, c0 = K.Input((5, 3)), K.Input((4,)), K.Input((4,))
        y = K.layers.RNN(_cells(K)[1](4))(x, initial_state=[h0, c0])
        return K.Model([x, h0, c0], y)

    k_model, g_model = _pair(build)
    rng = np.random.default_rng(3)
    inputs = [_seq(), rng.normal(size=(6, 4)).astype("float32"),
              rng.normal(size=(6, 4)).astype("float32")]
    _outputs_match(g_model.predict(inputs, verbose=0), k_model.predict(inputs, verbose=0))


def test_built_in_cell_alone_is_the_built_in_layer(G):
    layer = G.layers.RNN(G.layers.GRUCell(4, reset_after=False), return_sequences=True)
    assert isinstance(layer, G.layers.GRU) and layer.reset_after is False
    k_layer = keras.layers.RNN(keras.layers.GRUCell(4, reset_after=False),
                               return_sequences=True)
    x = _seq()
    want = k_layer(x)
    layer(x)
    layer.set_weights([as_numpy(w) for w in k_layer.get_weights()])
    _outputs_match(layer(x), want)


def test_a_cell_without_state_size_is_refused_with_keras_error(G):
    class NoState(G.layers.Layer):
        def call(self, inputs, states):
            return inputs, states

    class KNoState(keras.layers.Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match="state_size"):
        keras.layers.RNN(KNoState())
    with pytest.raises(ValueError, match=r"`state_size` attribute.*NoState"):
        G.layers.RNN(NoState())
    with pytest.raises(ValueError, match="state_size"):
        keras.layers.StackedRNNCells([KNoState()])
    with pytest.raises(ValueError, match="All cells must have a `state_size`"):
        G.layers.StackedRNNCells([NoState()])
