"""Focal, overlap and generalized cross-entropy losses: hand-written gradients against central
differences in float64, for every reduction and with sample weights."""

import numpy as np
import pytest

from glassnet import activations, losses
from glassnet.gradcheck import check_loss


def _onehot(rng, shape):
    return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]


def _probs(rng, shape):
    return activations.get("softmax")(rng.standard_normal(shape))


CASES = {
    "binary_focal": (losses.BinaryFocalCrossentropy(),
                     lambda r, s: (r.integers(0, 2, s).astype(float), r.uniform(0.05, 0.95, s))),
    "binary_focal_balanced_smooth": (
        losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=3.0,
                                       label_smoothing=0.2),
        lambda r, s: (r.integers(0, 2, s).astype(float), r.uniform(0.05, 0.95, s))),
    "binary_focal_logits": (
        losses.BinaryFocalCrossentropy(from_logits=True, gamma=1.5),
        lambda r, s: (r.integers(0, 2, s).astype(float), 2 * r.standard_normal(s))),
    "binary_focal_gamma_half": (
        losses.BinaryFocalCrossentropy(gamma=0.5),
        lambda r, s: (r.uniform(0, 1, s), r.uniform(0.05, 0.95, s))),
    "categorical_focal": (losses.CategoricalFocalCrossentropy(),
                          lambda r, s: (_onehot(r, s), _probs(r, s))),
    "categorical_focal_unnormalised": (
        losses.CategoricalFocalCrossentropy(gamma=1.0, label_smoothing=0.1),
        lambda r, s: (_onehot(r, s), r.uniform(0.1, 2.0, s))),
    "categorical_focal_logits_alpha_list": (
        losses.CategoricalFocalCrossentropy(alpha=[0.1, 0.5, 0.2, 0.7], from_logits=True),
        lambda r, s: (_onehot(r, s), r.standard_normal(s))),
    "dice": (losses.Dice(), lambda r, s: (r.integers(0, 2, s).astype(float), r.uniform(0, 1, s))),
    "dice_per_sample": (losses.Dice(axis=(1,)),
                        lambda r, s: (r.integers(0, 2, s).astype(float), r.uniform(0, 1, s))),
    "dice_last_axis": (losses.Dice(axis=-1),
                       lambda r, s: (r.integers(0, 2, s).astype(float), r.uniform(0, 1, s))),
    "tversky": (losses.Tversky(alpha=0.3, beta=0.8),
                lambda r, s: (r.integers(0, 2, s).astype(float), r.uniform(0, 1, s))),
    "tversky_per_sample": (losses.Tversky(axis=[1]),
                           lambda r, s: (r.uniform(0, 1, s), r.uniform(0, 1, s))),
    "generalized_ce": (losses.CategoricalGeneralizedCrossEntropy(q=0.3),
                       lambda r, s: (r.integers(0, s[-1], s[:-1]), _probs(r, s))),
}


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)], ids=["2d", "sequence"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name, shape, rng):
    loss, make = CASES[name]
    y, p = make(rng, shape)
    assert check_loss(loss, y, p) < 1e-6


@pytest.mark.parametrize("reduction", ["sum", "mean_with_sample_weight", "sum_over_batch_size"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_weighted_gradient_for_every_reduction(name, reduction, rng):
    loss, make = CASES[name]
    loss = type(loss).from_config({**loss.get_config(), "reduction": reduction})
    y, p = make(rng, (5, 4))
    w = rng.uniform(0.1, 2.0, 5)
    assert check_loss(loss, y, p, sample_weight=w) < 1e-6


def test_gradient_is_in_the_prediction_dtype(rng):
    y = rng.integers(0, 2, (4, 3)).astype(np.float32)
    p = rng.uniform(0.1, 0.9, (4, 3)).astype(np.float32)
    for loss in (losses.BinaryFocalCrossentropy(), losses.Dice(), losses.Tversky(),
                 losses.CategoricalFocalCrossentropy()):
        value, grad = loss.value_and_gradient(y, p)
        assert grad.dtype == np.float32 and grad.shape == p.shape and np.isfinite(value)


def test_gamma_zero_focal_is_the_crossentropy(rng):
    y, p = rng.integers(0, 2, (5, 3)).astype(float), rng.uniform(0.05, 0.95, (5, 3))
    focal = losses.BinaryFocalCrossentropy(gamma=0.0)
    assert focal(y, p) == pytest.approx(losses.BinaryCrossentropy()(y, p), rel=1e-12)
    np.testing.assert_allclose(focal.gradient(y, p), losses.BinaryCrossentropy().gradient(y, p))
    y, p = _onehot(rng, (5, 3)), _probs(rng, (5, 3))
    cat = losses.CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0)
    assert cat(y, p) == pytest.approx(losses.CategoricalCrossentropy()(y, p), rel=1e-12)
    np.testing.assert_allclose(cat.gradient(y, p), losses.CategoricalCrossentropy().gradient(y, p),
                               atol=1e-12)


def test_half_tversky_is_dice(rng):
    y, p = rng.integers(0, 2, (4, 6)).astype(float), rng.uniform(0, 1, (4, 6))
    # equal but for where epsilon sits: D + eps against 2 (D + eps)
    assert losses.Tversky()(y, p) == pytest.approx(losses.Dice()(y, p), rel=1e-7)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="`q` of CategoricalGeneralizedCrossEntropy"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ValueError, match="`gamma` of BinaryFocalCrossentropy"):
        losses.BinaryFocalCrossentropy(gamma=-1.0)
    with pytest.raises(TypeError, match="`axis` of Dice"):
        losses.Dice(axis="rows")
    with pytest.raises(ValueError, match="`axis` of Dice is 3"):
        losses.Dice(axis=3)(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="one weight per class"):
        losses.CategoricalFocalCrossentropy(alpha=[0.5, 0.5])(np.eye(3), np.eye(3))
