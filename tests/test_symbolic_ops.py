"""``glassnet.ops`` and Python operators on symbolic tensors: operation nodes of a functional
graph (Keras 3's ops on ``KerasTensor``s).

The ops record nodes, not layers; the model runs them forward and backward on the one graph
walker, with gradients from the tape that match central differences in float64. Also here:
``ops.split`` and ``ops.unstack`` (list outputs) against NumPy and finite differences, the
errors that name the op, and what saving does with a model holding ops.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as G
from glassnet import layers, ops
from glassnet.gradcheck import check_model, numeric_gradient, relative_error
from glassnet.layers.input import SymbolicTensor
from glassnet.ops import symbolic
from glassnet.ops.symbolic import TensorOperation


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _tape_grad(fn, x, upstream):
    """``d sum_i <fn(x)_i, upstream_i> / dx`` by the tape (``fn`` returns a list)."""
    with ops.Tape() as tape:
        t = tape.watch(x)
        outs = fn(t)
        total = ops.sum(outs[0] * upstream[0])
        for o, u in zip(outs[1:], upstream[1:], strict=True):
            total = total + ops.sum(o * u)
    return tape.gradient(total, t)


def _numeric(fn, x, upstream):
    return numeric_gradient(
        lambda: float(sum(np.sum(o * u) for o, u in zip(fn(x), upstream, strict=True))), x)


# -- split and unstack on arrays -----------------------------------------------------------------
@pytest.mark.parametrize(("sections", "axis"), [(2, 0), (3, 1), ([1, 3], -1), ([2], 1), (1, 2)])
def test_split_matches_numpy_and_finite_differences(sections, axis, rng):
    x = rng.normal(size=(4, 6, 5))
    got = ops.split(x, sections, axis=axis)
    want = np.split(x, sections, axis=axis)
    assert isinstance(got, list) and len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    upstream = [rng.normal(size=w.shape) for w in want]
    fn = lambda t: ops.split(t, sections, axis=axis)  # noqa: E731
    assert relative_error(_tape_grad(fn, x, upstream), _numeric(fn, x, upstream)) < 1e-6


def test_split_gradient_is_the_pieces_gradients_concatenated(rng):
    x = rng.normal(size=(3, 6))
    with ops.Tape() as tape:
        t = tape.watch(x)
        a, b, c = ops.split(t, 3, axis=1)
        loss = ops.sum(a * 2.0) + ops.sum(ops.square(c))  # b unused: zeros there
    want = np.concatenate([np.full((3, 2), 2.0), np.zeros((3, 2)), 2 * x[:, 4:]], axis=1)
    np.testing.assert_allclose(tape.gradient(loss, t), want)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack_matches_numpy_and_finite_differences(axis, rng):
    x = rng.normal(size=(3, 4, 2))
    got = ops.unstack(x, axis=axis)
    want = list(np.moveaxis(x, axis, 0))
    assert isinstance(got, list) and len(got) == x.shape[axis]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(ops.stack(got, axis=axis), x)  # the inverse of stack
    upstream = [rng.normal(size=w.shape) for w in want]
    fn = lambda t: ops.unstack(t, num=x.shape[axis], axis=axis)  # noqa: E731
    assert relative_error(_tape_grad(fn, x, upstream), _numeric(fn, x, upstream)) < 1e-6


def test_split_and_unstack_errors_name_the_argument():
    x = np.zeros((4, 6))
    with pytest.raises(ValueError, match="`indices_or_sections` 4 must divide the size 6"):
        ops.split(x, 4, axis=1)
    with pytest.raises(ValueError, match="`axis` 2 is out of range"):
        ops.split(x, 2, axis=2)
    with pytest.raises(ValueError, match="`num` must be the size 6 of axis 1"):
        ops.unstack(x, num=3, axis=1)
    with pytest.raises(ValueError, match="`axis` -3 is out of range"):
        ops.unstack(x, axis=-3)


# -- recording nodes ------------------------------------------------------------------------------
def test_every_exported_function_records_on_symbolic_tensors():
    """One wrapper over the whole namespace: every function exported by glassnet.ops."""
    skipped = {"is_traced"}
    for name in ops.__all__:
        value = getattr(ops, name)
        if isinstance(value, type) or name in skipped:
            continue
        assert hasattr(value, "__wrapped_op__"), name
    x = G.Input((6,))
    assert isinstance(ops.mean(x, axis=-1), SymbolicTensor)
    assert ops.mean(x, axis=-1, keepdims=True).shape == (None, 1)
    assert (x * 2).shape == (None, 6) and isinstance(x * 2, SymbolicTensor)
    assert ops.concatenate([x, x], axis=-1).shape == (None, 12)  # tensors inside a list
    assert ops.stack((x, x), axis=1).shape == (None, 2, 6)
    assert ops.shape(x) == (None, 6) and ops.ndim(x) == 2  # a description, not a node


def test_a_function_exported_later_is_wrapped_too():
    """What an op added in a new file of glassnet.ops gets from the package's wrapping."""
    def doubled(x):
        return ops.multiply(x, 2.0) if not isinstance(x, np.ndarray) else x * 2.0

    doubled.__module__ = "glassnet.ops.more"
    namespace = {"doubled": doubled}
    symbolic.wrap_exports(namespace, [])
    wrapped = namespace["doubled"]
    np.testing.assert_array_equal(wrapped(np.ones(3)), np.full(3, 2.0))
    y = wrapped(G.Input((4,)))
    assert isinstance(y, SymbolicTensor) and y.shape == (None, 4)
    assert y.node.layer.class_name == "Doubled"


