"""What the keras.io examples rely on besides the layers themselves: the training mode a
custom layer's ``call`` hands the layers it calls, the random augmentation layers called by
hand, a model held by a custom layer, unweighted compiled metrics, and metric objects kept
by saved models."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers


class Block(layers.Layer):
    """A custom layer calling built-in layers without passing ``training``."""

    def __init__(self, rate: float = 0.5) -> None:
        super().__init__()
        self.drop = layers.Dropout(rate)

    def call(self, x):
        return self.drop(x)


def test_custom_layer_hands_its_training_mode_to_the_layers_it_calls():
    block = Block(0.5)
    x = np.ones((64, 8), dtype="float32")
    np.testing.assert_array_equal(block(x), x)  # a direct call: inference, as Keras
    np.testing.assert_array_equal(block(x, training=False), x)
    y = np.asarray(block(x, training=True))
    assert set(np.unique(y)) == {0.0, 2.0}  # dropped, the rest scaled by 1 / (1 - rate)


def test_dropout_inside_a_custom_layer_is_active_in_fit_only():
    inputs = keras.Input(shape=(8,))
    model = keras.Model(inputs, layers.Dense(1, kernel_initializer="ones")(Block(0.5)(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((64, 8), dtype="float32"), np.full((64, 1), 8.0, dtype="float32")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.0, abs=1e-10)
    np.testing.assert_allclose(model.predict(x, verbose=0), y)
    # with dropout the sums vary around 8: the training loss is no longer 0
    assert model.fit(x, y, batch_size=64, epochs=1, verbose=0).history["loss"][0] > 1.0


def test_random_flip_called_by_hand_augments_and_is_inert_in_a_model():
    images = np.arange(2 * 3 * 4 * 1, dtype="float32").reshape(2, 3, 4, 1)
    images = np.repeat(images, 16, axis=0)
    flip = layers.RandomFlip("horizontal", seed=1)
    out = np.asarray(flip(images))  # Keras's default for these layers: training=True
    flipped = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, images, strict=True)]
    kept = [np.array_equal(o, i) for o, i in zip(out, images, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert any(flipped) and any(kept)
    np.testing.assert_array_equal(flip(images, training=False), images)
    inputs = keras.Input(shape=(3, 4, 1))
    model = keras.Model(inputs, layers.RandomRotation(0.2)(layers.RandomFlip()(inputs)))
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)


class WithFeedForward(layers.Layer):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ffn = keras.Sequential([layers.Dense(5, activation="relu"), layers.Dense(3)])
        self.norm = layers.LayerNormalization()

    def call(self, x):
        return self.norm(x + self.ffn(x))


def test_a_sequential_held_by_a_custom_layer_is_part_of_it():
    inputs = keras.Input(shape=(3,))
    block = WithFeedForward()
    model = keras.Model(inputs, block(inputs))
    shapes = [tuple(w.shape) for w in model.get_weights()]
    assert shapes == [(3, 5), (5,), (5, 3), (3,), (3,), (3,)]
    assert model.count_params() == 3 * 5 + 5 + 5 * 3 + 3 + 3 + 3
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 3)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    np.testing.assert_allclose(block.ffn.get_weights()[0], model.get_weights()[0])


def test_the_feed_forward_gradient_through_the_custom_layer_matches_finite_differences():
    inputs = keras.Input(shape=(3,), dtype="float64")
    model = keras.Model(inputs, WithFeedForward(dtype="float64")(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    weights = model.get_weights()
    assert all(w.dtype == np.float64 for w in weights)
    grads = [np.array(g) for g in model.compute_gradients(x, y, training=False).grads]
    kernel = weights[0]

    def loss_at(k):
        model.set_weights([k, *weights[1:]])
        return model.evaluate(x, y, verbose=0, batch_size=4)

    eps, numeric = 1e-6, np.zeros_like(kernel)
    for idx in np.ndindex(kernel.shape):
        up, down = kernel.copy(), kernel.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (loss_at(up) - loss_at(down)) / (2 * eps)
    analytic = grads[0]  # trainable_weights[0]: the inner Sequential's first kernel
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_compiled_metrics_ignore_sample_and_class_weights_as_keras():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.integers(0, 2, (32, 1))
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.FalseNegatives(name="fn")])
    plain = model.evaluate(x, y, verbose=0, return_dict=True)
    weights = rng.random(32)
    weighted = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    assert weighted["accuracy"] == pytest.approx(plain["accuracy"])
    assert weighted["fn"] == plain["fn"] and float(weighted["fn"]).is_integer()
    assert weighted["loss"] != pytest.approx(plain["loss"])
    history = model.fit(x, y, class_weight={0: 0.1, 1: 3.0}, batch_size=32, epochs=1,
                        verbose=0, shuffle=False).history
    pred = model.predict(x, verbose=0)  # after the step; the logged values are from before
    assert float(history["fn"][0]).is_integer()
    assert 0.0 <= history["accuracy"][0] <= 1.0 and pred.shape == (32, 1)


def test_multi_output_losses_are_weighted_and_their_metrics_are_not():
    a = keras.Input(shape=(3,), name="a")
    model = keras.Model(a, [layers.Dense(1, name="p")(a), layers.Dense(1, name="q")(a)])
    model.compile(optimizer="sgd", loss=["mse", "mse"], metrics=[["mae"], ["mae"]])
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 3)).astype("float32")
    y = [rng.normal(size=(20, 1)).astype("float32"), rng.normal(size=(20, 1)).astype("float32")]
    plain = model.evaluate(x, y, verbose=0, return_dict=True)
    weighted = model.evaluate(x, y, sample_weight=rng.random(20), verbose=0, return_dict=True)
    for key in plain:
        if key.endswith("_mae"):
            assert weighted[key] == pytest.approx(plain[key]), key
        else:
            assert weighted[key] != pytest.approx(plain[key]), key


@pytest.mark.parametrize("suffix", [".keras", ".npz"])
def test_a_saved_model_keeps_its_metric_objects_and_their_names(tmp_path, suffix):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[keras.metrics.FalseNegatives(name="fn"), "accuracy",
                           keras.metrics.Precision(name="prec", thresholds=0.3)])
    path = tmp_path / f"model{suffix}"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.metrics_names == model.metrics_names == ["loss", "fn", "accuracy", "prec"]
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.integers(0, 2, (16, 1))
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        model.evaluate(x, y, verbose=0, return_dict=True))


def test_a_file_with_a_broken_metric_config_is_refused_with_the_file_named(tmp_path):
    from glassnet.errors import ModelFileError
    from glassnet.saving import _rebuild

    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    spec = {"optimizer": keras.optimizers.serialize(keras.optimizers.SGD()),
            "loss": keras.losses.serialize(keras.losses.MeanSquaredError()),
            "metrics": [{"class_name": "FalseNegatives", "config": {"thresholds": "high"}}]}
    with pytest.raises(ModelFileError, match="bad.keras: a metric cannot be rebuilt"):
        _rebuild.compile_from(model, spec, "bad.keras")


def test_a_model_called_by_hand_augments_but_does_not_drop():
    images = np.random.default_rng(5).random((16, 6, 6, 3)).astype("float32")
    data_augmentation = keras.Sequential([layers.RandomFlip("horizontal", seed=2),
                                          layers.RandomRotation(0.1, seed=3)])
    assert not np.allclose(data_augmentation(images), images)  # as Keras
    np.testing.assert_array_equal(data_augmentation(images, training=False), images)
    model = keras.Sequential([keras.Input((6, 6, 3)), layers.RandomFlip("vertical", seed=4),
                              layers.Dropout(0.9)])
    out = np.asarray(model(images))
    assert not np.allclose(out, images) and not (out == 0).any()  # flipped, nothing dropped
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)
    np.testing.assert_array_equal(model(images, training=False), images)
