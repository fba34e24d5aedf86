"""The model API as the keras.io guides use it ("The Sequential model", "The Functional API",
"Training & evaluation with the built-in methods", "Save, serialize, and export models"):
eager build, weight attributes, freezing, per-layer dtype, integer targets, the
``*_on_batch`` methods, JSON and cloning, activity regularizers, errors on misuse."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras


# ------------------------------------------------------------------ helpers
def _copy_weights(k_model, g_model) -> None:
    """Give the glassnet model the Keras model's weights (same order, as Keras lists them)."""
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])


def _mlp(lib, how: str):
    """The same small MLP declared the ways the guides declare an input shape."""
    layers = lib.layers
    if how == "input_dim":
        return lib.Sequential([layers.Dense(4, activation="relu", input_dim=3), layers.Dense(2)])
    if how == "input_shape":
        return lib.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)),
                               layers.Dense(2)])
    if how == "Input":
        return lib.Sequential([lib.Input(shape=(3,)), layers.Dense(4, activation="relu"),
                               layers.Dense(2)])
    inputs = lib.Input(shape=(3,))
    h = layers.Dense(4, activation="relu")(inputs)
    return lib.Model(inputs, layers.Dense(2)(h))


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 3)).astype("float32")
    y = rng.normal(size=(20, 2)).astype("float32")
    return x, y


def _observables(model) -> dict:
    return {
        "built": model.built,
        "count_params": model.count_params(),
        "shapes": [tuple(w.shape) for w in model.weights],
        "names": [w.name for w in model.weights],
        "get_weights": [np.shape(w) for w in model.get_weights()],
        "trainable": len(model.trainable_weights),
        "non_trainable": len(model.non_trainable_weights),
        "inputs": [tuple(t.shape) for t in model.inputs],
        "outputs": [tuple(t.shape) for t in model.outputs],
    }


# ------------------------------------------------------------------ 1. eager build
@pytest.mark.parametrize("how", ["input_dim", "input_shape", "Input", "functional"])
def test_a_declared_input_shape_builds_the_model_at_construction(G, how):
    assert _observables(_mlp(G, how)) == _observables(_mlp(keras, how))


def test_weights_can_be_set_and_saved_right_after_construction(G, tmp_path, data):
    x, _ = data
    k, g = _mlp(keras, "Input"), _mlp(G, "Input")
    _copy_weights(k, g)
    assert_close(g.predict(x, verbose=0), k.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    g.save_weights(tmp_path / "w.weights.h5")
    twin = _mlp(G, "Input")
    twin.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(twin.get_weights(), g.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_sequential_add_builds_each_layer_as_keras_does(G):
    def run(lib):
        model = lib.Sequential()
        seen = [(model.built, len(model.weights))]
        model.add(lib.Input(shape=(5,)))
        seen.append((model.built, len(model.weights)))
        model.add(lib.layers.Dense(3))
        kernel = np.array(model.layers[0].kernel.numpy())
        seen.append((model.built, len(model.weights)))
        model.add(lib.layers.Dense(2))
        seen.append((model.built, len(model.weights)))
        # the first layer keeps its weights while the model grows
        np.testing.assert_array_equal(as_numpy(model.layers[0].kernel), kernel)
        model.pop()
        seen.append((model.built, len(model.weights), model.count_params()))
        return seen

    assert run(G) == run(keras)


def test_a_model_without_an_input_shape_is_not_built_and_says_so(G, tmp_path):
    def run(lib, path):
        model = lib.Sequential([lib.layers.Dense(2)])
        model.set_weights([])  # nothing to set: no error in Keras
        with pytest.raises(ValueError) as count:
            model.count_params()
        with pytest.raises(ValueError) as save:
            model.save_weights(str(path))
        return (model.built, model.get_weights(), list(model.weights), str(count.value),
                type(save.value), "not yet been built" in str(save.value))

    got = run(G, tmp_path / "g.weights.h5")
    want = run(keras, tmp_path / "k.weights.h5")
    assert got[:2] == want[:2] and got[2] == [] == want[2]
    assert got[3].replace("'sequential'", "'X'") == \
        want[3].replace(f"'{want[3].split(chr(39))[1]}'", "'X'")
    assert got[4:] == want[4:]


# ------------------------------------------------------------------ 2. weight attributes
def test_layer_weights_are_variables_named_and_ordered_as_keras(G):
    def run(lib):
        model = lib.Sequential([lib.Input(shape=(4,)), lib.layers.Dense(3),
                                lib.layers.BatchNormalization(), lib.layers.Dense(1)])
        bn = model.layers[1]
        model.layers[0].trainable = False
        return ([(w.name, tuple(w.shape), w.trainable) for w in model.weights],
                [w.name for w in bn.trainable_weights], [w.name for w in bn.non_trainable_weights],
                tuple(bn.gamma.shape), tuple(bn.moving_variance.shape),
                model.count_params(), len(model.trainable_weights))

    assert run(G) == run(keras)


def test_kernel_and_bias_read_and_assign_like_keras_variables(G):
    model = _mlp(G, "Input")
    dense = model.layers[0]
    kernel, bias = model.get_weights()[:2]
    np.testing.assert_array_equal(dense.kernel.numpy(), kernel)
    np.testing.assert_array_equal(np.asarray(dense.bias), bias)
    dense.kernel.assign(np.ones((3, 4)))
    np.testing.assert_array_equal(model.get_weights()[0], np.ones((3, 4)))
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 2), (2,)]
    emb = G.Sequential([G.Input(shape=(2,)), G.layers.Embedding(10, 3)]).layers[0]
    assert emb.embeddings.shape == (10, 3) and emb.embeddings.name == "embeddings"