def test_plain_arrays_still_give_plain_arrays(rng):
    x = rng.normal(size=(3, 4)).astype("float32")
    for out in (ops.mean(x, axis=-1), ops.add(x, 1.0), ops.concatenate([x, x])):
        assert type(out) is np.ndarray and out.dtype == np.float32
    assert all(type(p) is np.ndarray for p in ops.split(x, 2, axis=1))


def test_operators_attributes_and_dtypes_of_symbolic_tensors():
    x, w = G.Input((6,)), G.Input((6, 3))
    for y, shape in [(x + 1, (None, 6)), (1 - x, (None, 6)), (x * x, (None, 6)),
                     (x / 2, (None, 6)), (2 / x, (None, 6)), (x ** 2, (None, 6)),
                     (-x, (None, 6)), (abs(x), (None, 6)), (x[:, None] @ w, (None, 1, 3)),
                     (x[:, :3], (None, 3)), (x[..., 0], (None,)), (x[:, None, ::2], (None, 1, 3)),
                     (np.exp(x), (None, 6)), (np.ones(6, "float32") * x, (None, 6))]:
        assert isinstance(y, SymbolicTensor) and y.shape == shape and y.dtype == "float32"
    for y in (x > 0, x >= 0, x < 0, x <= 0, x != 0, (x > 0) & (x < 1), ~(x > 0)):
        assert y.dtype == "bool" and y.shape == (None, 6)
    assert ops.cast(x > 0, "float32").dtype == "float32"
    assert ops.argmax(x, axis=-1).dtype.startswith("int")
    assert x.ndim == 2 and x.dtype == "float32" and (x @ w).ndim == 3  # NumPy's matmul rule
    assert (x == x) is True and x in [w, x]  # identity, as Keras: usable in lists
    assert (x / 2).node.layer.class_name == "TrueDivide"  # Keras's op for `/`
    assert abs(x).node.layer.class_name == "Absolute"
    assert x[:, 0].node.layer.class_name == "GetItem"
    with pytest.raises(TypeError, match="has no value, so it cannot be iterated"):
        list(x)
    with pytest.raises(TypeError, match="cannot be converted to a NumPy array"):
        np.asarray(x)


def test_none_dimensions_stay_none():
    seq = G.Input((None, 3))
    assert ops.sum(seq, axis=1).shape == (None, 3)
    assert ops.mean(seq, axis=-1).shape == (None, None)
    assert ops.transpose(seq, (0, 2, 1)).shape == (None, 3, None)
    assert ops.concatenate([seq, seq], axis=1).shape == (None, None, 3)
    assert G.Input((None,), dtype="int32").dtype == "int32"


def test_errors_name_the_op():
    x = G.Input((6,))
    with pytest.raises(ValueError, match=r"ops\.add cannot be applied to symbolic tensors of "
                                         r"shapes \(None, 6\), \(None, 5\)"):
        ops.add(x, G.Input((5,)))
    with pytest.raises(ValueError, match=r"ops\.matmul cannot be applied"):
        ops.matmul(x, G.Input((5, 3)))
    with pytest.raises(ValueError, match=r"ops\.reshape cannot be applied"):
        ops.reshape(x, (-1, 4, 4))
    with pytest.raises(ValueError, match=r"ops\.reshape .* must keep the batch axis"):
        ops.reshape(x, (-1, 4))
    with pytest.raises(ValueError, match=r"ops\.mean on symbolic tensors of shapes \(None, 6\) "
                                         "must keep the batch axis first"):
        ops.mean(x, axis=0)
    with pytest.raises(ValueError, match=r"ops\.getitem .* must keep the batch axis"):
        x[0]  # noqa: B018


# -- models ---------------------------------------------------------------------------------------
def _model(dtype="float32"):
    inputs = G.Input((6,), name="inputs")
    x = layers.Dense(4, name="dense")(inputs)
    y = ops.mean(x, axis=-1, keepdims=True) * 2 + 1
    a, b = ops.split(inputs, 2, axis=-1)
    z = layers.concatenate([a * x[:, :3], b], name="joined")
    out = layers.Dense(2, activation="tanh", name="head")(ops.cast(z > 0, dtype) * z)
    return G.Model(inputs, [y, out], seed=1, dtype=dtype)


