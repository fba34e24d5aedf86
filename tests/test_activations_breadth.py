"""The wider ``glassnet.activations``: ``Dense(activation=name)`` gradients for every name
against central differences, the function forms on traced arrays (custom layers get
gradients), and ``get``/``serialize``/``deserialize`` of the function forms."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import activations, ops
from glassnet.gradcheck import check_layer
from glassnet.layers import Dense
from test_ops import _check

NEW = ["celu", "exponential", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_tanh",
       "log_sigmoid", "log_softmax", "mish", "relu6", "soft_shrink", "softsign", "sparse_plus",
       "sparse_sigmoid", "squareplus", "tanh_shrink"]


def test_the_new_names_are_registered():
    assert set(NEW) <= set(activations.names())
    assert activations.get("hard_swish").name == "hard_silu"


@pytest.mark.parametrize("name", NEW)
def test_dense_with_activation_name_has_exact_gradients(name, rng):
    x = rng.normal(size=(4, 3)) * 2
    errors = check_layer(Dense(5, activation=name, bias_initializer="random_normal"), x, rng)
    assert max(errors.values()) < 1e-6, errors


def _away(rng, points, shape=(3, 4), scale=2.0, margin=0.05):
    x = rng.normal(scale=scale, size=shape)
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = p + np.where(x[near] >= p, 2, -2) * margin
    return x


FORMS = {
    "relu": (lambda x: activations.relu(x), (0.0,)),
    "relu_options": (lambda x: activations.relu(x, negative_slope=0.1, max_value=2.0,
                                                threshold=-0.5), (-0.5, 2.0)),
    "relu_threshold": (lambda x: activations.relu(x, threshold=0.4), (0.4,)),
    "relu_max": (lambda x: activations.relu(x, max_value=1.5), (0.0, 1.5)),
    "leaky_relu": (lambda x: activations.leaky_relu(x, negative_slope=0.1), (0.0,)),
    "elu": (lambda x: activations.elu(x, alpha=0.5), (0.0,)),
    "selu": (activations.selu, (0.0,)),
    "celu": (lambda x: activations.celu(x, alpha=0.5), (0.0,)),
    "gelu": (activations.gelu, ()),
    "gelu_tanh": (lambda x: activations.gelu(x, approximate=True), ()),
    "sigmoid": (activations.sigmoid, ()), "tanh": (activations.tanh, ()),
    "silu": (activations.silu, ()), "swish": (activations.swish, ()),
    "softplus": (activations.softplus, ()), "softsign": (activations.softsign, ()),
    "exponential": (activations.exponential, ()), "mish": (activations.mish, ()),
    "relu6": (activations.relu6, (0.0, 6.0)),
    "hard_sigmoid": (activations.hard_sigmoid, (-3.0, 3.0)),
    "hard_silu": (activations.hard_silu, (-3.0, 3.0)),
    "hard_swish": (activations.hard_swish, (-3.0, 3.0)),
    "hard_tanh": (activations.hard_tanh, (-1.0, 1.0)),
    "hard_shrink": (lambda x: activations.hard_shrink(x, threshold=0.3), (-0.3, 0.3)),
    "soft_shrink": (activations.soft_shrink, (-0.5, 0.5)),
    "tanh_shrink": (activations.tanh_shrink, ()),
    "sparse_plus": (activations.sparse_plus, (-1.0, 1.0)),
    "sparse_sigmoid": (activations.sparse_sigmoid, (-1.0, 1.0)),
    "squareplus": (lambda x: activations.squareplus(x, b=1), ()),
    "log_sigmoid": (activations.log_sigmoid, ()),
    "softmax_axis0": (lambda x: activations.softmax(x, axis=0), ()),
    "log_softmax": (activations.log_softmax, ()),
    "glu": (activations.glu, ()),
    "sparsemax": (activations.sparsemax, ()),
    "threshold": (lambda x: activations.threshold(x, 0.2, -1.0), (0.2,)),
    "linear_then_square": (lambda x: ops.square(activations.linear(x)), ()),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_function_forms_differentiate_on_the_tape(name, rng):
    fn, kinks = FORMS[name]
    _check(fn, [_away(rng, kinks)], rng)


def test_function_forms_resolve_to_their_activation():
    for fn, name in [(activations.gelu, "gelu"), (activations.hard_swish, "hard_silu"),
                     (activations.silu, "swish"), (activations.celu, "celu")]:
        act = activations.get(fn)
        assert isinstance(act, activations.ActivationFunction) and act.name == name
        assert activations.serialize(fn) == name
    custom = activations.get(lambda x: x * 2.0)  # any other function: differentiated on the tape
    assert isinstance(custom, activations.FunctionActivation)


def test_serialize_keeps_settings_that_differ_from_the_defaults():
    config = activations.serialize(activations.CELU(alpha=0.3))
    assert config == {"class_name": "celu", "config": {"alpha": 0.3}}
    assert activations.deserialize(config).alpha == 0.3
    assert activations.serialize(activations.CELU()) == "celu"


def test_deserialize_finds_custom_objects_and_rejects_other_types():
    def doubled(x):
        return x * 2.0

    act = activations.deserialize("doubled", custom_objects={"doubled": doubled})
    np.testing.assert_allclose(act(np.array([1.5])), [3.0])
    with pytest.raises(TypeError, match="`config`"):
        activations.deserialize(3)


def test_calling_an_activation_on_a_traced_array_records_it(rng):
    x = rng.normal(size=(2, 3))
    with ops.Tape() as tape:
        t = tape.watch(x)
        y = activations.get("mish")(t)
    assert isinstance(y, ops.Traced)
    assert tape.gradient(ops.sum(y), t).shape == x.shape


@pytest.mark.parametrize("call, match", [
    (lambda: activations.celu(np.ones(2), alpha=0.0), "`alpha`"),
    (lambda: activations.squareplus(np.ones(2), b=-1), "`b`"),
    (lambda: activations.soft_shrink(np.ones(2), threshold=-0.5), "`threshold`"),
])
def test_bad_settings_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
