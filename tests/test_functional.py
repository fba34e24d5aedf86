"""The functional API: graphs of layers, gradients through skips, saving, summary, errors."""

import numpy as np
import pytest

import glassnet.models
from glassnet.gradcheck import check_model
from glassnet.layers import (
    Activation,
    Add,
    Concatenate,
    Dense,
    Dropout,
    Flatten,
    Input,
    Multiply,
    SymbolicTensor,
)
from glassnet.models import Model, Sequential, load_model
from glassnet.models.model import Model as BaseModel


def residual_model(dtype="float64", seed=0, width=4, classes=3, n_in=4):
    """x -> dense -> [dense, dense] + skip -> concat with a side branch -> softmax."""
    x = Input(shape=(n_in,))
    h = Dense(width, activation="tanh")(x)
    f = Dense(width, activation="relu")(h)
    f = Dense(width)(f)
    h = Add()([h, f])  # h feeds the residual branch and the skip: two gradients add up
    side = Dense(2, activation="sigmoid")(x)
    y = Dense(classes, activation="softmax")(Concatenate()([h, side]))
    return Model(x, y, seed=seed, dtype=dtype)


def blobs(rng, n=120, d=4, classes=3):
    centres = rng.standard_normal((classes, d)) * 3
    labels = rng.integers(0, classes, n)
    return (centres[labels] + rng.standard_normal((n, d))).astype(np.float32), labels


# ---------------------------------------------------------------- the API
def test_input_returns_a_symbolic_tensor_and_layers_record_nodes():
    x = Input(shape=(4,), name="pixels")
    assert isinstance(x, SymbolicTensor)
    assert x.shape == (None, 4) and x.is_input
    y = Dense(3)(x)
    assert isinstance(y, SymbolicTensor) and y.shape == (None, 3)
    assert y.node.inputs == [x] and not y.node.layer.built
    assert Input(5).shape == (None, 5)


def test_models_model_is_the_functional_model():
    assert glassnet.models.Model is Model
    assert issubclass(Model, BaseModel)
    assert Model.__module__ == "glassnet.models.functional"


def test_sequential_still_accepts_input_first():
    model = Sequential([Input(shape=(4,)), Dense(2)])
    assert model.input_shape == (None, 4)
    assert model.predict(np.ones((3, 4))).shape == (3, 2)
    x = Input(shape=(4,))
    with pytest.raises(TypeError, match="only the tensor of Input"):
        Sequential([Input(shape=(4,)), Dense(2)(x)])
    with pytest.raises(ValueError, match="only be the first entry"):
        Sequential([Dense(2, input_dim=4), Input(shape=(4,))])


def test_layers_are_ordered_and_named():
    model = residual_model()
    names = [layer.name for layer in model.layers]
    assert names == ["input_layer_1", "dense_1", "dense_2", "dense_3", "add_1", "dense_4",
                     "concatenate_1", "dense_5"]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 3)
    assert model.layer_output_shapes()[4] == (None, 4)


# ---------------------------------------------------------------- gradients
def test_gradient_check_with_skip_connection_fused_softmax(rng):
    model = residual_model()
    model.compile("sgd", "categorical_crossentropy")
    x = rng.standard_normal((5, 4))
    y = np.eye(3)[rng.integers(0, 3, 5)]
    rows = check_model(model, x, y)
    assert model._fused  # softmax + cross-entropy: backward starts at backward_preactivation
    assert len(rows) == 10
    assert max(r["relative_error"] for r in rows) < 1e-6, rows


def test_gradient_check_tensor_with_three_consumers_mse(rng):
    x = Input(shape=(3,))
    h = Dense(3, activation="tanh")(x)
    a = Dense(3, activation="sigmoid")(h)
    b = Dense(3)(h)
    y = Dense(2)(Add()([h, Multiply()([a, b])]))  # h is read by a, b and the Add
    model = Model(x, y, dtype="float64", seed=1)
    model.compile("sgd", "mse")
    rows = check_model(model, rng.standard_normal((4, 3)), rng.standard_normal((4, 2)))
    assert max(r["relative_error"] for r in rows) < 1e-6, rows


