"""More Keras 3 layers: finite differences in float64 (inputs and weights), PyTorch twins,
shapes with unknown sizes, weight names and order, bad arguments, and config and ``.keras``
round trips. (Keras from identical weights: tests/keras_parity/test_layers_more.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import layers as L
from glassnet.models import Sequential, load_model
from layer_referees import (
    assert_config_round_trip,
    assert_gradients,
    to_numpy,
    torch_module,
)


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def round_trip_keras_file(layers, shape, tmp_path, rng):
    """A Sequential model of ``layers`` predicts the same after ``save``/``load_model``
    through a ``.keras`` file; returns the loaded model."""
    pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    model = Sequential([L.Input(shape), *layers], seed=0)
    model.build()
    model.set_weights([w + rng.normal(0, 0.2, w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    x = rng.normal(size=(3, *shape)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    return loaded


# ------------------------------------------------------------ 1-D convolutions
TRANSPOSE_1D = [
    {"padding": "valid"},
    {"padding": "same", "strides": 2},
    {"padding": "valid", "strides": 3, "output_padding": 2, "activation": "tanh"},
    {"padding": "same", "dilation_rate": 2, "use_bias": False},
]
DEPTHWISE_1D = [
    {"padding": "valid"},
    {"padding": "same", "strides": 2, "depth_multiplier": 2},
    {"padding": "same", "dilation_rate": 2, "activation": "tanh"},
    {"padding": "valid", "use_bias": False, "depth_multiplier": 3},
]


@pytest.mark.parametrize("kwargs", TRANSPOSE_1D)
def test_conv1d_transpose_gradients(kwargs, rng):
    assert_gradients(L.Conv1DTranspose(4, 3, **kwargs), rng.normal(size=(2, 6, 3)))


@pytest.mark.parametrize("kwargs", DEPTHWISE_1D)
def test_depthwise_and_separable_conv1d_gradients(kwargs, rng):
    x = rng.normal(size=(2, 9, 3))
    assert_gradients(L.DepthwiseConv1D(3, **kwargs), x)
    assert_gradients(L.SeparableConv1D(4, 3, **kwargs), x)


def same_as_torch_conv1d(layer, conv, x, kernel_to_torch, rng):
    """``layer`` (float64, built) and the torch module ``conv`` with ``kernel_to_torch`` of
    the layer's kernel: the same outputs, ``dL/dx``, ``dL/dkernel`` and ``dL/dbias``."""
    torch = torch_module()
    kernel = layer.params["kernel"]
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel_to_torch(kernel))))
        conv.bias.copy_(torch.from_numpy(layer.params["bias"]))
    ours = layer.forward(x)
    xt = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)  # torch: (n, c, L)
    yt = conv(xt)
    np.testing.assert_allclose(ours, to_numpy(yt).transpose(0, 2, 1), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=ours.shape)
    yt.backward(torch.from_numpy(g.transpose(0, 2, 1).copy()))
    np.testing.assert_allclose(layer.backward(g), to_numpy(xt.grad).transpose(0, 2, 1),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kernel_to_torch(layer.grads["kernel"]),
                               to_numpy(conv.weight.grad), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], to_numpy(conv.bias.grad), rtol=1e-12)


def built64(layer, shape, rng):
    layer.dtype = np.dtype("float64")
    layer.build(shape, rng)
    return layer


@pytest.mark.parametrize("strides, output_padding", [(1, None), (2, None), (2, 1), (3, 2)])
def test_conv1d_transpose_matches_torch(strides, output_padding, rng):
    torch = torch_module()
    layer = built64(L.Conv1DTranspose(4, 3, strides=strides, output_padding=output_padding),
                    (5, 3), rng)
    conv = torch.nn.ConvTranspose1d(3, 4, 3, stride=strides, output_padding=output_padding or 0,
                                    dtype=torch.float64)
    # Keras's kernel (k, f, c); torch's (c, f, k)
    same_as_torch_conv1d(layer, conv, rng.normal(size=(2, 5, 3)),
                         lambda w: w.transpose(2, 1, 0), rng)


@pytest.mark.parametrize("multiplier, strides, dilation", [(1, 1, 1), (2, 2, 1), (3, 1, 2)])
def test_depthwise_conv1d_matches_grouped_torch_conv(multiplier, strides, dilation, rng):
    torch = torch_module()
    c, k = 3, 3
    layer = built64(L.DepthwiseConv1D(k, strides=strides, depth_multiplier=multiplier,
                                      dilation_rate=dilation), (10, c), rng)
    conv = torch.nn.Conv1d(c, c * multiplier, k, stride=strides, dilation=dilation, groups=c,
                           dtype=torch.float64)
    # Keras's kernel (k, c, m) (output channel c*m + j); torch's (c*m, 1, k)
    same_as_torch_conv1d(layer, conv, rng.normal(size=(2, 10, c)),
                         lambda w: w.transpose(1, 2, 0).reshape(c * multiplier, 1, k), rng)