def test_ops_nodes_are_not_layers_but_show_in_the_summary():
    model = _model()
    assert [layer.name for layer in model.layers] == ["inputs", "dense", "joined", "head"]
    assert not any(isinstance(layer, TensorOperation) for layer in model.layers)
    assert model.count_params() == 6 * 4 + 4 + 6 * 2 + 2
    assert model.get_layer("dense").name == "dense"
    with pytest.raises(ValueError, match="No layer named 'multiply_1'"):
        model.get_layer("multiply_1")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for row in ("mean_1 (Mean)", "multiply_1 (Multiply)", "add_1 (Add)", "split_1 (Split)",
                "get_item_1 (GetItem)", "multiply_2 (Multiply)", "greater_1 (Greater)",
                "cast_1 (Cast)"):
        assert row in text
    assert "split_1[0][0]" in text and "split_1[0][1]" in text and "get_item_1[0][0]" in text
    assert "Total params: 42" in text
    assert model.output_names == ["add_1", "head"]


def test_model_gradients_through_ops_match_finite_differences(rng):
    model = _model("float64")
    model.compile(optimizer="sgd", loss=["mse", "mse"])
    x = rng.normal(size=(5, 6))
    y = [rng.normal(size=(5, 1)), rng.normal(size=(5, 2))]
    rows = check_model(model, x, y)
    assert {r["layer"] for r in rows} == {"dense", "head"}
    assert max(r["relative_error"] for r in rows) < 1e-6


def test_same_tensor_twice_and_two_inputs_get_exact_gradients(rng):
    a, b = G.Input((3,), name="a"), G.Input((3,), name="b")
    h = layers.Dense(3, name="d")(a)
    out = layers.Dense(1, name="o")(ops.add(h, h) * ops.add(a, b) + ops.maximum(h, b))
    model = G.Model([a, b], out, seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    xs = [rng.normal(size=(6, 3)), rng.normal(size=(6, 3))]
    rows = check_model(model, xs, rng.normal(size=(6, 1)))
    assert max(r["relative_error"] for r in rows) < 1e-6


def test_an_output_of_split_no_loss_reaches_gets_zeros(rng):
    inputs = G.Input((4,))
    h = layers.Dense(6, name="d")(inputs)
    first, _unused = ops.split(h, [2], axis=-1)
    model = G.Model(inputs, layers.Dense(1, name="o")(first), dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    rows = check_model(model, rng.normal(size=(5, 4)), rng.normal(size=(5, 1)))
    assert max(r["relative_error"] for r in rows) < 1e-6
    kernel = model.get_layer("d").grads["kernel"]
    assert np.all(kernel[:, 2:] == 0) and np.any(kernel[:, :2] != 0)


def test_training_lowers_the_loss_and_inference_keeps_no_tape(rng):
    model = _model()
    model.compile(optimizer=G.optimizers.SGD(0.05), loss="mse")
    x = rng.normal(size=(32, 6)).astype("float32")
    y = [np.ones((32, 1), "float32"), rng.uniform(-0.5, 0.5, size=(32, 2)).astype("float32")]
    history = model.fit(x, y, epochs=15, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < 0.7 * history[0]
    model.predict(x, verbose=0)
    assert all(node.layer._cache is None for node in model._nodes
               if isinstance(node.layer, TensorOperation))


def test_a_model_with_ops_nested_in_another(rng):
    inner_in = G.Input((4,))
    inner = G.Model(inner_in, ops.relu(layers.Dense(4, name="d1")(inner_in)) * 0.5, name="inner",
                    dtype="float64")
    outer_in = G.Input((4,))
    out = layers.Dense(1, name="o")(inner(outer_in) + outer_in)
    model = G.Model(outer_in, out, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    rows = check_model(model, rng.normal(size=(5, 4)), rng.normal(size=(5, 1)))
    assert max(r["relative_error"] for r in rows) < 1e-6


# -- saving ---------------------------------------------------------------------------------------
def test_weights_round_trip_and_architecture_saving_says_why_not(tmp_path, rng):
    model = _model()
    x = rng.normal(size=(4, 6)).astype("float32")
    before = model.predict(x, verbose=0)
    model.save_weights(tmp_path / "m.weights.npz")
    other = _model()
    other.set_weights([w + 1 for w in other.get_weights()])
    other.load_weights(tmp_path / "m.weights.npz")
    for a, b in zip(other.predict(x, verbose=0), before, strict=True):
        np.testing.assert_array_equal(a, b)
    message = r"ops\.mean 'mean_1' \(Mean\) applied to symbolic tensors cannot be saved"
    for attempt in (model.to_json, model.get_config, lambda: G.models.clone_model(model),
                    lambda: model.save(tmp_path / "m.keras"),
                    lambda: model.save(tmp_path / "m.npz")):
        with pytest.raises(ValueError, match=message):
            attempt()
    assert not (tmp_path / "m.keras").exists() and not (tmp_path / "m.npz").exists()
