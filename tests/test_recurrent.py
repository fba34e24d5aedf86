"""SimpleRNN, LSTM and GRU: gradients, hand-computed steps, Keras's layout, dtypes, errors."""

import numpy as np
import pytest

from glassnet.gradcheck import check_layer, check_model
from glassnet.layers import GRU, LSTM, Dense, Input, SimpleRNN
from glassnet.layers.base import deserialize_layer, serialize_layer
from glassnet.models import Model, Sequential, load_model
from glassnet.optimizers import Adam
from layer_referees import summary_of


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------- gradients
CASES = {
    "simple_rnn": lambda rs: SimpleRNN(3, return_sequences=rs),
    "simple_rnn_relu_no_bias": lambda rs: SimpleRNN(3, activation="relu", use_bias=False,
                                                    return_sequences=rs),
    "lstm": lambda rs: LSTM(3, return_sequences=rs),
    "lstm_go_backwards": lambda rs: LSTM(2, go_backwards=True, return_sequences=rs),
    # Not Keras's default activations: the loop's generic path (one call per gate block, z kept).
    "lstm_elu_softplus": lambda rs: LSTM(3, activation="elu", recurrent_activation="softplus",
                                         return_sequences=rs),
    "gru": lambda rs: GRU(3, return_sequences=rs),
    "gru_reset_before": lambda rs: GRU(3, reset_after=False, return_sequences=rs),
    "gru_no_bias": lambda rs: GRU(2, use_bias=False, return_sequences=rs),
    # Activations whose derivative reads the pre-activation (kept by the loop).
    "gru_elu_softplus": lambda rs: GRU(3, activation="elu", recurrent_activation="softplus",
                                       return_sequences=rs),
    "gru_reset_before_elu": lambda rs: GRU(3, reset_after=False, activation="elu",
                                           go_backwards=True, return_sequences=rs),
    "lstm_dropout": lambda rs: LSTM(3, dropout=0.3, recurrent_dropout=0.4, seed=1,
                                    return_sequences=rs),
    "gru_dropout": lambda rs: GRU(3, dropout=0.3, recurrent_dropout=0.4, seed=1,
                                  return_sequences=rs),
    "gru_reset_before_dropout": lambda rs: GRU(3, reset_after=False, dropout=0.3,
                                               recurrent_dropout=0.4, seed=1,
                                               return_sequences=rs),
    "simple_rnn_dropout": lambda rs: SimpleRNN(3, dropout=0.3, recurrent_dropout=0.4, seed=1,
                                               return_sequences=rs),
}


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_gradients(case, return_sequences, rng):
    layer = CASES[case](return_sequences)
    x = rng.standard_normal((2, 4, 3))
    errors = check_layer(layer, x, rng, training=True)
    assert set(errors) >= {"x", "kernel", "recurrent_kernel"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_stacked_model_gradients(cls, rng):
    """Two stacked layers in a float64 model, through the model's flat parameter buffer."""
    x = rng.standard_normal((4, 5, 3))
    y = rng.integers(0, 2, 4).astype(np.float64)
    model = Sequential([cls(4, return_sequences=True, input_shape=(5, 3)), cls(3),
                        Dense(1, activation="sigmoid")], dtype="float64", seed=0)
    model.compile("adam", "binary_crossentropy")
    rows = check_model(model, x, y)
    assert max(r["relative_error"] for r in rows) < 1e-6, rows


# ---------------------------------------------------------------- forward by hand
def _set_random_weights(layer, rng):
    layer.set_weights([rng.uniform(-0.8, 0.8, p.shape) for p in layer.params.values()])


def test_simple_rnn_two_steps_by_hand(rng):
    layer = SimpleRNN(2, return_sequences=True, dtype="float64")
    layer.build((2, 3), rng)
    _set_random_weights(layer, rng)
    W, U, b = (layer.params[k] for k in ("kernel", "recurrent_kernel", "bias"))
    x = rng.standard_normal((2, 2, 3))
    h1 = np.tanh(x[:, 0] @ W + b)  # h0 = 0
    h2 = np.tanh(x[:, 1] @ W + h1 @ U + b)
    np.testing.assert_allclose(layer.forward(x), np.stack([h1, h2], axis=1), rtol=1e-12)


def test_lstm_two_steps_by_hand(rng):
    u = 2
    layer = LSTM(u, return_sequences=True, dtype="float64")
    layer.build((2, 3), rng)
    _set_random_weights(layer, rng)
    W, U, b = (layer.params[k] for k in ("kernel", "recurrent_kernel", "bias"))
    x = rng.standard_normal((2, 2, 3))
    h, c, outs = np.zeros((2, u)), np.zeros((2, u)), []
    for t in range(2):
        z = x[:, t] @ W + h @ U + b
        i, f = sigmoid(z[:, 0:u]), sigmoid(z[:, u:2 * u])  # gate order i, f, c, o
        cand, o = np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:4 * u])
        c = f * c + i * cand
        h = o * np.tanh(c)
        outs.append(h)
    np.testing.assert_allclose(layer.forward(x), np.stack(outs, axis=1), rtol=1e-12)