def test_conv1d_views_weights_shapes_and_aliases(rng):
    t = L.Conv1DTranspose(5, 3)
    t.build((7, 2), rng)
    assert [(k, p.shape) for k, p in t.params.items()] == [("kernel", (3, 5, 2)), ("bias", (5,))]
    d = L.DepthwiseConv1D(3, depth_multiplier=2)
    d.build((7, 2), rng)
    assert [(k, p.shape) for k, p in d.params.items()] == [("kernel", (3, 2, 2)), ("bias", (4,))]
    s = L.SeparableConv1D(5, 3, depth_multiplier=2)
    s.build((7, 2), rng)
    assert [(k, p.shape) for k, p in s.params.items()] == [
        ("depthwise_kernel", (3, 2, 2)), ("pointwise_kernel", (1, 4, 5)), ("bias", (5,))]
    assert L.Convolution1DTranspose is L.Conv1DTranspose
    assert L.SeparableConvolution1D is L.SeparableConv1D
    assert t.output_shape((None, 2)) == (None, 5)
    assert L.Conv1DTranspose(5, 3, strides=2, padding="same").output_shape((6, 2)) == (12, 5)
    assert L.SeparableConv1D(5, 3, strides=2).output_shape((None, 2)) == (None, 5)
    assert L.DepthwiseConv1D(3, depth_multiplier=2).output_shape((7, 2)) == (5, 4)
    for layer in (t, d, s):
        assert_config_round_trip(layer)


def test_conv1d_views_bad_arguments_and_inputs(rng):
    with pytest.raises(ValueError, match="Conv1DTranspose `output_padding` must be smaller"):
        L.Conv1DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="DepthwiseConv1D `padding`"):
        L.DepthwiseConv1D(3, padding="causal")
    with pytest.raises(ValueError, match="DepthwiseConv1D.*dilation_rate"):
        L.DepthwiseConv1D(3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="SeparableConv1D `filters`"):
        L.SeparableConv1D(0, 3)
    with pytest.raises(ValueError, match="kernel spans 5 steps"):
        L.DepthwiseConv1D(5).output_shape((4, 2))
    layer = L.SeparableConv1D(2, 3)
    layer.build((6, 3), rng)
    with pytest.raises(ValueError, match=r"\(batch, steps, 3\)"):
        layer.forward(np.zeros((2, 6, 4), np.float32))


def test_conv1d_views_keras_file_round_trip(tmp_path, rng):
    round_trip_keras_file([L.Conv1DTranspose(4, 3, strides=2, padding="same"),
                           L.DepthwiseConv1D(3, depth_multiplier=2, activation="relu"),
                           L.SeparableConv1D(3, 2), L.GlobalAveragePooling1D()],
                          (6, 3), tmp_path, rng)


# ------------------------------------------------------------ AdditiveAttention
@pytest.mark.parametrize("use_scale", [True, False])
@pytest.mark.parametrize("with_key", [False, True])
def test_additive_attention_gradients(use_scale, with_key, rng):
    q, v, k = (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 2)),
               rng.normal(size=(2, 5, 4)))
    xs = [q, v, k] if with_key else [q, rng.normal(size=(2, 5, 4))]
    errors = assert_gradients(L.AdditiveAttention(use_scale=use_scale), xs)
    assert ("scale" in errors) == use_scale


def test_additive_attention_gradients_with_masks_dropout_and_scores(rng):
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    layer = L.AdditiveAttention(dropout=0.3, use_causal_mask=True, seed=1)
    assert_gradients(layer, [q, v], training=True)
    layer = L.AdditiveAttention()
    layer.dtype = np.dtype("float64")
    layer.build([q.shape[1:], v.shape[1:]], rng)
    out, scores = layer([q, v], mask=[None, np.array([[1, 1, 1, 0, 0]] * 2, bool)],
                        return_attention_scores=True)
    assert out.shape == (2, 3, 4) and scores.shape == (2, 3, 5)
    np.testing.assert_allclose(scores.sum(-1), 1.0)
    assert np.all(scores[:, :, 3:] == 0.0)


