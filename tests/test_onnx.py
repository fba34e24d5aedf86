"""glassnet.onnx.export: the ONNX graph run by onnxruntime predicts what model.predict does."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="ONNX export needs the onnx package")
ort = pytest.importorskip("onnxruntime", reason="the exported graphs are checked with onnxruntime")

import glassnet.layers as gl  # noqa: E402
import glassnet.onnx  # noqa: E402
from glassnet import activations  # noqa: E402
from glassnet.layers.base import Layer  # noqa: E402
from glassnet.models import Model, Sequential  # noqa: E402


def need(*names: str) -> list[type]:
    missing = [n for n in names if not hasattr(gl, n)]
    if missing:
        pytest.skip(f"glassnet.layers lacks {missing} so far")
    return [getattr(gl, n) for n in names]


def perturb(model, rng) -> None:
    model.set_weights([rng.normal(0, 0.4, w.shape) for w in model.get_weights()])
    for layer in model.layers:
        for inner in getattr(layer, "block", [layer]):
            if "moving_variance" in inner.state:
                var = inner.state["moving_variance"]
                var[...] = rng.uniform(0.5, 2.0, var.shape)


def run_onnx(path, x: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # the machine is shared
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x.astype(np.float32)})[0]


def check_export(model, x: np.ndarray, tmp_path, opset: int = glassnet.onnx.DEFAULT_OPSET,
                 rtol: float = 1e-5) -> None:
    path = tmp_path / "model.onnx"
    proto = glassnet.onnx.export(model, path, opset=opset)
    assert proto.opset_import[0].version == opset
    expected = model.predict(x)
    for batch in (x, x[:1]):  # the batch axis is dynamic
        got = run_onnx(path, batch)
        scale = max(float(np.abs(expected).max()), 1.0)
        np.testing.assert_allclose(got, model.predict(batch), rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize("act", ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu",
                                 "softplus", "swish", "gelu", "leaky_relu",
                                 activations.GELU(approximate=True), activations.ELU(alpha=0.3),
                                 activations.LeakyReLU(alpha=0.05)],
                         ids=lambda a: a if isinstance(a, str) else f"{a.name}-{a.get_config()}")
def test_dense_and_activations(tmp_path, rng, act):
    model = Sequential([gl.Dense(6, activation=act, input_dim=4), gl.Dropout(0.5),
                        gl.Dense(3), gl.Activation(act)], seed=0)
    model.build()
    perturb(model, rng)
    check_export(model, rng.normal(0, 2, size=(5, 4)), tmp_path)


def test_dense_on_sequences_reshape_flatten(tmp_path, rng):
    model = Sequential([gl.Reshape((3, 4), input_shape=(12,)), gl.Dense(5, activation="tanh"),
                        gl.Flatten(), gl.Reshape((-1, 3)), gl.Flatten(), gl.Dense(2)], seed=1)
    model.build()
    perturb(model, rng)
    check_export(model, rng.normal(size=(4, 12)), tmp_path)


@pytest.mark.parametrize("opset", [13, 17, 18, 20])
def test_cnn(tmp_path, rng, opset):
    conv, maxpool, avgpool, bn, gap, gmp, pad = need(
        "Conv2D", "MaxPooling2D", "AveragePooling2D", "BatchNormalization",
        "GlobalAveragePooling2D", "GlobalMaxPooling2D", "ZeroPadding2D")
    inp = gl.Input(shape=(9, 8, 2))
    h = conv(4, 3, padding="same", strides=2, activation="relu")(inp)
    h = bn()(h)
    h = pad(((1, 0), (2, 1)))(h)
    h = maxpool(3, strides=2, padding="same")(h)
    h = conv(3, (2, 3), dilation_rate=(1, 2), padding="same")(h)
    a = avgpool(2, strides=1, padding="same")(h)
    a = avgpool(3, strides=1, padding="same")(a)  # even 'same' padding: not counted
    e = avgpool(3, strides=2, padding="same")(a)  # uneven on the width: edges repeated
    g1, g2 = gap()(a), gmp()(e)
    flat = gl.Flatten()(conv(2, 1)(a))
    out = gl.Dense(3, activation="softmax")(gl.Concatenate()([g1, g2, flat]))
    model = Model(inp, out, seed=2)
    model.build()
    perturb(model, rng)
    check_export(model, rng.normal(size=(3, 9, 8, 2)), tmp_path, opset=opset)


def test_flatten_after_conv_keeps_channels_last_order(tmp_path, rng):
    (conv,) = need("Conv2D")
    model = Sequential([conv(3, 2, input_shape=(4, 5, 2)), gl.Flatten(), gl.Dense(4)], seed=3)
    model.build()
    perturb(model, rng)
    check_export(model, rng.normal(size=(2, 4, 5, 2)), tmp_path)


def test_batch_and_layer_normalization(tmp_path, rng):
    bn, ln = need("BatchNormalization", "LayerNormalization")
    model = Sequential([gl.Reshape((3, 4), input_shape=(12,)), bn(axis=1, epsilon=1e-2),
                        ln(axis=[1, 2]), ln(epsilon=1e-5, center=False), bn(scale=False),
                        gl.Flatten()], seed=4)
    model.build()
    perturb(model, rng)
    check_export(model, rng.normal(1, 2, size=(6, 12)), tmp_path)


@pytest.mark.parametrize("opset", [13, 17])
def test_recurrent(tmp_path, rng, opset):
    emb, lstm, gru, rnn = need("Embedding", "LSTM", "GRU", "SimpleRNN")
    model = Sequential([emb(15, 4, input_shape=(6,)), lstm(5, return_sequences=True),
                        gru(4, return_sequences=True, go_backwards=True),
                        gru(4, reset_after=False, return_sequences=True),
                        lstm(3, go_backwards=True, return_sequences=True),
                        rnn(3, activation="relu", return_sequences=True),
                        gru(3, use_bias=False), gl.Dense(2)], seed=5)
    model.build()
    perturb(model, rng)
    check_export(model, rng.integers(0, 15, size=(4, 6)).astype(np.float64), tmp_path,
                 opset=opset)


def test_merge_layers_and_residual(tmp_path, rng):
    inp = gl.Input(shape=(5,))
    a = gl.Dense(4, activation="tanh")(inp)
    b = gl.Dense(4)(inp)
    c = gl.Dense(4, activation="sigmoid")(inp)
    merged = gl.Concatenate()([gl.Add()([a, b, c]), gl.Subtract()([a, b]),
                               gl.Multiply()([a, b, c]), gl.Average()([b, c])])
    out = gl.Dense(2)(merged)
    model = Model(inp, out, seed=6)
    model.build()
    perturb(model, rng)
    check_export(model, rng.normal(size=(4, 5)), tmp_path)
    (residual,) = need("Residual")
    seq = Sequential([gl.Dense(6, input_dim=3), residual([gl.Dense(6, activation="relu"),
                                                          gl.Dense(6)]), gl.Dense(1)], seed=7)
    seq.build()
    perturb(seq, rng)
    check_export(seq, rng.normal(size=(3, 3)), tmp_path)


def test_float64_model_exports_as_float32(tmp_path, rng):
    model = Sequential([gl.Dense(3, activation="relu", input_dim=2)], seed=8, dtype="float64")
    model.build()
    check_export(model, rng.normal(size=(4, 2)), tmp_path)


class Mystery(Layer):
    def forward(self, x, training=False):
        return x

    def backward(self, grad_y):
        return grad_y


def test_unsupported_layers_and_options_are_named(tmp_path):
    model = Sequential([gl.Dense(3, input_dim=2), Mystery(name="mystery")])
    with pytest.raises(ValueError, match=r"Layer 'mystery' \(Mystery\) has no ONNX converter"):
        glassnet.onnx.export(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
    with pytest.raises(ValueError, match=r"`opset` must be an integer >= 13, got 11"):
        glassnet.onnx.export(Sequential([gl.Dense(2, input_dim=2)]), tmp_path / "m.onnx", opset=11)
    if hasattr(gl, "LSTM"):
        model = Sequential([gl.LSTM(2, activation="softplus", input_shape=(3, 2), name="odd")])
        with pytest.raises(ValueError, match=r"'odd' \(LSTM\): ONNX's LSTM has no activation"):
            glassnet.onnx.export(model, tmp_path / "m.onnx")
