"""``glassnet.activations`` against ``keras.activations``: every function form (with its
keyword arguments), the names ``get`` and ``serialize`` give, and ``Dense(activation=name)``
from identical weights."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, assert_close, keras

# name -> keyword arguments of the cases (one case per dict).
FUNCTIONS = {
    "celu": [{}, {"alpha": 0.5}], "elu": [{}, {"alpha": 0.3}], "exponential": [{}],
    "gelu": [{}, {"approximate": True}], "glu": [{}, {"axis": 0}],
    "hard_shrink": [{}, {"threshold": 0.2}], "hard_sigmoid": [{}], "hard_silu": [{}],
    "hard_swish": [{}], "hard_tanh": [{}], "leaky_relu": [{}, {"negative_slope": 0.05}],
    "linear": [{}], "log_sigmoid": [{}], "log_softmax": [{}, {"axis": 0}], "mish": [{}],
    "relu": [{}, {"negative_slope": 0.1}, {"max_value": 1.5}, {"threshold": 0.4},
             {"negative_slope": 0.1, "max_value": 2.0, "threshold": -0.3},
             {"negative_slope": 0.2, "threshold": 0.5}],
    "relu6": [{}], "selu": [{}], "sigmoid": [{}], "silu": [{}],
    "soft_shrink": [{}, {"threshold": 1.0}], "softmax": [{}, {"axis": 0}], "softplus": [{}],
    "softsign": [{}], "sparse_plus": [{}], "sparse_sigmoid": [{}], "squareplus": [{}, {"b": 1}],
    "swish": [{}], "tanh": [{}], "tanh_shrink": [{}],
    "threshold": [{"threshold": 0.3, "default_value": -2.0}],
}
CASES = [(name, i) for name, kws in sorted(FUNCTIONS.items()) for i in range(len(kws))]
#: Keras's activation functions covered elsewhere: sparsemax differs (see test_ops_breadth).
SEPARATE = {"sparsemax"}


@pytest.mark.parametrize("name, i", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_function_forms_match_keras(G, name, i):
    kwargs = FUNCTIONS[name][i]
    x = (np.random.default_rng(i).normal(size=(4, 6)) * 3).astype(np.float32)
    want = getattr(keras.activations, name)(keras.ops.convert_to_tensor(x), **kwargs)
    got = getattr(G.activations, name)(x, **kwargs)
    assert np.asarray(got).dtype == np.float32 and np.shape(got) == tuple(want.shape)
    assert_close(got, want, rtol=1e-5, atol=1e-6, what=f"{name} {kwargs}")


def test_every_keras_activation_is_covered(G):
    public = {n for n in dir(keras.activations) if not n.startswith("_")}
    functions = public - {"get", "serialize", "deserialize"}
    assert functions - set(FUNCTIONS) - SEPARATE == set()
    assert {n for n in public if not hasattr(G.activations, n)} == set()


# The names glassnet resolves as strings: Keras's, except "swish", which glassnet keeps as
# the canonical name of x * sigmoid(x) (Keras calls it "silu"; both spellings are accepted).
STRING_NAMES = sorted(set(FUNCTIONS) - {"glu", "threshold", "swish", "silu"})


@pytest.mark.parametrize("name", STRING_NAMES)
def test_get_and_serialize_give_keras_names(G, name):
    want = keras.activations.serialize(keras.activations.get(name))
    assert G.activations.serialize(G.activations.get(name)) == want
    assert G.activations.serialize(getattr(G.activations, name)) == want
    assert G.activations.deserialize(want).name == want


@pytest.mark.parametrize("name", STRING_NAMES + ["silu", "swish"])
def test_dense_with_activation_name_matches_keras(G, name):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 3)).astype(np.float32)
    ref = keras.layers.Dense(4, activation=name, bias_initializer="random_normal")
    want = ref(x)
    mine = G.layers.Dense(4, activation=name)
    mine(x)
    mine.set_weights([as_numpy(w) for w in ref.get_weights()])
    assert_close(mine(x), want, rtol=1e-5, atol=1e-6, what=name)


@pytest.mark.parametrize("name", STRING_NAMES)
def test_dense_with_activation_name_round_trips_through_keras_files(G, name, tmp_path):
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    model = G.Sequential([G.Input((3,)), G.layers.Dense(4, activation=name)])
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert_close(model.predict(x, verbose=0), loaded.predict(x, verbose=0), rtol=1e-5, atol=1e-6,
                 what=name)
    again = G.saving.load_model(tmp_path / "m.keras")
    keras_name = keras.activations.serialize(keras.activations.get(name))
    assert G.activations.serialize(again.layers[-1].activation) == keras_name
