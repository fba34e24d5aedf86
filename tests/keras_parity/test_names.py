"""The everyday names of ``keras`` beyond the model classes: the base classes at top level,
``keras.backend``, ``keras.config``, ``keras.random``, ``keras.constraints`` and the small
``keras.utils`` helpers, each against Keras 3."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from .conftest import as_numpy, keras

BASES = {"Layer": "layers.Layer", "Loss": "losses.Loss", "Metric": "metrics.Metric",
         "Optimizer": "optimizers.Optimizer", "Initializer": "initializers.Initializer",
         "Regularizer": "regularizers.Regularizer"}


def _resolve(module, dotted):
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


@pytest.mark.parametrize(("name", "path"), sorted(BASES.items()))
def test_base_classes_at_top_level(G, name, path):
    assert isinstance(getattr(keras, name), type)
    assert getattr(G, name) is _resolve(G, path)
    assert name in G.__all__ and name in dir(G)


def test_variable_and_version(G):
    from glassnet.ops.variable import Variable

    assert G.Variable is Variable
    assert isinstance(G.version(), str) and G.version() == G.__version__
    assert isinstance(keras.version(), str)


@pytest.mark.parametrize("module", ["backend", "config"])
def test_settings_read_as_keras(G, module):
    ours, theirs = getattr(G, module), getattr(keras, module)
    assert ours.floatx() == theirs.floatx() == "float32"
    assert ours.epsilon() == theirs.epsilon()
    assert ours.image_data_format() == theirs.image_data_format()


def test_set_floatx_and_epsilon_round_trip(G):
    try:
        G.config.set_floatx("float64")
        assert G.backend.floatx() == "float64"
        G.backend.set_epsilon(1e-5)
        assert G.config.epsilon() == 1e-5
    finally:
        G.config.set_floatx("float32")
        G.config.set_epsilon(1e-7)
    for lib in (G, keras):
        with pytest.raises(ValueError, match="floatx"):
            lib.config.set_floatx("float8")
        with pytest.raises(ValueError, match="data_format"):
            lib.config.set_image_data_format("channels_middle")


def test_enable_unsafe_deserialization_exists(G):
    assert G.config.enable_unsafe_deserialization() is None
    keras.config.enable_unsafe_deserialization()


def test_clear_session_then_models_build_as_before(G):
    for lib in (G, keras):
        lib.backend.clear_session()
        lib.utils.clear_session()
    model = G.Sequential([G.Input((3,)), G.layers.Dense(2)])
    assert [layer.name for layer in model.layers] == ["dense_1"]


# -- keras.random ------------------------------------------------------------------------------
@pytest.mark.parametrize(("fn", "kwargs"), [
    ("normal", {"mean": 1.0, "stddev": 2.0}), ("uniform", {"minval": -1.0, "maxval": 3.0}),
    ("truncated_normal", {"stddev": 0.5}), ("randint", {"minval": 2, "maxval": 9}),
])
def test_random_draws_are_seeded_arrays_like_keras(G, fn, kwargs):
    shape = (400, 250)
    ours = getattr(G.random, fn)(shape, seed=3, **kwargs)
    theirs = as_numpy(getattr(keras.random, fn)(shape, seed=3, **kwargs))
    assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, getattr(G.random, fn)(shape, seed=3, **kwargs))
    assert abs(ours.mean() - theirs.mean()) < 0.02 * max(1.0, abs(theirs.mean()))
    assert abs(ours.std() - theirs.std()) < 0.02 * theirs.std()
    assert ours.min() >= theirs.min() - 0.1 * theirs.std() or fn == "normal"


def test_seed_generator_advances_and_repeats(G):
    a, b = G.random.SeedGenerator(7), G.random.SeedGenerator(7)
    first, second = G.random.normal((5,), seed=a), G.random.normal((5,), seed=a)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, G.random.normal((5,), seed=b))
    keras.random.normal((5,), seed=keras.random.SeedGenerator(7))  # same spelling works there
    with pytest.raises(ValueError, match="seed"):
        G.random.normal((2,), seed="x")


def test_shuffle_and_dropout(G):
    x = np.arange(20.0).reshape(10, 2)
    s = G.random.shuffle(x, seed=1)
    assert sorted(s[:, 0].tolist()) == x[:, 0].tolist() and np.array_equal(s[:, 1] - s[:, 0],
                                                                             np.ones(10))
    ones = np.ones((300, 300), np.float32)
    for y in (G.random.dropout(ones, 0.25, seed=2),
              as_numpy(keras.random.dropout(keras.ops.convert_to_tensor(ones), 0.25, seed=2))):
        np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.75], rtol=1e-6)
        assert abs((y == 0).mean() - 0.25) < 0.01
    y = G.random.dropout(ones, 0.5, noise_shape=(300, 1), seed=2)
    assert np.all(y == y[:, :1])


def test_categorical_follows_the_logits(G):
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    draws = G.random.categorical(logits, 4000, seed=0)
    assert draws.shape == (2, 4000) == tuple(keras.random.categorical(logits, 4000, seed=0).shape)
    np.testing.assert_allclose(np.bincount(draws[0], minlength=3) / 4000, [0.7, 0.2, 0.1],
                               atol=0.03)


# -- keras.constraints -------------------------------------------------------------------------
CONSTRAINTS = [("MaxNorm", {"max_value": 0.8, "axis": 0}), ("NonNeg", {}),
               ("UnitNorm", {"axis": 1}),
               ("MinMaxNorm", {"min_value": 0.5, "max_value": 0.9, "rate": 0.7, "axis": 0})]


@pytest.mark.parametrize(("name", "kwargs"), CONSTRAINTS)
def test_constraint_values_and_config_as_keras(G, name, kwargs):
    w = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    ours, theirs = getattr(G.constraints, name)(**kwargs), getattr(keras.constraints, name)(
        **kwargs)
    np.testing.assert_allclose(ours(w), as_numpy(theirs(w)), rtol=1e-6, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    clone = G.constraints.get(G.constraints.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == ours.get_config()


def test_constraint_names(G):
    assert isinstance(G.constraints.get("non_neg"), G.constraints.NonNeg)
    assert isinstance(G.constraints.get("MaxNorm"), G.constraints.MaxNorm)
    assert G.constraints.get(None) is None
    with pytest.raises(ValueError, match="max_nrm"):
        G.constraints.get("max_nrm")


@pytest.mark.parametrize(("make", "layer_kwargs"), [
    (lambda lib: lib.layers.Dense(3, kernel_constraint=lib.constraints.MaxNorm(0.6),
                                  bias_constraint="non_neg"), None),
    (lambda lib: lib.layers.Dense(3, kernel_constraint=lib.constraints.UnitNorm()), None),
])
def test_constrained_training_matches_keras(G, make, layer_kwargs):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = rng.normal(size=(32, 3)).astype(np.float32)
    start = [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)]
    weights = []
    for lib in (keras, G):
        model = lib.Sequential([lib.Input((4,)), make(lib)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        weights.append([np.asarray(w) for w in model.get_weights()])
    for got, want in zip(weights[1], weights[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_constraints_in_config_and_files(G, tmp_path):
    layer = G.layers.Dense(2, kernel_constraint=G.constraints.MaxNorm(2.0, axis=0))
    config = layer.get_config()
    theirs = keras.layers.Dense(2, kernel_constraint=keras.constraints.MaxNorm(2.0)).get_config()
    assert config["kernel_constraint"]["class_name"] == theirs["kernel_constraint"]["class_name"]
    assert config["kernel_constraint"]["config"] == theirs["kernel_constraint"]["config"]
    assert config["bias_constraint"] is None is theirs["bias_constraint"]
    json.dumps(config)
    model = G.Sequential([G.Input((3,)), layer])
    model.save(tmp_path / "c.keras")
    for lib in (G, keras):
        loaded = lib.models.load_model(tmp_path / "c.keras")
        assert type(loaded.layers[0].kernel_constraint).__name__ == "MaxNorm"
    back = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        2, kernel_constraint="non_neg")])
    back.save(tmp_path / "k.keras")
    loaded = G.models.load_model(tmp_path / "k.keras")
    assert isinstance(loaded.layers[0].kernel_constraint, G.constraints.NonNeg)


def test_conv_takes_constraints(G):
    rng = np.random.default_rng(0)
    model = G.Sequential([G.Input((6, 6, 2)), G.layers.Conv2D(
        3, 3, kernel_constraint=G.constraints.MaxNorm(0.1, axis=[0, 1, 2]))])
    model.compile(optimizer=G.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.fit(rng.normal(size=(8, 6, 6, 2)), rng.normal(size=(8, 4, 4, 3)) * 10, verbose=0)
    kernel = model.layers[0].get_weights()[0]
    assert np.all(np.sqrt((kernel ** 2).sum(axis=(0, 1, 2))) <= 0.1 + 1e-6)


# -- keras.utils -------------------------------------------------------------------------------
@pytest.mark.parametrize(("axis", "order"), [(-1, 2), (-2, 2), (1, 1)])
def test_normalize_as_keras(G, axis, order):
    x = np.random.default_rng(0).normal(size=(4, 5))
    x[1] = 0.0
    np.testing.assert_allclose(G.utils.normalize(x, axis=axis, order=order),
                               as_numpy(keras.utils.normalize(x, axis=axis, order=order)),
                               rtol=1e-12)


def test_get_source_inputs_as_keras(G):
    for lib in (G, keras):
        a, b = lib.Input((3,)), lib.Input((3,))
        out = lib.layers.Dense(1)(lib.layers.concatenate([lib.layers.Dense(3)(a), b]))
        sources = lib.utils.get_source_inputs(out)
        assert len(sources) == 2 and sources[0] is a and sources[1] is b
        assert lib.utils.get_source_inputs(a)[0] is a


def test_progbar_averages_as_keras(G):
    stream = io.StringIO()
    ours = G.utils.Progbar(4, stateful_metrics=["acc"], stream=stream)
    theirs = keras.utils.Progbar(4, stateful_metrics=["acc"], verbose=0)
    for step, values in [(1, [("loss", 1.0), ("acc", 0.5)]), (3, [("loss", 0.4), ("acc", 0.7)])]:
        ours.update(step, values)
        theirs.update(step, values)
    ours.add(0, [("loss", 0.1)])
    theirs.add(0, [("loss", 0.1)])
    for key in ("loss", "acc"):
        np.testing.assert_allclose(ours._values[key], theirs._values[key])
    ours.update(4, [("loss", 0.2)])
    text = stream.getvalue()
    assert text.endswith("\n") and "4/4" in text and "loss: 0.2000" in text and "acc: 0.7000" in text
    quiet = io.StringIO()
    bar = G.utils.Progbar(None, verbose=2, stream=quiet)
    bar.add(5, [("loss", 1.0)])
    assert quiet.getvalue() == ""
