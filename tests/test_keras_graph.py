"""The functional graph in Keras's ``config.json`` (``glassnet.saving.keras_graph``) without
Keras: the layer order Keras gives ``model.layers``, the calls of shared layers and nested
models, and the rebuilding order of a file's calls (forged files included)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from glassnet import Input, Model, Sequential, layers
from glassnet.models import load_model
from glassnet.saving import KerasFormatError
from glassnet.saving.keras_graph import call_order, keras_order

pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")


def test_keras_order_of_the_ticket_model():
    """Keras 3.15 lists this graph's layers as below (decreasing depth from the outputs,
    a dict's outputs by sorted key, ties by first visit)."""
    title, body, tags = Input((None,), name="title"), Input((None,), name="body"), \
        Input((12,), name="tags")
    t = layers.LSTM(4, name="lt")(layers.Embedding(20, 4, name="et")(title))
    b = layers.LSTM(4, name="lb")(layers.Embedding(20, 4, name="eb")(body))
    x = layers.concatenate([t, b, tags], name="cat")
    model = Model([title, body, tags], {"priority": layers.Dense(1, name="priority")(x),
                                        "department": layers.Dense(4, name="department")(x)})
    assert [layer.name for layer in keras_order(model)] == [
        "title", "body", "et", "eb", "lt", "lb", "tags", "cat", "department", "priority"]


def test_a_shared_layer_takes_its_deepest_call():
    x = Input((4,), name="x")
    shared = layers.Dense(4, name="shared")
    h = shared(layers.Dense(4, name="pre")(shared(x)))
    model = Model(x, layers.Dense(1, name="y")(h))
    assert [layer.name for layer in keras_order(model)] == ["x", "shared", "pre", "y"]


def test_call_order_makes_every_call_after_its_inputs():
    calls = [("y", [[["shared", 1]]]), ("shared", [[["x", 0]], [["pre", 0]]]),
             ("pre", [[["shared", 0]]]), ("x", [])]
    nodes = call_order(calls)
    made: dict[str, int] = {}
    for name, inputs in nodes:
        assert all(made.get(n, 0) > i for n, i in inputs)
        made[name] = made.get(name, 0) + 1
    assert made == {"x": 1, "shared": 2, "pre": 1, "y": 1}


def test_call_order_of_a_long_reversed_chain_is_fast():
    n = 20_000  # a forged file listing a chain backwards
    calls = [(f"d{k}", [[[f"d{k - 1}", 0]]]) for k in range(n - 1, 0, -1)] + [("d0", [])]
    start = time.perf_counter()
    nodes = call_order(calls)
    assert time.perf_counter() - start < 5.0
    assert [name for name, _ in nodes] == [f"d{k}" for k in range(n)]


@pytest.mark.parametrize("refs", [[["nowhere", 0]], [["x", 1]]])
def test_call_order_refuses_a_tensor_no_layer_makes(refs):
    with pytest.raises(KerasFormatError, match="no layer makes"):
        call_order([("x", []), ("y", [refs])])


def test_every_kind_of_graph_round_trips_through_a_keras_file(rng, tmp_path):
    inner_in = Input((3,), name="inner_in")
    encoder = Model(inner_in, layers.Dense(2, activation="tanh", name="code")(inner_in),
                    name="encoder")
    head = Sequential([Input((2,)), layers.Dense(2, name="head_dense")], name="head")
    a, b = Input((3,), name="a"), Input((3,), name="b")
    shared = layers.Dense(3, name="shared")
    z = layers.add([encoder(shared(a)), encoder(shared(b))], name="sum")
    model = Model({"a": a, "b": b}, {"y": head(z), "code": encoder(a)}, name="outer")
    model.compile("adam", {"y": "mse", "code": "mae"}, loss_weights={"y": 1.0, "code": 0.5},
                  metrics={"y": ["mae"]})
    x = {"a": rng.random((6, 3)), "b": rng.random((6, 3))}
    y = {"y": rng.random((6, 2)), "code": rng.random((6, 2))}
    model.fit(x, y, epochs=2, batch_size=3, verbose=0)
    model.save(tmp_path / "m.keras")
    twin = load_model(tmp_path / "m.keras")
    for key in ("y", "code"):
        np.testing.assert_array_equal(twin.predict(x)[key], model.predict(x)[key])
    assert twin.count_params() == model.count_params()
    assert twin.train_on_batch(x, y, return_dict=True) == pytest.approx(
        model.train_on_batch(x, y, return_dict=True), rel=1e-6)


def test_a_nested_layer_claiming_10_to_the_12_units_is_refused_before_allocation(tmp_path):
    import io
    import json
    import zipfile

    inner_in = Input((3,), name="inner_in")
    hidden = layers.Dense(5, name="wide")(inner_in)
    encoder = Model(inner_in, layers.Dense(2, name="narrow")(hidden), name="encoder")
    x = Input((3,), name="x")
    Model(x, layers.Dense(1, name="y")(encoder(x))).save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    doc = json.loads(parts["config.json"])
    nested = next(e for e in doc["config"]["layers"] if e["class_name"] == "Functional")
    wide = next(e for e in nested["config"]["layers"] if e["name"] == "wide")
    wide["config"]["units"] = 10**12
    parts["config.json"] = json.dumps(doc).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, raw in parts.items():
            zf.writestr(name, raw)
    (tmp_path / "huge.keras").write_bytes(buf.getvalue())
    with pytest.raises(KerasFormatError, match=r"layer 'wide'.*needs a weight.*corrupt or forged"):
        load_model(tmp_path / "huge.keras")
