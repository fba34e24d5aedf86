"""Sequential: the workshop snippet, training, reproducibility and the errors users meet."""

import numpy as np
import pytest

from glassnet.layers import Activation, Dense, Dropout
from glassnet.models import Sequential
from glassnet.optimizers import SGD
from glassnet.utils import set_random_seed, to_categorical


def workshop_model(**kwargs):
    model = Sequential(**kwargs)
    model.add(Dense(30, input_dim=784))
    model.add(Activation("relu"))
    model.add(Dense(30))
    model.add(Activation("relu"))
    model.add(Dense(10))
    model.add(Activation("softmax"))
    return model


@pytest.fixture
def mnist_like(rng):
    """A small random stand-in for MNIST: 784 features, one-hot labels of 10 classes."""
    x = rng.random((256, 784)).astype("float32")
    y = to_categorical(rng.integers(0, 10, 256), 10)
    return (x[:192], y[:192]), (x[192:], y[192:])


def test_workshop_snippet_runs_as_written(mnist_like, capsys):
    (x_train, y_train), (x_test, y_test) = mnist_like
    model = workshop_model()
    model.summary()
    model.compile(optimizer=SGD(lr=0.001), loss="categorical_crossentropy", metrics=["accuracy"])
    H = model.fit(x_train, y_train, batch_size=32, epochs=5, validation_data=(x_test, y_test))
    out = capsys.readouterr().out
    for row in [r"dense_1 \(Dense\)\s+\(None, 30\)\s+23,550", r"dense_2 \(Dense\)\s+\(None, 30\)\s+930",
                r"dense_3 \(Dense\)\s+\(None, 10\)\s+310", r"activation_1 \(Activation\)\s+\(None, 30\)\s+0",
                "Total params: 24,790", "Trainable params: 24,790", "Non-trainable params: 0"]:
        assert __import__("re").search(row, out), row
    assert set(H.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 5 for v in H.history.values())
    assert H.epoch == [0, 1, 2, 3, 4]
    assert model.count_params() == 24790


