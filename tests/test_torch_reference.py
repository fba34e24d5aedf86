"""PyTorch as a numerical referee.

Every glassnet layer, activation, loss and optimizer that has a PyTorch twin is run side by
side with it in float64 on identical weights: forward outputs, ``dL/dx`` and every parameter
gradient must agree to 1e-9 relative (of the largest entry), and 50-step training trajectories
to 1e-8. Layout conversions (kernel vs ``weight.T``, NHWC vs NCHW, gate orders, TensorFlow's
asymmetric 'same' padding) are written out here, once, next to the comparison that proves them.
The table in docs/guarantees.md summarises what this file checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is the numerical referee; pip install glassnet[interop]")
F = torch.nn.functional

import glassnet.layers as gl  # noqa: E402
from glassnet import activations, losses, optimizers  # noqa: E402
from glassnet.models import Sequential  # noqa: E402

TOL = 1e-9  # layers, activations, losses
TRAJECTORY_TOL = 1e-8  # 50 optimizer steps


@pytest.fixture(autouse=True)
def _float64_torch():
    """float64 tensors by default and one thread (the machine is shared), restored after."""
    old_dtype, old_threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield
    torch.set_default_dtype(old_dtype)
    torch.set_num_threads(old_threads)


def need(name: str) -> type:
    """The glassnet layer class ``name``, or skip when this version of glassnet lacks it."""
    cls = getattr(gl, name, None)
    if cls is None:
        pytest.skip(f"glassnet.layers.{name} is not available")
    return cls


def assert_rel(actual, expected, tol: float = TOL, what: str = "") -> None:
    """max |actual - expected| <= tol * max |expected| (relative to the array's scale)."""
    a = np.asarray(actual.detach() if torch.is_tensor(actual) else actual, dtype=np.float64)
    e = np.asarray(expected.detach() if torch.is_tensor(expected) else expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    scale = max(float(np.max(np.abs(e))) if e.size else 0.0, 1e-300)
    err = float(np.max(np.abs(a - e))) / scale if e.size else 0.0
    assert err <= tol, f"{what}: relative error {err:.3e} > {tol:g}"


def t(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64))


def run_glassnet(layer, x: np.ndarray, upstream: np.ndarray, training: bool = False):
    """Build ``layer`` in float64, run forward and backward; ``(y, dL/dx, {param: grad})``."""
    if not layer.built:
        layer.dtype = np.dtype("float64")
        layer.build(x.shape[1:], np.random.default_rng(0))
    if layer.stochastic and layer.noise_rng is None:
        layer.noise_rng = np.random.default_rng(0)
    y = layer.forward(x.copy(), training=training).copy()
    if hasattr(layer, "input_grad_needed"):
        layer.input_grad_needed = True
    gx = layer.backward(upstream.copy())
    return y, gx, {k: g.copy() for k, g in layer.grads.items()}


def torch_vjp(fn, x: np.ndarray, upstream: np.ndarray, params: dict[str, torch.Tensor]):
    """``y = fn(x)`` in PyTorch and the gradients of ``sum(upstream * y)``."""
    xt = t(x).requires_grad_(True)
    for p in params.values():
        p.requires_grad_(True)
        p.grad = None
    y = fn(xt)
    (y * t(upstream)).sum().backward()
    return y.detach(), xt.grad, {k: p.grad for k, p in params.items()}


def randomize(layer, rng: np.random.Generator, scale: float = 0.5) -> None:
    """Random weights (biases and gammas included, so that no term hides behind a zero)."""
    for p in layer.params.values():
        p[...] = rng.normal(0.0, scale, p.shape)


# ============================================================================ Dense
@pytest.mark.parametrize("shape", [(5, 4), (3, 6, 4)], ids=["2d", "3d"])
def test_dense_matches_linear(rng, shape):
    layer = gl.Dense(3)
    x = rng.normal(size=shape)
    layer.dtype = np.dtype("float64")
    layer.build(shape[1:], rng)
    randomize(layer, rng)
    upstream = rng.normal(size=shape[:-1] + (3,))
    y, gx, grads = run_glassnet(layer, x, upstream)

    lin = torch.nn.Linear(4, 3)
    with torch.no_grad():
        lin.weight.copy_(t(layer.params["kernel"].T))  # torch stores W.T: (out, in)
        lin.bias.copy_(t(layer.params["bias"]))
    yt, gxt, gt = torch_vjp(lin, x, upstream, {"weight": lin.weight, "bias": lin.bias})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")
    assert_rel(grads["kernel"], gt["weight"].T, what="dL/dkernel")
    assert_rel(grads["bias"], gt["bias"], what="dL/dbias")


# ============================================================================ activations
ACTIVATIONS = [
    ("linear", lambda z: z),
    ("relu", F.relu),
    ("sigmoid", torch.sigmoid),
    ("tanh", torch.tanh),
    ("softmax", lambda z: F.softmax(z, dim=-1)),
    ("elu", F.elu),
    (activations.ELU(alpha=0.4), lambda z: F.elu(z, alpha=0.4)),
    ("selu", F.selu),
    ("softplus", F.softplus),
    ("swish", F.silu),
    ("gelu", lambda z: F.gelu(z, approximate="none")),
    (activations.GELU(approximate=True), lambda z: F.gelu(z, approximate="tanh")),
    ("leaky_relu", lambda z: F.leaky_relu(z, negative_slope=0.2)),
    (activations.LeakyReLU(alpha=0.05), lambda z: F.leaky_relu(z, negative_slope=0.05)),
]


@pytest.mark.parametrize("act, twin", ACTIVATIONS,
                         ids=[a if isinstance(a, str) else f"{a.name}-{a.get_config()}"
                              for a, _ in ACTIVATIONS])
def test_activation_matches_torch(rng, act, twin):
    x = rng.normal(0.0, 2.0, size=(6, 5))  # |x| < 20: below softplus's linear threshold
    upstream = rng.normal(size=x.shape)
    y, gx, _ = run_glassnet(gl.Activation(act), x, upstream)
    yt, gxt, _ = torch_vjp(twin, x, upstream, {})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")


def test_dense_with_activation_matches_linear_then_activation(rng):
    layer = gl.Dense(4, activation="gelu")
    x = rng.normal(size=(5, 3))
    layer.dtype = np.dtype("float64")
    layer.build((3,), rng)
    randomize(layer, rng)
    upstream = rng.normal(size=(5, 4))
    y, gx, grads = run_glassnet(layer, x, upstream)
    w, b = t(layer.params["kernel"]), t(layer.params["bias"])
    yt, gxt, gt = torch_vjp(lambda xt: F.gelu(xt @ w + b), x, upstream, {"kernel": w, "bias": b})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")
    for k in ("kernel", "bias"):
        assert_rel(grads[k], gt[k], what=f"dL/d{k}")


# ============================================================================ losses
def _probs(rng, shape):
    z = rng.normal(size=shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _loss_cases(rng):
    n, d, k = 6, 4, 5
    y_real = rng.normal(size=(n, d))
    p_real = y_real + rng.normal(size=(n, d))
    y_bin = (rng.random((n, d)) < 0.5).astype(float)
    p_bin = rng.uniform(0.05, 0.95, size=(n, d))
    z = rng.normal(size=(n, k)) * 2
    y_soft = _probs(rng, (n, k))  # soft labels: the full CE formula, not just one-hot
    labels = rng.integers(0, k, size=n)
    p = _probs(rng, (n, k)) * rng.uniform(0.5, 2.0, size=(n, 1))  # unnormalised on purpose
    z3, labels3 = rng.normal(size=(n, 3, k)), rng.integers(0, k, size=(n, 3))
    sw = rng.uniform(0.0, 2.0, size=n)
    return [
        ("mse", losses.MeanSquaredError(), y_real, p_real, None, lambda q, y: F.mse_loss(q, y)),
        ("mae", losses.MeanAbsoluteError(), y_real, p_real, None, lambda q, y: F.l1_loss(q, y)),
        ("huber", losses.Huber(delta=0.7), y_real, p_real, None,
         lambda q, y: F.huber_loss(q, y, delta=0.7)),
        ("bce", losses.BinaryCrossentropy(), y_bin, p_bin, None,
         lambda q, y: F.binary_cross_entropy(q, y)),
        ("bce_logits", losses.BinaryCrossentropy(from_logits=True), y_bin, p_real, None,
         lambda q, y: F.binary_cross_entropy_with_logits(q, y)),
        # log_softmax(log p) = log(p / sum p): Keras's renormalisation, exactly.
        ("cce_probs", losses.CategoricalCrossentropy(), y_soft, p, None,
         lambda q, y: F.cross_entropy(torch.log(q), y)),
        ("cce_logits", losses.CategoricalCrossentropy(from_logits=True), y_soft, z, None,
         lambda q, y: F.cross_entropy(q, y)),
        ("scce_probs", losses.SparseCategoricalCrossentropy(), labels, p, None,
         lambda q, y: F.cross_entropy(torch.log(q), y.long())),
        ("scce_logits", losses.SparseCategoricalCrossentropy(from_logits=True), labels, z, None,
         lambda q, y: F.cross_entropy(q, y.long())),
        ("scce_logits_nll", losses.SparseCategoricalCrossentropy(from_logits=True), labels, z,
         None, lambda q, y: F.nll_loss(F.log_softmax(q, dim=-1), y.long())),
        ("scce_sequence", losses.SparseCategoricalCrossentropy(from_logits=True), labels3, z3,
         None, lambda q, y: F.cross_entropy(q.reshape(-1, k), y.reshape(-1).long())),
        ("mse_weighted", losses.MeanSquaredError(), y_real, p_real, sw,
         lambda q, y: ((q - y) ** 2).mean(dim=1).mul(t(sw)).sum() / n),
    ]


@pytest.mark.parametrize("case", range(12), ids=[
    "mse", "mae", "huber", "bce", "bce_logits", "cce_probs", "cce_logits", "scce_probs",
    "scce_logits", "scce_logits_nll", "scce_sequence", "mse_weighted"])
def test_loss_value_and_gradient_match_torch(case):
    name, loss, y, p, sw, twin = _loss_cases(np.random.default_rng(7))[case]
    value = loss(y, p, sw)
    grad = loss.gradient(y, p, sw)
    pt = t(p).requires_grad_(True)
    vt = twin(pt, t(y))
    vt.backward()
    assert_rel(value, vt, what=f"{name} value")
    assert_rel(grad, pt.grad, what=f"{name} dL/dy_pred")


@pytest.mark.parametrize("kind", ["softmax_cce", "softmax_scce", "sigmoid_bce"])
def test_fused_output_gradient_matches_torch_logits(rng, kind):
    """The shortcut ``dL/dz = p - y`` (softmax/sigmoid fused into CE) is the true gradient."""
    z = rng.normal(size=(6, 4)) * 2
    if kind == "sigmoid_bce":
        y = (rng.random((6, 4)) < 0.5).astype(float)
        loss, probs = losses.BinaryCrossentropy(), activations.get("sigmoid")(z)
        twin = F.binary_cross_entropy_with_logits
    elif kind == "softmax_cce":
        y = _probs(rng, (6, 4))
        loss, probs = losses.CategoricalCrossentropy(), activations.get("softmax")(z)
        twin = F.cross_entropy
    else:
        y = rng.integers(0, 4, size=6)
        loss, probs = losses.SparseCategoricalCrossentropy(), activations.get("softmax")(z)
        twin = lambda q, yy: F.cross_entropy(q, yy.long())  # noqa: E731
    value, grad = loss.value_and_logit_gradient(loss.prepare_targets(y, probs.shape), probs)
    zt = t(z).requires_grad_(True)
    vt = twin(zt, t(y))
    vt.backward()
    assert_rel(value, vt, what="value")
    assert_rel(grad, zt.grad, what="dL/dz")


def test_huber_matches_torch_huber_loss():
    """PyTorch's HuberLoss(delta) is Keras's Huber(delta): 0.5 e^2 inside, delta (|e| - delta/2)
    outside (test_keras_format checks glassnet's against Keras itself)."""
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(8, 3)), rng.normal(size=(8, 3)) * 2
    for delta in (0.3, 1.0, 2.5):
        assert_rel(losses.Huber(delta=delta)(y, p), F.huber_loss(t(p), t(y), delta=delta))


# ============================================================================ Conv2D
def tf_same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same': ``ceil(size / stride)`` outputs, the odd pixel at the end."""
    eff = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def nhwc_to_nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


def nchw_to_nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1)


