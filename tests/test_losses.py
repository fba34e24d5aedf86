import numpy as np
import pytest

from glassnet import activations, losses
from glassnet.gradcheck import check_loss, numeric_gradient, relative_error


def _probs(rng, n=5, c=4):
    return activations.get("softmax")(rng.standard_normal((n, c)))


def _onehot(rng, n=5, c=4):
    return np.eye(c)[rng.integers(0, c, n)]


CASES = {
    "mse": lambda r: (r.standard_normal((5, 3)), r.standard_normal((5, 3))),
    "mae": lambda r: (r.standard_normal((5, 3)), r.standard_normal((5, 3))),
    "huber": lambda r: (r.standard_normal((5, 3)), 2 * r.standard_normal((5, 3))),
    "binary_crossentropy": lambda r: (r.integers(0, 2, (5, 2)).astype(float),
                                      r.uniform(0.05, 0.95, (5, 2))),
    "categorical_crossentropy": lambda r: (_onehot(r), _probs(r)),
    "sparse_categorical_crossentropy": lambda r: (r.integers(0, 4, 5), _probs(r)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name, rng):
    y_true, y_pred = CASES[name](rng)
    assert check_loss(losses.get(name), y_true, y_pred) < 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_weights_gradient(name, rng):
    y_true, y_pred = CASES[name](rng)
    w = rng.uniform(0.1, 2.0, len(y_pred))
    assert check_loss(losses.get(name), y_true, y_pred, sample_weight=w) < 1e-6


@pytest.mark.parametrize("cls, y_true, logits", [
    (losses.BinaryCrossentropy, np.array([[1.0], [0.0], [1.0]]), np.array([[2.0], [-1.0], [0.3]])),
    (losses.CategoricalCrossentropy, np.eye(3), np.array([[2.0, 0.0, -1], [0, 1, 2], [5, 5, 5.0]])),
    (losses.SparseCategoricalCrossentropy, np.array([0, 1, 2]),
     np.array([[2.0, 0.0, -1], [0, 1, 2], [5, 5, 5.0]])),
])
def test_from_logits_equals_probabilities_and_has_right_gradient(cls, y_true, logits):
    act = "sigmoid" if cls is losses.BinaryCrossentropy else "softmax"
    probs = activations.get(act)(logits)
    assert cls(from_logits=True)(y_true, logits) == pytest.approx(cls()(y_true, probs), rel=1e-6)
    assert check_loss(cls(from_logits=True), y_true, logits) < 1e-6


@pytest.mark.parametrize("name, act", [("categorical_crossentropy", "softmax"),
                                       ("sparse_categorical_crossentropy", "softmax"),
                                       ("binary_crossentropy", "sigmoid")])
def test_fused_logit_gradient_equals_chain_rule(name, act, rng):
    loss = losses.get(name)
    z = rng.standard_normal((6, 4)) if act == "softmax" else rng.standard_normal((6, 1))
    if name == "categorical_crossentropy":
        y = np.eye(4)[rng.integers(0, 4, 6)]
    elif name == "sparse_categorical_crossentropy":
        y = rng.integers(0, 4, 6)
    else:
        y = rng.integers(0, 2, (6, 1)).astype(float)
    f = activations.get(act)
    y_prep = loss.prepare_targets(y, z.shape)
    _, fused = loss.value_and_logit_gradient(y_prep, f(z))
    numeric = numeric_gradient(lambda: loss(y, f(z)), z)
    assert relative_error(fused, numeric) < 1e-6


@pytest.mark.parametrize("name", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_fast_path_equals_the_general_path(name, dtype, rng):
    """Without sample weights the cross-entropies take a shortcut; it must change nothing:
    the value is the loss of the probabilities, the gradient that of unit weights (which
    take the general path), also for soft labels whose rows do not sum to one."""
    loss = losses.get(name)
    p = activations.get("softmax")(rng.standard_normal((7, 5)) * 4).astype(dtype)
    p[0, 0] = 0.0  # below the clip
    if name == "categorical_crossentropy":
        y = rng.uniform(0, 1, (7, 5)).astype(dtype)  # soft labels, row sums != 1
    else:
        y = rng.integers(0, 5, 7)
    y_prep = loss.prepare_targets(y, p.shape)
    p_before = p.copy()
    value, grad = loss.value_and_logit_gradient(y_prep, p)
    w_value, w_grad = loss.value_and_logit_gradient(y_prep, p, np.ones(7))
    np.testing.assert_array_equal(p, p_before)  # the probabilities are not overwritten
    assert grad.dtype == dtype and grad.shape == p.shape
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert value == pytest.approx(w_value, rel=tol)
    assert value == pytest.approx(loss(y, p), rel=1e-6)  # that path also clips at 1 - eps
    np.testing.assert_allclose(grad, w_grad, rtol=tol, atol=tol)


def test_fused_softmax_ce_is_stable_for_saturated_logits():
    z = np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32)
    y = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = activations.get("softmax")(z)
        value, grad = losses.CategoricalCrossentropy().value_and_logit_gradient(y, p)
        logit_value = losses.CategoricalCrossentropy(from_logits=True)(y, z)
    np.testing.assert_allclose(grad, [[1.0, -1.0, 0.0]])
    assert np.isfinite(value) and logit_value == pytest.approx(2000.0)


def test_losses_are_nonnegative_and_zero_when_perfect():
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    for name in ["mse", "mae", "huber"]:
        assert losses.get(name)(y, y) == 0.0
    assert losses.get("categorical_crossentropy")(y, y) < 1e-6
    assert losses.get("binary_crossentropy")(y, y) < 1e-6


def test_hand_computed_values():
    assert losses.get("mse")(np.array([[1.0, 2.0]]), np.array([[3.0, 2.0]])) == pytest.approx(2.0)
    assert losses.get("mae")(np.array([[1.0, 2.0]]), np.array([[3.0, 2.0]])) == pytest.approx(1.0)
    assert losses.Huber(delta=1.0)(np.array([[0.0]]), np.array([[3.0]])) == pytest.approx(2.5)
    assert losses.get("categorical_crossentropy")(
        np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]])) == pytest.approx(np.log(2))


