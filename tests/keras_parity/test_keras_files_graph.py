"""``.keras`` files of functional models with several inputs and outputs, shared layers and
nested models, both ways, with Keras 3 as the referee: the same program written by one
side is read by the other and predicts the same; the file has Keras's layout (layer order,
``inbound_nodes``, weight groups); a compiled model with several outputs comes back
compiled (optimizer, per-output losses, loss weights and metrics)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from .conftest import as_numpy, keras

h5py = pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")


# ----------------------------------------------------------------- the guide's programs
def ticket(K):  # noqa: N803 - the guide's ticket model: three inputs, two outputs (a dict)
    L = K.layers
    title, body = K.Input(shape=(None,), name="title"), K.Input(shape=(None,), name="body")
    tags = K.Input(shape=(6,), name="tags")
    t = L.LSTM(6, name="title_lstm")(L.Embedding(50, 8, name="title_embedding")(title))
    b = L.LSTM(4, name="body_lstm")(L.Embedding(50, 8, name="body_embedding")(body))
    x = L.concatenate([t, b, tags], name="joined")
    return K.Model([title, body, tags],
                   {"priority": L.Dense(1, name="priority")(x),
                    "department": L.Dense(4, activation="softmax", name="department")(x)})


def shared_embedding(K):  # noqa: N803 - one Embedding called on two inputs
    L = K.layers
    embed = L.Embedding(50, 8, name="shared_embedding")
    a, b = K.Input(shape=(None,), name="text_a"), K.Input(shape=(None,), name="text_b")
    pa = L.GlobalAveragePooling1D(name="pool_a")(embed(a))
    pb = L.GlobalAveragePooling1D(name="pool_b")(embed(b))
    return K.Model([a, b], L.Dense(1, name="score")(L.concatenate([pa, pb], name="joined")))


def toy_resnet(K):  # noqa: N803 - the guide's toy ResNet (smaller)
    L = K.layers
    inputs = K.Input(shape=(10, 10, 3), name="img")
    x = L.Conv2D(8, 3, activation="relu", name="conv1")(inputs)
    block_1 = L.MaxPooling2D(2, name="pool")(x)
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv2")(block_1)
    x = L.Conv2D(8, 3, padding="same", name="conv3")(x)
    block_2 = L.add([x, block_1], name="add1")
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv4")(block_2)
    x = L.Conv2D(8, 3, padding="same", name="conv5")(x)
    x = L.GlobalAveragePooling2D(name="gap")(L.add([x, block_2], name="add2"))
    return K.Model(inputs, L.Dense(3, name="out")(L.Dropout(0.5, name="drop")(x)),
                   name="toy_resnet")


def nested(K):  # noqa: N803 - a functional and a Sequential model used as layers
    L = K.layers
    inp = K.Input(shape=(6,), name="enc_in")
    h = L.Dense(5, activation="relu", name="enc_hidden")(inp)
    encoder = K.Model(inp, L.Dense(3, name="code")(h), name="encoder")
    head = K.Sequential([K.Input(shape=(3,)), L.Dense(4, activation="tanh", name="head_1"),
                         L.Dense(2, name="head_2")], name="head")
    a, b = K.Input(shape=(6,), name="a"), K.Input(shape=(6,), name="b")
    z = L.add([encoder(a), encoder(b)], name="sum")  # the encoder shared by two calls
    return K.Model([a, b], [head(z), encoder(a)], name="outer")  # a nested model's output


def shared_at_two_depths(K):  # noqa: N803 - a shared layer whose 2nd call reads a deeper layer
    L = K.layers
    x = K.Input(shape=(4,), name="x")
    shared = L.Dense(4, activation="tanh", name="shared")
    h = shared(L.Dense(4, name="pre")(shared(x)))
    return K.Model(x, [L.Dense(2, name="y1")(h), L.Dense(1, name="y2")(shared(h))])


def masked_text_and_shared_output(K):  # noqa: N803 - mask_zero, a shared layer as an output
    L = K.layers
    a, b = K.Input(shape=(4,), name="a"), K.Input(shape=(None,), name="b")
    shared = L.Dense(3, name="shared")
    inner_in = K.Input(shape=(3,), name="inner_in")
    encoder = K.Model(inner_in, L.Dense(2, name="code")(inner_in), name="enc")
    text = L.LSTM(2, name="lstm")(L.Embedding(10, 2, mask_zero=True, name="embed")(b))
    h = L.concatenate([encoder(shared(a)), text], name="joined")
    return K.Model({"a": a, "b": b}, {"y": L.Dense(1, name="y")(h), "z": shared(a)})


PROGRAMS = {"ticket": ticket, "shared_embedding": shared_embedding, "toy_resnet": toy_resnet,
            "nested": nested, "shared_at_two_depths": shared_at_two_depths,
            "masked_text_and_shared_output": masked_text_and_shared_output}


def data(name: str) -> object:
    rng = np.random.default_rng(3)
    if name == "ticket":
        return {"title": rng.integers(0, 50, (5, 4)), "body": rng.integers(0, 50, (5, 7)),
                "tags": rng.random((5, 6)).astype("float32")}
    if name == "shared_embedding":
        return [rng.integers(0, 50, (5, 6)), rng.integers(0, 50, (5, 6))]
    if name == "toy_resnet":
        return rng.random((5, 10, 10, 3)).astype("float32")
    if name == "nested":
        return [rng.random((5, 6)).astype("float32"), rng.random((5, 6)).astype("float32")]
    if name == "masked_text_and_shared_output":
        text = rng.integers(1, 10, (5, 6))
        text[:, 4:] = 0  # padding, masked
        return {"a": rng.random((5, 4)).astype("float32"), "b": text}
    return rng.random((5, 4)).astype("float32")


def outputs(value) -> list[np.ndarray]:
    """Predictions as a list: a dict's by sorted key (Keras's flattening), a list as is."""
    if isinstance(value, dict):
        return [np.asarray(as_numpy(value[k])) for k in sorted(value)]
    if isinstance(value, (list, tuple)):
        return [np.asarray(as_numpy(v)) for v in value]
    return [np.asarray(as_numpy(value))]


def randomize(model) -> None:
    """Non-trivial weights (Keras initialises biases to zero)."""
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(0, 0.3, np.shape(w)).astype("float32")
                       for w in model.get_weights()])


def members(path) -> tuple[dict, set[str]]:
    """``(config.json, {weight dataset path: its group's name attribute}``)."""
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
        raw = zf.read("model.weights.h5")
    found: dict[str, str] = {}

    def visit(path: str, obj) -> None:  # returning a value would stop the walk
        if isinstance(obj, h5py.Dataset) or path.endswith("vars"):
            found[path] = str(obj.attrs.get("name", ""))

    with h5py.File(io.BytesIO(raw), "r") as f:
        f.visititems(visit)
    return config, {f"{p}={n}" for p, n in found.items()}


def without_noise(config):
    """The parts of a config both sides must agree on: layer classes, names and calls.
    Keras records an ``Embedding(mask_zero=True)``'s mask as a ``NotEqual`` op passed on as
    ``mask=``; glassnet does not write it (Keras computes the mask again when it loads)."""
    out = []
    entries = [e for e in config["config"]["layers"] if e["class_name"] != "NotEqual"]
    names = {e["name"] for e in entries}
    for layer in entries:
        calls = [[t["config"]["keras_history"] for t in _tensors(node)
                  if t["config"]["keras_history"][0] in names]
                 for node in layer.get("inbound_nodes", [])]
        inner = without_noise(layer) if layer["class_name"] == "Functional" else None
        out.append((layer["class_name"], layer.get("name"), calls, inner))
    return out, config["config"].get("input_layers"), config["config"].get("output_layers")


def _tensors(obj):
    if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _tensors(v)]
    if isinstance(obj, list):
        return [t for v in obj for t in _tensors(v)]
    return []


# ----------------------------------------------------------------- glassnet -> Keras
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_glassnet_file_loads_in_keras_with_identical_predictions(G, name, tmp_path):
    model = PROGRAMS[name](G)
    randomize(model)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    x = data(name)
    for got, want in zip(outputs(loaded.predict(x, verbose=0)), outputs(model.predict(x)),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # Keras lists the layers (and numbers the weight groups) in the order the file gives
    assert [layer.name for layer in loaded.layers] == [
        layer.name for layer in PROGRAMS[name](keras).layers]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_glassnet_file_has_keras_layout(G, name, tmp_path):
    """The same program saved by each side: the same layers, calls, inputs and outputs in
    config.json, and the same weight datasets under the same groups."""
    G.models.load_model  # noqa: B018 - the port exposes Keras's path
    PROGRAMS[name](G).save(tmp_path / "g.keras")
    PROGRAMS[name](keras).save(tmp_path / "k.keras")
    g_config, g_weights = members(tmp_path / "g.keras")
    k_config, k_weights = members(tmp_path / "k.keras")
    g_layers, g_in, g_out = without_noise(g_config)
    k_layers, k_in, k_out = without_noise(k_config)
    # Keras names a Sequential's own InputLayer by a global counter: not compared
    assert [entry[:3] for entry in g_layers] == [entry[:3] for entry in k_layers]
    assert (g_in, g_out) == (k_in, k_out)
    # unnamed models and a Sequential's InputLayer take names from Keras's global counters
    def named(found: set[str]) -> set[str]:
        return {w for w in found if "input_layer" not in w and not w.startswith("vars=")}

    kept = named(k_weights)
    assert named(g_weights) == kept
    assert sum(w.split("=")[0].endswith("vars/0") for w in kept) >= 2  # the weights compared


# ----------------------------------------------------------------- Keras -> glassnet
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_keras_file_loads_in_glassnet_with_identical_predictions(G, name, tmp_path):
    model = PROGRAMS[name](keras)
    randomize(model)
    model.save(tmp_path / "m.keras")
    loaded = G.models.load_model(tmp_path / "m.keras")
    x = data(name)
    for got, want in zip(outputs(loaded.predict(x)), outputs(model.predict(x, verbose=0)),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # and back: glassnet writes what it read, Keras reads it again
    loaded.save(tmp_path / "again.keras")
    again = keras.saving.load_model(tmp_path / "again.keras")
    for got, want in zip(outputs(again.predict(x, verbose=0)), outputs(model.predict(x, verbose=0)),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_shared_layer_keeps_one_set_of_weights_after_loading(G, tmp_path):
    shared_embedding(keras).save(tmp_path / "m.keras")
    loaded = G.models.load_model(tmp_path / "m.keras")
    layer = loaded.get_layer("shared_embedding")
    assert sum(node.layer is layer for node in loaded._nodes) == 2  # called twice
    assert loaded.count_params() == keras.saving.load_model(tmp_path / "m.keras").count_params()


# ----------------------------------------------------------------- compiled, several outputs
def two_outputs(K, as_dict: bool):  # noqa: N803
    L = K.layers
    a, b = K.Input(shape=(4,), name="a"), K.Input(shape=(3,), name="b")
    h = L.Dense(5, activation="relu", name="h")(L.concatenate([a, b], name="cat"))
    reg, cls = L.Dense(1, name="reg")(h), L.Dense(3, activation="softmax", name="cls")(h)
    if as_dict:
        model = K.Model({"a": a, "b": b}, {"reg": reg, "cls": cls})
        model.compile(optimizer=K.optimizers.Adam(0.01),
                      loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                      metrics={"reg": ["mae"], "cls": ["accuracy"]},
                      loss_weights={"reg": 1.0, "cls": 0.5})
    else:
        model = K.Model([a, b], [reg, cls])
        model.compile(optimizer=K.optimizers.SGD(0.1, momentum=0.9),
                      loss=["mse", "sparse_categorical_crossentropy"],
                      metrics=[["mae"], ["accuracy"]], loss_weights=[1.0, 0.5])
    return model


def two_output_data(as_dict: bool):
    rng = np.random.default_rng(5)
    x = [rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")]
    y = [rng.normal(size=(8, 1)).astype("float32"), rng.integers(0, 3, size=(8,))]
    if as_dict:
        return {"a": x[0], "b": x[1]}, {"reg": y[0], "cls": y[1]}
    return x, y


@pytest.mark.parametrize("as_dict", [False, True], ids=["lists", "dicts"])
def test_glassnet_round_trip_restores_compile_with_several_outputs(G, as_dict, tmp_path):
    model = two_outputs(G, as_dict)
    x, y = two_output_data(as_dict)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = G.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.loss.weights == model.loss.weights == [1.0, 0.5]
    assert loaded.metric_names == model.metric_names
    # the optimizer's state came back too: the next step is the same step
    want = model.train_on_batch(x, y, return_dict=True)
    assert loaded.train_on_batch(x, y, return_dict=True) == pytest.approx(want, rel=1e-6)
    assert sorted(want) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae"]


@pytest.mark.parametrize("as_dict", [False, True], ids=["lists", "dicts"])
def test_compile_settings_with_several_outputs_cross_both_ways(G, as_dict, tmp_path):
    x, y = two_output_data(as_dict)
    g_model = two_outputs(G, as_dict)
    g_model.save(tmp_path / "g.keras")
    k_loaded = keras.saving.load_model(tmp_path / "g.keras")  # compiled by Keras from the file
    assert k_loaded.compiled
    assert k_loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        g_model.evaluate(x, y, verbose=0, return_dict=True), rel=1e-5)
    k_model = two_outputs(keras, as_dict)
    k_model.save(tmp_path / "k.keras")
    g_loaded = G.models.load_model(tmp_path / "k.keras")
    assert type(g_loaded.optimizer).__name__ == type(k_model.optimizer).__name__
    assert g_loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        k_model.evaluate(x, y, verbose=0, return_dict=True), rel=1e-5)


# ----------------------------------------------------------------- forged references
def test_a_reference_to_a_call_that_does_not_exist_is_refused(G, tmp_path):
    shared_embedding(keras).save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(parts["config.json"])
    for layer in config["config"]["layers"]:
        for t in (t for node in layer.get("inbound_nodes", []) for t in _tensors(node)):
            if t["config"]["keras_history"][0] == "shared_embedding":
                t["config"]["keras_history"][1] = 5  # its sixth call: there are two
    parts["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "forged.keras", "w") as zf:
        for name, raw in parts.items():
            zf.writestr(name, raw)
    with pytest.raises(G.saving.KerasFormatError, match="no layer makes"):
        G.models.load_model(tmp_path / "forged.keras")


def test_a_mask_passed_by_hand_is_refused_naming_the_argument(G, tmp_path):
    x = keras.Input(shape=(5, 3), name="x")
    mask = keras.Input(shape=(5,), dtype="bool", name="mask")
    y = keras.layers.LSTM(2, name="lstm")(x, mask=mask)
    keras.Model([x, mask], y).save(tmp_path / "m.keras")
    with pytest.raises(G.saving.KerasFormatError, match="'lstm' is called with a tensor as `mask`"):
        G.models.load_model(tmp_path / "m.keras")


# ----------------------------------------------------------------- weights only
@pytest.mark.parametrize("name", ["ticket", "nested", "shared_at_two_depths"])
def test_weights_h5_files_cross_both_ways(G, name, tmp_path):
    """``save_weights('m.weights.h5')`` writes Keras's layout: Keras's ``load_weights``
    reads glassnet's file and glassnet reads Keras's, groups matched by class and position
    (the layers' names differ: the programs are built twice)."""
    x = data(name)
    g_model, k_model = PROGRAMS[name](G), PROGRAMS[name](keras)
    randomize(g_model)
    g_model.save_weights(tmp_path / "g.weights.h5")
    k_model.load_weights(tmp_path / "g.weights.h5")
    for got, want in zip(outputs(k_model.predict(x, verbose=0)), outputs(g_model.predict(x)),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    randomize(k_model)
    k_model.save_weights(tmp_path / "k.weights.h5")
    fresh = PROGRAMS[name](G)
    fresh.load_weights(tmp_path / "k.weights.h5")
    for got, want in zip(outputs(fresh.predict(x)), outputs(k_model.predict(x, verbose=0)),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_load_weights_from_a_keras_file_matches_layers_as_keras_does(G, tmp_path):
    """The loaded model lists its layers in Keras's order, the program in call order: the
    weights still go to the right layers (a copy by position would swap them)."""
    x = data("ticket")
    k_model = ticket(keras)
    randomize(k_model)
    k_model.save(tmp_path / "k.keras")
    g_model = ticket(G)
    assert [layer.name for layer in g_model.layers] != [layer.name for layer in k_model.layers]
    g_model.load_weights(tmp_path / "k.keras")
    for got, want in zip(outputs(g_model.predict(x)), outputs(k_model.predict(x, verbose=0)),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_weights_that_do_not_fit_are_refused_and_change_nothing(G, tmp_path):
    nested(keras).save_weights(tmp_path / "k.weights.h5")
    model = toy_resnet(G)
    before = model.get_weights()
    with pytest.raises(G.saving.ModelFileError, match="do not fit model"):
        model.load_weights(tmp_path / "k.weights.h5")
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
