"""``Bidirectional(..., merge_mode=None)``: two outputs ``[forward, backward]``, as Keras.

On arrays the layer returns the list; in a functional graph the call returns two symbolic
tensors, each usable on its own (a node with several outputs); in a Sequential a merge layer
after it reads the list. Same weights give Keras's outputs and training; the gradients match
central differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.gradcheck import check_model, numeric_gradient, relative_error
from layer_referees import summary_of

from .conftest import as_numpy, keras


def copy_weights(k_model, g_model) -> None:
    """Keras's weights into glassnet's model, layer by layer (matched by name)."""
    g_model.build()
    for layer in g_model.layers:
        if layer.get_weights():  # the weighted layers, named alike in both models
            layer.set_weights([as_numpy(w) for w in k_model.get_layer(layer.name).get_weights()])


def data(n=12, steps=5, features=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, steps, features)).astype("float32")


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_on_arrays_returns_both_directions_as_keras(G, cell, return_sequences):
    x = data()
    ref = keras.layers.Bidirectional(getattr(keras.layers, cell)(3, return_sequences=return_sequences),
                                     merge_mode=None)
    want = ref(x)
    assert isinstance(want, (list, tuple)) and len(want) == 2
    rng = np.random.default_rng(1)
    ref.set_weights([w + rng.normal(0, 0.3, w.shape).astype("float32")
                     for w in map(as_numpy, ref.get_weights())])
    want = [as_numpy(w) for w in ref(x)]
    mine = G.layers.Bidirectional(getattr(G.layers, cell)(3, return_sequences=return_sequences),
                                  merge_mode=None)
    mine(x)  # builds
    mine.set_weights([as_numpy(w) for w in ref.get_weights()])
    got = mine(x)
    assert isinstance(got, list) and len(got) == 2
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    # the same two halves as merge_mode="concat" from the same weights
    concat = G.layers.Bidirectional(getattr(G.layers, cell)(3, return_sequences=return_sequences))
    concat(x)
    concat.set_weights(mine.get_weights())
    np.testing.assert_allclose(concat(x), np.concatenate(got, axis=-1), rtol=1e-6)
    assert mine.output_shape(x.shape[1:]) == [g.shape[1:] for g in got]


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_backward_takes_one_gradient_per_output(G, cell, return_sequences):
    rng = np.random.default_rng(2)
    layer = G.layers.Bidirectional(
        getattr(G.layers, cell)(3, return_sequences=return_sequences,
                                bias_initializer="random_normal"), merge_mode=None)
    layer.dtype = np.dtype("float64")
    x = rng.normal(size=(2, 4, 3))
    layer.build(x.shape[1:], rng)
    f, b = layer.forward(x)
    gf, gb = rng.normal(size=f.shape), rng.normal(size=b.shape)

    def loss() -> float:
        f, b = layer.forward(x)
        return float(np.sum(gf * f) + np.sum(gb * b))

    loss()
    dx = layer.backward([gf, gb])
    analytic = {key: g.copy() for key, g in layer.grads.items()}
    assert relative_error(dx, numeric_gradient(loss, x, 1e-6)) < 1e-6
    for key, p in layer.params.items():
        assert relative_error(analytic[key], numeric_gradient(loss, p, 1e-6)) < 1e-6, key


def tagger(K, units=4):  # noqa: N803
    """``fwd, bwd = Bidirectional(LSTM, merge_mode=None)(x)``, concatenated, a Dense per step."""
    L = K.layers  # noqa: N806
    x = K.Input(shape=(5, 3))
    fwd, bwd = L.Bidirectional(L.LSTM(units, return_sequences=True), merge_mode=None,
                               name="bidi")(x)
    h = L.Concatenate(name="both")([fwd, bwd])
    return K.Model(x, L.Dense(2, name="head")(h))


def test_functional_tagger_predicts_and_trains_as_keras(G):
    k_model, g_model = tagger(keras), tagger(G)
    copy_weights(k_model, g_model)
    x = data()
    y = np.random.default_rng(3).normal(size=(12, 5, 2)).astype("float32")
    np.testing.assert_allclose(g_model.predict(x), as_numpy(k_model.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    for lib, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=lib.optimizers.SGD(0.2), loss="mse")
    k_hist = k_model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=2e-5)
    assert g_hist["loss"][-1] < g_hist["loss"][0]
    for a, b in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        np.testing.assert_allclose(a, as_numpy(b), rtol=1e-4, atol=1e-6)


def two_heads(K):  # noqa: N803
    """Each direction used on its own: its own Dense, and the backward one also an output."""
    L = K.layers  # noqa: N806
    x = K.Input(shape=(5, 3))
    fwd, bwd = L.Bidirectional(L.GRU(3), merge_mode=None, name="bidi")(x)
    score = L.Add(name="sum")([L.Dense(1, name="from_fwd")(fwd), L.Dense(1, name="from_bwd")(bwd)])
    return K.Model(x, [score, bwd])


def test_each_output_on_its_own_and_as_a_model_output(G):
    k_model, g_model = two_heads(keras), two_heads(G)
    copy_weights(k_model, g_model)
    x = data()
    rng = np.random.default_rng(4)
    y = [rng.normal(size=(12, 1)).astype("float32"), rng.normal(size=(12, 3)).astype("float32")]
    for got, want in zip(g_model.predict(x), k_model.predict(x, verbose=0), strict=True):
        np.testing.assert_allclose(got, as_numpy(want), rtol=1e-5, atol=1e-6)
    for lib, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss=["mse", "mse"],
                      loss_weights=[1.0, 0.5])
    k_hist = k_model.fit(x, y, epochs=2, batch_size=6, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=6, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=2e-5)
    for a, b in zip(g_model.get_weights(), k_model.get_weights(), strict=True):
        np.testing.assert_allclose(a, as_numpy(b), rtol=1e-4, atol=1e-6)


def test_an_unused_output_gets_a_zero_gradient(G):
    """Only the forward direction reaches the loss: the backward layer's weights get zero
    gradients (Keras: they do not move), the forward layer's real ones."""
    L = G.layers  # noqa: N806
    x = G.Input(shape=(4, 2))
    fwd, _ = L.Bidirectional(L.SimpleRNN(3), merge_mode=None, name="bidi")(x)
    model = G.Model(x, L.Dense(1)(fwd), dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(5)
    xs, ys = rng.normal(size=(6, 4, 2)), rng.normal(size=(6, 1))
    for row in check_model(model, xs, ys):
        assert row["relative_error"] < 1e-6, row
    bidi = model.get_layer("bidi")
    assert all(not np.any(g) for k, g in bidi.grads.items() if k.startswith("backward_"))
    assert all(np.any(g) for k, g in bidi.grads.items() if k.startswith("forward_"))


def test_model_gradients_match_finite_differences(G):
    L = G.layers  # noqa: N806
    x = G.Input(shape=(4, 2))
    fwd, bwd = L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode=None)(x)
    h = L.Concatenate()([L.Dense(2)(fwd), bwd, fwd])  # fwd read twice: gradients add
    model = G.Model(x, L.Dense(1)(L.GlobalAveragePooling1D()(h)), dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(6)
    for row in check_model(model, rng.normal(size=(5, 4, 2)), rng.normal(size=(5, 1))):
        assert row["relative_error"] < 1e-6, row


def sequential(K):  # noqa: N803
    L = K.layers  # noqa: N806
    return K.Sequential([K.Input(shape=(5, 3)),
                         L.Bidirectional(L.GRU(3), merge_mode=None, name="bidi"),
                         L.Concatenate(name="both"), L.Dense(1, name="head")])


def test_sequential_with_a_merge_after_it_as_keras(G):
    k_model, g_model = sequential(keras), sequential(G)
    copy_weights(k_model, g_model)
    x = data()
    y = np.random.default_rng(7).normal(size=(12, 1)).astype("float32")
    np.testing.assert_allclose(g_model.predict(x), as_numpy(k_model.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    for lib, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    k_hist = k_model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=2e-5)
    assert g_model.layer_output_shapes()[0] == [(None, 3), (None, 3)]


def test_config_round_trip_summary_and_save(G, tmp_path):
    model = tagger(G)
    x = data()
    clone = G.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    inputs = model.get_config()["nodes"][2][1]
    assert inputs == [["bidi", 0, 0], ["bidi", 0, 1]]  # Keras's [layer, call, output]
    text = summary_of(model)
    assert "[(None, 5, 4), (None, 5, 4)]" in text and "bidi[0][1]" in text
    path = tmp_path / "tagger.npz"
    model.save(path)
    np.testing.assert_allclose(G.models.load_model(path).predict(x), model.predict(x), rtol=1e-6)
    with pytest.raises(ValueError, match="several outputs.*'.npz'"):
        model.save(tmp_path / "tagger.keras")
    layer = G.layers.Bidirectional(G.layers.LSTM(2), merge_mode=None)
    clone = type(layer).from_config(layer.get_config())
    assert clone.merge_mode is None and clone.multi_output


def test_errors_say_what_to_do(G):
    L = G.layers  # noqa: N806
    x = G.Input(shape=(5, 3))
    both = L.Bidirectional(L.LSTM(2), merge_mode=None)(x)
    assert isinstance(both, list) and [t.shape for t in both] == [(None, 2), (None, 2)]
    with pytest.raises(TypeError, match="takes one input tensor, got a list of 2"):
        L.Dense(1)(both)
    with pytest.raises(ValueError, match="merge_mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="first")


def masked(K):  # noqa: N803
    """Padded token ids: the mask from Embedding reaches both directions and the merge."""
    L = K.layers  # noqa: N806
    ids = K.Input(shape=(None,))
    h = L.Embedding(20, 4, mask_zero=True, name="embed")(ids)
    fwd, bwd = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode=None, name="bidi")(h)
    h = L.LSTM(2, name="reader")(L.Concatenate(name="both")([fwd, bwd]))
    return K.Model(ids, L.Dense(1, name="head")(h))


def test_masks_follow_both_outputs_as_keras(G):
    k_model, g_model = masked(keras), masked(G)
    copy_weights(k_model, g_model)
    rng = np.random.default_rng(8)
    ids = rng.integers(1, 20, (6, 7))
    ids[:, 4:] = 0  # padding
    ids[0, 2:] = 0
    np.testing.assert_allclose(g_model.predict(ids), as_numpy(k_model.predict(ids, verbose=0)),
                               rtol=1e-5, atol=1e-6)


def test_sequential_errors_and_add_one_by_one(G):
    L = G.layers  # noqa: N806
    x = data()
    with pytest.raises(TypeError, match="Dense 'dense_1' reads the 2 outputs of Bidirectional"):
        G.Sequential([G.Input((5, 3)), L.Bidirectional(L.GRU(3), merge_mode=None),
                      L.Dense(1)]).predict(x)
    with pytest.raises(ValueError, match="last layer .* has several outputs"):
        G.Sequential([G.Input((5, 3)), L.Bidirectional(L.GRU(3), merge_mode=None)]).predict(x)
    model = G.Sequential([G.Input((5, 3))])
    model.add(L.Bidirectional(L.GRU(3), merge_mode=None))  # not buildable yet: one more to come
    model.add(L.Concatenate())
    assert model.predict(x).shape == (12, 6)