def test_additive_attention_weights_config_and_errors(rng):
    layer = L.AdditiveAttention()
    layer.build([(3, 4), (5, 4)], rng)
    assert [(k, p.shape) for k, p in layer.params.items()] == [("scale", (4,))]
    assert layer.output_shape([(None, 4), (None, 6), (None, 4)]) == (None, 6)
    clone = assert_config_round_trip(L.AdditiveAttention(use_scale=False, dropout=0.2))
    assert clone.use_scale is False and clone.dropout == 0.2
    with pytest.raises(ValueError, match="`dropout`"):
        L.AdditiveAttention(dropout=1.5)
    with pytest.raises(ValueError, match="same last dimension"):
        L.AdditiveAttention().build([(3, 4), (5, 3)], rng)


# ------------------------------------------------------------ RMSNormalization
@pytest.mark.parametrize("axis, shape", [(-1, (3, 5)), ([1, 2], (3, 4, 2)), (1, (3, 4, 2))])
def test_rms_normalization_gradients(axis, shape, rng):
    layer = L.RMSNormalization(axis=axis)
    layer.dtype = np.dtype("float64")
    layer.build(shape, rng)
    layer.params["scale"][...] = rng.normal(size=layer.params["scale"].shape)
    assert_gradients(layer, rng.normal(size=(2, *shape)))


def test_rms_normalization_matches_torch(rng):
    torch = torch_module()
    x = rng.normal(size=(3, 4, 6))
    layer = L.RMSNormalization(axis=[1, 2], epsilon=1e-5)
    layer.dtype = np.dtype("float64")
    layer.build((4, 6), rng)
    layer.params["scale"][...] = rng.normal(size=(4, 6))
    ours = layer.forward(x)
    xt = torch.tensor(x, requires_grad=True)
    weight = torch.tensor(layer.params["scale"], requires_grad=True)
    yt = torch.nn.functional.rms_norm(xt, (4, 6), weight, 1e-5)
    np.testing.assert_allclose(ours, to_numpy(yt), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=x.shape)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(layer.backward(g), to_numpy(xt.grad), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["scale"], to_numpy(weight.grad), rtol=1e-10)


def test_rms_normalization_weights_config_and_errors(rng, tmp_path):
    layer = L.RMSNormalization()
    layer.build((None, 5), rng)
    assert [(k, p.shape) for k, p in layer.params.items()] == [("scale", (5,))]
    assert np.all(layer.params["scale"] == 1.0) and layer.epsilon == 1e-6
    assert layer.output_shape((None, 5)) == (None, 5)
    assert_config_round_trip(L.RMSNormalization(axis=[1, 2], epsilon=1e-4))
    with pytest.raises(ValueError, match="RMSNormalization `axis`"):
        L.RMSNormalization(axis="last")
    with pytest.raises(ValueError, match="RMSNormalization 'r'.*`axis`=3"):
        L.RMSNormalization(axis=3, name="r").build((4, 5), rng)
    with pytest.raises(ValueError, match="RMSNormalization.*known sizes"):
        L.RMSNormalization(axis=1).build((None, 5), rng)
    round_trip_keras_file([L.Dense(6), L.RMSNormalization()], (4,), tmp_path, rng)


