"""The functional API in full: None dimensions, several inputs and outputs, shared layers,
nested models, the merge functions and masks (Keras's behaviour; gradients by central
differences in float64)."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import layers, models
from glassnet.gradcheck import check_layer, check_merge_layer
from glassnet.layers import Input
from layer_referees import summary_of


def fd_errors(model, x, y, eps=1e-6):
    """Relative error of every trainable weight's gradient against central differences."""
    got = [g.copy() for g in model.compute_gradients(x, y, training=False).grads]
    errors = []
    for w, g in zip([np.asarray(v) for v in model.trainable_weights], got, strict=True):
        num = np.zeros_like(w)
        for i in range(w.size):
            old = w.flat[i]
            w.flat[i] = old + eps
            plus = model.compute_gradients(x, y, training=False).loss
            w.flat[i] = old - eps
            minus = model.compute_gradients(x, y, training=False).loss
            w.flat[i] = old
            num.flat[i] = (plus - minus) / (2 * eps)
        errors.append(float(np.max(np.abs(num - g)) / max(1e-8, float(np.max(np.abs(num))))))
    return errors


# ---------------------------------------------------------------- None dimensions
def test_variable_length_text_model_runs_on_any_length(rng):
    x = Input(shape=(None,))
    h = layers.Embedding(30, 8)(x)
    h = layers.LSTM(6, return_sequences=True)(h)
    y = layers.Dense(1, activation="sigmoid")(layers.GRU(5)(h))
    model = models.Model(x, y, seed=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    assert model.input_shape == (None, None)
    assert model.layers[2].output_shape((None, 8)) == (None, 6)
    for steps in (4, 11):
        ids = rng.integers(1, 30, (8, steps))
        history = model.fit(ids, rng.integers(0, 2, 8), epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        assert model.predict(ids).shape == (8, 1)
    text = summary_of(model)
    assert "(None, None, 8)" in text and "(None, None, 6)" in text


def test_sequence_outputs_and_conv1d_over_variable_length(rng):
    x = Input(shape=(None, 3))
    h = layers.Conv1D(4, 3, padding="same", activation="relu")(x)
    y = layers.Dense(2)(layers.SimpleRNN(5, return_sequences=True)(h))
    model = models.Model(x, y, seed=1)
    model.compile("sgd", "mse")
    for steps in (5, 9):
        model.fit(rng.random((6, steps, 3)), rng.random((6, steps, 2)), epochs=1, verbose=0)
        assert model.predict(rng.random((2, steps, 3))).shape == (2, steps, 2)


def test_sequential_takes_none_in_input_shape(rng):
    model = models.Sequential([layers.LSTM(4, input_shape=(None, 3)), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(rng.random((6, 5, 3)), rng.random((6, 1)), verbose=0)
    assert model.predict(rng.random((2, 8, 3))).shape == (2, 1)
    assert "(None, 4)" in summary_of(model)


def test_none_is_accepted_but_bad_sizes_are_not():
    assert layers.Dense(2, input_shape=(None, 4)).input_shape == (None, 4)
    with pytest.raises(ValueError, match="positive ints"):
        layers.Dense(2, input_shape=(0, 4))
    with pytest.raises(ValueError, match="positive ints"):
        Input(shape=(-1,))


def test_declared_size_is_still_checked(rng):
    x = Input(shape=(None, 3))
    model = models.Model(x, layers.LSTM(2)(x))
    with pytest.raises(ValueError, match=r"\(None, None, 3\)"):
        model.predict(rng.random((2, 4, 5)))


# ---------------------------------------------------------------- several inputs/outputs
def _two_in_two_out(seed=0, dtype="float32", as_dict=False):
    a, b = Input(shape=(4,), name="a"), Input(shape=(3,), name="b")
    h = layers.concatenate([a, b])
    y1 = layers.Dense(2, name="out1")(h)
    y2 = layers.Dense(3, activation="softmax", name="out2")(h)
    if as_dict:
        return models.Model({"a": a, "b": b}, {"reg": y1, "cls": y2}, seed=seed, dtype=dtype)
    return models.Model([a, b], [y1, y2], seed=seed, dtype=dtype)


def _data(rng, n=20):
    return ([rng.random((n, 4)), rng.random((n, 3))],
            [rng.random((n, 2)), np.eye(3)[rng.integers(0, 3, n)]])


def test_history_keys_are_named_as_keras(rng):
    model = _two_in_two_out()
    model.compile("sgd", loss=["mse", "categorical_crossentropy"], loss_weights=[1.0, 0.2],
                  metrics=[["mae"], ["accuracy"]])
    x, y = _data(rng)
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
    assert sorted(history.history) == sorted([
        "loss", "out1_loss", "out1_mae", "out2_accuracy", "out2_loss",
        "val_loss", "val_out1_loss", "val_out1_mae", "val_out2_accuracy", "val_out2_loss"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    # Keras's orders: a dict by sorted key; the list loss, the outputs' losses, then the rest
    # sorted (Trainer._flatten_metrics_in_order)
    assert list(logs) == ["loss", "out1_loss", "out1_mae", "out2_accuracy", "out2_loss"]
    order = ["loss", "out1_loss", "out2_loss", "out1_mae", "out2_accuracy"]
    # loss = sum of loss_weights[i] * output i's loss
    assert logs["loss"] == pytest.approx(logs["out1_loss"] + 0.2 * logs["out2_loss"], rel=1e-5)
    out1, out2 = model.predict(x)
    assert logs["out1_loss"] == pytest.approx(float(np.mean((out1 - y[0]) ** 2)), rel=1e-5)
    assert logs["out1_mae"] == pytest.approx(float(np.mean(np.abs(out1 - y[0]))), rel=1e-5)
    assert logs["out2_accuracy"] == pytest.approx(
        float(np.mean(out2.argmax(1) == y[1].argmax(1))))
    assert model.evaluate(x, y, verbose=0) == pytest.approx([logs[k] for k in order])


def test_dicts_of_arrays_and_dict_outputs(rng):
    model = _two_in_two_out(as_dict=True)
    model.compile("adam", loss={"reg": "mse", "cls": "categorical_crossentropy"},
                  metrics={"reg": "mae", "cls": ["accuracy"]})
    (xa, xb), (t1, t2) = _data(rng)
    history = model.fit({"a": xa, "b": xb}, {"reg": t1, "cls": t2}, epochs=1, verbose=0)
    assert sorted(history.history) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae"]
    out = model.predict({"b": xb, "a": xa})  # keys, not order, decide
    assert isinstance(out, dict) and list(out) == ["reg", "cls"]
    assert out["cls"].shape == (20, 3)
    np.testing.assert_allclose(out["reg"], model.predict([xa, xb])["reg"])


def test_list_models_take_dicts_by_input_and_output_names(rng):
    model = _two_in_two_out()
    model.compile("sgd", loss={"out1": "mse", "out2": "categorical_crossentropy"})
    (xa, xb), (t1, t2) = _data(rng)
    by_name = model.evaluate({"a": xa, "b": xb}, {"out1": t1, "out2": t2}, verbose=0)
    by_list = model.evaluate([xa, xb], [t1, t2], verbose=0)
    assert by_name == pytest.approx(by_list)
    assert isinstance(model.predict([xa, xb]), list)


def test_one_loss_for_every_output_and_a_flat_metric_list(rng):
    model = _two_in_two_out()
    model.compile("sgd", loss="mse", metrics=["mae"])
    x, y = _data(rng)
    history = model.fit(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "out1_loss", "out1_mae", "out2_loss", "out2_mae"]


def test_multi_output_gradients_match_finite_differences(rng):
    model = _two_in_two_out(dtype="float64")
    model.compile("sgd", loss=["mse", "categorical_crossentropy"], loss_weights=[0.5, 2.0])
    x, y = _data(rng, 6)
    assert max(fd_errors(model, x, y)) < 1e-6


def test_bad_structures_name_what_was_expected(rng):
    model = _two_in_two_out()
    model.compile("sgd", loss=["mse", "categorical_crossentropy"])
    x, y = _data(rng)
    with pytest.raises(ValueError, match=r"without the key\(s\) \['b'\]"):
        model.predict({"a": x[0]})
    with pytest.raises(ValueError, match="must hold 2 arrays"):
        model.fit([x[0]] * 3, y, verbose=0)
    with pytest.raises(ValueError, match="pass `x` as a list or a dict"):
        model.predict(x[0])
    with pytest.raises(ValueError, match="Input 'b'.*expects data of shape"):
        model.predict([x[0], x[0]])
    with pytest.raises(ValueError, match="one entry per output"):
        model.compile("sgd", loss=["mse"] * 3)
    with pytest.raises(ValueError, match="unknown output"):
        model.compile("sgd", loss={"nope": "mse"})


def test_config_round_trip_keeps_inputs_outputs_and_shared_layers(rng):
    a, b = Input(shape=(4,), name="a"), Input(shape=(4,), name="b")
    shared = layers.Dense(3, name="shared")
    y = layers.Dense(1, name="head")(layers.add([shared(a), shared(b)]))
    model = models.Model({"a": a, "b": b}, {"score": y, "left": shared(a)})
    model.build()
    twin = models.Model.from_config(model.get_config())
    twin.build()
    twin.set_weights(model.get_weights())
    x = {"a": rng.random((3, 4)), "b": rng.random((3, 4))}
    for key in ("score", "left"):
        np.testing.assert_allclose(twin.predict(x)[key], model.predict(x)[key], rtol=1e-6)
    assert [layer.name for layer in twin.layers] == [layer.name for layer in model.layers]


# ---------------------------------------------------------------- shared layers
def test_shared_layer_has_one_set_of_weights_and_summed_gradients(rng):
    a, b = Input(shape=(4,)), Input(shape=(4,))
    shared = layers.Dense(3, activation="tanh")
    y = layers.Dense(1)(layers.subtract([shared(a), shared(b)]))
    model = models.Model([a, b], y, dtype="float64", seed=0)
    model.compile("sgd", "mse")
    model.build()
    assert [type(layer).__name__ for layer in model.layers].count("Dense") == 2
    assert model.count_params() == 4 * 3 + 3 + 3 + 1
    x = [rng.random((5, 4)), rng.random((5, 4))]
    assert max(fd_errors(model, x, rng.random((5, 1)))) < 1e-6
    # The same input on both sides: the two calls cancel, so the output is the bias alone.
    same = rng.random((2, 4))
    np.testing.assert_allclose(model.predict([same, same]),
                               np.broadcast_to(model.layers[-1].params["bias"], (2, 1)))


def test_shared_layer_needs_the_same_input_shapes():
    shared = layers.Dense(3)
    shared(Input(shape=(4,)))
    with pytest.raises(ValueError, match="is shared"):
        shared(Input(shape=(5,)))


def test_shared_embedding_over_two_texts_trains(rng):
    a, b = Input(shape=(None,)), Input(shape=(None,))
    embed = layers.Embedding(20, 4)
    encode = layers.LSTM(3)
    y = layers.Dense(1)(layers.concatenate([encode(embed(a)), encode(embed(b))]))
    model = models.Model([a, b], y, dtype="float64", seed=2)
    model.compile("sgd", "mse")
    x = [rng.integers(0, 20, (4, 5)), rng.integers(0, 20, (4, 5))]
    assert max(fd_errors(model, x, rng.random((4, 1)))) < 1e-6


# ---------------------------------------------------------------- nested models
def test_model_called_on_tensors_is_a_layer_sharing_its_weights(rng):
    inner_in = Input(shape=(4,))
    # The encoder is built at construction (as in Keras), in its own dtype: float64 here too,
    # so that the finite differences below see float64 everywhere.
    encoder = models.Model(inner_in, layers.Dense(2, activation="tanh")(inner_in), name="enc",
                           dtype="float64")
    a, b = Input(shape=(4,)), Input(shape=(4,))
    y = layers.Dense(1)(layers.concatenate([encoder(a), encoder(b)]))
    outer = models.Model([a, b], y, dtype="float64", seed=1)
    outer.compile("sgd", "mse")
    x = [rng.random((5, 4)), rng.random((5, 4))]
    assert max(fd_errors(outer, x, rng.random((5, 1)))) < 1e-6
    assert outer.count_params() == 10 + 5
    assert "enc (Functional)" in summary_of(outer)
    # After training the outer model, the encoder alone computes with the trained weights.
    before = encoder.layers[1].params["kernel"].copy()
    outer.fit(x, rng.random((5, 1)), epochs=3, verbose=0)
    kernel = encoder.layers[1].params["kernel"]
    assert not np.allclose(kernel, before)
    np.testing.assert_allclose(encoder.predict(x[0]), np.tanh(
        x[0] @ kernel + encoder.layers[1].params["bias"]), rtol=1e-5)


def test_model_inside_sequential(rng):
    inner = models.Sequential([layers.Dense(3, activation="relu", input_shape=(4,))],
                              dtype="float64")
    model = models.Sequential([Input(shape=(4,)), inner, layers.Dense(1)], dtype="float64")
    model.compile("sgd", "mse")
    x, y = rng.random((6, 4)), rng.random((6, 1))
    assert max(fd_errors(model, x, y)) < 1e-6
    model.fit(x, y, epochs=2, verbose=0)
    hidden = np.maximum(x @ inner.layers[0].params["kernel"] + inner.layers[0].params["bias"], 0)
    np.testing.assert_allclose(model.predict(x), hidden @ model.layers[1].params["kernel"]
                               + model.layers[1].params["bias"], rtol=1e-10)


# ---------------------------------------------------------------- merge functions
@pytest.mark.parametrize("fn,expected", [
    ("add", lambda a, b: a + b), ("subtract", lambda a, b: a - b),
    ("multiply", lambda a, b: a * b), ("average", lambda a, b: (a + b) / 2),
    ("maximum", np.maximum), ("minimum", np.minimum),
    ("concatenate", lambda a, b: np.concatenate([a, b], axis=-1)),
])
def test_merge_functions_compute_and_differentiate(rng, fn, expected):
    a, b = Input(shape=(3, 4)), Input(shape=(3, 4))
    model = models.Model([a, b], getattr(layers, fn)([a, b]), dtype="float64")
    xa, xb = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    np.testing.assert_allclose(model.predict([xa, xb]), expected(xa, xb))
    cls = {"concatenate": "Concatenate"}.get(fn, fn.capitalize())
    errors = check_merge_layer(getattr(layers, cls)(), [xa, xb], rng)
    assert max(errors.values()) < 1e-6


@pytest.mark.parametrize("axes,shapes,normalize", [
    (1, [(5,), (5,)], False), (1, [(5,), (5,)], True),
    ((2, 2), [(3, 4), (6, 4)], False), ((1, 1), [(3, 4), (3, 2)], True),
])
def test_dot_as_batched_products(rng, axes, shapes, normalize):
    a, b = (rng.standard_normal((2, *s)) for s in shapes)
    layer = layers.Dot(axes=axes, normalize=normalize)
    y = layer([a, b])
    pair = (axes, axes) if isinstance(axes, int) else axes
    if normalize:
        a = a / np.linalg.norm(a, axis=pair[0], keepdims=True)
        b = b / np.linalg.norm(b, axis=pair[1], keepdims=True)
    want = np.stack([np.tensordot(a[i], b[i], axes=(pair[0] - 1, pair[1] - 1))
                     for i in range(2)])
    np.testing.assert_allclose(y, want.reshape(y.shape), rtol=1e-6, atol=1e-6)
    assert y.shape[1:] == layer.output_shape(list(shapes))
    errors = check_merge_layer(layers.Dot(axes=axes, normalize=normalize),
                               [rng.standard_normal((2, *s)) for s in shapes], rng)
    assert max(errors.values()) < 1e-6


def test_dot_function_and_bad_axes():
    a, b = Input(shape=(4,)), Input(shape=(4,))
    assert layers.dot([a, b], axes=1).shape == (None, 1)
    with pytest.raises(ValueError, match="Dot `axes`"):
        layers.Dot(axes=0)
    with pytest.raises(ValueError, match="equal sizes"):
        layers.dot([Input(shape=(4,)), Input(shape=(5,))], axes=1)


# ---------------------------------------------------------------- masks
def _masked_ids(rng):
    ids = rng.integers(1, 20, (5, 7))
    ids[0, :3] = 0  # pre-padding
    ids[1, 5:] = 0  # post-padding
    ids[2, 2] = 0  # a hole
    return ids


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_post_padding_gives_the_unpadded_sequences_result(rng, kind):
    x = Input(shape=(None,))
    y = getattr(layers, kind)(3)(layers.Embedding(20, 4, mask_zero=True)(x))
    model = models.Model(x, y, dtype="float64", seed=3)
    ids = rng.integers(1, 20, (1, 4))
    padded = np.concatenate([ids, np.zeros((1, 3), dtype=int)], axis=1)
    np.testing.assert_allclose(model.predict(padded), model.predict(ids), rtol=1e-12)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("sequences", [False, True])
def test_masked_steps_keep_state_and_output(rng, kind, sequences):
    x = Input(shape=(None,))
    y = getattr(layers, kind)(3, return_sequences=sequences)(
        layers.Embedding(20, 4, mask_zero=True)(x))
    model = models.Model(x, y, dtype="float64", seed=4)
    ids = _masked_ids(rng)
    out = model.predict(ids)
    if sequences:
        np.testing.assert_array_equal(out[0, :3], 0.0)  # nothing before the first real step
        np.testing.assert_array_equal(out[2, 2], out[2, 1])  # the hole repeats the previous
        np.testing.assert_array_equal(out[1, 5:], out[1, 4:5].repeat(2, axis=0))


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_masked_recurrent_gradients_match_finite_differences(rng, kind):
    x = Input(shape=(None,))
    h = getattr(layers, kind)(3, return_sequences=True)(
        layers.Embedding(20, 4, mask_zero=True)(x))
    y = layers.Dense(2)(getattr(layers, kind)(2)(h))
    model = models.Model(x, y, dtype="float64", seed=5)
    model.compile("sgd", "mse")
    assert max(fd_errors(model, _masked_ids(rng), rng.random((5, 2)))) < 1e-6


def test_masking_layer_zeroes_and_masks_steps(rng):
    x = rng.random((3, 5, 2))
    x[0, :2] = 0.5
    layer = layers.Masking(mask_value=0.5)
    out = layer(x)
    np.testing.assert_array_equal(out[0, :2], 0.0)
    np.testing.assert_array_equal(out[1:], x[1:])
    np.testing.assert_array_equal(layer.compute_mask(x)[0], [False, False, True, True, True])
    # The mask is piecewise constant in x: the gradient is dL/dy on kept steps, 0 elsewhere.
    upstream = rng.standard_normal(x.shape)
    grad = layer.backward(upstream)
    np.testing.assert_array_equal(grad[0, :2], 0.0)
    np.testing.assert_array_equal(grad[1:], upstream[1:])
    away = rng.random((2, 4, 2)) + 1.0  # no step at the mask value: the identity
    assert max(check_layer(layers.Masking(mask_value=0.5), away, rng).values()) < 1e-6
    with pytest.raises(TypeError, match="mask_value"):
        layers.Masking(mask_value="zero")


def test_mask_passes_through_dense_and_stops_after_the_last_rnn(rng):
    x = Input(shape=(None, 2))
    h = layers.Dense(3)(layers.Masking()(x))
    h = layers.LSTM(3, return_sequences=True)(h)
    y = layers.Dense(1)(layers.LSTM(2)(h))
    model = models.Model(x, y, dtype="float64", seed=6)
    model.compile("sgd", "mse")
    data = rng.random((4, 6, 2))
    data[1, 4:] = 0.0
    short = model.predict(data[1:2, :4])
    np.testing.assert_allclose(model.predict(data)[1:2], short, rtol=1e-12)
    assert max(fd_errors(model, data, rng.random((4, 1)))) < 1e-6


def test_no_mask_no_cost_path_is_unchanged(rng):
    x = Input(shape=(None,))
    model = models.Model(x, layers.LSTM(3)(layers.Embedding(20, 4)(x)), seed=7)
    model.build()
    assert model._graph._masked is None


# ---------------------------------------------------------------- saving
def test_save_and_load_keeps_every_feature(rng, tmp_path):
    a, b = Input(shape=(4,), name="a"), Input(shape=(None,), name="b")
    shared = layers.Dense(3, name="shared")
    inner_in = Input(shape=(3,))
    encoder = models.Model(inner_in, layers.Dense(2)(inner_in), name="enc")
    text = layers.LSTM(2)(layers.Embedding(10, 2, mask_zero=True)(b))
    h = layers.concatenate([encoder(shared(a)), text])
    model = models.Model({"a": a, "b": b}, {"y": layers.Dense(1, name="y")(h), "z": shared(a)})
    model.compile("adam", {"y": "mse", "z": "mae"}, metrics={"y": ["mae"]},
                  loss_weights={"y": 1.0, "z": 0.5})
    x = {"a": rng.random((6, 4)), "b": rng.integers(0, 10, (6, 5))}
    y = {"y": rng.random((6, 1)), "z": rng.random((6, 3))}
    model.fit(x, y, verbose=0)
    for path in (tmp_path / "model.npz", tmp_path / "model.keras"):
        model.save(path)
        twin = models.load_model(path)
        for key in ("y", "z"):
            np.testing.assert_allclose(twin.predict(x)[key], model.predict(x)[key], rtol=1e-6)
        assert twin.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
            model.evaluate(x, y, verbose=0, return_dict=True))
        # training resumes exactly: same optimizer state, loss weights and metrics
        assert twin.train_on_batch(x, y, return_dict=True) == pytest.approx(
            model.train_on_batch(x, y, return_dict=True))


def test_global_average_pooling_averages_the_real_steps(rng):
    x = Input(shape=(None,))
    pooled = layers.GlobalAveragePooling1D()(layers.Embedding(10, 3, mask_zero=True)(x))
    model = models.Model(x, layers.Dense(1)(pooled), dtype="float64", seed=8)
    model.compile("sgd", "mse")
    model.build()
    ids = np.array([[4, 5, 0, 0], [0, 0, 0, 0], [1, 2, 3, 4]])
    table = model.layers[1].params["embeddings"]
    features = models.Model(x, pooled).predict(ids)
    np.testing.assert_allclose(features[0], table[[4, 5]].mean(axis=0))
    np.testing.assert_allclose(features[1], 0.0)  # no real step at all
    assert max(fd_errors(model, ids, rng.random((3, 1)))) < 1e-6


def test_two_models_over_the_same_layers_share_their_weights(rng):
    inp = Input(shape=(4,))
    code = layers.Dense(2, activation="tanh", name="code")(inp)
    encoder = models.Model(inp, code)
    autoencoder = models.Model(inp, layers.Dense(4, name="decode")(code))
    autoencoder.compile("sgd", "mse")
    x = rng.random((16, 4))
    autoencoder.fit(x, x, epochs=2, verbose=0)
    kernel = autoencoder.get_layer("code").params["kernel"]
    # float32 outputs near 0: an absolute tolerance too
    np.testing.assert_allclose(encoder.predict(x), np.tanh(
        x @ kernel + autoencoder.get_layer("code").params["bias"]), rtol=1e-5, atol=1e-6)
    before = encoder.get_layer("code").get_weights()[0]
    autoencoder.fit(x, x, epochs=2, verbose=0)  # after the encoder built: still trains it
    after = encoder.get_layer("code").get_weights()[0]
    assert not np.allclose(before, after)
    np.testing.assert_allclose(encoder.predict(x), np.tanh(
        x @ after + encoder.get_layer("code").get_weights()[1]), rtol=1e-5, atol=1e-6)


def test_an_output_without_loss_is_not_trained_and_not_logged(rng):
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    model = models.Model([a, b], [layers.Dense(2, name="o1")(a), layers.Dense(2, name="o2")(b)])
    model.compile("sgd", ["mse", None])
    model.build()
    untouched = model.get_layer("o2").get_weights()
    x, y = [rng.random((4, 3))] * 2, [rng.random((4, 2))] * 2
    assert sorted(model.fit(x, y, verbose=0).history) == ["loss"]  # as Keras
    for got, want in zip(model.get_layer("o2").get_weights(), untouched, strict=True):
        np.testing.assert_array_equal(got, want)


def test_predict_from_a_batch_generator_keeps_the_structure(rng):
    model = _two_in_two_out(as_dict=True)
    x, _ = _data(rng, 10)
    whole = model.predict({"a": x[0], "b": x[1]})
    batches = ({"a": x[0][i:i + 4], "b": x[1][i:i + 4]} for i in range(0, 10, 4))
    streamed = model.predict(batches)
    for key in ("reg", "cls"):
        np.testing.assert_allclose(streamed[key], whole[key], rtol=1e-6)


def test_masked_bidirectional_gradients_match_finite_differences(rng):
    x = Input(shape=(None,))
    h = layers.Embedding(20, 3, mask_zero=True)(x)
    h = layers.Bidirectional(layers.GRU(2, return_sequences=True))(h)
    model = models.Model(x, layers.Dense(1)(layers.GlobalAveragePooling1D()(h)),
                         dtype="float64", seed=9)
    model.compile("sgd", "mse")
    assert max(fd_errors(model, _masked_ids(rng), rng.random((5, 1)))) < 1e-6