def test_label_shape_errors():
    with pytest.raises(ValueError, match=r"shaped like the model's output \(3, 4\).*\(3,\).*to_categorical"):
        losses.get("categorical_crossentropy").prepare_targets(np.array([0, 1, 2]), (3, 4))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\].*\[0, 7\]"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0, 7]), (2, 4))


def test_unknown_loss_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown loss 'msee'.*categorical_crossentropy.*mse"):
        losses.get("msee")


def test_from_logits_rejected_where_meaningless():
    with pytest.raises(TypeError, match="unexpected keyword argument .from_logits."):
        losses.MeanSquaredError(from_logits=True)


# -- Keras's reductions, function forms and integer targets --------------------------------
@pytest.mark.parametrize("reduction, scale", [("sum_over_batch_size", 1.0), ("sum", 5.0),
                                              ("none", 1.0)])
def test_reduction_scales_value_and_gradient_for_training(reduction, scale, rng):
    y, p = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    mean_loss = losses.MeanSquaredError()
    loss = losses.MeanSquaredError(reduction=reduction)
    v0, g0 = mean_loss.value_and_gradient(y, p.copy())
    v, g = loss.value_and_gradient(y, p.copy())
    assert v == pytest.approx(scale * v0)
    np.testing.assert_allclose(g, scale * g0)
    if reduction != "none":  # "none" trains on the mean; its call gives values, not a number
        assert check_loss(loss, y, p) < 1e-6


def test_call_reduces_as_keras():
    y, p = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 3.0]])
    per_sample = np.array([1.0, 2.0])  # mean over the last axis
    np.testing.assert_allclose(losses.mean_squared_error(y, p), per_sample)
    assert losses.MeanSquaredError()(y, p) == pytest.approx(1.5)
    assert losses.MeanSquaredError(reduction="sum")(y, p) == pytest.approx(3.0)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(y, p), per_sample)
    w = np.array([1.0, 3.0])
    assert losses.MeanSquaredError()(y, p, sample_weight=w) == pytest.approx(7.0 / 2)
    assert losses.MeanSquaredError(reduction="mean_with_sample_weight")(y, p, sample_weight=w) \
        == pytest.approx(7.0 / 4)


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "binary_crossentropy", "log_cosh",
                                  "poisson", "hinge"])
def test_integer_targets_give_gradients_in_the_prediction_dtype(name, rng):
    loss = losses.get(name)
    y = rng.integers(0, 2, (4, 1))
    p = rng.uniform(0.1, 0.9, (4, 1)).astype(np.float32)
    y_prepared = loss.prepare_targets(y, p.shape)
    assert y_prepared.dtype.kind == "f"
    value, grad = loss.value_and_gradient(y_prepared, p)
    assert grad.dtype == np.float32 and np.isfinite(value)


@pytest.mark.parametrize("name", ["mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                                  "log_cosh", "hinge", "squared_hinge", "poisson",
                                  "kl_divergence", "categorical_hinge", "cosine_similarity"])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)], ids=["2d", "sequence"])
def test_new_losses_gradients_match_central_differences(name, shape, rng):
    y = rng.uniform(0.2, 2.0, shape)
    p = rng.uniform(0.3, 2.5, shape)
    if name in ("hinge", "categorical_hinge"):
        y = np.eye(3)[rng.integers(0, 3, shape[:-1])]
    if name == "kl_divergence":
        y, p = y / y.sum(-1, keepdims=True) * 0.9, p / p.sum(-1, keepdims=True) * 0.9
    assert check_loss(losses.get(name), y, p) < 1e-6


def test_label_smoothing_moves_targets_as_keras():
    y, z = np.array([[1.0, 0.0]]), np.array([[2.0, -1.0]])
    smooth = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)
    plain = losses.CategoricalCrossentropy(from_logits=True)
    assert smooth(y, z) == pytest.approx(plain(np.array([[0.9, 0.1]]), z))
    assert check_loss(smooth, y, z) < 1e-6