CONV_CASES = [  # (h, w, c, filters, kernel, strides, padding, dilation, activation)
    (6, 7, 2, 3, (3, 3), (1, 1), "valid", (1, 1), None),
    (7, 7, 2, 3, (3, 3), (2, 2), "same", (1, 1), None),
    (6, 5, 3, 2, (2, 3), (2, 1), "same", (1, 1), "relu"),
    (8, 8, 1, 2, (3, 3), (1, 1), "same", (2, 2), "tanh"),
    (9, 6, 2, 2, (4, 4), (3, 3), "same", (1, 1), None),
    (5, 5, 2, 4, (1, 1), (1, 1), "valid", (1, 1), None),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[f"conv{i}" for i in range(len(CONV_CASES))])
def test_conv2d_matches_torch(rng, case):
    conv2d = need("Conv2D")
    h, w, c, f, k, s, padding, d, act = case
    layer = conv2d(f, k, strides=s, padding=padding, dilation_rate=d, activation=act)
    x = rng.normal(size=(2, h, w, c))
    layer.dtype = np.dtype("float64")
    layer.build((h, w, c), rng)
    randomize(layer, rng)
    upstream = rng.normal(size=(2, *layer.output_shape((h, w, c))))
    y, gx, grads = run_glassnet(layer, x, upstream)

    weight = t(layer.params["kernel"]).permute(3, 2, 0, 1).contiguous()  # (kh,kw,c,f) -> (f,c,kh,kw)
    bias = t(layer.params["bias"])
    pads = (*tf_same_pads(w, k[1], s[1], d[1]), *tf_same_pads(h, k[0], s[0], d[0])) \
        if padding == "same" else (0, 0, 0, 0)
    twin_act = {None: lambda v: v, "relu": F.relu, "tanh": torch.tanh}[act]

    def twin(xt):
        xp = F.pad(nhwc_to_nchw(xt), pads)  # (left, right, top, bottom): may be asymmetric
        return nchw_to_nhwc(twin_act(F.conv2d(xp, weight, bias, stride=s, dilation=d)))

    yt, gxt, gt = torch_vjp(twin, x, upstream, {"weight": weight, "bias": bias})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")
    assert_rel(grads["kernel"], gt["weight"].permute(2, 3, 1, 0), what="dL/dkernel")
    assert_rel(grads["bias"], gt["bias"], what="dL/dbias")


