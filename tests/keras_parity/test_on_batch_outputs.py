"""``train_on_batch``, ``test_on_batch``, ``predict_on_batch`` and ``evaluate`` on models with
several inputs and outputs return what Keras 3 returns from identical weights: the total loss,
each output's loss and metrics, as a list in Keras's order (``loss``, the outputs' losses,
then the other logs sorted by name) or, with ``return_dict=True``, a dict with Keras's keys."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, keras


def program(K, as_dict: bool = False, metrics: bool = True):  # noqa: N803
    L = K.layers
    a, b = K.Input(shape=(4,), name="a"), K.Input(shape=(3,), name="b")
    h = L.Dense(5, activation="relu", name="h")(L.concatenate([a, b], name="cat"))
    reg = L.Dense(1, name="reg")(h)
    cls = L.Dense(3, activation="softmax", name="cls")(h)
    if as_dict:
        model = K.Model({"a": a, "b": b}, {"reg": reg, "cls": cls})
        model.compile(optimizer=K.optimizers.SGD(0.1),
                      loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                      loss_weights={"reg": 1.0, "cls": 0.5},
                      metrics={"reg": ["mae"], "cls": ["accuracy"]} if metrics else None)
    else:
        model = K.Model([a, b], [reg, cls])
        model.compile(optimizer=K.optimizers.SGD(0.1),
                      loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                      metrics=[["mae", "mse"], ["accuracy"]] if metrics else None)
    return model


def batch(as_dict: bool):
    rng = np.random.default_rng(11)
    x = [rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")]
    y = [rng.normal(size=(8, 1)).astype("float32"), rng.integers(0, 3, size=(8,))]
    if as_dict:
        return {"a": x[0], "b": x[1]}, {"reg": y[0], "cls": y[1]}
    return x, y


def twins(G, as_dict: bool, metrics: bool = True):  # noqa: N803
    k_model, g_model = program(keras, as_dict, metrics), program(G, as_dict, metrics)
    for layer in g_model.layers:  # by name: the two list the layers in different orders
        layer.set_weights([as_numpy(w) for w in k_model.get_layer(layer.name).get_weights()])
    return k_model, g_model


def as_floats(value):
    if isinstance(value, dict):
        return {k: float(as_numpy(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [float(as_numpy(v)) for v in value]
    return float(as_numpy(value))


@pytest.mark.parametrize("as_dict", [False, True], ids=["lists", "dicts"])
@pytest.mark.parametrize("method", ["train_on_batch", "test_on_batch"])
def test_on_batch_returns_keras_list(G, method, as_dict):
    (k_model, g_model), (x, y) = twins(G, as_dict), batch(as_dict)
    for _ in range(3):  # train_on_batch: three steps, each result compared
        want = as_floats(getattr(k_model, method)(x, y))
        got = getattr(g_model, method)(x, y)
        assert isinstance(got, list) and len(got) == len(want)
        assert got == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("as_dict", [False, True], ids=["lists", "dicts"])
@pytest.mark.parametrize("method", ["train_on_batch", "test_on_batch"])
def test_on_batch_return_dict_has_keras_keys_and_values(G, method, as_dict):
    (k_model, g_model), (x, y) = twins(G, as_dict), batch(as_dict)
    for _ in range(2):
        want = as_floats(getattr(k_model, method)(x, y, return_dict=True))
        got = getattr(g_model, method)(x, y, return_dict=True)
        assert list(got) == list(want)  # the same keys, in Keras's (sorted) order
        assert got == pytest.approx(want, rel=1e-5)


def test_several_outputs_without_metrics(G):
    (k_model, g_model), (x, y) = twins(G, False, metrics=False), batch(False)
    want = as_floats(k_model.train_on_batch(x, y))
    assert g_model.train_on_batch(x, y) == pytest.approx(want, rel=1e-5)
    assert len(want) == 3  # loss, reg_loss, cls_loss


def test_evaluate_list_and_dict_as_keras(G):
    (k_model, g_model), (x, y) = twins(G, False), batch(False)
    assert g_model.evaluate(x, y, verbose=0) == pytest.approx(
        as_floats(k_model.evaluate(x, y, verbose=0)), rel=1e-5)
    want = as_floats(k_model.evaluate(x, y, verbose=0, return_dict=True))
    got = g_model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(got) == list(want) and got == pytest.approx(want, rel=1e-5)


def test_one_output_keeps_compile_order_in_the_list(G):
    def one(K):  # noqa: N803
        x = K.Input(shape=(4,))
        model = K.Model(x, K.layers.Dense(3, activation="softmax")(x))
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy", "accuracy"])
        return model

    k_model, g_model = one(keras), one(G)
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    x, y = batch(False)
    for rd in (False, True):
        want = as_floats(k_model.train_on_batch(x[0], y[1], return_dict=rd))
        got = g_model.train_on_batch(x[0], y[1], return_dict=rd)
        assert got == pytest.approx(want, rel=1e-5)
        if rd:
            assert list(got) == list(want)


@pytest.mark.parametrize("as_dict", [False, True], ids=["lists", "dicts"])
def test_predict_on_batch_with_several_inputs_and_outputs(G, as_dict):
    (k_model, g_model), (x, _) = twins(G, as_dict), batch(as_dict)
    want, got = k_model.predict_on_batch(x), g_model.predict_on_batch(x)
    assert type(got) is type(want)
    pairs = [(got[k], want[k]) for k in want] if as_dict else list(zip(got, want, strict=True))
    for g, k in pairs:
        np.testing.assert_allclose(g, as_numpy(k), rtol=1e-5, atol=1e-6)


def test_ticket_model_on_batch_as_keras(G):
    """The Functional API guide's ticket model (three inputs, two dict outputs, LSTMs)."""
    from .test_functional_guide import compile_ticket, copy_weights, ticket_data, ticket_model

    k_model, g_model = ticket_model(keras), ticket_model(G)
    copy_weights(k_model, g_model)
    compile_ticket(keras, k_model)
    compile_ticket(G, g_model)
    x, y = ticket_data(n=8)
    for rd in (False, True, False):
        want = as_floats(k_model.train_on_batch(x, y, return_dict=rd))
        got = g_model.train_on_batch(x, y, return_dict=rd)
        assert got == pytest.approx(want, rel=1e-4)
    want = as_floats(k_model.test_on_batch(x, y, return_dict=True))
    got = g_model.test_on_batch(x, y, return_dict=True)
    assert list(got) == list(want) and got == pytest.approx(want, rel=1e-4)