def test_no_backward_before_the_first_weights(rng):
    x = Input(shape=(2, 3))
    flat = Flatten()(x)
    y = Dense(2)(Add()([flat, Dense(6)(flat)]))
    model = Model(x, y, dtype="float64")
    model.compile("sgd", "mse")
    model.build()
    assert model.get_layer("dense_1").input_grad_needed is False
    calls = []
    flatten = model.get_layer("flatten_1")
    flatten.backward = lambda g: calls.append(g)  # must never run: nothing upstream learns
    rows = check_model(model, rng.standard_normal((3, 2, 3)), rng.standard_normal((3, 2)))
    assert not calls
    assert max(r["relative_error"] for r in rows) < 1e-6


def test_same_layers_as_sequential_give_identical_outputs_gradients_and_training(rng):
    def layers():
        return [Dense(5, activation="relu"), Dropout(0.3), Dense(4, activation="tanh"),
                Dense(3, activation="softmax")]

    seq = Sequential([Input(shape=(4,)), *layers()], seed=7)
    x_in = Input(shape=(4,))
    h = x_in
    for layer in layers():
        h = layer(h)
    fun = Model(x_in, h, seed=7)
    x, labels = blobs(rng, n=64)
    for model in (seq, fun):
        model.compile("adam", "sparse_categorical_crossentropy")
        model.build()
    for a, b in zip(seq.get_weights(), fun.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(seq.predict(x), fun.predict(x))
    for model in (seq, fun):
        model._prepare_training()
        out = model._forward(x, training=True)
        _, g = model.loss.value_and_logit_gradient(model._targets(labels, 64), out)
        model._backward(g, model._fused)
    np.testing.assert_array_equal(seq._flat.grad, fun._flat.grad)
    for model in (seq, fun):
        model.fit(x, labels, epochs=2, batch_size=16, verbose=0)
    np.testing.assert_array_equal(seq.history.history["loss"], fun.history.history["loss"])
    np.testing.assert_array_equal(seq.predict(x), fun.predict(x))


def test_resnet_style_model_trains(rng):
    x_in = Input(shape=(4,))
    h = Dense(16, activation="relu", kernel_initializer="he_normal")(x_in)
    for _ in range(4):
        f = Dense(16, activation="relu", kernel_initializer="he_normal")(h)
        f = Dense(16, kernel_initializer="zeros")(f)  # each block starts as the identity
        h = Activation("relu")(Add()([h, f]))
    model = Model(x_in, Dense(3, activation="softmax")(h), seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    x, labels = blobs(rng, n=300)
    history = model.fit(x, labels, epochs=15, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    assert history["accuracy"][-1] > 0.9


# ---------------------------------------------------------------- saving, weights, summary
def test_save_load_round_trip(tmp_path, rng):
    model = residual_model(dtype="float32", seed=3)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    x, labels = blobs(rng, n=40)
    model.fit(x, labels, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "res.npz")
    clone = load_model(tmp_path / "res.npz")
    assert isinstance(clone, Model)
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]
    assert clone.get_config() == model.get_config()
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))
    # Optimizer state came along: one more epoch in the same order gives the same weights.
    for m in (model, clone):
        m.fit(x, labels, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), clone.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_get_set_weights_round_trip():
    a, b = residual_model(seed=1), residual_model(seed=2)
    a.build()
    b.build()
    b.set_weights(a.get_weights())
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    np.testing.assert_array_equal(a.predict(x), b.predict(x))


def test_summary_totals_and_connections():
    model = residual_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    # 4*4+4 + 4*4+4 + 4*4+4 + 4*2+2 + 6*3+3 = 20 + 20 + 20 + 10 + 21
    assert "Total params: 91" in text and "Trainable params: 91" in text
    assert "Non-trainable params: 0" in text
    assert "Connected to" in text
    add_row = next(i for i, line in enumerate(text.splitlines()) if "add_1 (Add)" in line)
    assert text.splitlines()[add_row].rstrip().endswith("dense_1[0][0]")
    assert text.splitlines()[add_row + 1].strip() == "dense_3[0][0]"
    assert model.count_params() == 91