# ============================================================================ pooling
POOL_CASES = [  # (cls, h, w, pool, strides, padding)
    ("MaxPooling2D", 6, 6, (2, 2), None, "valid"),
    ("MaxPooling2D", 7, 5, (3, 3), (2, 2), "same"),
    ("MaxPooling2D", 7, 7, (2, 3), (1, 2), "valid"),
    ("AveragePooling2D", 6, 6, (2, 2), None, "valid"),
    ("AveragePooling2D", 7, 5, (3, 3), (2, 2), "same"),
    ("AveragePooling2D", 5, 8, (2, 2), (1, 3), "same"),
    ("AveragePooling2D", 6, 7, (3, 3), (2, 2), "same"),  # uneven padding on the height
]


@pytest.mark.parametrize("case", POOL_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(POOL_CASES)])
def test_pooling_matches_torch(rng, case):
    name, h, w, pool, strides, padding = case
    layer = need(name)(pool_size=pool, strides=strides, padding=padding)
    stride = strides or pool
    x = rng.normal(size=(2, h, w, 3))  # continuous values: no ties for max pooling
    upstream = rng.normal(size=(2, *layer.output_shape((h, w, 3))))
    y, gx, _ = run_glassnet(layer, x, upstream)
    pads = (*tf_same_pads(w, pool[1], stride[1]), *tf_same_pads(h, pool[0], stride[0])) \
        if padding == "same" else (0, 0, 0, 0)

    def twin(xt):
        xc = nhwc_to_nchw(xt)
        if name == "MaxPooling2D":  # TF pads with -inf: padding never wins the max
            out = F.max_pool2d(F.pad(xc, pads, value=-math.inf), pool, stride)
        elif pads[0] != pads[1] or pads[2] != pads[3]:  # Keras on torch: edges repeated
            out = F.avg_pool2d(F.pad(xc, pads, mode="replicate"), pool, stride)
        else:  # padding on both sides alike: real pixels only (padding is not counted)
            total = F.avg_pool2d(F.pad(xc, pads), pool, stride, divisor_override=1)
            count = F.avg_pool2d(F.pad(torch.ones_like(xc), pads), pool, stride, divisor_override=1)
            out = total / count
        return nchw_to_nhwc(out)

    yt, gxt, _ = torch_vjp(twin, x, upstream, {})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")