def test_symbolic_inputs_and_outputs_of_models_and_layers(G):
    for how in ("Input", "functional"):
        def shapes(lib, how=how):
            model = _mlp(lib, how)
            dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
            return ([tuple(t.shape) for t in model.inputs], [tuple(t.shape) for t in model.outputs],
                    [(tuple(d.input.shape), tuple(d.output.shape)) for d in dense])

        assert shapes(G) == shapes(keras)


# ------------------------------------------------------------------ 3. trainable
def _fit_frozen(lib, weights, x, y, freeze):
    model = _mlp(lib, "Input")
    model.set_weights(weights)
    freeze(model)
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
    return model


@pytest.mark.parametrize("freeze", ["first_layer", "whole_model"])
def test_frozen_weights_stay_and_the_rest_trains_as_in_keras(G, data, freeze):
    x, y = data

    def do(model):
        if freeze == "first_layer":
            model.layers[0].trainable = False
        else:
            model.trainable = False

    start = [as_numpy(w) for w in _mlp(keras, "Input").get_weights()]
    k = _fit_frozen(keras, start, x, y, do)
    g = _fit_frozen(G, start, x, y, do)
    for gw, kw in zip(g.get_weights(), k.get_weights(), strict=True):
        assert_close(gw, kw, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(g.get_weights()[0], start[0])
    assert (len(g.trainable_weights), len(g.non_trainable_weights), g.count_params()) == \
        (len(k.trainable_weights), len(k.non_trainable_weights), k.count_params())


@pytest.mark.parametrize("clipnorm", [None, 1.0])
def test_freezing_between_fits_takes_effect_without_recompiling(G, data, clipnorm):
    """Keras reads ``trainable`` at every step: freeze after a fit, fit, unfreeze, fit; the
    optimizer's momentum of each weight carries over."""
    x, y = data
    start = [as_numpy(w) for w in _mlp(keras, "Input").get_weights()]

    def run(lib):
        model = _mlp(lib, "Input")
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.SGD(0.05, momentum=0.9, clipnorm=clipnorm),
                      loss="mse")
        out = []
        for frozen in (False, True, False):
            model.layers[0].trainable = not frozen
            model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
            out.append([as_numpy(w) for w in model.get_weights()])
        return out

    got, want = run(G), run(keras)
    np.testing.assert_array_equal(got[1][0], got[0][0])  # frozen: unchanged
    for g_stage, k_stage in zip(got, want, strict=True):
        for gw, kw in zip(g_stage, k_stage, strict=True):
            assert_close(gw, kw, rtol=1e-5, atol=1e-6)


