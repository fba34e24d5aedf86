"""``import glassnet as keras``: the names a Keras program reaches for, at Keras's paths, and the
small helpers, regularizers and initializers that behave as Keras's."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras

TOP_LEVEL = ["Sequential", "Model", "Input", "layers", "models", "optimizers", "losses",
             "metrics", "callbacks", "regularizers", "initializers", "activations", "utils",
             "datasets"]
PATHS = [
    "models.load_model", "models.Sequential", "models.Model", "utils.to_categorical",
    "utils.set_random_seed", "layers.Dense", "layers.Input", "optimizers.SGD",
    "optimizers.Adam", "optimizers.RMSprop", "optimizers.Adagrad", "optimizers.AdamW",
    "optimizers.Adamax", "optimizers.Nadam", "losses.MeanSquaredError", "losses.mean_squared_error",
    "losses.BinaryCrossentropy", "losses.CategoricalCrossentropy",
    "losses.SparseCategoricalCrossentropy", "losses.Huber", "losses.huber",
    "metrics.AUC", "metrics.Precision", "metrics.Recall", "metrics.Accuracy",
    "metrics.SparseCategoricalAccuracy", "metrics.RootMeanSquaredError", "metrics.Mean",
    "callbacks.Callback", "callbacks.LambdaCallback", "callbacks.CSVLogger",
    "callbacks.EarlyStopping", "callbacks.ModelCheckpoint", "callbacks.History",
    "regularizers.l1", "regularizers.l2", "regularizers.l1_l2", "regularizers.L1L2",
    "initializers.GlorotUniform", "initializers.Ones", "initializers.Zeros",
    "initializers.HeNormal", "initializers.Constant", "initializers.Identity",
    "activations.relu", "activations.softmax", "datasets.mnist",
]


def _resolve(module, dotted):
    obj = module
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_names(G, name):
    _resolve(keras, name)  # the referee has it too
    assert _resolve(G, name) is not None


@pytest.mark.parametrize("path", PATHS)
def test_names_at_keras_paths(G, path):
    _resolve(keras, path)
    assert callable(_resolve(G, path)) or path == "datasets.mnist"


def test_import_is_fast_and_cycle_free():
    """A fresh interpreter imports glassnet, then every public submodule, without error."""
    code = ("import time; t = time.perf_counter(); import glassnet as keras; "
            "dt = time.perf_counter() - t; "
            f"[getattr(keras, n) for n in {TOP_LEVEL!r}]; print(dt)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 0.5


def test_to_categorical_is_float64_as_keras(G):
    got = G.utils.to_categorical([0, 2, 1], 3)
    want = keras.utils.to_categorical([0, 2, 1], 3)
    assert got.dtype == want.dtype == np.float64
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(G.utils.to_categorical(np.array([[1], [0]])),
                                  keras.utils.to_categorical(np.array([[1], [0]])))


def test_set_random_seed_makes_models_repeat(G):
    def weights():
        G.utils.set_random_seed(3)
        model = G.Sequential([G.layers.Dense(2, input_shape=(3,))])
        model.build((None, 3))
        return model.get_weights()[0]

    np.testing.assert_array_equal(weights(), weights())


@pytest.mark.parametrize("make", [
    lambda m: m.l1(0.01), lambda m: m.l2(0.02), lambda m: m.l1_l2(l1=0.01, l2=0.03),
    lambda m: m.L1L2(0.1, 0.2), lambda m: m.L2(), lambda m: m.get("l2"),
])
def test_regularizers_give_keras_penalties(G, make):
    w = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    k_reg, g_reg = make(keras.regularizers), make(G.regularizers)
    assert_close(g_reg(w), k_reg(w), rtol=1e-6)
    k_config = {k: pytest.approx(v, rel=1e-6) for k, v in k_reg.get_config().items()}
    assert g_reg.get_config() == k_config


def test_activity_regularizer_penalty_is_divided_by_the_batch_size(G):
    """Keras adds ``reg(a) / batch`` for an activity regularizer (Layer.__call__)."""
    a = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    layer = keras.layers.Dense(3, activity_regularizer=keras.regularizers.l2(0.1),
                               kernel_initializer="identity", use_bias=False)
    layer(a)
    value, grad = G.regularizers.l2(0.1).activity(a)
    assert_close(value, sum(as_numpy(v) for v in layer.losses), rtol=1e-5)
    np.testing.assert_allclose(grad, 2 * 0.1 * a / 5, rtol=1e-6)


@pytest.mark.parametrize("name, kwargs", [("Ones", {}), ("Zeros", {}), ("Constant", {"value": 3.0}),
                                          ("Identity", {"gain": 2.0})])
def test_constant_initializers_equal_keras(G, name, kwargs):
    got = getattr(G.initializers, name)(**kwargs)(shape=(3, 3))
    want = getattr(keras.initializers, name)(**kwargs)(shape=(3, 3))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, as_numpy(want))


@pytest.mark.parametrize("name", ["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
                                  "LecunUniform", "LecunNormal", "RandomNormal",
                                  "RandomUniform", "TruncatedNormal", "Orthogonal"])
def test_seeded_initializers_repeat_like_keras(G, name):
    shape = (60, 50)
    g_init, k_init = getattr(G.initializers, name)(seed=42), getattr(keras.initializers, name)(seed=42)
    g1, g2 = g_init(shape=shape), g_init(shape=shape)
    k1 = as_numpy(k_init(shape=shape))
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(k1, as_numpy(k_init(shape=shape)))  # Keras repeats too
    assert g1.dtype == k1.dtype == np.float32
    # Same distribution: the same bounds and spread (different generators, so not values).
    assert np.abs(g1).max() <= np.abs(k1).max() * 1.1 + 1e-6
    assert g1.std() == pytest.approx(k1.std(), rel=0.1)
    k_config = k_init.get_config()
    assert {k: k_config[k] for k in g_init.get_config()} == g_init.get_config()


@pytest.mark.parametrize("name", [
    "Dense", "Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose", "SeparableConv2D",
    "DepthwiseConv2D", "SimpleRNN", "LSTM", "GRU", "BatchNormalization", "LayerNormalization",
    "EinsumDense"])
def test_layer_arguments_by_position_follow_keras(G, name):  # noqa: N803
    """What a program may pass by position lines up with Keras's order: glassnet's positional
    parameters are the first ones of Keras's (the weight initializers and regularizers after
    them are keyword arguments here)."""
    import inspect

    def positional(cls):
        return [p.name for p in inspect.signature(cls.__init__).parameters.values()
                if p.kind is p.POSITIONAL_OR_KEYWORD][1:]

    ours, theirs = positional(getattr(G.layers, name)), positional(getattr(keras.layers, name))
    assert ours == theirs[:len(ours)]
