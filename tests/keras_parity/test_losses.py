"""Losses: Keras's values for the classes (every reduction, with and without sample weights),
the function forms, and integer targets in ``fit``."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import assert_close, keras


def _probs(rng, shape):
    z = rng.normal(size=shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype("float32")


def _data(kind, rng, shape):
    if kind == "real":
        return rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")
    if kind == "positive":
        return (np.abs(rng.normal(size=shape)) + 0.1).astype("float32"), \
            (np.abs(rng.normal(size=shape)) + 0.1).astype("float32")
    if kind == "binary":
        return rng.integers(0, 2, shape).astype("float32"), rng.random(shape).astype("float32")
    if kind == "logits":
        return rng.integers(0, 2, shape).astype("float32"), rng.normal(size=shape).astype("float32")
    if kind == "onehot":
        return np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])], \
            _probs(rng, shape)
    if kind == "sparse":
        return rng.integers(0, shape[-1], shape[:-1]), _probs(rng, shape)
    if kind == "softpair":
        return _probs(rng, shape), _probs(rng, shape)
    if kind == "onehot_real":
        return np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])], \
            (0.5 * rng.normal(size=shape)).astype("float32")
    raise ValueError(kind)


CASES = [
    ("MeanSquaredError", {}, "real"),
    ("MeanAbsoluteError", {}, "real"),
    ("MeanAbsolutePercentageError", {}, "positive"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("Huber", {"delta": 0.7}, "real"),
    ("LogCosh", {}, "real"),
    ("Hinge", {}, "logits"),
    ("SquaredHinge", {}, "logits"),
    ("Poisson", {}, "positive"),
    ("KLDivergence", {}, "softpair"),
    ("CategoricalHinge", {}, "onehot_real"),
    ("CosineSimilarity", {}, "real"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True}, "logits"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none", None]


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 4)], ids=["2d", "sequence"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, kwargs, kind", CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_loss_classes_reduce_as_keras(G, name, kwargs, kind, reduction, shape):
    rng = np.random.default_rng(5)
    y_true, y_pred = _data(kind, rng, shape)
    w = rng.uniform(0.2, 2.0, shape[:-1]).astype("float32")  # Keras: one per value
    k_loss = getattr(keras.losses, name)(reduction=reduction, **kwargs)
    g_loss = getattr(G.losses, name)(reduction=reduction, **kwargs)
    assert g_loss.name == k_loss.name and g_loss.reduction == k_loss.reduction
    for weight in (None, w):
        got = g_loss(y_true, y_pred, sample_weight=weight)
        want = k_loss(y_true, y_pred, sample_weight=weight)
        assert np.shape(got) == tuple(want.shape)
        assert_close(got, want, rtol=2e-5, atol=1e-6, what=f"{name} {reduction} w={weight is not None}")


FUNCTIONS = [
    ("mean_squared_error", {}, "real"), ("mean_absolute_error", {}, "real"),
    ("mean_absolute_percentage_error", {}, "positive"),
    ("mean_squared_logarithmic_error", {}, "positive"), ("huber", {"delta": 0.5}, "real"),
    ("log_cosh", {}, "real"), ("hinge", {}, "logits"), ("squared_hinge", {}, "logits"),
    ("poisson", {}, "positive"), ("kl_divergence", {}, "softpair"),
    ("categorical_hinge", {}, "onehot_real"), ("cosine_similarity", {}, "real"),
    ("binary_crossentropy", {}, "binary"),
    ("binary_crossentropy", {"from_logits": True}, "logits"),
    ("categorical_crossentropy", {}, "onehot"),
    ("sparse_categorical_crossentropy", {"from_logits": False}, "sparse"),
]


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 4)], ids=["2d", "sequence"])
@pytest.mark.parametrize("name, kwargs, kind", FUNCTIONS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(FUNCTIONS)])
def test_loss_functions_return_keras_unreduced_values(G, name, kwargs, kind, shape):
    rng = np.random.default_rng(9)
    y_true, y_pred = _data(kind, rng, shape)
    got = getattr(G.losses, name)(y_true, y_pred, **kwargs)
    want = getattr(keras.losses, name)(y_true, y_pred, **kwargs)
    assert got.shape == tuple(want.shape)
    assert_close(got, want, rtol=2e-5, atol=1e-6, what=name)


def test_short_names_and_get(G):
    y, p = np.array([[1.0, 2.0]]), np.array([[1.5, 1.0]])
    np.testing.assert_allclose(G.losses.mse(y, p), G.losses.mean_squared_error(y, p))
    np.testing.assert_allclose(G.losses.mae(y, p), [0.75])
    rng = np.random.default_rng(0)
    y_true, y_pred = _data("binary", rng, (5, 3))
    for name in ("mse", "mae", "huber", "binary_crossentropy", "BinaryCrossentropy"):
        # Keras's get gives a function for a snake-case name; its mean is the class's value.
        want = np.mean(keras.ops.convert_to_numpy(keras.losses.get(name)(y_true, y_pred)))
        assert_close(G.losses.get(name)(y_true, y_pred), want, rtol=1e-5, what=name)
    with pytest.raises(ValueError, match="Unknown loss 'msee'. Valid: "):
        G.losses.get("msee")
    with pytest.raises(ValueError, match="`reduction` of MeanSquaredError must be one of"):
        G.losses.MeanSquaredError(reduction="average")


@pytest.mark.parametrize("loss, last", [("mse", None), ("binary_crossentropy", "sigmoid"),
                                        ("mae", None), ("huber", None)])
def test_integer_targets_train_as_in_keras(G, loss, last):
    """Integer targets with every loss: one epoch from identical weights, Keras's numbers."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.integers(0, 2, (12, 1))  # int64

    def run(lib):
        model = lib.Sequential([lib.layers.Dense(1, activation=last, input_shape=(3,))])
        model.build((None, 3))
        model.set_weights([np.full((3, 1), 0.3, "float32"), np.zeros(1, "float32")])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss=loss)
        hist = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
        return hist["loss"][0], model.get_weights()

    (g_loss, g_w), (k_loss, k_w) = run(G), run(keras)
    assert_close(g_loss, k_loss, rtol=1e-5, what="loss")
    for gw, kw in zip(g_w, k_w, strict=True):
        assert gw.dtype == np.float32
        assert_close(gw, kw, rtol=1e-5, atol=1e-7, what="weights")


def test_loss_config_round_trip(G):
    loss = G.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1,
                                           reduction="sum", name="cce")
    again = G.losses.deserialize(G.losses.serialize(loss))
    assert (again.from_logits, again.label_smoothing, again.reduction, again.name) == \
        (True, 0.1, "sum", "cce")