def _lstm_reference(layer, x):
    """Keras's LSTM equations in float64, written directly."""
    W, U, b = (layer.params[k].astype(np.float64) for k in ("kernel", "recurrent_kernel", "bias"))
    u = layer.units

    def sig(z):  # the tanh form: no overflow for large |z|
        return 0.5 * (1.0 + np.tanh(z / 2.0))

    h = c = np.zeros((len(x), u))
    for t in range(x.shape[1]):
        z = x[:, t] @ W + h @ U + b
        i, f, cand, o = sig(z[:, :u]), sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), \
            sig(z[:, 3 * u:])
        c = f * c + i * cand
        h = o * np.tanh(c)
    return h


@pytest.mark.parametrize("scale", [1.0, 300.0])
def test_lstm_float32_matches_float64_reference_even_when_saturated(scale, rng):
    """The one-exp gate path: float32 accurate to ~1e-6, and exact limits (no warnings) when
    |z| is in the hundreds (exp overflows to inf, the gates become exactly 0, 1 or -1)."""
    layer = LSTM(5, dtype="float32")
    layer.build((4, 3), rng)
    _set_random_weights(layer, rng)
    x = (scale * rng.standard_normal((6, 4, 3))).astype(np.float32)
    with np.errstate(all="raise"):
        out = layer.forward(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _lstm_reference(layer, x.astype(np.float64)), atol=2e-6)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_two_steps_by_hand(reset_after, rng):
    u = 2
    layer = GRU(u, return_sequences=True, reset_after=reset_after, dtype="float64")
    layer.build((2, 3), rng)
    assert layer.params["bias"].shape == ((2, 3 * u) if reset_after else (3 * u,))
    _set_random_weights(layer, rng)
    W, U, b = (layer.params[k] for k in ("kernel", "recurrent_kernel", "bias"))
    x = rng.standard_normal((2, 2, 3))
    h, outs = np.zeros((2, u)), []
    for t in range(2):
        if reset_after:  # Keras 3 default: b[0] input bias, b[1] recurrent bias
            xp, rp = x[:, t] @ W + b[0], h @ U + b[1]
            z = sigmoid(xp[:, :u] + rp[:, :u])  # gate order z, r, h
            r = sigmoid(xp[:, u:2 * u] + rp[:, u:2 * u])
            hh = np.tanh(xp[:, 2 * u:] + r * rp[:, 2 * u:])
        else:
            xp = x[:, t] @ W + b
            z = sigmoid(xp[:, :u] + h @ U[:, :u])
            r = sigmoid(xp[:, u:2 * u] + h @ U[:, u:2 * u])
            hh = np.tanh(xp[:, 2 * u:] + (r * h) @ U[:, 2 * u:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    np.testing.assert_allclose(layer.forward(x), np.stack(outs, axis=1), rtol=1e-12)


def test_lstm_and_gru_match_pytorch(rng):
    """The documented weight mapping to torch.nn.LSTM / nn.GRU gives the same outputs."""
    torch = pytest.importorskip("torch")
    n, steps, f, u = 3, 5, 4, 6
    x = rng.standard_normal((n, steps, f))

    lstm = LSTM(u, return_sequences=True, dtype="float64")
    lstm.build((steps, f), rng)
    _set_random_weights(lstm, rng)
    t_lstm = torch.nn.LSTM(f, u, batch_first=True).double()
    with torch.no_grad():  # same gate order i, f, g, o; torch stores the transposes
        t_lstm.weight_ih_l0.copy_(torch.tensor(lstm.params["kernel"].T))
        t_lstm.weight_hh_l0.copy_(torch.tensor(lstm.params["recurrent_kernel"].T))
        t_lstm.bias_ih_l0.copy_(torch.tensor(lstm.params["bias"]))
        t_lstm.bias_hh_l0.zero_()
        expected = t_lstm(torch.tensor(x))[0].numpy()
    np.testing.assert_allclose(lstm.forward(x), expected, rtol=1e-10, atol=1e-12)

    gru = GRU(u, return_sequences=True, dtype="float64")
    gru.build((steps, f), rng)
    _set_random_weights(gru, rng)

    def zr_to_rz(a):  # Keras blocks z, r, h -> PyTorch blocks r, z, n (along axis 0)
        return np.concatenate([a[u:2 * u], a[:u], a[2 * u:]])

    t_gru = torch.nn.GRU(f, u, batch_first=True).double()
    with torch.no_grad():
        t_gru.weight_ih_l0.copy_(torch.tensor(zr_to_rz(gru.params["kernel"].T)))
        t_gru.weight_hh_l0.copy_(torch.tensor(zr_to_rz(gru.params["recurrent_kernel"].T)))
        t_gru.bias_ih_l0.copy_(torch.tensor(zr_to_rz(gru.params["bias"][0])))
        t_gru.bias_hh_l0.copy_(torch.tensor(zr_to_rz(gru.params["bias"][1])))
        expected = t_gru(torch.tensor(x))[0].numpy()
    np.testing.assert_allclose(gru.forward(x), expected, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- Keras layout and summary
@pytest.mark.parametrize("cls, k, n_bias", [(SimpleRNN, 1, 1), (LSTM, 4, 1), (GRU, 3, 2)])
def test_weight_shapes_and_keras_param_counts(cls, k, n_bias):
    f, u = 7, 12  # (28, 128) is in test_summary_shapes_and_counts
    layer = cls(u)
    layer.build((10, f), np.random.default_rng(0))
    assert layer.params["kernel"].shape == (f, k * u)
    assert layer.params["recurrent_kernel"].shape == (u, k * u)
    assert layer.params["bias"].size == n_bias * k * u
    assert layer.count_params() == k * (f * u + u * u + n_bias * u)
    assert layer.output_shape((10, f)) == (u,)
    assert cls(u, return_sequences=True).output_shape((10, f)) == (10, u)


def test_summary_shapes_and_counts():
    model = Sequential([LSTM(128, return_sequences=True, input_shape=(28, 28)), GRU(64),
                        Dense(10)])
    text = summary_of(model)
    assert "(None, 28, 128)" in text and "(None, 64)" in text
    assert f"{4 * (28 * 128 + 128 * 128 + 128):,}" in text  # 80,384 as Keras
    assert f"{3 * (128 * 64 + 64 * 64 + 2 * 64):,}" in text  # 37,248 as Keras
    simple = Sequential([SimpleRNN(16, input_shape=(5, 3))])
    assert f"{3 * 16 + 16 * 16 + 16:,}" in summary_of(simple)


def test_unit_forget_bias():
    u = 3
    lstm = LSTM(u)
    lstm.build((4, 2), np.random.default_rng(0))
    np.testing.assert_array_equal(lstm.params["bias"], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    plain = LSTM(u, unit_forget_bias=False)
    plain.build((4, 2), np.random.default_rng(0))
    assert not plain.params["bias"].any()


def test_recurrent_kernel_is_orthogonal_by_default():
    layer = SimpleRNN(8)
    layer.build((3, 4), np.random.default_rng(0))
    U = layer.params["recurrent_kernel"].astype(np.float64)
    np.testing.assert_allclose(U @ U.T, np.eye(8), atol=1e-5)


# ---------------------------------------------------------------- dtype
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_float32_stays_float32(cls, return_sequences, rng):
    layer = cls(4, return_sequences=return_sequences, dropout=0.2, recurrent_dropout=0.2,
                seed=0)
    x = rng.standard_normal((3, 5, 2))  # float64 data into a float32 layer
    y = layer(x, training=True)
    assert y.dtype == np.float32
    assert y.shape == ((3, 5, 4) if return_sequences else (3, 4))
    dx = layer.backward(np.ones_like(y))
    assert dx.dtype == np.float32 and dx.shape == x.shape
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    assert all(p.dtype == np.float32 for p in layer.params.values())


# ---------------------------------------------------------------- behaviour
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_go_backwards_reads_the_reversed_sequence(cls, rng):
    x = rng.standard_normal((2, 6, 3))
    back = cls(4, go_backwards=True, return_sequences=True, dtype="float64")
    fwd = cls(4, return_sequences=True, dtype="float64")
    back.build((6, 3), rng)
    fwd.build((6, 3), rng)
    fwd.set_weights(back.get_weights())
    np.testing.assert_allclose(back.forward(x), fwd.forward(x[:, ::-1]), rtol=1e-12)


@pytest.mark.parametrize("layer", [
    lambda: LSTM(5, return_sequences=True),
    lambda: LSTM(5, go_backwards=True),
    lambda: LSTM(5, activation="elu", recurrent_activation="softplus"),  # the generic path
    lambda: GRU(5, return_sequences=True),
    lambda: GRU(5, reset_after=False, go_backwards=True),
])
def test_predict_and_evaluate_without_caches_give_the_same_numbers(layer, rng):
    """``predict``/``evaluate`` tell the layers no backward follows (``keep_cache`` False): the
    LSTM and GRU then reuse one step's buffers. Same numbers bit for bit, the flag restored after,
    and a training step afterwards still has its caches."""
    model = Sequential([Input((7, 3)), layer(), Dense(2)], seed=0)
    model.compile(Adam(0.01), "mse")
    model.build()
    x = rng.normal(size=(11, 7, 3)).astype(np.float32)
    y = rng.normal(size=(11,) + model.output_shape[1:]).astype(np.float32)
    cached = model._forward(x, training=False)  # keep_cache True: every step stored
    assert model.layers[0]._cache is not None
    np.testing.assert_array_equal(model.predict(x, batch_size=32), cached)  # the same products
    # Three batches, the last one short (BLAS may round a narrower product differently).
    np.testing.assert_allclose(model.predict(x, batch_size=4), cached, rtol=1e-5, atol=1e-6)
    assert model.layers[0]._cache is None  # nothing kept for a backward that never comes
    assert all(layer.keep_cache for layer in model.layers)  # the class default again
    assert "keep_cache" not in vars(model.layers[0])
    loss = model.evaluate(x, y, batch_size=32, verbose=0)
    assert loss == pytest.approx(float(np.mean((cached - y) ** 2)), rel=1e-5)
    model.train_on_batch(x, y)  # backward needs the caches: they are there again
    assert model.layers[0]._cache is not None


def test_last_output_is_last_step_of_sequence(rng):
    seq = GRU(3, return_sequences=True, dtype="float64")
    last = GRU(3, dtype="float64")
    x = rng.standard_normal((2, 4, 5))
    seq.build((4, 5), rng)
    last.build((4, 5), rng)
    last.set_weights(seq.get_weights())
    np.testing.assert_allclose(last.forward(x), seq.forward(x)[:, -1])


def test_dropout_only_while_training(rng):
    layer = LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=3)
    x = rng.standard_normal((8, 5, 3)).astype(np.float32)
    a = layer(x, training=False)
    np.testing.assert_array_equal(a, layer(x, training=False))
    assert not np.allclose(a, layer(x, training=True))
    assert layer.stochastic and not LSTM(4).stochastic


def test_first_layer_does_not_compute_input_gradient(rng):
    model = Sequential([SimpleRNN(4, input_shape=(5, 3)), Dense(2)], seed=0)
    model.build()
    first = model.layers[0]
    assert first.input_grad_needed is False
    first.forward(rng.standard_normal((2, 5, 3)).astype(np.float32))
    assert first.backward(np.ones((2, 4), np.float32)) is None
    assert first.grads["kernel"].any()


def test_functional_model(rng):
    inputs = Input(shape=(6, 3))
    h = GRU(5, return_sequences=True)(inputs)
    outputs = Dense(1, activation="sigmoid")(LSTM(4)(h))
    model = Model(inputs, outputs)
    model.compile("adam", "binary_crossentropy")
    x = rng.standard_normal((8, 6, 3)).astype(np.float32)
    model.fit(x, (x[:, 0, 0] > 0).astype(np.float32), epochs=1, verbose=0)
    assert model.predict(x).shape == (8, 1)
    assert model.layers[-2].output_shape((6, 5)) == (4,)
    with pytest.raises(ValueError, match=r"LSTM expects inputs of shape \(batch, timesteps, "
                                         r"features\), got \(None, 28\)"):
        LSTM(4)(Input(shape=(28,)))


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("make, match", [
    (lambda: LSTM(-3), r"LSTM `units` must be a positive integer, got -3"),
    (lambda: GRU(0), r"GRU `units` must be a positive integer, got 0"),
    (lambda: SimpleRNN(2.5), r"SimpleRNN `units` must be a positive integer, got 2.5"),
    (lambda: LSTM(4, dropout=1.0), r"LSTM `dropout` must be a float in \[0, 1\), got 1.0"),
    (lambda: GRU(4, recurrent_dropout=-0.1), r"GRU `recurrent_dropout` must be a float"),
    (lambda: LSTM(4, activation="nope"), r"Unknown activation 'nope'"),
    (lambda: LSTM(4, recurrent_initializer="nope"), r"nope"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unsupported_keras_options_say_so():
    assert LSTM(4, return_state=True).multi_output  # supported: [output, h, c]
    assert GRU(4, stateful=True).stateful  # supported: states carried between calls


def test_two_dimensional_input_is_a_clear_error():
    model = Sequential([LSTM(8)])
    with pytest.raises(ValueError, match=r"LSTM 'lstm_1' expects inputs of shape "
                                         r"\(batch, timesteps, features\), got \(None, 28\)"):
        model.build((None, 28))
    layer = LSTM(8, name="lstm_1")
    with pytest.raises(ValueError, match=r"LSTM 'lstm_1' expects inputs of shape "
                                         r"\(batch, timesteps, features\), got \(32, 28\)"):
        layer(np.zeros((32, 28), np.float32))
    layer(np.zeros((2, 28, 3), np.float32))
    with pytest.raises(ValueError, match=r"built for 3 features per step, but received "
                                         r"inputs of shape \(2, 28, 4\)"):
        layer.forward(np.zeros((2, 28, 4), np.float32))
    with pytest.raises(ValueError, match=r"got \(32, 28\)"):
        layer.forward(np.zeros((32, 28), np.float32))


# ---------------------------------------------------------------- config, saving
def test_config_round_trip():
    layers = [
        SimpleRNN(5, activation="relu", use_bias=False, return_sequences=True,
                  kernel_regularizer="l2", name="s"),
        LSTM(4, recurrent_activation="tanh",
             unit_forget_bias=False, dropout=0.1, recurrent_dropout=0.2, seed=7,
             go_backwards=True, recurrent_regularizer="l1", bias_initializer="ones"),
        GRU(3, reset_after=False, kernel_initializer="he_normal", bias_regularizer="l2"),
    ]
    for layer in layers:
        clone = deserialize_layer(serialize_layer(layer))
        assert type(clone) is type(layer)
        assert clone.get_config() == layer.get_config()


def test_save_and_load_model(tmp_path, rng):
    model = Sequential([GRU(6, return_sequences=True, input_shape=(7, 3)), LSTM(5),
                        Dense(2)], seed=1)
    model.compile(Adam(0.01), "mse")
    x = rng.standard_normal((16, 7, 3)).astype(np.float32)
    model.fit(x, rng.standard_normal((16, 2)), epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "rnn.npz")
    loaded = load_model(tmp_path / "rnn.npz")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [type(layer).__name__ for layer in loaded.layers] == ["GRU", "LSTM", "Dense"]


# ---------------------------------------------------------------- a task that needs memory
def _flagged_value_task(n, steps, rng):
    """Label = sign of the value at the one flagged step (among the first 10)."""
    x = np.zeros((n, steps, 2), np.float32)
    x[:, :, 0] = rng.standard_normal((n, steps))
    p = rng.integers(0, 10, n)
    x[np.arange(n), p, 1] = 1.0
    return x, (x[np.arange(n), p, 0] > 0).astype(np.float32)


def test_lstm_remembers_where_simple_rnn_cannot():
    """A gate is needed to store the flagged value and ignore the 20+ values after it."""
    rng = np.random.default_rng(0)
    x, y = _flagged_value_task(2048, 30, rng)
    x_test, y_test = _flagged_value_task(1000, 30, rng)
    accuracy = {}
    for cls in (SimpleRNN, LSTM):
        model = Sequential([cls(16, input_shape=(30, 2)), Dense(1, activation="sigmoid")],
                           seed=0)
        model.compile(Adam(0.005), "binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y, batch_size=32, epochs=10, verbose=0)
        accuracy[cls.__name__] = model.evaluate(x_test, y_test, verbose=0)[1]
    assert accuracy["LSTM"] > 0.9, accuracy
    assert accuracy["SimpleRNN"] < 0.7, accuracy