@pytest.mark.parametrize("name", ["GlobalAveragePooling2D", "GlobalMaxPooling2D"])
def test_global_pooling_matches_torch(rng, name):
    layer = need(name)()
    x = rng.normal(size=(3, 4, 5, 2))
    upstream = rng.normal(size=(3, 2))
    y, gx, _ = run_glassnet(layer, x, upstream)
    reduce = (lambda v: v.mean(dim=(1, 2))) if "Average" in name else (lambda v: v.amax(dim=(1, 2)))
    yt, gxt, _ = torch_vjp(reduce, x, upstream, {})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")


@pytest.mark.parametrize("padding", [1, (2, 0), ((1, 2), (0, 3))], ids=["int", "pair", "pairs"])
def test_zero_padding_matches_torch(rng, padding):
    layer = need("ZeroPadding2D")(padding)
    x = rng.normal(size=(2, 3, 4, 2))
    upstream = rng.normal(size=(2, *layer.output_shape((3, 4, 2))))
    y, gx, _ = run_glassnet(layer, x, upstream)
    (t_, b), (l_, r) = layer.padding
    yt, gxt, _ = torch_vjp(lambda v: F.pad(v, (0, 0, l_, r, t_, b)), x, upstream, {})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")


MERGES = [("Add", lambda xs: xs[0] + xs[1] + xs[2]), ("Subtract", lambda xs: xs[0] - xs[1]),
          ("Multiply", lambda xs: xs[0] * xs[1] * xs[2]), ("Average", lambda xs: sum(xs) / len(xs)),
          ("Concatenate", lambda xs: torch.cat(xs, dim=-1))]


@pytest.mark.parametrize("name, twin", MERGES, ids=[m[0] for m in MERGES])
def test_merge_layers_match_torch(rng, name, twin):
    layer = need(name)()
    n = 2 if name == "Subtract" else 3
    xs = [rng.normal(size=(4, 5)) for _ in range(n)]
    layer.dtype = np.dtype("float64")
    layer.build([x.shape[1:] for x in xs], rng)
    y = layer.forward([x.copy() for x in xs])
    upstream = rng.normal(size=y.shape)
    gxs = layer.backward(upstream)
    xts = [t(x).requires_grad_(True) for x in xs]
    yt = twin(xts)
    (yt * t(upstream)).sum().backward()
    assert_rel(y, yt, what="y")
    for i, (g, xt) in enumerate(zip(gxs, xts, strict=True)):
        assert_rel(g, xt.grad, what=f"dL/dx{i}")