def test_learns_a_separable_problem(rng):
    x = rng.standard_normal((600, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(int)
    model = Sequential([Dense(16, activation="relu", input_dim=4), Dense(2, activation="softmax")],
                       seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.9
    assert model.predict(x).shape == (600, 2)


def test_same_seed_bit_identical_and_dropout_does_not_move_initial_weights(mnist_like):
    (x, y), _ = mnist_like

    def run(extra_dropout=False, seed=7):
        model = Sequential(seed=seed)
        model.add(Dense(16, input_dim=784, activation="relu"))
        if extra_dropout:
            model.add(Dropout(0.5))
        model.add(Dense(10, activation="softmax"))
        model.build()
        initial = model.get_weights()
        model.compile("sgd", "categorical_crossentropy")
        h = model.fit(x, y, epochs=2, verbose=0)
        return initial, model.get_weights(), h.history["loss"]

    a, b = run(), run()
    for w1, w2 in zip(a[1], b[1], strict=True):
        assert np.array_equal(w1, w2)
    assert a[2] == b[2]
    c = run(extra_dropout=True)
    for w1, w2 in zip(a[0], c[0], strict=True):
        assert np.array_equal(w1, w2)
    assert not np.array_equal(run(seed=8)[0][0], a[0][0])


def test_global_seed_makes_models_reproducible():
    set_random_seed(3)
    m1 = workshop_model()
    m1.build()
    set_random_seed(3)
    m2 = workshop_model()
    m2.build()
    assert all(np.array_equal(a, b) for a, b in zip(m1.get_weights(), m2.get_weights(), strict=True))
    m3 = workshop_model()  # the next model draws the next seed: different weights
    m3.build()
    assert not np.array_equal(m2.get_weights()[0], m3.get_weights()[0])


def test_second_fit_with_initial_epoch_continues_history(mnist_like):
    (x, y), val = mnist_like
    model = workshop_model(seed=1)
    model.compile(SGD(learning_rate=0.01), "categorical_crossentropy", metrics=["accuracy"])
    h1 = model.fit(x, y, epochs=2, verbose=0, validation_data=val)
    h2 = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0, validation_data=val)
    assert h2 is h1 is model.history
    assert h2.epoch == [0, 1, 2, 3]
    assert len(h2.history["loss"]) == 4 and len(h2.history["val_accuracy"]) == 4
    h3 = model.fit(x, y, epochs=1, verbose=0)
    assert h3.epoch == [0] and h3 is not h1


def test_float32_end_to_end_and_float64_models(mnist_like):
    (x, y), _ = mnist_like
    for dtype in ["float32", "float64"]:
        model = workshop_model(dtype=dtype)
        model.compile("adam", "categorical_crossentropy")
        model.fit(x.astype("float64"), y, epochs=1, verbose=0)
        assert all(w.dtype == dtype for w in model.get_weights())
        assert all(g.dtype == dtype for layer in model.layers for g in layer.grads.values())
        assert model.predict(x[:5]).dtype == dtype
        assert model.optimizer is not None


def test_validation_split_class_and_sample_weight(rng):
    x = rng.standard_normal((100, 3)).astype("float32")
    y = rng.integers(0, 2, 100)
    model = Sequential([Dense(2, activation="softmax", input_dim=3)], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0,
                  class_weight={0: 1.0, 1: 3.0}, sample_weight=np.ones(100))
    assert "val_loss" in h.history
    with pytest.raises(ValueError, match=r"`sample_weight` must have shape \(100,\)"):
        model.fit(x, y, sample_weight=np.ones(5), verbose=0)


def test_fit_accepts_a_batch_generator(rng):
    x = rng.standard_normal((64, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")[:, None]

    def batches():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    h = model.fit(batches(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3


def test_regularization_enters_the_loss(rng):
    x = rng.standard_normal((32, 3)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    plain = Sequential([Dense(1, input_dim=3)], seed=0)
    reg = Sequential([Dense(1, input_dim=3, kernel_regularizer="l2")], seed=0)
    for m in (plain, reg):
        m.compile("sgd", "mse")
    assert reg.evaluate(x, y, verbose=0) > plain.evaluate(x, y, verbose=0)


def test_get_set_weights_round_trip_and_all_or_nothing(mnist_like):
    model = workshop_model(seed=2)
    model.build()
    weights = model.get_weights()
    other = workshop_model(seed=3)
    other.build()
    other.set_weights(weights)
    assert all(np.array_equal(a, b) for a, b in zip(weights, other.get_weights(), strict=True))
    before = other.get_weights()
    bad = list(weights)
    bad[-1] = np.zeros(11)
    with pytest.raises(ValueError, match=r"dense_3.*`bias` has shape \(10,\).*\(11,\)"):
        other.set_weights(bad)
    assert all(np.array_equal(a, b) for a, b in zip(before, other.get_weights(), strict=True))


# ----------------------------------------------------------------- errors users meet
def test_wrong_feature_count(mnist_like):
    model = workshop_model()
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Dense 'dense_1' expects inputs of shape \(None, 784\), "
                                         r"but received an array of shape \(4, 785\)"):
        model.fit(np.zeros((4, 785)), np.zeros((4, 10)), verbose=0)
    with pytest.raises(ValueError, match=r"\(None, 784\).*\(2, 5\)"):
        model.predict(np.zeros((2, 5)))


def test_labels_that_do_not_fit_the_loss(mnist_like):
    (x, _), _ = mnist_like
    model = workshop_model()
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"output \(192, 10\), got `y` of shape \(192,\).*to_categorical"):
        model.fit(x, np.zeros(192), verbose=0)
    with pytest.raises(ValueError, match=r"same number of samples: `x` has 192"):
        model.fit(x, np.zeros((10, 10)), verbose=0)


def test_unknown_names_list_valid_choices():
    model = workshop_model()
    with pytest.raises(ValueError, match=r"(?i)unknown optimizer 'adamm'.*adam"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match=r"Unknown loss 'cross'.*categorical_crossentropy"):
        model.compile(optimizer="adam", loss="cross")
    with pytest.raises(ValueError, match=r"Unknown activation 'relux'.*relu"):
        Activation("relux")
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'.*accuracy"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])


def test_fit_before_compile():
    with pytest.raises(ValueError, match=r"must call `compile\(\)` before using the model.*`fit`"):
        workshop_model().fit(np.zeros((2, 784)), np.zeros((2, 10)))


def test_nan_in_inputs(mnist_like):
    (x, y), _ = mnist_like
    x = x.copy()
    x[5, 3] = np.nan
    model = workshop_model()
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"`x` contains NaN or inf \(first at sample 5"):
        model.fit(x, y, verbose=0)


def test_diverging_training_names_the_layer(rng):
    from glassnet.models.diagnose import NonFiniteLossError

    x = rng.standard_normal((64, 4)).astype("float32") * 1e3
    y = rng.standard_normal((64, 1)).astype("float32") * 1e3
    model = Sequential([Dense(8, activation="relu", input_dim=4), Dense(1)], seed=0)
    model.compile(SGD(learning_rate=10.0), "mse")
    with pytest.raises(NonFiniteLossError, match=r"(?s)batch \d+.*layer 'dense_\d'.*Learning rate: 10"):
        model.fit(x, y, epochs=5, verbose=0)


def test_summary_needs_an_input_shape():
    model = Sequential([Dense(3)])
    with pytest.raises(ValueError, match="has not been built yet"):
        model.summary()


def test_progress_bar_verbose_1_and_line_per_epoch_verbose_2(mnist_like, capsys):
    (x, y), _ = mnist_like
    model = workshop_model(seed=0)
    model.compile(SGD(lr=0.01), "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "loss:" in out and "accuracy:" in out
    model.fit(x, y, epochs=1, verbose=1)
    captured = capsys.readouterr()
    assert "6/6" in captured.out + captured.err


def test_clipnorm_clips_each_weight_separately(rng):
    x = rng.standard_normal((16, 3)).astype("float64")
    y = rng.standard_normal((16, 2)).astype("float64") * 100
    model = Sequential([Dense(2, input_dim=3)], seed=0, dtype="float64")
    model.compile(SGD(learning_rate=1.0, clipnorm=0.5), "mse")
    model.build()
    before = model.get_weights()
    model.train_on_batch(x, y)
    steps = [np.linalg.norm(a - b) for a, b in zip(model.get_weights(), before, strict=True)]
    assert steps == pytest.approx([0.5, 0.5])  # kernel and bias each moved by exactly clipnorm


def test_blas_threads_follow_step_size():
    from glassnet.models.threads import SMALL_STEP_FLOPS, layer_flops, step_flops

    small = workshop_model()
    small.build()
    big = Sequential([Dense(2048, input_dim=784), Dense(2048), Dense(10)])
    big.build()
    assert step_flops(small, 32) < SMALL_STEP_FLOPS < step_flops(big, 128)
    # forward multiply-adds of the workshop net: 784*30 + 30*30 + 30*10 per sample, x2 x3
    assert step_flops(small, 1) == pytest.approx(6 * (784 * 30 + 30 * 30 + 30 * 10))
    deep_narrow = Sequential([Dense(64, input_dim=64) for _ in range(40)])
    deep_narrow.build()
    assert max(layer_flops(deep_narrow, 128)) < SMALL_STEP_FLOPS < step_flops(deep_narrow, 128)


def test_float32_model_caches_only_float32(mnist_like):
    (x, y), _ = mnist_like
    model = Sequential([Dense(16, input_dim=784, activation="gelu"), Dropout(0.2),
                        Activation("elu"), Dense(10, activation="softmax")], seed=0)
    model.compile("adamw", "categorical_crossentropy", metrics=["accuracy"])
    model.train_on_batch(x[:32].astype("float64"), y[:32])
    seen = 0
    for layer in model.layers:
        cache = layer._cache if isinstance(layer._cache, tuple) else (layer._cache,)
        for arr in cache:
            if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
                assert arr.dtype == np.float32, (layer.name, arr.dtype)
                seen += 1
    assert seen >= 5
    assert model._flat.theta.dtype == model._flat.grad.dtype == np.float32
    assert all(s.dtype == np.float32 for s in model.optimizer.get_state().values()
               if isinstance(s, np.ndarray) and s.ndim)


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copied_model_still_trains_its_own_weights(mnist_like, how):
    import copy
    import pickle

    (x, y), _ = mnist_like
    model = workshop_model(seed=0)
    model.compile(SGD(learning_rate=0.1), "categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    clone = copy.deepcopy(model) if how == "deepcopy" else pickle.loads(pickle.dumps(model))
    before = clone.get_weights()
    clone.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(before[0], clone.get_weights()[0])  # the clone learns
    assert not np.shares_memory(clone.get_weights()[0], model.get_weights()[0])
    np.testing.assert_array_equal(model.get_layer("dense_1").params["kernel"],
                                  model._flat.theta[: 784 * 30].reshape(784, 30))


def test_each_epoch_sees_every_sample_once_in_a_new_order_from_one_buffer(rng):
    # One permutation per epoch; every batch is gathered into the same preallocated buffer.
    from glassnet.callbacks import Callback

    x = np.arange(40, dtype="float32").reshape(20, 2)
    y = np.eye(2, dtype="float32")[np.arange(20) % 2]
    x_before = x.copy()
    seen: list[list[float]] = []
    bases: set[int] = set()

    class Spy(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append([])

        def on_train_batch_end(self, batch, logs=None):
            xb = self.model.layers[0]._cache[0]
            assert xb.base is not None  # a view of the batch buffer, not a new array
            bases.add(id(xb.base))
            seen[-1].extend(xb[:, 0].tolist())

    model = Sequential([Dense(2, input_dim=2, activation="softmax")], seed=3)
    model.compile(SGD(learning_rate=0.01), "categorical_crossentropy")
    model.fit(x, y, batch_size=6, epochs=3, verbose=0, callbacks=[Spy()])
    np.testing.assert_array_equal(x, x_before)
    assert len(bases) == 1  # one buffer for every epoch
    for order in seen:
        assert sorted(order) == x[:, 0].tolist()
    assert seen[0] != seen[1] and seen[1] != seen[2] and seen[0] != x[:, 0].tolist()


def test_batch_size_larger_than_the_data_trains_on_everything_at_once(rng):
    x = rng.standard_normal((10, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[np.arange(10) % 2]
    model = Sequential([Dense(2, input_dim=3, activation="softmax")], seed=0)
    model.compile(SGD(learning_rate=0.1), "categorical_crossentropy")
    history = model.fit(x, y, batch_size=10**12, epochs=2, verbose=0)  # no 10^12-row buffer
    assert len(history.history["loss"]) == 2


# ------------------------------------------------------------------ Keras's model API, glassnet side
def _numeric(loss, array, eps=1e-6):
    """Central differences of ``loss()`` with respect to every entry of ``array`` (in place)."""
    out = np.zeros(array.shape)
    flat, g = array.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = loss()
        flat[i] = old - eps
        down = loss()
        flat[i] = old
        g[i] = (up - down) / (2 * eps)
    return out


def test_activity_regularizer_gradients_match_finite_differences(rng):
    from glassnet.regularizers import L1, L2

    model = Sequential([Dense(5, activation="tanh", input_dim=3, activity_regularizer=L2(0.3)),
                        Dense(3, activation="softmax", activity_regularizer=L1(0.2))],
                       dtype="float64", seed=1)
    model.compile("sgd", "categorical_crossentropy")
    x = rng.standard_normal((6, 3))
    y = np.eye(3)[rng.integers(0, 3, 6)]
    result = model.compute_gradients(x, y)
    grads = [g.copy() for g in result.grads]
    plain = model.loss(y, model.predict(x))
    # the reported loss holds both activity penalties, which model.losses lists
    assert result.loss == pytest.approx(plain + sum(model.losses), rel=1e-12)
    assert len(model.losses) == 2 and all(v > 0 for v in model.losses)
    for w, g in zip(model.trainable_weights, grads, strict=True):
        numeric = _numeric(lambda: model.compute_gradients(x, y).loss, np.asarray(w))
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


def test_a_float64_layer_in_a_float32_model_gets_float64_gradients_and_updates(rng):
    x = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 2))
    mixed = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(4, dtype="float64"),
                        Dense(2)], seed=2)
    twin = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(4), Dense(2)],
                      dtype="float64", seed=2)
    twin.set_weights(mixed.get_weights())
    for model in (mixed, twin):
        model.compile(SGD(0.1), "mse")
    assert [w.dtype for w in mixed.get_weights()] == [np.float32] * 2 + [np.float64] * 2 + \
        [np.float32] * 2
    for g, h in zip(mixed.compute_gradients(x, y).grads, twin.compute_gradients(x, y).grads,
                    strict=True):
        np.testing.assert_allclose(g, h, rtol=1e-4, atol=1e-6)
    assert mixed.compute_gradients(x, y).grads[2].dtype == np.float64
    before = mixed.layers[1].kernel.numpy()
    mixed.fit(x, y, epochs=2, verbose=0)
    after = mixed.layers[1].kernel.numpy()
    assert after.dtype == np.float64 and not np.array_equal(after, before)


def test_predict_fires_predict_hooks_for_arrays_and_generators(rng):
    from glassnet.callbacks import LambdaCallback

    model = Sequential([Dense(2, input_dim=3)])
    x = rng.standard_normal((10, 3)).astype("float32")
    for source, n_batches in ((x, 1), (iter([x[:4], x[4:]]), 2)):
        seen: list = []
        record = seen.append
        cb = LambdaCallback(on_predict_begin=lambda logs, r=record: r(("begin", logs)),
                            on_predict_batch_end=lambda b, logs, r=record: r((b, logs["outputs"].shape)),
                            on_predict_end=lambda logs, r=record: r(("end", logs)))
        out = model.predict(source, batch_size=10, callbacks=[cb])
        np.testing.assert_allclose(out, model.predict(x), rtol=1e-6)
        assert seen[0] == ("begin", {}) and seen[-1] == ("end", {})
        assert [s[0] for s in seen[1:-1]] == list(range(n_batches))


def test_adding_a_layer_that_does_not_fit_raises_and_leaves_the_model_as_it_was():
    from glassnet.layers import Flatten, Input, Reshape

    model = Sequential([Input(shape=(6,)), Dense(4)])
    weights = model.get_weights()
    with pytest.raises(ValueError):
        model.add(Reshape((5, 5)))
    assert len(model.layers) == 1 and model.built
    for a, b in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)
    model.add(Flatten())
    assert model.count_params() == 28


def test_adding_a_layer_after_training_keeps_weights_and_optimizer_state(rng):
    from glassnet.layers import Input
    from glassnet.optimizers import Adam

    model = Sequential([Input(shape=(3,)), Dense(4)], seed=0)
    model.compile(Adam(0.01), "mse")
    x = rng.standard_normal((8, 3))
    model.fit(x, np.zeros((8, 4)), verbose=0)
    trained = model.get_weights()
    moments = [np.array(v) for v in model.optimizer._slots[0].values()]
    model.add(Dense(1))
    for a, b in zip(model.get_weights()[:2], trained, strict=True):
        np.testing.assert_array_equal(a, b)
    model._prepare_training()
    carried = list(model.optimizer._slots[0].values())
    for old, new in zip(moments, carried, strict=True):  # the first layer's slots, then zeros
        np.testing.assert_array_equal(new[:old.size], old)
        np.testing.assert_array_equal(new[old.size:], 0.0)
    model.fit(x, np.zeros((8, 1)), verbose=0)
    assert model.optimizer.iterations == 2


def test_activity_penalties_inside_a_residual_block_reach_the_loss(rng):
    from glassnet.layers import Residual
    from glassnet.regularizers import L2

    model = Sequential([Dense(4, activation="tanh", input_dim=3),
                        Residual([Dense(4, activation="tanh", activity_regularizer=L2(0.5))]),
                        Dense(2)], dtype="float64", seed=3)
    model.compile("sgd", "mse")
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    result = model.compute_gradients(x, y)
    grads = [g.copy() for g in result.grads]
    assert result.loss > model.loss(y, model.predict(x)) + 1e-6  # the penalty is in the loss
    for w, g in zip(model.trainable_weights, grads, strict=True):
        numeric = _numeric(lambda: model.compute_gradients(x, y).loss, np.asarray(w))
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)
