"""``keras.ops`` and Python operators on symbolic tensors in functional models, against Keras 3.

Each program is written once in Keras's spelling and run with ``K`` = Keras and ``K`` =
glassnet: the ops and operators applied to the outputs of ``Input`` and of layers become
graph nodes. Compared from identical weights (glassnet's ``set_weights`` from Keras's
``get_weights()``): the layers (ops nodes are not layers), the parameter count, the
predictions, and the weights after one epoch of SGD without shuffling; and the summary rows
the ops nodes get.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from .conftest import as_numpy, keras


def _brief_example(K):  # noqa: N802, N803 - K is the library
    ops, layers = K.ops, K.layers
    inputs = K.Input((6,), name="inputs")
    x = layers.Dense(4, name="dense")(inputs)
    y = ops.mean(x, axis=-1, keepdims=True) * 2 + 1            # ops and operators
    a, b = ops.split(inputs, 2, axis=-1)                        # a list of tensors
    z = layers.concatenate([a * x[:, :3], b], name="joined")    # indexing too
    return K.Model(inputs, [y, z]), [(12, 6)]


def _two_inputs(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    first, second = K.Input((4,), name="first"), K.Input((4,), name="second")
    s = ops.add(first, second)
    h = layers.Dense(3, activation="tanh", name="hidden")(s)
    joined = ops.concatenate([h, ops.subtract(first, second), first * second], axis=-1)
    return K.Model([first, second], layers.Dense(2, name="out")(joined)), [(12, 4), (12, 4)]


def _comparisons_and_cast(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    inputs = K.Input((5,), name="inputs")
    x = layers.Dense(6, name="dense")(inputs)
    gated = ops.cast(x > 0, "float32") * x                     # a hand-made relu
    leaky = ops.where(x >= 0, x, 0.1 * x)
    band = ops.cast(ops.logical_and(x > -0.5, x < 0.5), "float32")
    h = layers.concatenate([gated, leaky, band * x], name="joined")
    return K.Model(inputs, layers.Dense(2, name="out")(h)), [(12, 5)]


def _split_outputs(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    inputs = K.Input((4,), name="inputs")
    h = layers.Dense(6, name="dense")(inputs)
    a, b, c = ops.split(h, [1, 3], axis=-1)                     # sizes 1, 2, 3
    first = layers.Dense(2, name="from_a")(a)
    second = b * ops.sum(c, axis=-1, keepdims=True)
    return K.Model(inputs, [first, second]), [(12, 4)]


def _unstack_steps(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    inputs = K.Input((4, 3), name="steps")
    x = layers.Dense(3, name="dense")(inputs)                  # on each of the 4 steps
    s0, s1, s2, s3 = ops.unstack(x, axis=1)
    h = layers.concatenate([s0 * s1, s2 - s3, ops.stack([s0, s3], axis=1)[:, 1]],
                           name="joined")
    return K.Model(inputs, layers.Dense(2, name="out")(h)), [(12, 4, 3)]


def _python_operators(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    inputs = K.Input((4,), name="inputs")
    x = layers.Dense(4, name="dense")(inputs)
    y = (x - 1) ** 2 / 4 + abs(-x) - 2 / (1 + ops.exp(x))
    outer = ops.expand_dims(x, 2) @ ops.expand_dims(inputs, 1)  # (None, 4, 4)
    flat = layers.Flatten(name="flat")(outer)
    return K.Model(inputs, layers.Dense(2, name="out")(layers.concatenate(
        [y, flat], name="joined"))), [(12, 4)]


def _mean_keepdims_normalize(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    inputs = K.Input((5,), name="inputs")
    x = layers.Dense(6, name="dense")(inputs)
    centred = x - ops.mean(x, axis=-1, keepdims=True)
    scaled = centred / ops.sqrt(ops.var(x, axis=-1, keepdims=True) + 1e-3)
    peak = ops.max(x, axis=-1, keepdims=True) - ops.min(x, axis=-1, keepdims=True)
    return K.Model(inputs, layers.Dense(1, name="out")(scaled * peak)), [(12, 5)]


def _activations_inside_merge_layers(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    inputs = K.Input((5,), name="inputs")
    x = layers.Dense(4, name="dense")(inputs)
    h = layers.add([ops.relu(x), ops.sigmoid(x) * 2, ops.tanh(x)], name="summed")
    p = layers.concatenate([ops.softmax(x, axis=-1), ops.square(h)], name="joined")
    return K.Model(inputs, layers.Dense(3, name="out")(p)), [(12, 5)]


def _sequence_indexing(K):  # noqa: N803
    ops, layers = K.ops, K.layers
    inputs = K.Input((4, 6), name="steps")
    x = layers.Dense(6, name="dense")(inputs)                  # (None, 4, 6)
    last = x[:, -1, :]                                          # (None, 6)
    every_other = x[:, :, ::2]                                  # (None, 4, 3)
    first_feature = x[..., 0]                                   # (None, 4)
    flipped = ops.reshape(ops.transpose(every_other, (0, 2, 1)), (-1, 12))
    h = layers.concatenate([last, first_feature, flipped], name="joined")
    return K.Model(inputs, layers.Dense(2, name="out")(h)), [(12, 4, 6)]


PROGRAMS = [_brief_example, _two_inputs, _comparisons_and_cast, _split_outputs,
            _unstack_steps, _python_operators, _mean_keepdims_normalize,
            _activations_inside_merge_layers, _sequence_indexing]


def _data(shapes, outputs, seed=0):
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=s).astype("float32") for s in shapes]
    ys = [rng.normal(size=(len(xs[0]), *o.shape[1:])).astype("float32") for o in outputs]
    return (xs[0] if len(xs) == 1 else xs), (ys[0] if len(ys) == 1 else ys)


def _as_list(out):
    return [as_numpy(o) for o in out] if isinstance(out, (list, tuple)) else [as_numpy(out)]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_program_runs_and_trains_as_keras(G, program):
    (k_model, shapes), (g_model, _) = program(keras), program(G)
    # the ops are nodes, not layers: the same layers, in the same order
    assert [layer.name for layer in g_model.layers] == [layer.name for layer in k_model.layers]
    assert len(g_model.layers) == len(k_model.layers)
    assert g_model.count_params() == k_model.count_params()
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    x, y = _data(shapes, k_model.outputs)
    want = _as_list(k_model.predict(x, verbose=0))
    got = _as_list(g_model.predict(x, verbose=0))
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(learning_rate=0.05), loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for g, w in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        np.testing.assert_allclose(g, as_numpy(w), rtol=1e-5, atol=1e-5)


# -- summary --------------------------------------------------------------------------------------
_KERAS_ROW = re.compile(r"^│\s*(\S+) \((\w+)\)\s*│\s*(.*?)\s*│\s*([\d,]+)\s*│")
_OUR_ROW = re.compile(r"^ (\S+) \((\w+)\)\s+(\(.*?\)|\[.*?\])\s+([\d,]+)")


def _rows(model, pattern, **kwargs):
    """``(type, output shape, params)`` of each summary row, and the row names."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(str(line)), **kwargs)
    found = [pattern.match(line) for line in "\n".join(lines).splitlines()]
    rows = [(m.group(2), m.group(3).replace(" ", ""), m.group(4)) for m in found if m]
    return rows, [m.group(1) for m in found if m]


@pytest.mark.parametrize("program", [_brief_example, _split_outputs, _two_inputs],
                         ids=lambda p: p.__name__.strip("_"))
def test_summary_shows_each_op_node_as_keras(G, program, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # Keras's table, unwrapped
    (k_model, _), (g_model, _) = program(keras), program(G)
    want, k_names = _rows(k_model, _KERAS_ROW, line_length=150)
    got, g_names = _rows(g_model, _OUR_ROW)
    assert want and sorted(got) == sorted(want)  # every op a row: type, shape, 0 params
    # named as Keras names them (glassnet counts from 1 in each model: `multiply_1`)
    base = [re.sub(r"_\d+$", "", name) for name in g_names]
    assert sorted(base) == sorted(re.sub(r"_\d+$", "", name) for name in k_names)
