"""``RNN`` over custom and stacked cells: exact gradients (float64 finite differences) of the
cells' weights, the inputs and the initial states through time, with masks and
``go_backwards``; stateful calls; configs and weight files; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import ops
from glassnet.gradcheck import check_layer, numeric_gradient, relative_error
from glassnet.layers import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    Layer,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
)


class MinimalRNNCell(Layer):
    """The guide's cell with a tanh, built in glassnet's two-argument form."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = self.state_size = units

    def build(self, input_shape, rng):
        shapes = {"kernel": (input_shape[-1], self.units),
                  "recurrent_kernel": (self.units, self.units)}
        for name, shape in shapes.items():
            setattr(self, name, self.add_weight(shape=shape, initializer="uniform", name=name))
        super().build(input_shape, rng)

    def call(self, inputs, states):
        output = ops.tanh(ops.matmul(inputs, self.kernel)
                          + ops.matmul(states[0], self.recurrent_kernel))
        return output, [output]


class GatedCell(Layer):
    """Two states, nested state returned as a tuple, a training argument."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2 * self.units),
                                 initializer="glorot_uniform", name="w")
        self.u = self.add_weight(shape=(self.units, 2 * self.units), name="u")
        self.b = self.add_weight(shape=(2 * self.units,), initializer="random_normal", name="b")

    def call(self, inputs, states, training=False):
        self.seen_training = training
        h, c = states
        z = ops.matmul(inputs, self.w) + ops.matmul(h, self.u) + self.b
        gate = ops.sigmoid(z[:, :self.units])
        c = gate * c + (1.0 - gate) * ops.tanh(z[:, self.units:])
        h = ops.tanh(c) * gate
        return h, (h, c)


class DenseInsideCell(Layer):
    """A cell whose step uses a Dense layer of its own."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.state_size = units
        self.dense = glassnet.layers.Dense(units, activation="tanh")

    def call(self, inputs, states):
        h = self.dense(ops.concatenate([inputs, states[0]], axis=-1))
        return h, [h]


def _x(n=3, steps=4, features=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, steps, features))


CASES = {
    "minimal": lambda: RNN(MinimalRNNCell(3)),
    "gated_sequences_backwards": lambda: RNN(GatedCell(3), return_sequences=True,
                                             go_backwards=True),
    "stacked_builtin": lambda: RNN([LSTMCell(3), GRUCell(2), SimpleRNNCell(2)],
                                   return_sequences=True),
    "stacked_gru_reset_before": lambda: RNN(StackedRNNCells(
        [GRUCell(3, reset_after=False), MinimalRNNCell(2)])),
    "dense_inside": lambda: RNN(DenseInsideCell(3), return_sequences=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradients_of_weights_and_inputs_are_exact(case):
    layer = CASES[case]()
    errors = check_layer(layer, _x(), np.random.default_rng(1))
    assert set(errors) == {"x"} | set(layer.params)
    assert len(layer.params) >= 2
    assert max(errors.values()) < 1e-6, errors


def test_gradients_with_a_mask_are_exact():
    layer = RNN(GatedCell(3), return_sequences=True)
    x = _x(steps=5)
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 1]], bool)
    layer.dtype = np.dtype("float64")
    layer.build(x.shape[1:], np.random.default_rng(0))
    upstream = np.random.default_rng(2).normal(size=(3, 5, 3))

    def loss():
        return float(np.sum(upstream * layer.forward(x, mask=mask)))

    layer.forward(x, mask=mask)
    dx = layer.backward(upstream)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    assert relative_error(dx, numeric_gradient(loss, x)) < 1e-6
    for key, p in layer.params.items():
        assert relative_error(grads[key], numeric_gradient(loss, p)) < 1e-6, key
    # a masked step changes nothing: its input gets no gradient
    assert np.all(dx[~mask] == 0.0)


def test_gradients_of_initial_states_and_returned_states_are_exact():
    layer = RNN(GatedCell(3), return_state=True)
    rng = np.random.default_rng(3)
    x, h0, c0 = _x(), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    layer.dtype = np.dtype("float64")
    out = layer(x, initial_state=[h0, c0])
    assert layer.multi_input and len(out) == 3
    seeds = [rng.normal(size=np.shape(o)) for o in out]

    def loss():
        ys = layer.forward([x, h0, c0])
        return float(sum(np.sum(s * y) for s, y in zip(seeds, ys, strict=True)))

    layer.forward([x, h0, c0])
    dx, dh0, dc0 = layer.backward(seeds)
    for got, arr in ((dx, x), (dh0, h0), (dc0, c0)):
        assert relative_error(got, numeric_gradient(loss, arr)) < 1e-6