# ============================================================================ normalization
@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 3, 2)], ids=["dense", "image"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "infer"])
def test_batch_normalization_matches_torch(rng, shape, training):
    """Both modes; Keras's momentum 0.99 is PyTorch's momentum 0.01 (the weight of the batch).

    What is comparable and what is not: forward and all gradients agree in both modes (the
    batch variance that *normalises* is the biased one in both libraries). The moving mean
    agrees; the moving variance does not, by design: PyTorch averages the unbiased batch
    variance ``m/(m-1) var``, Keras and glassnet the biased ``var``. Checked explicitly below.
    """
    bn_cls = need("BatchNormalization")
    layer = bn_cls(momentum=0.99, epsilon=1e-3)
    c = shape[-1]
    layer.dtype = np.dtype("float64")
    layer.build(shape[1:], rng)
    randomize(layer, rng)
    layer.params["gamma"] += 1.0
    mm0, mv0 = rng.normal(size=c), rng.uniform(0.5, 2.0, size=c)
    layer.state["moving_mean"][...] = mm0
    layer.state["moving_variance"][...] = mv0
    x = rng.normal(1.0, 2.0, size=shape)
    upstream = rng.normal(size=shape)
    y, gx, grads = run_glassnet(layer, x, upstream, training=training)

    tbn = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(c, eps=1e-3, momentum=0.01)
    with torch.no_grad():
        tbn.weight.copy_(t(layer.params["gamma"]))
        tbn.bias.copy_(t(layer.params["beta"]))
        tbn.running_mean.copy_(t(mm0))
        tbn.running_var.copy_(t(mv0))
    tbn.train(training)
    if len(shape) == 2:
        twin = tbn
    else:
        def twin(xt):
            return nchw_to_nhwc(tbn(nhwc_to_nchw(xt)))
    yt, gxt, gt = torch_vjp(twin, x, upstream, {"gamma": tbn.weight, "beta": tbn.bias})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")
    assert_rel(grads["gamma"], gt["gamma"], what="dL/dgamma")
    assert_rel(grads["beta"], gt["beta"], what="dL/dbeta")
    assert_rel(layer.state["moving_mean"], tbn.running_mean, what="moving_mean")
    if training:
        flat = x.reshape(-1, c)
        m = len(flat)
        biased = flat.var(axis=0)
        assert_rel(layer.state["moving_variance"], 0.99 * mv0 + 0.01 * biased, what="Keras moving var")
        assert_rel(tbn.running_var, 0.99 * mv0 + 0.01 * biased * m / (m - 1), what="torch running var")
    else:
        assert_rel(layer.state["moving_variance"], tbn.running_var, what="moving_variance")


@pytest.mark.parametrize("shape", [(5, 6), (3, 4, 6)], ids=["2d", "3d"])
def test_layer_normalization_matches_torch(rng, shape):
    layer = need("LayerNormalization")(epsilon=1e-3)
    layer.dtype = np.dtype("float64")
    layer.build(shape[1:], rng)
    randomize(layer, rng)
    x = rng.normal(0.5, 2.0, size=shape)
    upstream = rng.normal(size=shape)
    y, gx, grads = run_glassnet(layer, x, upstream)
    ln = torch.nn.LayerNorm(shape[-1], eps=1e-3)
    with torch.no_grad():
        ln.weight.copy_(t(layer.params["gamma"]))
        ln.bias.copy_(t(layer.params["beta"]))
    yt, gxt, gt = torch_vjp(ln, x, upstream, {"gamma": ln.weight, "beta": ln.bias})
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")
    assert_rel(grads["gamma"], gt["gamma"], what="dL/dgamma")
    assert_rel(grads["beta"], gt["beta"], what="dL/dbeta")


# ============================================================================ recurrent
RNN_OPTIONS = [(False, False), (True, False), (False, True), (True, True)]
RNN_IDS = ["last", "sequences", "backwards", "sequences-backwards"]


def _rnn_twin(module, return_sequences: bool, go_backwards: bool):
    def twin(xt):
        if go_backwards:  # Keras reads the sequence reversed and returns that (reversed) order
            xt = torch.flip(xt, dims=[1])
        out, _ = module(xt)
        return out if return_sequences else out[:, -1]
    return twin


def _check_rnn(rng, layer, module, to_torch, from_torch, return_sequences, units):
    n, steps, feat = 3, 5, 4
    layer.dtype = np.dtype("float64")
    layer.build((steps, feat), rng)
    randomize(layer, rng)
    x = rng.normal(size=(n, steps, feat))
    upstream = rng.normal(size=(n, steps, units) if return_sequences else (n, units))
    y, gx, grads = run_glassnet(layer, x, upstream)
    params = to_torch(layer.params)
    yt, gxt, gt = torch_vjp(_rnn_twin(module, return_sequences, layer.go_backwards), x,
                            upstream, params)
    assert_rel(y, yt, what="y")
    assert_rel(gx, gxt, what="dL/dx")
    for key, value in from_torch(gt).items():
        assert_rel(grads[key], value, what=f"dL/d{key}")


