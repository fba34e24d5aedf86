"""Keras 3's .keras format both ways, checked against real Keras (torch backend)."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5 (pip install h5py)")

import glassnet.layers as gl  # noqa: E402
from glassnet import activations, losses  # noqa: E402
from glassnet.models import Model, ModelFileError, Sequential, load_model  # noqa: E402
from glassnet.saving import KerasFormatError, to_snake_case  # noqa: E402


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 is the reference for the .keras format")
    if not keras.__version__.startswith("3."):
        pytest.skip(f"Keras 3 is needed, found {keras.__version__}")
    return keras


def need(*names: str) -> list[type]:
    missing = [n for n in names if not hasattr(gl, n)]
    if missing:
        pytest.skip(f"glassnet.layers lacks {missing} so far")
    return [getattr(gl, n) for n in names]


def keras_predict(keras, model, x: np.ndarray) -> np.ndarray:
    out = model(x.astype(np.float32), training=False)
    return out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)


def perturb(model, rng) -> None:
    """Random non-trivial weights (biases, gammas, moving statistics included)."""
    model.set_weights([rng.normal(0, 0.4, w.shape) for w in model.get_weights()])
    for layer in model.layers:
        if "moving_variance" in layer.state:  # variances must stay positive
            var = layer.state["moving_variance"]
            var[...] = rng.uniform(0.5, 2.0, var.shape)


# ------------------------------------------------------------------ glassnet -> Keras
def test_glassnet_mlp_loads_in_keras(keras, tmp_path, rng):
    model = Sequential([gl.Dense(8, activation="gelu", input_dim=5), gl.Dropout(0.2),
                        gl.Activation("swish"), gl.Reshape((2, 4)), gl.Flatten(),
                        gl.Activation(activations.LeakyReLU(alpha=0.1)),
                        gl.Dense(3, activation="softmax", kernel_regularizer="l2")], seed=0)
    model.build()
    perturb(model, rng)
    model.save(tmp_path / "mlp.keras")
    with zipfile.ZipFile(tmp_path / "mlp.keras") as zf:
        assert {"metadata.json", "config.json", "model.weights.h5"} <= set(zf.namelist())
        assert json.loads(zf.read("config.json"))["class_name"] == "Sequential"
    x = rng.normal(size=(7, 5))
    k = keras.saving.load_model(tmp_path / "mlp.keras")
    np.testing.assert_allclose(keras_predict(keras, k, x), model.predict(x), rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in k.layers] == [
        "Dense", "Dropout", "Activation", "Reshape", "Flatten", "LeakyReLU", "Dense"]


def test_glassnet_cnn_loads_in_keras(keras, tmp_path, rng):
    conv, maxpool, avgpool, bn, gap, pad = need("Conv2D", "MaxPooling2D", "AveragePooling2D",
                                                "BatchNormalization", "GlobalAveragePooling2D",
                                                "ZeroPadding2D")
    model = Sequential([conv(4, 3, padding="same", activation="relu", input_shape=(9, 8, 2)),
                        bn(), maxpool(2, padding="same"), pad(((1, 0), (0, 2))),
                        conv(3, (2, 3), strides=(2, 1), dilation_rate=1), avgpool(2, strides=1),
                        bn(momentum=0.9, epsilon=1e-2), gap(), gl.Dense(2)], seed=1)
    model.build()
    perturb(model, rng)
    model.save(tmp_path / "cnn.keras")
    k = keras.saving.load_model(tmp_path / "cnn.keras")
    x = rng.normal(size=(4, 9, 8, 2))
    np.testing.assert_allclose(keras_predict(keras, k, x), model.predict(x), rtol=1e-5, atol=1e-5)


def test_glassnet_rnn_loads_in_keras(keras, tmp_path, rng):
    emb, lstm, gru, rnn, ln = need("Embedding", "LSTM", "GRU", "SimpleRNN", "LayerNormalization")
    model = Sequential([emb(12, 4, input_shape=(6,)), lstm(5, return_sequences=True),
                        gru(4, return_sequences=True, go_backwards=True), ln(),
                        gru(3, reset_after=False, return_sequences=True), rnn(3), gl.Dense(2)],
                       seed=2)
    model.build()
    perturb(model, rng)
    model.save(tmp_path / "rnn.keras")
    k = keras.saving.load_model(tmp_path / "rnn.keras")
    x = rng.integers(0, 12, size=(5, 6)).astype(np.float64)
    np.testing.assert_allclose(keras_predict(keras, k, x), model.predict(x), rtol=1e-5, atol=1e-5)


def test_glassnet_functional_graph_loads_in_keras(keras, tmp_path, rng):
    """Parallel branches of the same depth: the weight groups must follow Keras's layer order."""
    inp = gl.Input(shape=(6,))
    a = gl.Dense(4, activation="tanh", name="branch_a")(inp)
    b = gl.Dense(5, activation="relu", name="branch_b")(inp)
    c = gl.Dense(4, name="branch_c")(b)
    merged = gl.Add()([a, c])
    joined = gl.Concatenate()([merged, b])
    deeper = gl.Dense(9)(gl.Dense(7)(inp))
    out = gl.Dense(3, activation="softmax")(gl.Multiply()([joined, deeper]))
    model = Model(inp, out)
    model.build()
    perturb(model, rng)
    model.save(tmp_path / "graph.keras")
    k = keras.saving.load_model(tmp_path / "graph.keras")
    x = rng.normal(size=(5, 6))
    np.testing.assert_allclose(keras_predict(keras, k, x), model.predict(x), rtol=1e-5, atol=1e-6)
    # ... and back: bit-identical weights (layer by layer: the file lists the layers in
    # Keras's order, not glassnet's) and predictions
    again = load_model(tmp_path / "graph.keras")
    for layer in model.layers:
        for w1, w2 in zip(again.get_layer(layer.name).get_weights(), layer.get_weights(),
                          strict=True):
            np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_compiled_glassnet_model_loads_in_keras_and_resumes_in_glassnet(keras, tmp_path, rng):
    """Keras loads it compiled (same optimizer, loss and metrics; its optimizer variables start
    fresh); glassnet also restores the optimizer slots from its own member."""
    model = Sequential([gl.Dense(4, activation="tanh", input_dim=3), gl.Dense(2)], seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "c.keras")
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        k = keras.saving.load_model(tmp_path / "c.keras")
    np.testing.assert_allclose(keras_predict(keras, k, x), model.predict(x), rtol=1e-5, atol=1e-6)
    assert k.compiled and type(k.optimizer).__name__ == "Adam"
    assert float(k.optimizer.learning_rate) == pytest.approx(model.optimizer.learning_rate)
    again = load_model(tmp_path / "c.keras")
    assert again.optimizer.iterations == model.optimizer.iterations == 2
    for a, b in zip(again.optimizer.get_state().values(), model.optimizer.get_state().values(),
                    strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ Keras -> glassnet
def _randomize_keras(model, rng):
    weights = []
    for v in model.weights:
        shape = tuple(v.shape)
        weights.append(rng.uniform(0.5, 2.0, shape) if "variance" in v.path
                       else rng.normal(0, 0.4, shape))
    model.set_weights([w.astype(np.float32) for w in weights])


def test_keras_sequential_loads_in_glassnet(keras, tmp_path, rng):
    need("Conv2D", "MaxPooling2D", "BatchNormalization", "GlobalMaxPooling2D")
    L = keras.layers
    k = keras.Sequential([
        keras.Input((8, 8, 3)), L.Conv2D(4, 3, padding="same", activation="relu"),
        L.BatchNormalization(), L.MaxPooling2D(2), L.Conv2D(5, 2, strides=2, padding="valid"),
        L.LeakyReLU(negative_slope=0.15), L.GlobalMaxPooling2D(), L.Dropout(0.3),
        L.Dense(6, activation="elu"), L.Dense(3, activation="softmax")])
    k.compile(optimizer="adam", loss="categorical_crossentropy")
    _randomize_keras(k, rng)
    k.save(tmp_path / "k.keras")
    model = load_model(tmp_path / "k.keras")
    x = rng.normal(size=(4, 8, 8, 3))
    np.testing.assert_allclose(model.predict(x), keras_predict(keras, k, x), rtol=1e-5, atol=1e-6)
    assert model.dtype == np.float32


def test_keras_functional_rnn_loads_in_glassnet(keras, tmp_path, rng):
    need("Embedding", "LSTM", "GRU", "SimpleRNN", "LayerNormalization")
    L = keras.layers
    inp = keras.Input((7,))
    e = L.Embedding(20, 4)(inp)
    s1 = L.LSTM(5, return_sequences=True)(e)
    s2 = L.GRU(5, return_sequences=True, go_backwards=True)(e)
    h = L.Concatenate()([s1, s2])
    h = L.LayerNormalization(epsilon=1e-4)(h)
    h = L.SimpleRNN(4, activation="relu")(h)
    h2 = L.Dense(4)(L.GRU(4, reset_after=False)(e))
    out = L.Dense(2)(L.Subtract()([h, h2]))
    k = keras.Model(inp, out)
    _randomize_keras(k, rng)
    k.save(tmp_path / "f.keras")
    model = load_model(tmp_path / "f.keras")
    x = rng.integers(0, 20, size=(3, 7)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), keras_predict(keras, k, x), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ what cannot be represented
def test_unrepresentable_glassnet_layers_are_named(tmp_path):
    residual = getattr(gl, "Residual", None)
    if residual is not None:
        model = Sequential([gl.Dense(4, input_dim=4), residual([gl.Dense(4)], name="res")])
        with pytest.raises(ValueError, match=r"Layer 'res' \(Residual\) cannot be saved"):
            model.save(tmp_path / "r.keras")
    model = Sequential([gl.Dense(4, activation=activations.GELU(approximate=True), input_dim=3,
                                 name="approx")])
    with pytest.raises(ValueError, match=r"Layer 'approx' \(Dense\).*gelu"):
        model.save(tmp_path / "g.keras")
    assert not (tmp_path / "g.keras").exists()  # nothing half-written


def test_unrepresentable_keras_layers_are_named(keras, tmp_path):
    L = keras.layers
    cases = [
        (keras.Sequential([keras.Input((5,)), L.Embedding(10, 3, embeddings_constraint="non_neg",
                                                          name="cd")]),
         r"'cd' \(Embedding\) uses `embeddings_constraint`"),
        (keras.Sequential([keras.Input((4, 4, 4, 1)), L.Conv3D(2, 2, name="c3")]),
         r"'c3' \(Conv3D\) has no glassnet counterpart"),
        (keras.Sequential([keras.Input((5,)), L.Dense(3, activation="sparsemax", name="sm")]),
         r"'sm' \(Dense\).*sparsemax"),
    ]
    if hasattr(gl, "Conv2D"):
        cases.append((keras.Sequential([keras.Input((5, 5, 4)), L.Conv2D(2, 2, groups=2, name="gc")]),
                      r"Conv2D 'gc' `groups` must be 1"))
    for k, pattern in cases:
        k.save(tmp_path / "bad.keras")
        with pytest.raises(KerasFormatError, match=pattern):
            load_model(tmp_path / "bad.keras")


def test_corrupt_keras_files_raise_model_file_errors(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(ModelFileError, match="not a readable .keras file"):
        load_model(bad)
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("config.json", "{}")
    with pytest.raises(KerasFormatError, match=r"lacks \['model.weights.h5'\]"):
        load_model(bad)
    with pytest.raises(ModelFileError, match="Cannot read"):
        load_model(tmp_path / "missing.keras")


def test_snake_case_matches_keras(keras):
    from keras.src.utils.naming import to_snake_case as keras_snake

    for name in ["Dense", "Conv2D", "MaxPooling2D", "SimpleRNN", "LSTM", "GRU", "LeakyReLU",
                 "BatchNormalization", "GlobalAveragePooling2D", "ZeroPadding2D", "InputLayer"]:
        assert to_snake_case(name) == keras_snake(name)


def test_huber_loss_matches_keras(keras):
    """Keras's Huber(delta) is glassnet's (and PyTorch's HuberLoss, see test_torch_reference)."""
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(8, 3)), rng.normal(size=(8, 3)) * 2
    for delta in (0.5, 1.0, 2.0):
        value = keras.losses.Huber(delta=delta)(y, p)
        expected = float(value.detach().cpu() if hasattr(value, "detach") else value)
        assert abs(losses.Huber(delta=delta)(y, p) - expected) <= 1e-6 * abs(expected)


# ------------------------------------------------------------------ hostile .keras files
def _small_keras_bytes(tmp_path) -> bytes:
    model = Sequential([gl.Dense(4, activation="relu", input_dim=3), gl.Dense(2)], seed=0)
    model.save(tmp_path / "small.keras")
    return (tmp_path / "small.keras").read_bytes()


def _rewrite(data: bytes, member: str, payload: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, payload if info.filename == member else src.read(info.filename))
    return out.getvalue()


def test_mutated_keras_files_load_or_raise_keras_format_error(tmp_path):
    """Random byte flips and truncations: a model, or KerasFormatError (a ModelFileError)."""
    good = _small_keras_bytes(tmp_path)
    rng = np.random.default_rng(0)
    path = tmp_path / "fuzz.keras"
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.integers(1, 9)):
            data[rng.integers(len(data))] = rng.integers(256)
        if rng.random() < 0.3:
            data = data[: rng.integers(len(data))]
        path.write_bytes(bytes(data))
        try:
            model = load_model(path)
        except KerasFormatError:
            outcomes["refused"] += 1
            continue
        assert model.predict(np.zeros((1, 3))).shape[0] == 1
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 100


