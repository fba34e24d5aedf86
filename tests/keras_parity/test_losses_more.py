"""Focal, overlap and generalized cross-entropy losses: Keras's values for every reduction and
with sample weights, its function forms, configs and names, and one epoch of ``fit``."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from .conftest import assert_close, keras
from .test_losses import _probs


def _data(kind, rng, shape):
    if kind == "binary":
        return rng.integers(0, 2, shape).astype("float32"), rng.random(shape).astype("float32")
    if kind == "logits":
        return rng.integers(0, 2, shape).astype("float32"), \
            (3 * rng.normal(size=shape)).astype("float32")
    if kind == "onehot":
        return np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])], \
            _probs(rng, shape)
    if kind == "onehot_logits":
        return np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])], \
            rng.normal(size=shape).astype("float32")
    if kind == "sparse":
        return rng.integers(0, shape[-1], shape[:-1]), _probs(rng, shape)
    raise ValueError(kind)


CASES = [
    ("BinaryFocalCrossentropy", {}, "binary"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 3.0,
                                 "from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalFocalCrossentropy", {}, "onehot"),
    ("CategoricalFocalCrossentropy", {"alpha": [0.1, 0.2, 0.3, 0.4], "gamma": 1.5,
                                      "from_logits": True, "label_smoothing": 0.1},
     "onehot_logits"),
    ("Dice", {}, "binary"),
    ("Dice", {"axis": -1}, "binary"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, "binary"),
    ("Tversky", {"axis": -1}, "binary"),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.7}, "sparse"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none", None]


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 4)], ids=["2d", "sequence"])
@pytest.mark.parametrize("name, kwargs, kind", CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_every_reduction_and_weighting_as_keras(G, name, kwargs, kind, shape):
    rng = np.random.default_rng(5)
    y_true, y_pred = _data(kind, rng, shape)
    per_value = rng.uniform(0.2, 2.0, shape[:-1]).astype("float32")
    for reduction, weight in itertools.product(REDUCTIONS, (None, per_value)):
        k_loss = getattr(keras.losses, name)(reduction=reduction, **kwargs)
        g_loss = getattr(G.losses, name)(reduction=reduction, **kwargs)
        assert (g_loss.name, g_loss.reduction) == (k_loss.name, k_loss.reduction)
        want = k_loss(y_true, y_pred, sample_weight=weight)
        got = g_loss(y_true, y_pred, sample_weight=weight)
        assert np.shape(got) == tuple(want.shape), reduction
        assert_close(got, want, rtol=2e-5, atol=1e-6,
                     what=f"{reduction}, weighted: {weight is not None}")


@pytest.mark.parametrize("axis", [None, (1, 2, 3), 3, (1, 2)])
@pytest.mark.parametrize("name", ["Dice", "Tversky"])
def test_overlap_losses_over_image_axes(G, name, axis):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, (3, 4, 5, 2)).astype("float32")
    p = rng.random((3, 4, 5, 2)).astype("float32")
    w = rng.uniform(0.5, 2.0, 3).astype("float32")
    # Keras multiplies (batch,) weights into values of rank 1 or 0 only
    for weight in (None, w) if axis in (None, (1, 2, 3)) else (None,):
        got = getattr(G.losses, name)(axis=axis)(y, p, sample_weight=weight)
        want = getattr(keras.losses, name)(axis=axis)(y, p, sample_weight=weight)
        assert_close(got, want, rtol=2e-5, atol=1e-6, what=f"{name} axis={axis}")
    got = getattr(G.losses, name.lower())(y, p, axis=axis)
    want = getattr(keras.losses, name.lower())(y, p, axis=axis)
    assert np.shape(got) == tuple(want.shape)
    assert_close(got, want, rtol=2e-5, atol=1e-6)


FUNCTIONS = [
    ("binary_focal_crossentropy", {}, "binary"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "gamma": 4.0,
                                   "from_logits": True}, "logits"),
    ("categorical_focal_crossentropy", {}, "onehot"),
    ("categorical_focal_crossentropy", {"alpha": 0.5, "from_logits": True,
                                        "label_smoothing": 0.2}, "onehot_logits"),
    ("dice", {}, "binary"),
    ("tversky", {"alpha": 0.2, "beta": 0.9}, "binary"),
    ("categorical_generalized_cross_entropy", {"q": 0.4}, "sparse"),
]


def test_function_forms_return_keras_unreduced_values(G):
    rng = np.random.default_rng(9)
    for (name, kwargs, kind), shape in itertools.product(FUNCTIONS, [(6, 4), (3, 5, 4)]):
        y_true, y_pred = _data(kind, rng, shape)
        want = getattr(keras.losses, name)(y_true, keras.ops.convert_to_tensor(y_pred), **kwargs)
        got = getattr(G.losses, name)(y_true, y_pred, **kwargs)
        assert np.shape(got) == tuple(want.shape), name
        assert_close(got, want, rtol=2e-5, atol=1e-6, what=f"{name}{kwargs} {shape}")


@pytest.mark.parametrize("name", ["BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
                                  "Dice", "Tversky", "CategoricalGeneralizedCrossEntropy"])
def test_configs_match_keras(G, name):
    k_config = getattr(keras.losses, name)().get_config()
    g_loss = getattr(G.losses, name)()
    g_config = g_loss.get_config()
    shared = set(k_config) - {"dtype"}
    assert shared <= set(g_config)
    assert {k: g_config[k] for k in shared} == {k: k_config[k] for k in shared}
    again = G.losses.deserialize(G.losses.serialize(g_loss))
    assert type(again) is type(g_loss) and again.get_config() == g_config


FIT_CASES = [
    ("binary_focal_crossentropy", "sigmoid", "binary"),
    (("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 3.0,
                                  "label_smoothing": 0.1}), "sigmoid", "binary"),
    (("BinaryFocalCrossentropy", {"from_logits": True}), None, "binary"),
    ("categorical_focal_crossentropy", "softmax", "onehot"),
    (("CategoricalFocalCrossentropy", {"alpha": [0.2, 0.5, 0.3], "from_logits": True}), None,
     "onehot"),
    ("dice", "sigmoid", "binary"),
    (("Dice", {"axis": -1, "reduction": "sum"}), "sigmoid", "binary"),
    ("tversky", "sigmoid", "binary"),
    (("CategoricalGeneralizedCrossEntropy", {"q": 0.6}), "softmax", "sparse"),
]


@pytest.mark.parametrize("loss, last, kind", FIT_CASES,
                         ids=[str(c[0] if isinstance(c[0], str) else c[0][0]) + f"-{i}"
                              for i, c in enumerate(FIT_CASES)])
def test_one_epoch_of_fit_as_keras(G, loss, last, kind):
    """One epoch from identical weights, with sample weights: Keras's losses and weights."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(12, 5)).astype("float32")
    if kind == "sparse":
        y = rng.integers(0, 3, 12)
    elif kind == "onehot":
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, 12)]
    else:
        y = rng.integers(0, 2, (12, 3)).astype("float32")
    sw = rng.uniform(0.5, 1.5, 12).astype("float32")
    start = [rng.normal(size=(5, 3)).astype("float32") * 0.5,
             rng.normal(size=3).astype("float32") * 0.1]

    def run(lib):
        model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(3, activation=last)])
        model.set_weights([w.copy() for w in start])
        the_loss = loss if isinstance(loss, str) else getattr(lib.losses, loss[0])(**loss[1])
        model.compile(optimizer=lib.optimizers.SGD(0.5), loss=the_loss)
        hist = model.fit(x, y, sample_weight=sw, batch_size=4, epochs=1, shuffle=False,
                         verbose=0).history
        return hist["loss"][0], model.get_weights(), model.evaluate(x, y, verbose=0)

    (g_loss, g_w, g_eval), (k_loss, k_w, k_eval) = run(G), run(keras)
    assert_close(g_loss, k_loss, rtol=1e-5, what="loss")
    assert_close(g_eval, k_eval, rtol=1e-5, what="evaluate")
    for gw, kw in zip(g_w, k_w, strict=True):
        assert gw.dtype == np.float32
        assert_close(gw, kw, rtol=1e-5, atol=1e-6, what="weights")


def test_names_resolve_as_keras(G):
    for name in ("binary_focal_crossentropy", "categorical_focal_crossentropy", "dice",
                 "tversky", "Dice", "BinaryFocalCrossentropy"):
        assert type(G.losses.get(name)).__name__ == type(keras.losses.get(name)).__name__ or \
            callable(keras.losses.get(name))
        assert G.losses.get(name).name == getattr(keras.losses, _class(name))().name


def _class(name):
    return {"binary_focal_crossentropy": "BinaryFocalCrossentropy",
            "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
            "dice": "Dice", "tversky": "Tversky"}.get(name, name)
