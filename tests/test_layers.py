"""Every layer's backward pass against central differences (float64, random upstream)."""

import numpy as np
import pytest

from glassnet import activations
from glassnet.gradcheck import check_layer
from glassnet.layers import Activation, Dense, Dropout, Flatten, Input, Reshape

LAYER_CASES = {
    "dense": (lambda: Dense(4), (3, 5)),
    "dense_relu": (lambda: Dense(4, activation="relu"), (3, 5)),
    "dense_no_bias_tanh": (lambda: Dense(3, activation="tanh", use_bias=False), (2, 4)),
    "dense_softmax": (lambda: Dense(4, activation="softmax"), (3, 5)),
    "dense_3d_input": (lambda: Dense(2, activation="sigmoid"), (2, 3, 4)),
    "dense_l1l2": (lambda: Dense(3, kernel_regularizer="l1_l2"), (2, 4)),
    "flatten": (lambda: Flatten(), (2, 3, 4)),
    "reshape": (lambda: Reshape((4, -1)), (2, 12)),
    "dropout_training": (lambda: Dropout(0.4, seed=3), (4, 6)),
    **{f"activation_{n}": ((lambda n=n: Activation(n)), (3, 4)) for n in activations.names()},
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_gradients(case, rng):
    make, shape = LAYER_CASES[case]
    layer = make()
    x = rng.standard_normal(shape)
    if case.startswith("activation_"):
        x[np.abs(x) < 1e-3] = 0.3
    errors = check_layer(layer, x, rng, training=True)
    assert max(errors.values()) < 1e-6, errors


def test_dense_shapes_and_counts():
    layer = Dense(30)
    layer.build((784,), np.random.default_rng(0))
    assert layer.params["kernel"].shape == (784, 30)
    assert layer.params["bias"].shape == (30,)
    assert layer.count_params() == 23550
    assert layer.params["kernel"].dtype == np.float32
    assert layer.output_shape((784,)) == (30,)


def test_dense_forward_by_hand():
    layer = Dense(2, activation="relu", dtype="float64")
    layer.build((3,), np.random.default_rng(0))
    layer.set_weights([np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 1.0]]), np.array([0.5, -0.5])])
    y = layer.forward(np.array([[1.0, 1.0, 1.0], [0.0, -1.0, 2.0]]))
    np.testing.assert_allclose(y, [[3.5, 0.0], [0.0, 1.5]])


def test_dropout_identity_at_inference_and_scaled_in_training(rng):
    layer = Dropout(0.5, seed=0)
    x = np.ones((1000, 10), dtype=np.float32)
    layer.build((10,), rng)
    assert layer.forward(x, training=False) is x
    y = layer.forward(x, training=True)
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert abs(y.mean() - 1.0) < 0.05


@pytest.mark.parametrize("bad, match", [
    (lambda: Dense(0), r"Dense `units` must be a positive integer, got 0"),
    (lambda: Dense(2.5), r"got 2.5"),
    (lambda: Dense(3, activation="nope"), r"Unknown activation 'nope'"),
    (lambda: Dropout(1.0), r"Dropout `rate` must be a float in \[0, 1\), got 1.0"),
    (lambda: Dense(3, input_dim=3, input_shape=(3,)), r"either `input_dim` or `input_shape`"),
    (lambda: Reshape((-1, -1)), r"at most one -1"),
])
def test_bad_layer_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_config_round_trip():
    from glassnet.layers.base import deserialize_layer, serialize_layer

    for layer in [Dense(7, activation="tanh", use_bias=False, kernel_regularizer="l2"),
                  Dropout(0.3), Activation("leaky_relu"), Reshape((2, 3)), Flatten()]:
        clone = deserialize_layer(serialize_layer(layer))
        assert type(clone) is type(layer)
        assert clone.get_config() == layer.get_config()


def test_input_declares_shape():
    from glassnet.models import Sequential

    model = Sequential([Input(shape=(4,)), Dense(2)])
    model.build()
    assert model.input_shape == (None, 4)
    assert model.count_params() == 10