# ------------------------------------------------------------ EinsumDense
EINSUMS = [
    ("ab,bc->ac", 4, "c", (5,)),
    ("abc,cd->abd", (None, 4), "d", (3, 5)),
    ("abc,cde->abde", (None, 2, 3), "de", (3, 5)),
    ("abc,cde->abde", (3, 2, 4), "d", (3, 5)),
    ("...b,bc->...c", 4, "c", (2, 3, 5)),
    ("abc,bcd->ad", 6, None, (3, 5)),
]


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape", EINSUMS)
def test_einsum_dense_gradients(equation, output_shape, bias_axes, shape, rng):
    layer = L.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh")
    errors = assert_gradients(layer, rng.normal(size=(2, *shape)))
    assert ("bias" in errors) == (bias_axes is not None)


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape", EINSUMS)
def test_einsum_dense_matches_torch_einsum(equation, output_shape, bias_axes, shape, rng):
    torch = torch_module()
    layer = L.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    layer.dtype = np.dtype("float64")
    layer.build(shape, rng)
    weights = [rng.normal(size=w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    x = rng.normal(size=(2, *shape))
    xt = torch.tensor(x, requires_grad=True)
    wt = [torch.tensor(w, requires_grad=True) for w in weights]
    yt = torch.einsum(equation, xt, wt[0]) + (wt[1] if len(wt) > 1 else 0.0)
    ours = layer.forward(x)
    np.testing.assert_allclose(ours, to_numpy(yt), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=ours.shape)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(layer.backward(g), to_numpy(xt.grad), rtol=1e-12, atol=1e-12)
    for key, w in zip(layer.params, wt, strict=True):
        np.testing.assert_allclose(layer.grads[key], to_numpy(w.grad), rtol=1e-12, atol=1e-12)


def test_einsum_dense_shapes_config_and_errors(rng, tmp_path):
    layer = L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de")
    layer.build((None, 5), rng)
    assert [(k, p.shape) for k, p in layer.params.items()] == [("kernel", (5, 2, 3)),
                                                               ("bias", (2, 3))]
    assert layer.output_shape((None, 5)) == (None, 2, 3)
    assert L.EinsumDense("...b,bc->...c", 4).output_shape((None, 3, 6)) == (None, 3, 4)
    assert L.EinsumDense("abc,cd->abd", (None, 4)).output_shape((7, 6)) == (None, 4)
    assert_config_round_trip(L.EinsumDense("abc,cd->abd", (None, 4), bias_axes="d",
                                           activation="relu"))
    with pytest.raises(ValueError, match="EinsumDense `equation`"):
        L.EinsumDense("ab,bc", 4)
    with pytest.raises(ValueError, match="kernel axis 'z'"):
        L.EinsumDense("ab,bz->ac", 4)
    with pytest.raises(ValueError, match="EinsumDense `output_shape` must give the 2"):
        L.EinsumDense("abc,cd->abd", 4)
    with pytest.raises(ValueError, match="EinsumDense `bias_axes`"):
        L.EinsumDense("ab,bc->ac", 4, bias_axes="x")
    with pytest.raises(ValueError, match="expects inputs of rank 3"):
        L.EinsumDense("abc,cd->abd", (None, 4)).build((5,), rng)
    round_trip_keras_file([L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="e"),
                           L.EinsumDense("abcd,cde->abe", (None, 4), bias_axes="e")],
                          (3, 5), tmp_path, rng)


# ------------------------------------------------------------ adaptive pooling
ADAPTIVE = [("AdaptiveAveragePooling1D", (7, 3), 3), ("AdaptiveMaxPooling1D", (7, 3), 3),
            ("AdaptiveAveragePooling2D", (7, 5, 2), (3, 2)),
            ("AdaptiveMaxPooling2D", (7, 5, 2), (3, 4)), ("AdaptiveMaxPooling2D", (6, 6, 2), 3)]


@pytest.mark.parametrize("name, shape, size", ADAPTIVE)
def test_adaptive_pooling_gradients_and_torch(name, shape, size, rng):
    torch = torch_module()
    x = rng.normal(size=(2, *shape))
    assert_gradients(getattr(L, name)(size), x)
    layer = getattr(L, name)(size)
    layer.dtype = np.dtype("float64")
    layer.build(shape, rng)
    ours = layer.forward(x)
    rank = len(shape) - 1
    fn = getattr(torch.nn.functional, ("adaptive_avg_pool" if "Average" in name
                                       else "adaptive_max_pool") + f"{rank}d")
    xt = torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True)  # channels first
    yt = fn(xt, size)
    np.testing.assert_allclose(ours, np.moveaxis(to_numpy(yt), 1, -1), rtol=1e-12)
    g = rng.normal(size=ours.shape)
    yt.backward(torch.from_numpy(np.ascontiguousarray(np.moveaxis(g, -1, 1))))
    np.testing.assert_allclose(layer.backward(g), np.moveaxis(to_numpy(xt.grad), 1, -1),
                               rtol=1e-12, atol=1e-12)


def test_adaptive_pooling_shapes_config_and_errors(rng, tmp_path):
    assert L.AdaptiveMaxPooling2D((2, 3)).output_shape((None, None, 4)) == (2, 3, 4)
    assert L.AdaptiveAveragePooling1D(4).output_shape((None, 2)) == (4, 2)
    assert_config_round_trip(L.AdaptiveAveragePooling2D((2, 3)))
    assert L.AdaptiveMaxPooling1D(2).get_config()["output_size"] == [2]
    with pytest.raises(TypeError, match="AdaptiveMaxPooling2D `output_size`"):
        L.AdaptiveMaxPooling2D((2, 2, 2))
    with pytest.raises(ValueError, match=r"\(batch, height, width, channels\)"):
        L.AdaptiveAveragePooling2D(2).build((4, 3), rng)
    round_trip_keras_file([L.AdaptiveMaxPooling2D((3, 2)), L.AdaptiveAveragePooling2D(2),
                           L.Reshape((4, 2)), L.AdaptiveAveragePooling1D(3),
                           L.AdaptiveMaxPooling1D(2)], (7, 5, 2), tmp_path, rng)