def test_summary_totals_count_frozen_and_state_weights(G):
    def totals(lib):
        model = lib.Sequential([lib.Input(shape=(4,)), lib.layers.Dense(3),
                                lib.layers.BatchNormalization(), lib.layers.Dense(2)])
        model.layers[0].trainable = False
        lines: list[str] = []
        model.summary(print_fn=lambda line, *a, **k: lines.append(str(line)))
        text = "\n".join(lines)
        found = {}
        for key in ("Total params", "Trainable params", "Non-trainable params"):
            line = next(line for line in text.splitlines() if line.strip().startswith(key))
            found[key] = int(line.split(":")[1].split("(")[0].strip().replace(",", ""))
        return found, model.count_params()

    assert totals(G) == totals(keras)


def test_summary_prints_and_returns_none(G, capsys):
    """As Keras: ``summary()`` prints the table and returns None, so a notebook cell ending
    in it shows the table once (not again as a string)."""
    def run(lib):
        model = lib.Sequential([lib.Input(shape=(4,)), lib.layers.Dense(3)])
        returned = model.summary()
        return returned, capsys.readouterr().out

    (g_returned, g_out), (k_returned, k_out) = run(G), run(keras)
    assert g_returned is None and k_returned is None
    assert "Total params: 15" in g_out and "Total params: 15" in k_out


def test_saving_keeps_the_trainable_flag(G, tmp_path, data):
    x, y = data
    model = _mlp(G, "Input")
    model.layers[0].trainable = False
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    for name in ("m.keras", "m.npz"):
        model.save(tmp_path / name)
        loaded = G.models.load_model(tmp_path / name)
        assert [layer.trainable for layer in loaded.layers] == [False, True]
        before = loaded.get_weights()[0]
        loaded.fit(x, y, epochs=1, verbose=0)
        np.testing.assert_array_equal(loaded.get_weights()[0], before)