def _load(module, tensors: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        for name, value in tensors.items():
            getattr(module, name).copy_(t(value))
    return {name: getattr(module, name) for name in tensors}


@pytest.mark.parametrize("options", RNN_OPTIONS, ids=RNN_IDS)
def test_simple_rnn_matches_torch(rng, options):
    seqs, backwards = options
    units = 3
    layer = need("SimpleRNN")(units, return_sequences=seqs, go_backwards=backwards)
    module = torch.nn.RNN(4, units, batch_first=True, nonlinearity="tanh")

    def to_torch(p):  # torch has two biases; the second is zero and gets the same gradient
        return _load(module, {"weight_ih_l0": p["kernel"].T, "weight_hh_l0": p["recurrent_kernel"].T,
                              "bias_ih_l0": p["bias"], "bias_hh_l0": np.zeros(units)})

    def from_torch(g):
        return {"kernel": g["weight_ih_l0"].T, "recurrent_kernel": g["weight_hh_l0"].T,
                "bias": g["bias_ih_l0"]}

    _check_rnn(rng, layer, module, to_torch, from_torch, seqs, units)


@pytest.mark.parametrize("options", RNN_OPTIONS, ids=RNN_IDS)
def test_lstm_matches_torch(rng, options):
    """Gate order i, f, c, o (Keras) = i, f, g, o (PyTorch): only transposes needed."""
    seqs, backwards = options
    units = 3
    layer = need("LSTM")(units, return_sequences=seqs, go_backwards=backwards)
    module = torch.nn.LSTM(4, units, batch_first=True)

    def to_torch(p):
        return _load(module, {"weight_ih_l0": p["kernel"].T, "weight_hh_l0": p["recurrent_kernel"].T,
                              "bias_ih_l0": p["bias"], "bias_hh_l0": np.zeros(4 * units)})

    def from_torch(g):
        return {"kernel": g["weight_ih_l0"].T, "recurrent_kernel": g["weight_hh_l0"].T,
                "bias": g["bias_ih_l0"]}

    _check_rnn(rng, layer, module, to_torch, from_torch, seqs, units)


@pytest.mark.parametrize("options", RNN_OPTIONS, ids=RNN_IDS)
def test_gru_matches_torch(rng, options):
    """reset_after=True is PyTorch's GRU; gate order z, r, h (Keras) vs r, z, n (PyTorch).

    ``reset_after=False`` (the original Cho et al. form) has no PyTorch twin; the gradient
    checks in test_layers cover it.
    """
    seqs, backwards = options
    u = 3
    layer = need("GRU")(u, return_sequences=seqs, go_backwards=backwards, reset_after=True)
    module = torch.nn.GRU(4, u, batch_first=True)
    swap = np.r_[u:2 * u, 0:u, 2 * u:3 * u]  # z,r,h <-> r,z,n (its own inverse)

    def to_torch(p):
        return _load(module, {"weight_ih_l0": p["kernel"].T[swap],
                              "weight_hh_l0": p["recurrent_kernel"].T[swap],
                              "bias_ih_l0": p["bias"][0][swap], "bias_hh_l0": p["bias"][1][swap]})

    def from_torch(g):
        return {"kernel": g["weight_ih_l0"][swap].T, "recurrent_kernel": g["weight_hh_l0"][swap].T,
                "bias": torch.stack([g["bias_ih_l0"][swap], g["bias_hh_l0"][swap]])}

    _check_rnn(rng, layer, module, to_torch, from_torch, seqs, u)


def test_embedding_matches_torch(rng):
    layer = need("Embedding")(7, 3)
    ids = rng.integers(0, 7, size=(4, 6)).astype(np.float64)  # repeats: the scatter-add is tested
    layer.dtype = np.dtype("float64")
    layer.build(ids.shape[1:], rng)
    randomize(layer, rng)
    upstream = rng.normal(size=(4, 6, 3))
    y, _, grads = run_glassnet(layer, ids, upstream)
    emb = torch.nn.Embedding(7, 3)
    with torch.no_grad():
        emb.weight.copy_(t(layer.params["embeddings"]))
    emb.weight.grad = None
    out = emb(torch.tensor(ids.astype(np.int64)))
    (out * t(upstream)).sum().backward()
    assert_rel(y, out, what="y")
    assert_rel(grads["embeddings"], emb.weight.grad, what="dL/dembeddings")


# ============================================================================ trajectories
# glassnet follows Keras 3, which places `epsilon` differently from PyTorch (inside the root
# for RMSprop and Adagrad, beside the uncorrected sqrt(v) for Adam: see the optimizers'
# Notes). With a negligible epsilon both formulas are the same function, so the trajectories
# below compare everything else to 1e-8; tests/keras_parity checks Keras's epsilon itself.
EPS = 1e-30

def _torch_optimizer(name: str, params):
    o = torch.optim
    return {
        "sgd": lambda: o.SGD(params, lr=0.1),
        "sgd_momentum": lambda: o.SGD(params, lr=0.05, momentum=0.9),
        "sgd_nesterov": lambda: o.SGD(params, lr=0.05, momentum=0.9, nesterov=True),
        "rmsprop": lambda: o.RMSprop(params, lr=0.01, alpha=0.9, eps=EPS),
        "rmsprop_centered": lambda: o.RMSprop(params, lr=0.01, alpha=0.8, eps=EPS, centered=True),
        "rmsprop_momentum": lambda: o.RMSprop(params, lr=0.005, alpha=0.9, eps=EPS, momentum=0.7),
        "rmsprop_centered_momentum": lambda: o.RMSprop(params, lr=0.005, alpha=0.9, eps=EPS,
                                                       momentum=0.5, centered=True),
        "adagrad": lambda: o.Adagrad(params, lr=0.1, initial_accumulator_value=0.1, eps=EPS),
        "adam": lambda: o.Adam(params, lr=0.01, eps=EPS),
        "adam_amsgrad": lambda: o.Adam(params, lr=0.01, betas=(0.8, 0.99), eps=EPS, amsgrad=True),
        "adamw": lambda: o.AdamW(params, lr=0.01, weight_decay=0.1, eps=EPS),
    }[name]()


def _glassnet_optimizer(name: str):
    return {
        "sgd": lambda: optimizers.SGD(0.1),
        "sgd_momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
        "sgd_nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        "rmsprop": lambda: optimizers.RMSprop(0.01, rho=0.9, epsilon=EPS),
        "rmsprop_centered": lambda: optimizers.RMSprop(0.01, rho=0.8, epsilon=EPS, centered=True),
        "rmsprop_momentum": lambda: optimizers.RMSprop(0.005, rho=0.9, epsilon=EPS, momentum=0.7),
        "rmsprop_centered_momentum": lambda: optimizers.RMSprop(0.005, rho=0.9, epsilon=EPS,
                                                                momentum=0.5, centered=True),
        "adagrad": lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.1, epsilon=EPS),
        "adam": lambda: optimizers.Adam(0.01, epsilon=EPS),
        "adam_amsgrad": lambda: optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=EPS,
                                                amsgrad=True),
        "adamw": lambda: optimizers.AdamW(0.01, weight_decay=0.1, epsilon=EPS),
    }[name]()


