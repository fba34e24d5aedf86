"""Masked sequence outputs: padded steps weigh nothing in the loss (value and gradient) and
the metrics. Numbers by hand from Keras's rule (``apply_mask``), gradients by central
differences in float64. Keras itself as the referee: tests/keras_parity/test_masked_losses.py."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import layers, losses, models
from glassnet.layers import Input
from glassnet.losses.masks import apply_mask, loss_weights


def _ids(rng, lengths, steps=5, vocab=10):
    ids = rng.integers(1, vocab, (len(lengths), steps))
    for b, n in enumerate(lengths):
        ids[b, n:] = 0
    return ids


def _tagger(units=3, activation=None, dtype="float64", seed=0):
    x = Input(shape=(None,))
    h = layers.Embedding(10, 3, mask_zero=True)(x)
    h = layers.LSTM(4, return_sequences=True)(h)
    return models.Model(x, layers.Dense(units, activation=activation)(h), seed=seed,
                        dtype=dtype)


def _step_ce(logits, y):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]  # (batch, T)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_position_weights_give_keras_reductions_and_exact_gradients(rng, reduction):
    y_pred = rng.normal(size=(3, 4, 2))
    y_true = rng.normal(size=(3, 4, 2))
    mask = rng.random((3, 4)) > 0.4
    mask[0, 0] = True
    sw = rng.random(3) + 0.5
    loss = losses.MeanSquaredError(reduction=reduction)
    w = apply_mask(sw, mask, reduction, np.float64)
    values = ((y_pred - y_true) ** 2).mean(axis=-1)  # (3, 4)
    by_hand = {"sum_over_batch_size": (values * sw[:, None] * mask).sum() / mask.sum(),
               "sum": (values * sw[:, None] * mask).sum(),
               "mean_with_sample_weight": (values * sw[:, None] * mask).sum()
               / (sw[:, None] * mask).sum()}[reduction]
    value, grad = loss.value_and_gradient(y_true, y_pred.copy(), w)
    np.testing.assert_allclose(value, by_hand, rtol=1e-12)
    np.testing.assert_allclose(loss(y_true, y_pred, w), by_hand, rtol=1e-12)  # __call__ too
    eps, num = 1e-6, np.zeros_like(y_pred)
    for i in range(y_pred.size):
        plus, minus = y_pred.copy(), y_pred.copy()
        plus.flat[i] += eps
        minus.flat[i] -= eps
        num.flat[i] = (loss.value_and_gradient(y_true, plus, w)[0]
                       - loss.value_and_gradient(y_true, minus, w)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(grad[~mask], 0.0)  # a padded step gets no gradient


def test_fused_softmax_loss_takes_position_weights(rng):
    probs = rng.random((2, 3, 4)) + 0.1
    probs /= probs.sum(axis=-1, keepdims=True)
    labels = rng.integers(0, 4, (2, 3))
    mask = np.array([[True, True, False], [True, False, False]])
    loss = losses.SparseCategoricalCrossentropy()
    w = apply_mask(None, mask, loss.reduction, np.float64)
    value, grad = loss.value_and_logit_gradient(labels, probs, w)
    picked = np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(value, -np.log(picked)[mask].mean(), rtol=1e-12)
    onehot = np.eye(4)[labels]
    np.testing.assert_allclose(grad, (probs - onehot) * mask[..., None] / mask.sum(),
                               rtol=1e-12)


def test_position_weights_of_the_wrong_shape_are_a_clear_error(rng):
    loss = losses.MeanSquaredError()
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(3, 5\) must have one "
                                         r"weight per sample"):
        loss.value_and_gradient(np.zeros((3, 4, 2)), np.zeros((3, 4, 2)), np.ones((3, 5)))


def test_masked_model_loss_metrics_and_sample_weights_by_hand(rng):
    model = _tagger()
    model.compile("sgd", losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    ids = _ids(rng, [5, 2, 4, 1])
    y = rng.integers(0, 3, ids.shape)
    sw = np.array([1.0, 0.5, 2.0, 1.5])
    real = ids != 0
    logits = model.predict(ids, verbose=0)
    ce = _step_ce(logits, y)
    hit = (logits.argmax(-1) == y).astype(float)
    logs = model.evaluate(ids, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], ce[real].mean(), rtol=1e-12)
    np.testing.assert_allclose(logs["accuracy"], hit[real].mean(), rtol=1e-12)
    logs = model.evaluate(ids, y, sample_weight=sw, verbose=0, return_dict=True)
    weights = sw[:, None] * real
    np.testing.assert_allclose(logs["loss"], (ce * weights).sum() / real.sum(), rtol=1e-12)
    # as Keras: sample weights weigh the loss; compile's metrics see only the mask
    np.testing.assert_allclose(logs["accuracy"], hit[real].mean(), rtol=1e-12)
    logs = model.test_on_batch(ids, y, return_dict=True)
    np.testing.assert_allclose(logs["loss"], ce[real].mean(), rtol=1e-12)
    # train_on_batch reports the loss before its update, masked the same way
    np.testing.assert_allclose(model.train_on_batch(ids, y, sample_weight=sw),
                               [(ce * weights).sum() / real.sum(), hit[real].mean()],
                               rtol=1e-12)


@pytest.mark.parametrize("with_weights", [False, True])
def test_masked_loss_gradients_match_finite_differences(rng, with_weights):
    model = _tagger(activation="softmax")
    model.compile("sgd", "sparse_categorical_crossentropy")
    ids = _ids(rng, [5, 3, 1])
    y = rng.integers(0, 3, ids.shape)
    sw = np.array([0.5, 2.0, 1.0]) if with_weights else None
    got = [g.copy() for g in model.compute_gradients(ids, y, sw, training=False).grads]
    eps = 1e-6
    for w, g in zip([np.asarray(v) for v in model.trainable_weights], got, strict=True):
        num = np.zeros_like(w)
        for i in range(w.size):
            old = w.flat[i]
            w.flat[i] = old + eps
            plus = model.compute_gradients(ids, y, sw, training=False).loss
            w.flat[i] = old - eps
            minus = model.compute_gradients(ids, y, sw, training=False).loss
            w.flat[i] = old
            num.flat[i] = (plus - minus) / (2 * eps)
        assert np.abs(num - g).max() <= 1e-6 * np.abs(num).max() + 1e-10


def test_padding_changes_nothing_the_loss_sees(rng):
    """The padded steps' targets do not matter, nor how much padding there is."""
    model = _tagger()
    model.compile("sgd", losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = _ids(rng, [4, 2])[:, :4]
    y = rng.integers(0, 3, ids.shape)
    other = y.copy()
    other[ids == 0] = (other[ids == 0] + 1) % 3
    base = model.compute_gradients(ids, y, training=False)
    grads = [g.copy() for g in base.grads]
    again = model.compute_gradients(ids, other, training=False)
    assert again.loss == base.loss
    for a, b in zip(grads, again.grads, strict=True):
        np.testing.assert_array_equal(a, b)
    longer = np.concatenate([ids, np.zeros((2, 3), int)], axis=1)
    y_longer = np.concatenate([y, np.ones((2, 3), int)], axis=1)
    np.testing.assert_allclose(model.compute_gradients(longer, y_longer, training=False).loss,
                               base.loss, rtol=1e-12)


def test_no_mask_keeps_the_plain_path(rng):
    x = Input(shape=(None,))
    h = layers.LSTM(3, return_sequences=True)(layers.Embedding(10, 3)(x))
    model = models.Model(x, layers.Dense(2)(h), seed=0, dtype="float64")
    model.compile("sgd", "mse")
    ids = _ids(rng, [5, 2])
    y = rng.normal(size=(2, 5, 2))
    logs = model.evaluate(ids, y, verbose=0, return_dict=True)
    assert model._graph._masked is None and model._graph.output_mask is None
    np.testing.assert_allclose(logs["loss"], ((model.predict(ids, verbose=0) - y) ** 2).mean(),
                               rtol=1e-12)
    sw = np.ones(2)
    assert loss_weights(model.loss, sw, None, y) is sw  # nothing made, nothing copied


def test_each_masked_output_of_a_multi_output_model_by_hand(rng):
    x = Input(shape=(None,))
    h = layers.LSTM(3, return_sequences=True)(layers.Embedding(10, 3, mask_zero=True)(x))
    tags = layers.Dense(3, name="tags")(h)
    total = layers.Dense(1, name="total")(layers.GlobalAveragePooling1D()(h))
    model = models.Model(x, [tags, total], seed=0, dtype="float64")
    model.compile("sgd", [losses.SparseCategoricalCrossentropy(from_logits=True), "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    ids = _ids(rng, [5, 2, 3])
    y_tags, y_total = rng.integers(0, 3, ids.shape), rng.normal(size=(3, 1))
    logits, pred_total = model.predict(ids, verbose=0)
    real = ids != 0
    ce = _step_ce(logits, y_tags)[real].mean()
    mse = float(((pred_total - y_total) ** 2).mean())
    logs = model.evaluate(ids, [y_tags, y_total], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["tags_loss"], ce, rtol=1e-12)
    np.testing.assert_allclose(logs["total_loss"], mse, rtol=1e-12)
    np.testing.assert_allclose(logs["loss"], ce + 0.5 * mse, rtol=1e-12)
    hit = logits.argmax(-1) == y_tags
    np.testing.assert_allclose(logs["tags_accuracy"], hit[real].mean(), rtol=1e-12)
    np.testing.assert_allclose(logs["total_mae"], np.abs(pred_total - y_total).mean(),
                               rtol=1e-12)
    # gradients of the weighted, masked sum: central differences
    target = [y_tags, y_total]
    got = [g.copy() for g in model.compute_gradients(ids, target, training=False).grads]
    eps = 1e-6
    for w, g in zip([np.asarray(v) for v in model.trainable_weights], got, strict=True):
        num = np.zeros_like(w)
        for i in range(w.size):
            old = w.flat[i]
            w.flat[i] = old + eps
            plus = model.compute_gradients(ids, target, training=False).loss
            w.flat[i] = old - eps
            minus = model.compute_gradients(ids, target, training=False).loss
            w.flat[i] = old
            num.flat[i] = (plus - minus) / (2 * eps)
        assert np.abs(num - g).max() <= 1e-6 * np.abs(num).max() + 1e-10