def test_the_cell_gets_training_when_it_takes_it():
    cell = GatedCell(2)
    layer = RNN(cell)
    layer(_x(), training=True)
    assert cell.seen_training is True
    layer(_x())
    assert cell.seen_training is False


def test_stateful_calls_carry_the_final_states():
    layer = RNN(GatedCell(3), stateful=True)
    x = _x(n=2, steps=6)
    whole = RNN(GatedCell(3))
    whole(x)
    layer(x[:, :3])
    layer.set_weights(whole.get_weights())
    layer.reset_states()
    layer(x[:, :3])
    np.testing.assert_allclose(layer(x[:, 3:]), whole(x), rtol=1e-6)
    layer.reset_states()
    assert layer.states is None


def test_a_model_trains_a_stacked_rnn():
    model = glassnet.Sequential([glassnet.Input((5, 2)), RNN([MinimalRNNCell(4), GRUCell(3)]),
                                 glassnet.layers.Dense(1)])
    model.compile(optimizer=glassnet.optimizers.Adam(0.01), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5, 2)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None] * 0.2
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]


def test_built_in_cell_alone_keeps_the_built_in_layer():
    assert type(RNN(LSTMCell(4), return_sequences=True)) is LSTM
    assert type(RNN(GRUCell(4, dropout=0.2))) is GRU
    assert type(RNN(LSTMCell(4), zero_output_for_mask=True)) is RNN


def test_builtin_cells_step_as_their_layers():
    x = _x(steps=3).astype("float32")
    for cell, layer_class in ((LSTMCell(3), LSTM), (GRUCell(3), GRU),
                              (GRUCell(3, reset_after=False), GRU),
                              (SimpleRNNCell(3, activation="relu"), glassnet.layers.SimpleRNN)):
        generic = RNN([cell])
        generic(x)
        layer = layer_class(3, **cell.kwargs)
        layer(x)
        layer.set_weights(generic.get_weights())
        np.testing.assert_allclose(generic(x), layer(x), rtol=1e-5, atol=1e-6)


def test_config_round_trip_and_weight_file(tmp_path):
    @glassnet.saving.register_keras_serializable(package="tests")
    class SavedCell(MinimalRNNCell):
        def get_config(self):
            return {**super().get_config(), "units": self.units}

    x = glassnet.Input((None, 2))
    y = RNN([SavedCell(3), LSTMCell(2)], return_sequences=True, go_backwards=True)(x)
    model = glassnet.Model(x, y)
    data = _x().astype("float32")
    want = model.predict(data, verbose=0)
    model.save_weights(tmp_path / "w.weights.npz")
    clone = glassnet.Model.from_config(model.get_config())
    rnn = clone.layers[1]
    assert isinstance(rnn.cell, StackedRNNCells) and rnn.go_backwards
    assert [type(c).__name__ for c in rnn.cell.cells] == ["SavedCell", "LSTMCell"]
    clone.load_weights(tmp_path / "w.weights.npz")
    np.testing.assert_array_equal(clone.predict(data, verbose=0), want)


def test_cell_errors():
    class NoStateSize(Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match=r"must have a `state_size` attribute.*NoStateSize"):
        RNN(NoStateSize())
    with pytest.raises(ValueError, match=r"must have a `call` method.*object"):
        RNN(object())
    with pytest.raises(ValueError, match=r"state_size must be an integer.*'four'"):
        cell = MinimalRNNCell(4)
        cell.state_size = "four"
        RNN(cell)
    with pytest.raises(ValueError, match=r"non-empty list of cells"):
        StackedRNNCells([])
    with pytest.raises(TypeError, match=r"'return_sequences'.*RNN layer"):
        LSTMCell(3, return_sequences=True)


def test_call_errors():
    class WrongReturn(MinimalRNNCell):
        def call(self, inputs, states):
            return ops.matmul(inputs, self.kernel)

    class TooManyStates(MinimalRNNCell):
        def call(self, inputs, states):
            out, _ = super().call(inputs, states)
            return out, [out, out]

    with pytest.raises(ValueError, match=r"must return \(output, new_states\)"):
        RNN(WrongReturn(2))(_x())
    with pytest.raises(ValueError, match=r"returned 2 state\(s\), its state_size 2 has 1"):
        RNN(TooManyStates(2))(_x())
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, timesteps, features\)"):
        RNN(MinimalRNNCell(2))(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"`initial_state` must hold 2 state\(s\)"):
        RNN(GatedCell(2))(_x(), initial_state=[np.zeros((3, 2))])
    with pytest.raises(NotImplementedError, match="dropout"):
        RNN([LSTMCell(2, dropout=0.5)])(_x(), training=True)
