"""The new layers through Keras 3's ``.keras`` files, both ways: same architecture, weights
in the same order, same predictions."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.layers as gl
from glassnet.models import Sequential, load_model
from layer_referees import to_numpy

pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5 (pip install h5py)")
def _keras_models(keras):
    L = keras.layers
    return {
        "conv1d": keras.Sequential([keras.Input((12, 3)), L.Conv1D(4, 3, padding="causal"),
                                    L.MaxPooling1D(), L.Conv1D(2, 2, strides=2),
                                    L.AveragePooling1D(2, padding="same"), L.UpSampling1D(3),
                                    L.GlobalAveragePooling1D()]),
        "image": keras.Sequential([keras.Input((5, 5, 2)),
                                   L.Conv2DTranspose(3, 3, strides=2, padding="same"),
                                   L.UpSampling2D(interpolation="bilinear"), L.Cropping2D(2),
                                   L.PReLU(shared_axes=[1, 2]), L.Flatten()]),
        "dense": keras.Sequential([keras.Input((4,)), L.Normalization(), L.Dense(6),
                                   L.ReLU(), L.LeakyReLU(0.1), L.ELU(0.5),
                                   L.RepeatVector(2), L.Permute((2, 1)), L.Flatten(),
                                   L.Dense(3), L.Softmax()]),
    }


@pytest.mark.parametrize("name", ["conv1d", "image", "dense"])
def test_keras_files_load_into_glassnet(keras, name, tmp_path, rng):
    model = _keras_models(keras)[name]
    if name == "dense":
        model.layers[0].adapt(rng.normal(2.0, 3.0, (50, 4)).astype(np.float32))
    model.set_weights([w + rng.normal(0, 0.2, np.shape(w)).astype(np.float32)
                       if np.asarray(w).dtype.kind == "f" and np.shape(w) and "norm" not in n
                       else w for w, n in zip(model.get_weights(), _weight_owners(model),
                                              strict=True)])
    model.save(tmp_path / "m.keras")
    mine = load_model(tmp_path / "m.keras")
    x = rng.normal(size=(3, *model.input_shape[1:])).astype(np.float32)
    np.testing.assert_allclose(mine.predict(x), to_numpy(model(x, training=False)),
                               rtol=1e-5, atol=1e-5)


def _weight_owners(model):
    """The owning layer's name for every entry of ``model.get_weights()``."""
    return [layer.name for layer in model.layers for _ in layer.get_weights()]