OPTIMIZER_NAMES = ["sgd", "sgd_momentum", "sgd_nesterov", "rmsprop", "rmsprop_centered",
                   "rmsprop_momentum", "rmsprop_centered_momentum", "adagrad", "adam",
                   "adam_amsgrad", "adamw"]
LOSS_SETUPS = {
    # glassnet output activation + loss  <->  PyTorch's loss on the pre-activation
    "softmax_scce": ("softmax", "sparse_categorical_crossentropy",
                     lambda z, y: F.cross_entropy(z, y.long())),
    "sigmoid_bce": ("sigmoid", "binary_crossentropy",
                    lambda z, y: F.binary_cross_entropy_with_logits(z, y)),
    "linear_mse": (None, "mse", lambda z, y: F.mse_loss(z, y)),
}


def _data(setup: str, rng):
    x = rng.normal(size=(40, 5))
    if setup == "softmax_scce":
        return x, rng.integers(0, 3, size=40), 3
    if setup == "sigmoid_bce":
        return x, (rng.random((40, 2)) < 0.5).astype(float), 2
    return x, rng.normal(size=(40, 2)), 2


def _trajectory(opt_name: str, setup: str, steps: int = 50, batch: int = 8):
    """Train the same 5-6-k MLP in both libraries; return (glassnet, torch) losses and weights."""
    rng = np.random.default_rng(11)
    x, y, k = _data(setup, rng)
    act, loss, torch_loss = LOSS_SETUPS[setup]
    model = Sequential([gl.Dense(6, activation="tanh", input_dim=5), gl.Dense(k, activation=act)],
                       seed=3, dtype="float64")
    model.compile(optimizer=_glassnet_optimizer(opt_name), loss=loss)
    model.build()
    for layer in model.layers:  # non-zero biases so that every coordinate moves
        layer.params["bias"][...] = rng.normal(0, 0.1, layer.params["bias"].shape)
    w0 = model.get_weights()

    net = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, k))
    with torch.no_grad():
        for lin, (kernel, bias) in zip((net[0], net[2]), (w0[0:2], w0[2:4]), strict=True):
            lin.weight.copy_(t(kernel.T))
            lin.bias.copy_(t(bias))
    opt = _torch_optimizer(opt_name, net.parameters())
    per_epoch = len(x) // batch
    epochs = steps // per_epoch
    history = model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)

    xt, yt = t(x), t(y)
    torch_epoch_losses = []
    for _ in range(epochs):
        total = 0.0
        for i in range(0, len(x), batch):
            opt.zero_grad()
            value = torch_loss(net(xt[i:i + batch]), yt[i:i + batch])
            value.backward()
            opt.step()
            total += float(value.detach()) * len(xt[i:i + batch])
        torch_epoch_losses.append(total / len(x))
    with torch.no_grad():
        final_torch = float(torch_loss(net(xt), yt))
    final_glassnet = model.evaluate(x, y, batch_size=len(x), verbose=0)
    torch_weights = [net[0].weight.T, net[0].bias, net[2].weight.T, net[2].bias]
    return (history.history["loss"], torch_epoch_losses, final_glassnet, final_torch,
            model.get_weights(), [w.detach().numpy() for w in torch_weights], model)


@pytest.mark.parametrize("opt_name", OPTIMIZER_NAMES)
def test_training_trajectory_matches_torch(opt_name):
    """Same model, data order (shuffle=False) and optimizer: same losses after 50 steps."""
    g_hist, t_hist, g_final, t_final, g_w, t_w, model = _trajectory(opt_name, "softmax_scce")
    assert model.optimizer.iterations == 50
    assert_rel(g_final, t_final, TRAJECTORY_TOL, what=f"{opt_name}: loss after 50 steps")
    assert_rel(g_hist, t_hist, TRAJECTORY_TOL, what=f"{opt_name}: epoch losses")
    for i, (a, b) in enumerate(zip(g_w, t_w, strict=True)):
        assert_rel(a, b, TRAJECTORY_TOL, what=f"{opt_name}: weight {i}")
    assert g_final < g_hist[0]  # it trained