# ---------------------------------------------------------------- errors
def test_outputs_not_connected_to_inputs():
    a, b = Input(shape=(4,)), Input(shape=(4,), name="other")
    y = Dense(2)(b)
    with pytest.raises(ValueError, match="`outputs` is not connected to `inputs`.*'other'"):
        Model(a, y)


def test_bad_inputs_and_outputs():
    x = Input(shape=(4,))
    h = Dense(3)(x)
    with pytest.raises(ValueError, match="must be the tensor returned by Input"):
        Model(h, Dense(2)(h))
    with pytest.raises(TypeError, match="must be a symbolic tensor"):
        Model(x, np.ones(3))
    with pytest.raises(ValueError, match="lists the same tensor twice"):
        Model([x, x], h)


def test_layer_reuse_and_duplicate_names():
    x = Input(shape=(4,))
    shared = Dense(4)
    first, second = shared(x), shared(x)  # a shared layer: two nodes, one set of weights
    assert first.node is not second.node and first.node.layer is second.node.layer
    assert [layer.name for layer in Model(x, Add()([first, second])).layers].count("dense_1") == 1
    y = Dense(4, name="same")(Dense(4, name="same")(x))
    with pytest.raises(ValueError, match="'same' is used twice"):
        Model(x, y)


def test_wrong_data_shape_and_model_called_symbolically(rng):
    model = residual_model(dtype="float32")
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"InputLayer 'input_layer_1' expects inputs of shape "
                                         r"\(None, 4\), but received an array of shape \(2, 5\)"):
        model.fit(np.ones((2, 5)), np.zeros(2), verbose=0)
    nested = model(Input(shape=(4,)))  # a model called on tensors: one layer of a new graph
    assert nested.shape == model.output_shape and nested.node.layer.model is model


# ---------------------------------------------------------------- Residual, inside Sequential
def test_residual_layer_gradients_and_equivalence_with_the_graph(rng):
    from glassnet.gradcheck import check_layer
    from glassnet.layers import Residual

    errors = check_layer(Residual([Dense(4, activation="tanh"), Dense(4)]),
                         rng.standard_normal((3, 4)), rng)
    assert set(errors) == {"x", "0/kernel", "0/bias", "1/kernel", "1/bias"}
    assert max(errors.values()) < 1e-6, errors

    seq = Sequential([Input(shape=(4,)), Dense(4, activation="tanh"),
                      Residual([Dense(4, activation="relu"), Dropout(0.2), Dense(4)]),
                      Dense(3, activation="softmax")], seed=5, dtype="float64")
    x_in = Input(shape=(4,))
    h = Dense(4, activation="tanh")(x_in)
    f = Dense(4)(Dropout(0.2)(Dense(4, activation="relu")(h)))
    fun = Model(x_in, Dense(3, activation="softmax")(Add()([h, f])), seed=5, dtype="float64")
    x, labels = blobs(rng, n=32)
    for model in (seq, fun):
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, labels, epochs=2, batch_size=8, verbose=0)
    np.testing.assert_allclose(seq.predict(x), fun.predict(x), rtol=1e-12)
    assert seq.count_params() == fun.count_params() == 20 + 20 + 20 + 15
    seq.compile("sgd", "sparse_categorical_crossentropy")
    rows = check_model(seq, x[:4], labels[:4])
    assert max(r["relative_error"] for r in rows) < 1e-6, rows


def test_residual_layer_saves_and_rejects_shape_changes(tmp_path, rng):
    from glassnet.layers import Residual

    model = Sequential([Input(shape=(4,)), Residual([Dense(8, activation="relu"), Dense(4)]),
                        Dense(2)], seed=0)
    model.compile("adam", "mse")
    x = rng.standard_normal((10, 4))
    model.fit(x, rng.standard_normal((10, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "r.npz")
    np.testing.assert_array_equal(load_model(tmp_path / "r.npz").predict(x), model.predict(x))
    with pytest.raises(ValueError, match=r"maps \(None, 4\) to \(None, 3\)"):
        # built as soon as the input shape is known, as in Keras
        Sequential([Input(shape=(4,)), Residual([Dense(3)], name="res")])
    with pytest.raises(TypeError, match="single-input layers"):
        Residual([Add()])
    with pytest.raises(ValueError, match="non-empty list of layers"):
        Residual([])
