"""The wider ``glassnet.ops``: every differentiable operation against central differences in
float64, and the behaviour Keras does not referee (independent references, edge cases,
errors naming the argument).

Each gradient case gives ``fn`` and one input maker per argument; the tape's
``d sum(G * fn(x)) / dx`` with a random upstream ``G`` must match central differences with
relative error below 1e-6 (``_check`` of ``tests/test_ops.py``). Inputs are kept away from
the kinks of piecewise functions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet import ops
from test_ops import _check


def normal(*shape, scale=1.0):
    return lambda r: r.normal(scale=scale, size=shape)


def uniform(lo, hi, *shape):
    return lambda r: r.uniform(lo, hi, size=shape)


def away(points, *shape, scale=1.0, margin=0.05):
    """Normal values at least ``margin`` from each of ``points``."""
    def make(r):
        x = r.normal(scale=scale, size=shape)
        for p in points:
            near = np.abs(x - p) < margin
            x[near] = p + np.where(x[near] >= p, 2, -2) * margin
        return x
    return make


def quotient_pair(r):
    """``(a, b)`` with ``a / b`` at least 0.2 from an integer (remainders are smooth there)."""
    b = r.uniform(0.5, 2.0, size=(3, 4)) * r.choice([-1, 1], size=(3, 4))
    return b * (r.integers(-4, 4, size=(3, 4)) + r.uniform(0.2, 0.8, size=(3, 4))), b


def distinct(*shape):
    """Entries far apart from each other (sorting and quantiles keep their order nearby)."""
    return lambda r: r.permutation(np.arange(math.prod(shape), dtype=float)).reshape(shape) * 0.3 \
        + r.uniform(-0.05, 0.05, size=shape)


B0 = np.array([[1.5, 0.0, -2.0, 0.7], [0.0, 0.9, 1.1, -0.4], [2.0, -1.3, 0.0, 0.6]])
ATT = [normal(2, 3, 4, 5), normal(2, 6, 2, 5), normal(2, 6, 2, 5)]

GRADIENTS = {
    # -- math
    "tan": (ops.tan, [uniform(-1.2, 1.2, 3, 4)]),
    "sinh": (ops.sinh, [normal(3, 4)]),
    "cosh": (ops.cosh, [normal(3, 4)]),
    "arcsin": (ops.arcsin, [uniform(-0.9, 0.9, 3, 4)]),
    "arccos": (ops.arccos, [uniform(-0.9, 0.9, 3, 4)]),
    "arctan": (ops.arctan, [normal(3, 4, scale=2)]),
    "arcsinh": (ops.arcsinh, [normal(3, 4, scale=2)]),
    "arccosh": (ops.arccosh, [uniform(1.2, 4.0, 3, 4)]),
    "arctanh": (ops.arctanh, [uniform(-0.9, 0.9, 3, 4)]),
    "log2": (ops.log2, [uniform(0.2, 5.0, 3, 4)]),
    "log10": (ops.log10, [uniform(0.2, 5.0, 3, 4)]),
    "expm1": (ops.expm1, [normal(3, 4)]),
    "exp2": (ops.exp2, [normal(3, 4)]),
    "erf": (ops.erf, [normal(3, 4)]),
    "erfinv": (ops.erfinv, [uniform(-0.95, 0.95, 3, 4)]),
    "reciprocal": (ops.reciprocal, [uniform(0.3, 3.0, 3, 4)]),
    "rsqrt": (ops.rsqrt, [uniform(0.3, 3.0, 3, 4)]),
    "cbrt": (ops.cbrt, [away([0.0], 3, 4, margin=0.2)]),
    "nan_to_num": (ops.nan_to_num, [normal(3, 4)]),
    "arctan2": (ops.arctan2, [normal(3, 4), normal(4)]),
    "logaddexp": (ops.logaddexp, [normal(3, 4, scale=3), normal(3, 1, scale=3)]),
    "hypot": (ops.hypot, [normal(3, 4), normal(4)]),
    "divide_no_nan": (ops.divide_no_nan, [normal(3, 4), uniform(0.5, 2.0, 3, 4)]),
    "divide_no_nan_zeros": (lambda a: ops.divide_no_nan(a, B0), [normal(3, 4)]),
    "mod": (ops.mod, None),
    "fmod": (ops.fmod, None),
    # -- shapes and indexing
    "repeat": (lambda x: ops.repeat(x, 2, axis=1), [normal(3, 4)]),
    "repeat_counts": (lambda x: ops.repeat(x, np.array([2, 0, 3]), axis=0), [normal(3, 4)]),
    "repeat_flat": (lambda x: ops.repeat(x, 3), [normal(2, 3)]),
    "flip": (lambda x: ops.flip(x, 1), [normal(2, 3, 4)]),
    "flip_all": (ops.flip, [normal(2, 3)]),
    "roll": (lambda x: ops.roll(x, (1, -2), axis=(0, 2)), [normal(2, 3, 4)]),
    "roll_flat": (lambda x: ops.roll(x, 4), [normal(2, 3)]),
    "pad": (lambda x: ops.pad(x, ((1, 0), (2, 3)), constant_values=1.5), [normal(3, 4)]),
    "pad_reflect": (lambda x: ops.pad(x, ((2, 1), (3, 2)), mode="reflect"), [normal(3, 4)]),
    "pad_symmetric": (lambda x: ops.pad(x, 2, mode="symmetric"), [normal(3, 4)]),
    "pad_edge": (lambda x: ops.pad(x, (1, 3), mode="edge"), [normal(3, 4)]),
    "pad_wrap": (lambda x: ops.pad(x, ((0, 2), (3, 1)), mode="wrap"), [normal(3, 4)]),
    "tril": (lambda x: ops.tril(x, -1), [normal(2, 4, 4)]),
    "triu": (lambda x: ops.triu(x, 1), [normal(3, 4)]),
    "diag_vector": (lambda x: ops.diag(x, 1), [normal(4)]),
    "diag_matrix": (lambda x: ops.diag(x, -1), [normal(4, 3)]),
    "diagonal": (lambda x: ops.diagonal(x, 1, 1, 2), [normal(2, 3, 4)]),
    "trace": (ops.trace, [normal(3, 4)]),
    "ravel": (ops.ravel, [normal(2, 3)]),
    "moveaxis": (lambda x: ops.moveaxis(x, [0, 1], [2, 0]), [normal(2, 3, 4)]),
    "hstack": (lambda a, b: ops.hstack([a, b]), [normal(3, 2), normal(3, 4)]),
    "vstack": (lambda a, b: ops.vstack([a, b]), [normal(4), normal(2, 4)]),
    "dstack": (lambda a, b: ops.dstack([a, b]), [normal(3, 4), normal(3, 4, 2)]),
    "unstack": (lambda x: ops.stack([v * (i + 1.0) for i, v in enumerate(ops.unstack(x, axis=1))]),
                [normal(3, 4)]),
    "array_split": (lambda x: ops.concatenate([p * (i + 1.0) for i, p in
                                               enumerate(ops.array_split(x, 3, axis=1))], axis=1),
                    [normal(2, 7)]),
    "split": (lambda x: ops.split(x, 2)[1], [normal(4, 3)]),
    "slice": (lambda x: ops.slice(x, (1, 0, 2), (2, 2, 2)), [normal(3, 4, 5)]),
    "slice_update": (lambda a, u: ops.slice_update(a, (1, 2), u), [normal(3, 5), normal(2, 3)]),
    "get_item": (lambda x: ops.get_item(x, (slice(None), 1)), [normal(3, 4)]),
    "copy": (ops.copy, [normal(3, 4)]),
    "cumprod": (lambda x: ops.cumprod(x, axis=1), [normal(3, 4)]),
    "cumprod_flat": (ops.cumprod, [normal(2, 3)]),
    "cumprod_zeros": (lambda x: ops.cumprod(x * np.array([1.0, 0.0, 1.0, 0.0]), axis=1),
                      [normal(3, 4)]),
    "sort": (lambda x: ops.sort(x, axis=0), [distinct(4, 3)]),
    "top_k": (lambda x: ops.top_k(x, 3)[0], [distinct(3, 5)]),
    "meshgrid": (lambda a, b: ops.add(*ops.meshgrid(a, b)) * np.arange(12.0).reshape(4, 3),
                 [normal(3), normal(4)]),
    # -- neural-network functions
    "hard_sigmoid": (ops.hard_sigmoid, [away([-3.0, 3.0], 3, 4, scale=4)]),
    "hard_silu": (ops.hard_silu, [away([-3.0, 3.0], 3, 4, scale=4)]),
    "softsign": (ops.softsign, [normal(3, 4, scale=3)]),
    "celu": (lambda x: ops.celu(x, alpha=0.6), [away([0.0], 3, 4, scale=2)]),
    "glu": (ops.glu, [normal(3, 6)]),
    "glu_axis0": (lambda x: ops.glu(x, axis=0), [normal(4, 3)]),
    "sparse_plus": (ops.sparse_plus, [away([-1.0, 1.0], 3, 4, scale=2)]),
    "sparse_sigmoid": (ops.sparse_sigmoid, [away([-1.0, 1.0], 3, 4, scale=2)]),
    "squareplus": (lambda x: ops.squareplus(x, b=2), [normal(3, 4, scale=3)]),
    "threshold": (lambda x: ops.threshold(x, 0.2, -3.0), [away([0.2], 3, 4)]),
    "soft_shrink": (ops.soft_shrink, [away([-0.5, 0.5], 3, 4)]),
    "hard_shrink": (lambda x: ops.hard_shrink(x, 0.3), [away([-0.3, 0.3], 3, 4)]),
    "tanh_shrink": (ops.tanh_shrink, [normal(3, 4, scale=2)]),
    "hard_tanh": (ops.hard_tanh, [away([-1.0, 1.0], 3, 4, scale=2)]),
    "sparsemax": (ops.sparsemax, [distinct(3, 5)]),
    "sparsemax_axis0": (lambda x: ops.sparsemax(x, axis=0), [distinct(5, 3)]),
    # -- normalization, attention and statistics
    "moments": (lambda x: ops.add(*ops.moments(x, axes=[0, 2])), [normal(3, 4, 5)]),
    "normalize": (ops.normalize, [normal(3, 4)]),
    "normalize_order1": (lambda x: ops.normalize(x, axis=0, order=1), [away([0.0], 3, 4)]),
    "normalize_order3": (lambda x: ops.normalize(x, order=3), [away([0.0], 3, 4)]),
    "layer_normalization": (lambda x, g, b: ops.layer_normalization(x, g, b),
                            [normal(3, 5), normal(5), normal(5)]),
    "layer_normalization_axes": (lambda x, g: ops.layer_normalization(x, g, axis=[0, 2]),
                                 [normal(3, 4, 2), normal(3, 2)]),
    "layer_normalization_rms": (lambda x, g: ops.layer_normalization(x, g, rms_scaling=True),
                                [normal(3, 5), normal(5)]),
    "batch_normalization": (lambda x, m, v, o, s: ops.batch_normalization(x, m, v, 1, o, s),
                            [normal(2, 3, 4), normal(3), uniform(0.5, 2, 3), normal(3),
                             normal(3)]),
    "rms_normalization": (lambda x, s: ops.rms_normalization(x, s), [normal(3, 5), normal(5)]),
    "dot_product_attention": (ops.dot_product_attention, ATT),
    "dot_product_attention_bias": (
        lambda q, k, v, b: ops.dot_product_attention(q, k, v, bias=b, is_causal=True),
        ATT + [normal(1, 4, 3, 6)]),
    "dot_product_attention_cap": (
        lambda q, k, v: ops.dot_product_attention(q, k, v, attn_logits_soft_cap=2.0,
                                                  mask=np.tri(3, 6, 2, dtype=bool)), ATT),
    "median": (lambda x: ops.median(x, axis=1), [distinct(3, 6)]),
    "quantile": (lambda x: ops.quantile(x, np.array([0.1, 0.5, 0.8]), axis=[0, 2]),
                 [distinct(3, 2, 4)]),
    "quantile_midpoint": (lambda x: ops.quantile(x, 0.3, method="midpoint", keepdims=True),
                          [distinct(3, 4)]),
    "percentile": (lambda x: ops.percentile(x, 35.0, axis=0), [distinct(5, 3)]),
    # -- control flow: gradients flow through the functions it calls
    "cond": (lambda x: ops.cond(True, lambda: ops.exp(x), lambda: x), [normal(3, 4)]),
    "switch": (lambda x: ops.switch(1, [ops.exp, ops.sin], x), [normal(3, 4)]),
    "fori_loop": (lambda x: ops.fori_loop(0, 3, lambda i, v: ops.tanh(v) * (i + 1.0), x),
                  [normal(3, 4)]),
    "while_loop": (lambda x: ops.while_loop(lambda v, i: i < 3, lambda v, i: (ops.sin(v) + v, i + 1),
                                            (x, 0))[0], [normal(3, 4)]),
    "scan": (lambda x, h: ops.add(*[ops.sum(t) for t in ops.scan(
        lambda c, xt: (ops.tanh(c + xt), c * xt), h, x)]), [normal(5, 3), normal(3)]),
    "map": (lambda x: ops.map(lambda row: ops.sum(ops.square(row)), x), [normal(4, 3)]),
    "vectorized_map": (lambda x: ops.vectorized_map(ops.softmax, x), [normal(4, 3)]),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_match_central_differences(name, rng):
    fn, makers = GRADIENTS[name]
    inputs = list(quotient_pair(rng)) if makers is None else [m(rng) for m in makers]
    _check(fn, inputs, rng)


# -- values against independent references ---------------------------------------------------
def test_erfinv_inverts_erf_with_and_without_scipy(monkeypatch):
    from glassnet.ops import math_more

    y = np.concatenate([np.linspace(-0.999999, 0.999999, 101), [-1.0, 1.0, 0.0]])
    with_scipy = ops.erfinv(y)
    monkeypatch.setitem(__import__("sys").modules, "scipy.special", None)  # import fails
    fallback = math_more._erfinv_values(y)
    inside = np.abs(y) < 1
    np.testing.assert_allclose(fallback[inside], with_scipy[inside], rtol=1e-12, atol=1e-12)
    assert fallback[-3] == -np.inf and fallback[-2] == np.inf
    np.testing.assert_allclose([math.erf(v) for v in fallback[inside]], y[inside], atol=1e-14)
    assert np.isnan(math_more._erfinv_values(np.array([1.5])))[0]


def test_sparsemax_is_the_projection_onto_the_simplex(rng):
    x = rng.normal(scale=2, size=(20, 6))
    p = ops.sparsemax(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(p >= 0)
    for row, out in zip(x, p, strict=True):  # bisection on tau: sum(max(x - tau, 0)) = 1
        lo, hi = row.min() - 1, row.max()
        for _ in range(200):
            tau = (lo + hi) / 2
            lo, hi = (tau, hi) if np.maximum(row - tau, 0).sum() > 1 else (lo, tau)
        np.testing.assert_allclose(out, np.maximum(row - tau, 0), atol=1e-10)


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_numpy(method, rng):
    x = rng.normal(size=(4, 7, 3))
    q = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(ops.quantile(x, q, axis=1, method=method),
                               np.quantile(x, q, axis=1, method=method), rtol=1e-12)
    np.testing.assert_allclose(ops.percentile(x, 40, axis=(0, 2), method=method, keepdims=True),
                               np.percentile(x, 40, axis=(0, 2), method=method, keepdims=True))


@pytest.mark.parametrize("mode", ["constant", "reflect", "symmetric", "edge", "wrap"])
def test_pad_matches_numpy(mode, rng):
    x = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(ops.pad(x, ((2, 1), (1, 3)), mode=mode),
                                  np.pad(x, ((2, 1), (1, 3)), mode=mode))


def test_cumprod_gradient_with_zeros_is_exact():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    with ops.Tape() as tape:
        t = tape.watch(x)
        y = ops.sum(ops.cumprod(t))
    # d/dx_1 of (2 + 2 x1 + 6 x1 + 6 x1 x3 + 30 x1 x3) at x3 = 0: 2 + 6 = 8
    np.testing.assert_allclose(tape.gradient(y, t), [1.0, 8.0, 0.0, 0.0, 0.0])


def test_stable_at_extreme_inputs():
    with np.errstate(all="raise"):
        assert ops.logaddexp(np.float64(1000.0), np.float64(1000.0)) == 1000.0 + math.log(2)
        assert ops.hypot(np.float64(1e300), np.float64(1e300)) == pytest.approx(math.sqrt(2) * 1e300)
        np.testing.assert_allclose(ops.normalize(np.zeros((2, 3))), 0.0)
    with ops.Tape() as tape:
        t = tape.watch(np.zeros((2, 3)))
        g = tape.gradient(ops.sum(ops.normalize(t)), t)
    assert np.all(np.isfinite(g))


# -- control flow and custom gradients -------------------------------------------------------
def test_custom_gradient_replaces_the_derivative(rng):
    @ops.custom_gradient
    def straight_through_round(x):
        return np.round(x), lambda upstream: upstream  # TensorFlow style: grad(upstream)

    @ops.custom_gradient
    def scaled(x, y):
        def grad(*args, upstream=None):  # Keras's torch style: grad(*args, upstream=g)
            return upstream * 2.0, upstream * args[0]
        return x * 2.0 + y * 0.0, grad

    x, y = rng.normal(size=3), rng.normal(size=3)
    with ops.Tape() as tape:
        tx, ty = tape.watch(x), tape.watch(y)
        out = ops.sum(straight_through_round(tx) * 3.0) + ops.sum(scaled(tx, ty))
    gx, gy = tape.gradient(out, [tx, ty])
    np.testing.assert_allclose(gx, 3.0 + 2.0)
    np.testing.assert_allclose(gy, x)
    assert isinstance(straight_through_round(x), np.ndarray)  # plain in, plain out


def test_custom_gradient_rejects_a_function_not_returning_a_gradient():
    with pytest.raises(TypeError, match="must return \\(output, grad_fn\\)"):
        ops.custom_gradient(lambda x: x * 2)(np.ones(2))


def test_scan_with_nested_carry_and_no_xs():
    def step(carry, _):
        a, b = carry
        return (b, a + b), a

    carry, ys = ops.scan(step, (np.array(0.0), np.array(1.0)), length=6)
    assert [float(v) for v in carry] == [8.0, 13.0]
    np.testing.assert_array_equal(ys, [0, 1, 1, 2, 3, 5])
    with pytest.raises(ValueError, match="`length`"):
        ops.scan(step, (0.0, 1.0))


def test_while_loop_stops_at_maximum_iterations():
    assert ops.while_loop(lambda i: True, lambda i: i + 1, 0, maximum_iterations=4) == 4


def test_predicates():
    assert ops.is_tensor(np.ones(2)) and not ops.is_tensor([1.0])
    with ops.Tape() as tape:
        assert ops.is_tensor(tape.watch(np.ones(2)))
    assert ops.dtype(np.ones(2, dtype=np.float32)) == "float32"
    assert ops.size(np.ones((2, 5))) == 10


def test_new_numpy_ufuncs_stay_on_the_tape(rng):
    _check(lambda a, b: np.tan(a) + np.log2(b * b + 1) + np.hypot(a, b) + np.arctan2(a, b)
           + np.expm1(a) + np.cbrt(b * b + 1), [rng.normal(size=(3, 4)), rng.normal(size=(4,))], rng)


def test_plain_arrays_stay_plain_and_float32_stays_float32(rng):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    for fn in (ops.tan, ops.erf, ops.erfinv, ops.hard_silu, ops.sparsemax, ops.normalize,
               lambda v: ops.quantile(v, 0.3), lambda v: ops.layer_normalization(v)):
        out = fn(x * 0.5)
        assert isinstance(out, (np.ndarray, np.generic)) and out.dtype == np.float32
    assert ops.tan(np.arange(3)).dtype == np.float32  # integers compute in float32


# -- errors name the argument ----------------------------------------------------------------
@pytest.mark.parametrize("call, error, match", [
    (lambda: ops.pad(np.ones(3), 1, mode="mean"), ValueError, "`mode`"),
    (lambda: ops.pad(np.ones(3), 1, mode="reflect", constant_values=2), ValueError,
     "`constant_values`"),
    (lambda: ops.pad(np.ones(3), -1), ValueError, "`pad_width`"),
    (lambda: ops.top_k(np.ones((2, 3)), 4), ValueError, "`k`"),
    (lambda: ops.quantile(np.ones(3), 1.5), ValueError, "`q`"),
    (lambda: ops.quantile(np.ones(3), 0.5, method="cubic"), ValueError, "`method`"),
    (lambda: ops.percentile(np.ones(3), 150), ValueError, "`q`"),
    (lambda: ops.quantile(np.ones(3), 0.5, axis=2), ValueError, "`axis`"),
    (lambda: ops.normalize(np.ones(3), order=0), ValueError, "`order`"),
    (lambda: ops.moments(np.ones(3), axes=[1]), ValueError, "`axes`"),
    (lambda: ops.batch_normalization(np.ones((2, 3)), np.ones(2), np.ones(3), axis=1),
     ValueError, "`mean`"),
    (lambda: ops.layer_normalization(np.ones(3), scale=2), TypeError, "unexpected keyword"),
    (lambda: ops.dot_product_attention(np.ones((2, 3, 4)), np.ones((2, 3, 4)),
                                       np.ones((2, 3, 4))), ValueError, "4D"),
    (lambda: ops.dot_product_attention(*[np.ones((1, 2, 3, 4))] * 3, bias=np.ones(1),
                                       mask=np.ones(1, bool)), ValueError, "`bias` and `mask`"),
    (lambda: ops.glu(np.ones((2, 3))), ValueError, "even"),
    (lambda: ops.unstack(np.ones((2, 3)), num=3), ValueError, "`num`"),
    (lambda: ops.split(np.ones(5), 2), ValueError, "`indices_or_sections`"),
    (lambda: ops.slice(np.ones((2, 3)), (0,), (1, 1)), ValueError, "`start_indices`"),
    (lambda: ops.repeat(np.ones(3), -1), ValueError, "`repeats`"),
    (lambda: ops.moveaxis(np.ones((2, 3)), [0, 1], [1]), ValueError, "`source`"),
    (lambda: ops.diag(np.ones((2, 2, 2))), ValueError, "`x`"),
    (lambda: ops.meshgrid(np.ones(2), indexing="xz"), ValueError, "`indexing`"),
    (lambda: ops.in_top_k(np.array([0]), np.ones(3), 1), ValueError, "`predictions`"),
    (lambda: ops.scan(3, 0.0, length=2), TypeError, "`f`"),
    (lambda: ops.hstack(np.ones(3)), TypeError, "`xs`"),
])
def test_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()