# ------------------------------------------------------------------ 4. dtypes and targets
def test_a_float64_layer_computes_and_stores_float64_in_a_float32_model(G, data):
    x, y = data

    def run(lib):
        model = lib.Sequential([lib.Input(shape=(3,)), lib.layers.Dense(4, dtype="float64"),
                                lib.layers.Dense(2)])
        return model

    k, g = run(keras), run(G)
    _copy_weights(k, g)
    assert [str(np.dtype(as_numpy(w).dtype)) for w in k.weights] == \
        [str(np.dtype(w.dtype)) for w in g.weights] == ["float64", "float64", "float32", "float32"]
    assert_close(g.predict(x, verbose=0), k.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    for model, lib in ((k, keras), (g, G)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
    assert g.layers[0].kernel.numpy().dtype == np.float64
    for gw, kw in zip(g.get_weights(), k.get_weights(), strict=True):
        assert_close(gw, kw, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", ["mse", "binary_crossentropy", "mae", "huber"])
def test_integer_targets_train_with_every_loss(G, data, loss):
    x, _ = data
    y = (x[:, :1] > 0).astype("int64")

    def run(lib, weights):
        model = lib.Sequential([lib.Input(shape=(3,)),
                                lib.layers.Dense(1, activation="sigmoid")])
        if weights is not None:
            model.set_weights(weights)
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss=loss)
        history = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
        return model, history.history["loss"]

    k, k_loss = run(keras, None)
    k0 = [as_numpy(w) for w in run(keras, None)[0].get_weights()]
    k, k_loss = run(keras, k0)
    g, g_loss = run(G, k0)
    assert_close(g_loss, k_loss, rtol=1e-5)
    for gw, kw in zip(g.get_weights(), k.get_weights(), strict=True):
        assert_close(gw, kw, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ 7. batch methods, errors
@pytest.mark.parametrize("metrics", [[], ["mae"]])
def test_on_batch_methods_and_evaluate_return_what_keras_returns(G, data, metrics):
    x, y = data
    k, g = _mlp(keras, "Input"), _mlp(G, "Input")
    _copy_weights(k, g)
    results = []
    for model, lib in ((k, keras), (g, G)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse", metrics=metrics)
        results.append([
            model.train_on_batch(x[:8], y[:8]),
            model.train_on_batch(x[8:], y[8:], return_dict=True),
            model.test_on_batch(x[:8], y[:8]),
            model.test_on_batch(x, y, return_dict=True),
            model.predict_on_batch(x[:4]),
            model.evaluate(x, y, batch_size=6, verbose=0),
            model.evaluate(x, y, batch_size=6, verbose=0, return_dict=True),
        ])
    want, got = results
    for w, v in zip(want, got, strict=True):
        if isinstance(w, dict):
            assert list(v) == list(w)
            assert_close(list(v.values()), [float(a) for a in w.values()], rtol=1e-5)
        else:
            assert type(v) is type(w) or np.ndim(w) == np.ndim(v)
            assert_close(v, as_numpy(w) if not isinstance(w, list) else w, rtol=1e-5, atol=1e-7)


def test_train_on_batch_takes_class_weight(G, data):
    x, _ = data
    y = (x[:, 0] > 0).astype("int64")
    k = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="softmax")])
    g = G.Sequential([G.Input(shape=(3,)), G.layers.Dense(2, activation="softmax")])
    _copy_weights(k, g)
    for model, lib in ((k, keras), (g, G)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    cw = {0: 1.0, 1: 3.0}
    assert_close(g.train_on_batch(x, y, class_weight=cw), k.train_on_batch(x, y, class_weight=cw),
                 rtol=1e-5)
    for gw, kw in zip(g.get_weights(), k.get_weights(), strict=True):
        assert_close(gw, kw, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call", ["fit", "train_on_batch", "test_on_batch"])
def test_using_a_model_before_compile_raises_keras_class(G, data, call):
    x, y = data
    for lib in (keras, G):
        model = _mlp(lib, "Input")
        with pytest.raises(ValueError, match=r"must call `compile\(\)`"):
            getattr(model, call)(x, y)


def test_to_json_and_model_from_json_round_trip_the_architecture(G, data):
    x, _ = data
    for how in ("Input", "functional"):
        for lib in (keras, G):
            model = _mlp(lib, how)
            text = model.to_json()
            assert json.loads(text)["class_name"] in ("Sequential", "Functional")
            twin = lib.models.model_from_json(text)
            assert [tuple(w.shape) for w in twin.weights] == [tuple(w.shape) for w in model.weights]
            assert type(twin).__name__ == type(model).__name__
        g = _mlp(G, how)
        twin = G.models.model_from_json(g.to_json())
        twin.set_weights(g.get_weights())
        np.testing.assert_array_equal(twin.predict(x), g.predict(x))


def test_clone_model_has_the_architecture_and_new_weights(G):
    for lib in (keras, G):
        model = _mlp(lib, "Input")
        clone = lib.models.clone_model(model)
        assert clone is not model
        assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in model.weights]
        assert not np.allclose(as_numpy(clone.get_weights()[0]), as_numpy(model.get_weights()[0]))
        clone.set_weights(model.get_weights())  # the guides' way to copy the weights too
        np.testing.assert_array_equal(as_numpy(clone.get_weights()[0]),
                                      as_numpy(model.get_weights()[0]))


# ------------------------------------------------------------------ 8. activity regularizer
def test_activity_regularizer_adds_to_the_loss_and_model_losses(G, data):
    x, y = data

    def build(lib):
        return lib.Sequential([
            lib.Input(shape=(3,)),
            lib.layers.Dense(4, activation="relu",
                             activity_regularizer=lib.regularizers.L2(0.1)),
            lib.layers.Dense(2, kernel_regularizer=lib.regularizers.L1(0.01),
                             activity_regularizer=lib.regularizers.L1(0.05)),
        ])

    k, g = build(keras), build(G)
    _copy_weights(k, g)
    for model, lib in ((k, keras), (g, G)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    assert_close(g.train_on_batch(x, y), k.train_on_batch(x, y), rtol=1e-5)
    assert_close([float(v) for v in g.losses], [float(as_numpy(v)) for v in k.losses], rtol=1e-5)
    for gw, kw in zip(g.get_weights(), k.get_weights(), strict=True):
        assert_close(gw, kw, rtol=1e-5, atol=1e-6)
    assert_close(g.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0), rtol=1e-5)
    k.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
    g.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
    for gw, kw in zip(g.get_weights(), k.get_weights(), strict=True):
        assert_close(gw, kw, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ 6. metric objects in compile
def test_epoch_metrics_are_computed_over_the_whole_epoch_as_keras(G):
    """AUC, Precision, Recall and RMSE are not means of batch values: over several batches
    and a validation set they must equal Keras's epoch values, under Keras's History keys."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(40, 1)) > 0).astype("float32")

    def run(lib, weights):
        model = lib.Sequential([lib.Input(shape=(4,)), lib.layers.Dense(1, activation="sigmoid")])
        if weights is not None:
            model.set_weights(weights)
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="binary_crossentropy",
                      metrics=[lib.metrics.AUC(name="auc"), lib.metrics.Precision(name="precision"),
                               lib.metrics.Recall(name="recall"),
                               lib.metrics.RootMeanSquaredError(name="rmse"), "accuracy"])
        history = model.fit(x, y, batch_size=7, epochs=2, shuffle=False, verbose=0,
                            validation_split=0.25)
        return model, history.history

    start = [as_numpy(w) for w in run(keras, None)[0].get_weights()]
    _, want = run(keras, start)
    _, got = run(G, start)
    assert list(got) == list(want)
    for key in want:
        assert_close(got[key], want[key], rtol=1e-5, atol=1e-7, what=key)


def test_feature_extractor_from_a_sequential_shares_its_weights(G, data):
    """The Functional API guide: ``Model(inputs=model.inputs, outputs=layer.output)``."""
    x, y = data

    def run(lib, weights):
        model = _mlp(lib, "Input")
        if weights is not None:
            model.set_weights(weights)
        extractor = lib.Model(inputs=model.inputs, outputs=model.layers[0].output)
        before = as_numpy(extractor.predict(x, verbose=0))
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
        return before, as_numpy(extractor.predict(x, verbose=0)), extractor.count_params()

    start = [as_numpy(w) for w in _mlp(keras, "Input").get_weights()]
    got, want = run(G, start), run(keras, start)
    assert got[2] == want[2]
    for g, k in zip(got[:2], want[:2], strict=True):
        assert_close(g, k, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got[0], got[1])  # the extractor sees the trained weights


def test_to_json_is_keras_json_both_ways(G, data):  # noqa: N803
    """`to_json` writes Keras's document: Keras's `model_from_json` reads glassnet's JSON and
    glassnet's reads Keras's, and the twins compute the same with the same weights."""
    x, _ = data
    for how in ("Input", "functional"):
        k_model, g_model = _mlp(keras, how), _mlp(G, how)
        g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
        from_g = keras.models.model_from_json(g_model.to_json())
        from_k = G.models.model_from_json(k_model.to_json())
        assert [layer.name for layer in from_g.layers] == [layer.name for layer in g_model.layers]
        assert [layer.name for layer in from_k.layers] == [layer.name for layer in k_model.layers]
        from_g.set_weights(k_model.get_weights())
        from_k.set_weights([as_numpy(w) for w in k_model.get_weights()])
        want = as_numpy(k_model.predict(x, verbose=0))
        np.testing.assert_allclose(as_numpy(from_g.predict(x, verbose=0)), want, rtol=1e-5)
        np.testing.assert_allclose(from_k.predict(x, verbose=0), want, rtol=1e-5)