@pytest.mark.parametrize("setup", ["sigmoid_bce", "linear_mse"])
@pytest.mark.parametrize("opt_name", ["sgd_nesterov", "rmsprop_centered_momentum", "adamw"])
def test_training_trajectory_other_losses(opt_name, setup):
    g_hist, t_hist, g_final, t_final, g_w, t_w, _ = _trajectory(opt_name, setup)
    assert_rel(g_final, t_final, TRAJECTORY_TOL, what=f"{opt_name}/{setup}: final loss")
    assert_rel(g_hist, t_hist, TRAJECTORY_TOL, what=f"{opt_name}/{setup}: epoch losses")
    for i, (a, b) in enumerate(zip(g_w, t_w, strict=True)):
        assert_rel(a, b, TRAJECTORY_TOL, what=f"{opt_name}/{setup}: weight {i}")


def test_cnn_and_lstm_trajectories_match_torch():
    """Adam through Conv2D -> MaxPooling2D -> Flatten -> Dense, and LSTM -> Dense, 20 steps."""
    conv2d, maxpool, lstm = need("Conv2D"), need("MaxPooling2D"), need("LSTM")
    rng = np.random.default_rng(5)
    # --- CNN
    x = rng.normal(size=(16, 6, 6, 2))
    y = rng.integers(0, 3, size=16)
    model = Sequential([conv2d(3, 3, padding="same", activation="relu", input_shape=(6, 6, 2)),
                        maxpool(2), gl.Flatten(), gl.Dense(3, activation="softmax")],
                       seed=1, dtype="float64")
    model.compile(optimizer=optimizers.Adam(0.01, epsilon=EPS), loss="sparse_categorical_crossentropy")
    model.build()
    kernel, bias, dk, db = model.get_weights()
    conv = torch.nn.Conv2d(2, 3, 3)
    lin = torch.nn.Linear(27, 3)
    with torch.no_grad():
        conv.weight.copy_(t(kernel).permute(3, 2, 0, 1))
        conv.bias.copy_(t(bias))
        # glassnet flattens (h, w, c); torch would flatten (c, h, w): flatten NHWC in the twin.
        lin.weight.copy_(t(dk.T))
        lin.bias.copy_(t(db))

    def net(xt):
        hid = F.max_pool2d(F.relu(conv(F.pad(nhwc_to_nchw(xt), (1, 1, 1, 1)))), 2)
        return lin(nchw_to_nhwc(hid).reshape(len(xt), -1))

    opt = torch.optim.Adam([*conv.parameters(), *lin.parameters()], lr=0.01, eps=EPS)
    model.fit(x, y, batch_size=4, epochs=5, shuffle=False, verbose=0)
    for _ in range(5):
        for i in range(0, 16, 4):
            opt.zero_grad()
            F.cross_entropy(net(t(x[i:i + 4])), torch.tensor(y[i:i + 4])).backward()
            opt.step()
    with torch.no_grad():
        expected = float(F.cross_entropy(net(t(x)), torch.tensor(y)))
    assert_rel(model.evaluate(x, y, verbose=0), expected, TRAJECTORY_TOL, what="CNN loss")

    # --- LSTM
    x = rng.normal(size=(12, 4, 3))
    y = rng.normal(size=(12, 2))
    model = Sequential([lstm(5, input_shape=(4, 3)), gl.Dense(2)], seed=2, dtype="float64")
    model.compile(optimizer=optimizers.Adam(0.01, epsilon=EPS), loss="mse")
    model.build()
    k, rk, b, dk, db = model.get_weights()
    rnn = torch.nn.LSTM(3, 5, batch_first=True)
    lin = torch.nn.Linear(5, 2)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(t(k.T))
        rnn.weight_hh_l0.copy_(t(rk.T))
        rnn.bias_ih_l0.copy_(t(b))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(t(dk.T))
        lin.bias.copy_(t(db))
    # PyTorch's second bias stays at zero and out of the optimizer: Adam would move both
    # biases by ~lr per step, so their sum (glassnet's one bias) would move twice as fast.
    rnn.bias_hh_l0.requires_grad_(False)
    opt = torch.optim.Adam([rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, *lin.parameters()],
                           lr=0.01, eps=EPS)
    model.fit(x, y, batch_size=4, epochs=5, shuffle=False, verbose=0)
    for _ in range(5):
        for i in range(0, 12, 4):
            opt.zero_grad()
            F.mse_loss(lin(rnn(t(x[i:i + 4]))[0][:, -1]), t(y[i:i + 4])).backward()
            opt.step()
    with torch.no_grad():
        expected = float(F.mse_loss(lin(rnn(t(x))[0][:, -1]), t(y)))
    assert_rel(model.evaluate(x, y, verbose=0), expected, TRAJECTORY_TOL, what="LSTM loss")
