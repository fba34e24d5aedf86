"""glassnet.ops: every differentiable op against central differences in float64.

For each op ``f`` and random inputs ``x_i`` (random shapes, broadcasting pairs included), the
tape's ``d sum(G * f(x)) / d x_i`` with a random upstream ``G`` must match central
differences of the same scalar with relative error below 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import ops
from glassnet.gradcheck import numeric_gradient, relative_error


def _shape(rng: np.random.Generator, ndim: int) -> tuple[int, ...]:
    return tuple(int(d) for d in rng.integers(2, 5, size=ndim))


def _away_from(rng, shape, points=(0.0,), margin=0.1, scale=1.0):
    """Normal values kept ``margin`` away from kinks (so finite differences are exact)."""
    x = rng.normal(scale=scale, size=shape)
    for p in points:
        close = np.abs(x - p) < margin
        x[close] = p + np.where(x[close] >= p, margin, -margin) * 2
    return x


def _pos(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape)


def _pair(rng, kind):
    """Two operand shapes that broadcast together."""
    s = _shape(rng, 3)
    return {
        "same": (s, s),
        "trailing": (s, s[2:]),
        "ones": (s, (1, s[1], 1)),
        "scalar": (s, ()),
        "left": ((s[1], 1), s),
    }[kind]


BROADCAST = ["same", "trailing", "ones", "scalar", "left"]

# name -> (function of the inputs, input makers). Each maker: rng -> float64 array.
BINARY = {
    "add": (ops.add, None), "subtract": (ops.subtract, None), "multiply": (ops.multiply, None),
    "divide": (ops.divide, "pos2"), "maximum": (ops.maximum, None),
    "minimum": (ops.minimum, None), "power": (ops.power, "pos1"),
}


@pytest.mark.parametrize("kind", BROADCAST)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_gradients_with_broadcasting(name, kind, rng):
    fn, positive = BINARY[name]
    sa, sb = _pair(rng, kind)
    a = _pos(rng, sa) if positive == "pos1" else rng.normal(size=sa)
    b = _pos(rng, sb) if positive == "pos2" else rng.normal(size=sb)
    if name in ("maximum", "minimum"):
        b = b + 0.3 * np.sign(b)  # keep ties away: the kink is where a == b
    _check(fn, [a, b], rng)


def _unary(maker):
    return lambda rng: [maker(rng, _shape(rng, int(rng.integers(1, 4))))]


UNARY = {
    "negative": (ops.negative, _unary(lambda r, s: r.normal(size=s))),
    "exp": (ops.exp, _unary(lambda r, s: r.normal(size=s))),
    "log": (ops.log, _unary(_pos)),
    "log1p": (ops.log1p, _unary(_pos)),
    "sqrt": (ops.sqrt, _unary(_pos)),
    "square": (ops.square, _unary(lambda r, s: r.normal(size=s))),
    "abs": (ops.abs, _unary(_away_from)),
    "sin": (ops.sin, _unary(lambda r, s: r.normal(size=s))),
    "cos": (ops.cos, _unary(lambda r, s: r.normal(size=s))),
    "sigmoid": (ops.sigmoid, _unary(lambda r, s: r.normal(scale=3, size=s))),
    "relu": (ops.relu, _unary(_away_from)),
    "tanh": (ops.tanh, _unary(lambda r, s: r.normal(size=s))),
    "softplus": (ops.softplus, _unary(lambda r, s: r.normal(scale=3, size=s))),
    "silu": (ops.silu, _unary(lambda r, s: r.normal(size=s))),
    "leaky_relu": (ops.leaky_relu, _unary(_away_from)),
    "elu": (ops.elu, _unary(_away_from)),
    "gelu": (ops.gelu, _unary(lambda r, s: r.normal(size=s))),
    "clip": (lambda x: ops.clip(x, -0.5, 0.7),
             _unary(lambda r, s: _away_from(r, s, points=(-0.5, 0.7), margin=0.05))),
    "softmax": (ops.softmax, _unary(lambda r, s: r.normal(size=s))),
    "softmax_axis0": (lambda x: ops.softmax(x, axis=0), _unary(lambda r, s: r.normal(size=s))),
    "log_softmax": (ops.log_softmax, _unary(lambda r, s: r.normal(size=s))),
    "log_softmax_axis0": (lambda x: ops.log_softmax(x, axis=0),
                          _unary(lambda r, s: r.normal(size=s))),
    "cast": (lambda x: ops.cast(x, "float64"), _unary(lambda r, s: r.normal(size=s))),
    "convert_to_tensor": (ops.convert_to_tensor, _unary(lambda r, s: r.normal(size=s))),
    "log_sigmoid": (ops.log_sigmoid, _unary(lambda r, s: r.normal(scale=3, size=s))),
    "relu6": (ops.relu6, _unary(lambda r, s: _away_from(r, s, points=(0.0, 6.0), scale=4))),
    "selu": (ops.selu, _unary(_away_from)),
    "cumsum": (lambda x: ops.cumsum(x, axis=-1), _unary(lambda r, s: r.normal(size=s))),
    "cumsum_flat": (ops.cumsum, _unary(lambda r, s: r.normal(size=s))),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_gradients(name, seed):
    rng = np.random.default_rng(seed)
    fn, make = UNARY[name]
    _check(fn, make(rng), rng)


REDUCTIONS = {
    "sum": ops.sum, "mean": ops.mean, "max": ops.max, "min": ops.min,
    "logsumexp": ops.logsumexp, "prod": ops.prod, "var": ops.var, "std": ops.std,
    "norm": ops.norm,
}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_gradients(name, axis, keepdims, rng):
    if name == "norm" and isinstance(axis, tuple):
        axis = (0, 1)  # Frobenius norm over two axes
    x = rng.uniform(0.5, 2.0, size=_shape(rng, 3)) * rng.choice([-1, 1], size=_shape(rng, 0))
    if name in ("max", "min"):
        x = rng.permutation(np.linspace(-2, 2, x.size)).reshape(x.shape)  # no ties
    _check(lambda t: REDUCTIONS[name](t, axis=axis, keepdims=keepdims), [x], rng)


@pytest.mark.parametrize("ord_", [1, 2, np.inf, -np.inf])
def test_vector_norm_gradients(ord_, rng):
    x = _away_from(rng, (3, 5))
    x.flat[rng.permutation(x.size)] = np.linspace(0.3, 3, x.size) * np.sign(x.flat)  # no ties
    _check(lambda t: ops.norm(t, ord=ord_, axis=-1), [x], rng)


PRODUCTS = {
    "matmul_2d": (ops.matmul, [(3, 4), (4, 2)]),
    "matmul_batched": (ops.matmul, [(2, 3, 4), (4, 5)]),
    "matmul_batched_both": (ops.matmul, [(2, 1, 3, 4), (3, 4, 2)]),
    "matmul_vector_right": (ops.matmul, [(3, 4), (4,)]),
    "matmul_vector_left": (ops.matmul, [(4,), (2, 4, 3)]),
    "matmul_vectors": (ops.matmul, [(4,), (4,)]),
    "dot_2d": (ops.dot, [(3, 4), (4, 2)]),
    "dot_nd": (ops.dot, [(2, 3, 4), (2, 4, 3)]),
    "dot_scalar": (ops.dot, [(), (3, 2)]),
    "tensordot_2": (ops.tensordot, [(2, 3, 4), (3, 4, 2)]),
    "tensordot_axes": (lambda a, b: ops.tensordot(a, b, axes=([0, 2], [2, 0])),
                       [(3, 2, 4), (4, 5, 3)]),
    "outer": (ops.outer, [(3,), (2, 2)]),
    "operator_matmul": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "einsum_batched": (lambda a, b: ops.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)]),
    "einsum_summed_away": (lambda a, b: ops.einsum("ij,k->ik", a, b), [(3, 4), (2,)]),
    "einsum_attention": (lambda q, k: ops.einsum("bqhd,bkhd->bhqk", q, k),
                         [(2, 3, 2, 4), (2, 5, 2, 4)]),
}


CROSS_ENTROPIES = {
    "binary": lambda t, p: ops.binary_crossentropy(t, ops.sigmoid(p)),
    "binary_logits": lambda t, p: ops.binary_crossentropy(t, p, from_logits=True),
    "categorical": lambda t, p: ops.categorical_crossentropy(t, ops.softmax(p)),
    "categorical_logits": lambda t, p: ops.categorical_crossentropy(t, p, from_logits=True),
}


@pytest.mark.parametrize("name", sorted(CROSS_ENTROPIES))
def test_cross_entropy_op_gradients(name, rng):
    target = np.eye(4)[rng.integers(0, 4, size=3)]
    logits = rng.normal(size=(3, 4))
    _check(lambda p: CROSS_ENTROPIES[name](target, p), [logits], rng)


def test_cross_entropy_ops_match_glassnet_losses(rng):
    from glassnet import losses

    labels = rng.integers(0, 4, size=5)
    logits = rng.normal(size=(5, 4))
    sparse = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    ref = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    np.testing.assert_allclose(np.mean(sparse), ref, rtol=1e-10)
    probs = ops.sigmoid(logits)
    targets = (rng.uniform(size=(5, 4)) > 0.5).astype(float)
    np.testing.assert_allclose(np.mean(ops.binary_crossentropy(targets, probs)),
                               losses.BinaryCrossentropy()(targets, probs), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product_gradients(name, rng):
    fn, shapes = PRODUCTS[name]
    _check(fn, [rng.normal(size=s) for s in shapes], rng)


SHAPE_OPS = {
    "reshape": (lambda x: ops.reshape(x, (4, -1)), [(2, 3, 4)]),
    "transpose": (ops.transpose, [(2, 3, 4)]),
    "transpose_axes": (lambda x: ops.transpose(x, (1, 2, 0)), [(2, 3, 4)]),
    "swapaxes": (lambda x: ops.swapaxes(x, 0, 2), [(2, 3, 4)]),
    "expand_dims": (lambda x: ops.expand_dims(x, 1), [(2, 3)]),
    "squeeze": (ops.squeeze, [(2, 1, 3, 1)]),
    "squeeze_axis": (lambda x: ops.squeeze(x, axis=1), [(2, 1, 3)]),
    "flatten": (ops.flatten, [(2, 3)]),
    "broadcast_to": (lambda x: ops.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    "concatenate": (lambda a, b, c: ops.concatenate([a, b, c], axis=1),
                    [(2, 1, 3), (2, 4, 3), (2, 2, 3)]),
    "stack": (lambda a, b: ops.stack([a, b], axis=1), [(2, 3), (2, 3)]),
    "take_flat": (lambda x: ops.take(x, np.array([0, 5, 5, 2])), [(2, 3)]),
    "take_axis": (lambda x: ops.take(x, np.array([[2, 0], [2, 2]]), axis=1), [(2, 3, 4)]),
    "take_along_axis": (lambda x: ops.take_along_axis(x, np.array([[0, 2, 2], [1, 0, 1]]),
                                                      axis=1), [(2, 3)]),
    "getitem_slice": (lambda x: x[:, 1:, ::2], [(2, 3, 4)]),
    "getitem_int": (lambda x: x[1], [(3, 4)]),
    "getitem_fancy_repeats": (lambda x: x[np.array([0, 2, 0, 0])], [(3, 2)]),
    "getitem_mask": (lambda x: x[np.array([True, False, True])], [(3, 2)]),
    "where": (lambda a, b: ops.where(np.array([[True], [False], [True]]), a, b),
              [(3, 4), (4,)]),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_and_indexing_gradients(name, rng):
    fn, shapes = SHAPE_OPS[name]
    _check(fn, [rng.normal(size=s) for s in shapes], rng)


OPERATORS = {
    "add_radd": lambda a, b: 2.0 + a + b,
    "sub_rsub": lambda a, b: 1.0 - a - b,
    "mul_rmul": lambda a, b: 3.0 * a * b,
    "div_rdiv": lambda a, b: a / (b * b + 1.0) + 2.0 / (b * b + 1.0),
    "pow_rpow": lambda a, b: (a * a + 1.0) ** 1.5 + 2.0 ** b,
    "neg_abs_pos": lambda a, b: -abs(a + 3.0) + (+b),
    "numpy_ufuncs": lambda a, b: np.exp(a) * np.tanh(b) + np.maximum(a, 5.0),
    "ndarray_left": lambda a, b: np.ones(a.shape[-1:]) * a - np.full((), 2.0) / (b * b + 1),
    "transpose_T": lambda a, b: a.T * 2.0,
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_python_operators_and_numpy_ufuncs_stay_on_the_tape(name, rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    _check(OPERATORS[name], [a, b], rng, allow_unconnected=True)


def _check(fn, inputs, rng, allow_unconnected=False):
    """Tape gradients of ``sum(G * fn(*inputs))`` against central differences."""
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    with ops.Tape() as tape:
        traced = [tape.watch(x) for x in inputs]
        out = fn(*traced)
    assert isinstance(out, ops.Traced)
    plain = fn(*inputs)  # no tape: plain arrays in, a plain array out
    assert not isinstance(plain, ops.Traced)
    np.testing.assert_allclose(np.asarray(plain), out.value, rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(out.shape)
    grads = tape.gradient(out, traced, output_gradients=upstream,
                          unconnected_gradients="zero" if allow_unconnected else "none")
    for x, g in zip(inputs, grads, strict=True):
        assert g is not None
        assert g.shape == x.shape

        def loss(x_=x):
            return float(np.sum(upstream * np.asarray(fn(*inputs))))

        numeric = numeric_gradient(loss, x)
        assert relative_error(g, numeric) < 1e-6, (g, numeric)


# ---------------------------------------------------------------------- tape behaviour
def test_plain_arrays_in_plain_arrays_out():
    x = np.arange(6.0).reshape(2, 3)
    out = ops.softmax(ops.matmul(x, ops.transpose(x)))
    assert type(out) is np.ndarray
    assert type(ops.sum(x, axis=0)) is np.ndarray
    assert ops.relu(x.astype(np.float32)).dtype == np.float32
    assert (x.astype(np.float32) * 2.0 + 1).dtype == np.float32


def test_float32_stays_float32_on_the_tape():
    x = np.ones((2, 3), dtype=np.float32)
    with ops.Tape() as tape:
        t = tape.watch(x)
        y = ops.mean(ops.square(t * 2.0 - 1.0))
    assert y.dtype == np.float32
    assert tape.gradient(y, t).dtype == np.float32


def test_gradient_accumulates_over_every_use_and_matches_the_chain_rule():
    # f(x) = x * x + exp(x) * x  ->  f'(x) = 2x + exp(x) (1 + x)
    x = np.array([0.3, -1.2, 2.0])
    with ops.Tape() as tape:
        t = tape.watch(x)
        y = ops.sum(t * t + ops.exp(t) * t)
    np.testing.assert_allclose(tape.gradient(y, t), 2 * x + np.exp(x) * (1 + x), rtol=1e-12)


def test_a_chain_of_ten_thousand_ops_needs_no_recursion():
    with ops.Tape() as tape:
        t = tape.watch(np.array(1.0))
        y = t
        for _ in range(10_000):
            y = y * 1.0001
    np.testing.assert_allclose(tape.gradient(y, t), 1.0001 ** 10_000, rtol=1e-9)


def test_unconnected_sources_get_none_or_zeros():
    with ops.Tape() as tape:
        a, b = tape.watch(np.ones(3)), tape.watch(np.ones(2))
        y = ops.sum(a * 2.0)
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_array_equal(ga, [2.0, 2.0, 2.0])
    assert gb is None
    np.testing.assert_array_equal(tape.gradient(y, b, unconnected_gradients="zero"), [0.0, 0.0])


def test_watched_array_can_be_named_by_the_array_itself():
    x = np.array([1.0, 2.0])
    with ops.Tape() as tape:
        y = ops.sum(ops.square(tape.watch(x)))
    np.testing.assert_array_equal(tape.gradient(y, x), [2.0, 4.0])


def test_stop_gradient_and_integer_ops_cut_the_graph():
    x = np.array([[0.2, 1.5, -0.3]])
    with ops.Tape() as tape:
        t = tape.watch(x)
        picked = ops.argmax(t, axis=-1)
        mask = ops.greater(t, 0.0)
        y = ops.sum(ops.stop_gradient(t) * t) + ops.sum(ops.where(mask, t, 0.0))
    assert type(picked) is np.ndarray and type(mask) is np.ndarray
    np.testing.assert_allclose(tape.gradient(y, t), x + (x > 0))


def test_max_splits_the_gradient_between_ties():
    with ops.Tape() as tape:
        t = tape.watch(np.array([1.0, 3.0, 3.0]))
        y = ops.max(t)
    np.testing.assert_allclose(tape.gradient(y, t), [0.0, 0.5, 0.5])


def test_stable_at_extreme_inputs():
    z = np.array([[-1000.0, 0.0, 1000.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_allclose(ops.softmax(z), [[0.0, 0.0, 1.0]])
        np.testing.assert_allclose(ops.log_softmax(z), [[-2000.0, -1000.0, 0.0]])
        np.testing.assert_allclose(ops.logsumexp(z), 1000.0)
        np.testing.assert_allclose(ops.sigmoid(z), [[0.0, 0.5, 1.0]])
        np.testing.assert_allclose(ops.softplus(z), [[0.0, np.log(2.0), 1000.0]])
    with ops.Tape() as tape:
        t = tape.watch(z)
        y = ops.sum(ops.log_softmax(t)[:, 0]) + ops.logsumexp(t)
    assert np.all(np.isfinite(tape.gradient(y, t)))


def test_matches_torch_autograd_on_a_composite_function(rng):
    torch = pytest.importorskip("torch")
    x, w = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))

    def f(lib, x, w):
        h = lib.tanh(x @ w)
        return (h * h).sum() + lib.log_softmax(x @ w, -1)[:, 1].sum()

    with ops.Tape() as tape:
        tx, tw = tape.watch(x), tape.watch(w)
        y = ops.sum(ops.square(ops.tanh(tx @ tw))) + ops.sum(ops.log_softmax(tx @ tw)[:, 1])
    gx, gw = tape.gradient(y, [tx, tw])
    px = torch.tensor(x, requires_grad=True)
    pw = torch.tensor(w, requires_grad=True)
    py = f(torch, px, pw)
    py.backward()
    np.testing.assert_allclose(float(y.value), py.item(), rtol=1e-12)
    np.testing.assert_allclose(gx, px.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gw, pw.grad.numpy(), rtol=1e-10)


def test_one_hot_and_shape():
    out = ops.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0]])
    assert out.dtype == np.float32
    assert ops.shape(np.zeros((2, 5))) == (2, 5)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="`axis` 3 is out of range"):
        ops.sum(np.ones((2, 2)), axis=3)
    with pytest.raises(ValueError, match="`num_classes` must be a positive int"):
        ops.one_hot(np.array([1]), 0)
    with pytest.raises(TypeError, match="`indices` must be integers"):
        ops.take(np.ones(3), np.array([0.5]))
    with pytest.raises(ValueError, match="`unconnected_gradients` must be"):
        with ops.Tape() as tape:
            t = tape.watch(np.ones(2))
        tape.gradient(ops.sum(t), t, unconnected_gradients="zeros")
    with pytest.raises(ValueError, match="`output_gradients` must have the target's shape"):
        with ops.Tape() as tape:
            t = tape.watch(np.ones(2))
        tape.gradient(t * 2.0, t, output_gradients=np.ones(3))
    with pytest.raises(TypeError, match="`xs` must be a non-empty list"):
        ops.concatenate(np.ones(3))