@pytest.mark.parametrize("layers, shape", [
    ([gl.Conv1D(2, 3, padding="causal"), gl.MaxPooling1D(), gl.UpSampling1D(2),
      gl.GlobalMaxPooling1D()], (6, 3)),
    ([gl.Conv2DTranspose(3, 3, strides=2, padding="same"), gl.UpSampling2D(),
      gl.Cropping2D(1), gl.PReLU(shared_axes=[1, 2]), gl.Flatten()], (4, 4, 2)),
    ([gl.Rescaling(0.5), gl.Dense(3), gl.ReLU(max_value=2.0), gl.LeakyReLU(0.1),
      gl.ELU(0.5), gl.GaussianNoise(0.1), gl.RepeatVector(2), gl.Permute((2, 1)),
      gl.Flatten(), gl.Softmax()], (4,)),
    ([gl.RandomFlip(), gl.RandomRotation(0.1), gl.RandomZoom(0.1),
      gl.RandomTranslation(0.1, 0.1), gl.Flatten()], (6, 6, 1)),
])
def test_glassnet_models_load_in_keras(keras, layers, shape, tmp_path, rng):
    model = Sequential([gl.Input(shape), *layers], seed=0)
    model.build()
    model.set_weights([w + rng.normal(0, 0.2, w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    x = rng.normal(size=(2, *shape)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(theirs(x, training=False)), model.predict(x),
                               rtol=1e-5, atol=1e-5)


def test_adapted_normalization_goes_to_keras(keras, tmp_path, rng):
    norm = gl.Normalization()
    norm.adapt(rng.normal(5.0, 2.0, (40, 4)))
    model = Sequential([gl.Input((4,)), norm, gl.Dense(2)], seed=0)
    model.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    x = rng.normal(5.0, 2.0, (3, 4)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(theirs(x)), model.predict(x), rtol=1e-5, atol=1e-5)


# -- every new layer class, both ways --------------------------------------------------------
# Each case builds its model from a layers namespace ``L`` (glassnet.layers or keras.layers,
# which share the class names and arguments), so one description serves both libraries.

def _seq(*layers):
    """The layers made by ``layers`` (each a function of ``L``), called in a chain."""
    return lambda L, x: _chain(x, [make(L) for make in layers])


def _chain(x, layers):
    for layer in layers:
        x = layer(x)
    return x


def _two_inputs(make, keras_call):
    """``q = Dense(3)(x)``, then the layer on ``(q, x)``: Keras's MultiHeadAttention takes the
    query and value as two arguments (``keras_call``), glassnet's layers and Keras's
    Attention take a list."""
    def build(L, x):
        q = L.Dense(3)(x)
        layer = make(L)
        if keras_call and not L.__name__.startswith("glassnet"):
            return layer(q, x)
        return layer([q, x])
    return build


NEW_LAYERS = {
    "ReLU": ((5,), _seq(lambda L: L.Dense(4),
                        lambda L: L.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.05))),
    "LeakyReLU": ((5,), _seq(lambda L: L.Dense(4), lambda L: L.LeakyReLU(negative_slope=0.2))),
    "PReLU": ((4, 4, 2), _seq(lambda L: L.PReLU(shared_axes=[1, 2]), lambda L: L.Flatten())),
    "ELU": ((5,), _seq(lambda L: L.Dense(4), lambda L: L.ELU(alpha=0.5))),
    "Softmax": ((3, 4), _seq(lambda L: L.Dense(4), lambda L: L.Softmax(axis=1))),
    "RepeatVector": ((3,), _seq(lambda L: L.Dense(2), lambda L: L.RepeatVector(3))),
    "Permute": ((3, 4), _seq(lambda L: L.Permute((2, 1)), lambda L: L.Dense(2))),
    "Cropping2D": ((5, 5, 2), _seq(lambda L: L.Cropping2D(((1, 0), (0, 2))),
                                   lambda L: L.Conv2D(2, 2))),
    "Rescaling": ((4,), _seq(lambda L: L.Rescaling(0.5, offset=-1.0), lambda L: L.Dense(2))),
    "UpSampling1D": ((3, 2), _seq(lambda L: L.Conv1D(2, 2), lambda L: L.UpSampling1D(3))),
    "UpSampling2D": ((3, 3, 2), _seq(lambda L: L.UpSampling2D((2, 3), interpolation="bilinear"),
                                     lambda L: L.Conv2D(2, 2))),
    "GaussianNoise": ((4,), _seq(lambda L: L.GaussianNoise(0.3), lambda L: L.Dense(2))),
    "SpatialDropout1D": ((4, 3), _seq(lambda L: L.SpatialDropout1D(0.3),
                                      lambda L: L.Conv1D(2, 2))),
    "SpatialDropout2D": ((4, 4, 2), _seq(lambda L: L.SpatialDropout2D(0.3),
                                         lambda L: L.Conv2D(2, 2))),
    "Conv1D": ((7, 2), _seq(lambda L: L.Conv1D(3, 3, padding="causal", dilation_rate=2,
                                               activation="tanh"),
                            lambda L: L.Conv1D(2, 2, strides=2, use_bias=False))),
    "MaxPooling1D": ((6, 2), _seq(lambda L: L.Conv1D(2, 2), lambda L: L.MaxPooling1D(2))),
    "AveragePooling1D": ((6, 2), _seq(lambda L: L.Conv1D(2, 2),
                                      lambda L: L.AveragePooling1D(3, 2, padding="same"))),
    "GlobalAveragePooling1D": ((5, 2), _seq(lambda L: L.Conv1D(3, 2),
                                            lambda L: L.GlobalAveragePooling1D())),
    "GlobalMaxPooling1D": ((5, 2), _seq(lambda L: L.Conv1D(3, 2),
                                        lambda L: L.GlobalMaxPooling1D())),
    "Conv2DTranspose": ((3, 3, 2), _seq(lambda L: L.Conv2DTranspose(2, 3, strides=2,
                                                                    padding="same"))),
    "TimeDistributed": ((4, 3), _seq(lambda L: L.TimeDistributed(L.Dense(2,
                                                                         activation="relu")))),
    "Bidirectional": ((5, 2), _seq(lambda L: L.Bidirectional(L.LSTM(3, return_sequences=True)),
                                   lambda L: L.Bidirectional(L.GRU(2), merge_mode="sum"))),
    "Normalization": ((4,), _seq(lambda L: L.Normalization(mean=[1.0, 2.0, 3.0, 4.0],
                                                           variance=[1.0, 4.0, 0.5, 2.0]),
                                 lambda L: L.Dense(2))),
    "RandomFlip": ((6, 6, 1), _seq(lambda L: L.RandomFlip(), lambda L: L.Flatten())),
    "RandomRotation": ((6, 6, 1), _seq(lambda L: L.RandomRotation(0.1), lambda L: L.Flatten())),
    "RandomZoom": ((6, 6, 1), _seq(lambda L: L.RandomZoom(0.1), lambda L: L.Flatten())),
    "RandomTranslation": ((6, 6, 1), _seq(lambda L: L.RandomTranslation(0.1, 0.1),
                                          lambda L: L.Flatten())),
    "Attention": ((4, 3), _two_inputs(lambda L: L.Attention(use_scale=True), False)),
    "MultiHeadAttention": ((4, 3), _two_inputs(
        lambda L: L.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=5), True)),
}
#: Layers that cannot travel through a file, and why.
NOT_IN_FILES = {"Lambda": "its function is code; glassnet rebuilds a Lambda from code only"}


def _model(L, module, shape, build):
    """The case's functional model in glassnet (``module`` is glassnet) or Keras."""
    x = L.Input(shape)
    return module.Model(x, build(L, x))


def _jiggle(weights, rng):
    """Perturbed weights (integer counters and zero-size arrays as they are), so that no
    default initialisation (zeros, ones) can hide a misplaced weight."""
    return [w + rng.normal(0, 0.3, np.shape(w)).astype(np.asarray(w).dtype)
            if np.asarray(w).dtype.kind == "f" and np.size(w) else w for w in weights]


def test_every_new_layer_has_a_case():
    new = {"ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "RepeatVector", "Permute",
           "Cropping2D", "Rescaling", "UpSampling1D", "UpSampling2D", "GaussianNoise",
           "SpatialDropout1D", "SpatialDropout2D", "Conv1D", "MaxPooling1D",
           "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
           "Conv2DTranspose", "TimeDistributed", "Bidirectional", "Normalization",
           "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "Attention",
           "MultiHeadAttention", "Lambda"}
    assert new <= set(gl.__all__) | set(dir(gl))
    assert new == set(NEW_LAYERS) | set(NOT_IN_FILES)


@pytest.mark.parametrize("name", sorted(NEW_LAYERS))
def test_new_layer_from_keras_file(keras, name, tmp_path, rng):
    shape, build = NEW_LAYERS[name]
    theirs = _model(keras.layers, keras, shape, build)
    theirs.set_weights(_jiggle(theirs.get_weights(), rng))
    theirs.save(tmp_path / "m.keras")
    mine = load_model(tmp_path / "m.keras")
    assert name in {type(layer).__name__ for layer in mine.layers}
    x = rng.normal(size=(3, *shape)).astype(np.float32)
    np.testing.assert_allclose(mine.predict(x), to_numpy(theirs(x, training=False)),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(NEW_LAYERS))
def test_new_layer_to_keras_file(keras, name, tmp_path, rng):
    import glassnet.models as gm

    shape, build = NEW_LAYERS[name]
    mine = _model(gl, gm, shape, build)
    mine.build()
    mine.set_weights(_jiggle(mine.get_weights(), rng))
    mine.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert name in {type(layer).__name__ for layer in theirs.layers}
    x = rng.normal(size=(3, *shape)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(theirs(x, training=False)), mine.predict(x),
                               rtol=1e-4, atol=1e-5)


def test_lambda_is_refused_by_name_both_ways(keras, tmp_path):
    import glassnet.models as gm
    from glassnet.errors import KerasFormatError

    x = gl.Input((3,))
    model = gm.Model(x, gl.Lambda(lambda v: v * 2.0)(x))
    with pytest.raises(ValueError, match=r"\(Lambda\) cannot be saved in the Keras format"):
        model.save(tmp_path / "m.keras")
    x = keras.Input((3,))
    keras.Model(x, keras.layers.Lambda(lambda v: v * 2.0)(x)).save(tmp_path / "k.keras")
    with pytest.raises(KerasFormatError, match=r"\(Lambda\): its function is stored as Python"):
        load_model(tmp_path / "k.keras")


def _attention_with_key(L, module, causal):
    """``mha(query, value, key)`` and ``Attention([q, v, k])``, causal: the call arguments
    Keras keeps in the file's inbound nodes."""
    x = L.Input((4, 3))
    q, k = L.Dense(3)(x), L.Dense(2)(x)
    mha = L.MultiHeadAttention(num_heads=2, key_dim=2, value_dim=3)
    att = L.Attention(use_scale=True)
    if module.__name__.startswith("glassnet"):
        y = mha([q, x, k], use_causal_mask=causal) if causal else mha([q, x, k])
        z = att([q, x, L.Dense(3)(k)], use_causal_mask=causal)
    else:
        y = mha(q, x, key=k, use_causal_mask=causal)
        z = att([q, x, L.Dense(3)(k)], use_causal_mask=causal)
    return module.Model(x, L.Concatenate()([y, z]))


@pytest.mark.parametrize("causal", [False, True])
def test_attention_call_arguments_both_ways(keras, causal, tmp_path, rng):
    import glassnet.models as gm

    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    theirs = _attention_with_key(keras.layers, keras, causal)
    theirs.set_weights(_jiggle(theirs.get_weights(), rng))
    theirs.save(tmp_path / "k.keras")
    mine = load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(mine.predict(x), to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)

    mine = _attention_with_key(gl, gm, causal)
    mine.build()
    mine.set_weights(_jiggle(mine.get_weights(), rng))
    mine.save(tmp_path / "g.keras")
    theirs = keras.saving.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(to_numpy(theirs(x)), mine.predict(x), rtol=1e-4, atol=1e-5)


def test_a_tensor_passed_by_keyword_is_refused(keras, tmp_path):
    from glassnet.errors import KerasFormatError

    x = keras.Input((4, 3))
    keras.Model(x, keras.layers.MultiHeadAttention(num_heads=1, key_dim=2)(x, x)).save(
        tmp_path / "m.keras")

    def forge(doc):  # a mask glassnet cannot apply
        node = doc["config"]["layers"][-1]["inbound_nodes"][0]
        node["kwargs"]["attention_mask"] = node["args"][0]

    with pytest.raises(KerasFormatError, match="tensor as `attention_mask`"):
        load_model(_forge(tmp_path / "m.keras", tmp_path / "f.keras", forge))


def _forge(path, out, edit):
    """A copy of the ``.keras`` file ``path`` whose config.json went through ``edit``."""
    import json
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    doc = json.loads(members["config.json"])
    edit(doc)
    members["config.json"] = json.dumps(doc).encode()
    with zipfile.ZipFile(out, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return out


@pytest.mark.parametrize("name, edit", [
    ("TimeDistributed", lambda c: c["layer"]["config"].update(units=10**12)),
    ("Bidirectional", lambda c: c["layer"]["config"].update(units=10**9)),
    ("MultiHeadAttention", lambda c: c.update(num_heads=10**9)),
])
def test_forged_sizes_inside_sublayers_are_refused(keras, name, edit, tmp_path):
    from glassnet.errors import KerasFormatError

    shape, build = NEW_LAYERS[name]
    _model(keras.layers, keras, shape, build).save(tmp_path / "m.keras")

    def forge(doc):
        edit(next(e for e in doc["config"]["layers"] if e["class_name"] == name)["config"])

    with pytest.raises(KerasFormatError, match="corrupt or forged"):
        load_model(_forge(tmp_path / "m.keras", tmp_path / "f.keras", forge))