def test_keras_config_claiming_10_to_the_12_units_is_refused_before_allocation(tmp_path):
    good = _small_keras_bytes(tmp_path)
    doc = json.loads(zipfile.ZipFile(io.BytesIO(good)).read("config.json"))
    doc["config"]["layers"][1]["config"]["units"] = 10**12
    (tmp_path / "huge.keras").write_bytes(_rewrite(good, "config.json", json.dumps(doc).encode()))
    with pytest.raises(KerasFormatError, match=r"axis of length 1000000000000.*corrupt or forged"):
        load_model(tmp_path / "huge.keras")


def test_keras_weights_claiming_10_to_the_12_items_are_refused_before_allocation(tmp_path):
    import h5py

    good = _small_keras_bytes(tmp_path)
    buf = io.BytesIO()
    with h5py.File(io.BytesIO(zipfile.ZipFile(io.BytesIO(good)).read("model.weights.h5")),
                   "r") as src, h5py.File(buf, "w") as dst:
        for name in src:
            src.copy(name, dst)
        del dst["layers/dense/vars/0"]
        dst["layers/dense/vars"].create_dataset("0", shape=(10**6, 10**6), dtype="f4")  # no data
    (tmp_path / "huge.keras").write_bytes(_rewrite(good, "model.weights.h5", buf.getvalue()))
    with pytest.raises(KerasFormatError, match=r"shape \(1000000, 1000000\).*more than the"):
        load_model(tmp_path / "huge.keras")
