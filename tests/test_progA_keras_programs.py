"""The pieces the keras.io training, callbacks and saving guides need, checked on glassnet
alone (their Keras-referee twins are in tests/keras_parity/test_programs_training.py):
function activations and ``add_loss`` with exact gradients, layers called with several
tensors, models compiled without a loss, unweighted compile metrics, ``save_freq`` in
batches, and the custom-object registry."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import gradcheck, ops
from glassnet.callbacks import CallbackList, ModelCheckpoint


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def cube_and_sine(x):
    return x**3 * 0.1 + ops.sin(x)


def test_a_function_activation_has_the_derivative_of_its_ops(rng):
    act = keras.activations.get(cube_and_sine)
    z = rng.normal(size=(4, 3))
    g = rng.normal(size=(4, 3))
    a = act.forward(z)
    np.testing.assert_allclose(a, 0.1 * z**3 + np.sin(z), rtol=1e-12)
    np.testing.assert_allclose(act.backward(z, a, g), g * (0.3 * z**2 + np.cos(z)), rtol=1e-12)
    numeric = gradcheck.numeric_gradient(lambda: float(np.sum(g * act.forward(z))), z)
    assert gradcheck.relative_error(act.backward(z, a, g), numeric) < 1e-7
    assert act.name == "cube_and_sine"


class Scale(keras.layers.Layer):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        self.add_loss(ops.sum(ops.square(x)) * 0.01)
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}


class Gate(keras.layers.Layer):
    """``call`` takes two tensors by position (the guide's LogisticEndpoint form)."""

    def call(self, a, b):
        self.add_loss(ops.mean(ops.square(a - b)))
        return a * ops.sigmoid(b)


def test_added_losses_and_function_activations_pass_the_gradient_check(rng):
    inputs = keras.Input(shape=(3,))
    h = keras.layers.Dense(4, activation=cube_and_sine)(inputs)
    h = Scale(0.5)(h)
    other = keras.layers.Dense(4)(inputs)
    out = keras.layers.Dense(2)(Gate()(h, other))
    model = keras.Model(inputs, out, dtype="float64", seed=2)
    model.compile("sgd", "mse")
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    rows = gradcheck.check_model(model, x, y)
    assert len(rows) == 6 and max(r["relative_error"] for r in rows) < 1e-6, rows
    # the added losses are part of what evaluate reports, and of model.losses
    plain = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(plain + sum(model.losses), rel=1e-9)
    assert len(model.losses) == 2 and all(v > 0 for v in model.losses)


def test_a_model_compiled_without_a_loss_minimises_its_added_losses(rng):
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(4,), name="b")
    out = Gate()(keras.layers.Dense(4)(a), b)
    model = keras.Model([a, b], out)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    data = {"a": rng.normal(size=(16, 3)).astype("float32"),
            "b": rng.normal(size=(16, 4)).astype("float32")}
    history = model.fit(data, epochs=5, batch_size=16, verbose=0).history
    assert list(history) == ["loss"]
    assert history["loss"][-1] < history["loss"][0]
    assert model.evaluate(data, verbose=0) == pytest.approx(sum(model.losses), rel=1e-6)


def test_compile_without_a_loss_fails_at_fit_when_no_layer_adds_one(rng):
    """As Keras: ``compile`` takes no loss; ``fit`` says there is nothing to minimise."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd")
    with pytest.raises(ValueError, match="[Nn]o loss"):
        model.fit(rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), verbose=0)


def test_compile_metrics_ignore_sample_weights_while_the_loss_uses_them(rng):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.integers(0, 2, 8)
    w = np.linspace(0.5, 2.0, 8)
    p = model.predict(x, verbose=0)
    losses = -np.log(p[np.arange(8), y])
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(float(np.sum(w * losses) / 8), rel=1e-5)
    assert logs["accuracy"] == pytest.approx(float(np.mean(p.argmax(1) == y)), rel=1e-9)


def test_checkpoint_every_n_batches_counts_across_epochs(rng, tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    path = str(tmp_path / "m-{epoch}-{batch}.npz")
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[ModelCheckpoint(path, save_freq=2)])
    # 3 batches an epoch: saved after the 2nd, 4th (epoch 2, batch 1) and 6th batch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-1-2.npz", "m-2-1.npz", "m-2-3.npz"]


def test_an_epoch_checkpoint_asks_for_no_batch_logs(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    epochwise = CallbackList([ModelCheckpoint(str(tmp_path / "m.npz"))], model, {})
    batchwise = CallbackList([ModelCheckpoint(str(tmp_path / "m.npz"), save_freq=3)], model, {})
    assert not epochwise.wants_batch_logs and batchwise.wants_batch_logs


@pytest.mark.parametrize("save_freq", ["batch", 0, 2.5, True])
def test_bad_save_freq_is_refused(save_freq):
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        ModelCheckpoint("m.npz", save_freq=save_freq)


def test_registered_and_scoped_objects_resolve_by_name():
    def squash(x):
        return x / (1.0 + ops.abs(x))

    registered = keras.saving.register_keras_serializable(package="progA_tests")(squash)
    assert registered is squash
    assert keras.saving.get_registered_name(squash) == "progA_tests>squash"
    assert keras.saving.get_registered_object("progA_tests>squash") is squash
    assert keras.activations.get("progA_tests>squash").fn is squash

    def other(x):
        return x

    assert keras.saving.get_registered_object("other") is None
    with keras.saving.custom_object_scope({"other": other}):
        assert keras.saving.get_registered_object("other") is other
        assert keras.activations.get("other").fn is other
    assert keras.saving.get_registered_object("other") is None
    with pytest.raises(ValueError, match="Unknown activation 'other'"):
        keras.activations.get("other")
    with pytest.raises(ValueError, match="`package` of register_keras_serializable"):
        keras.saving.register_keras_serializable(package="a>b")


def test_a_custom_layer_with_only_its_own_config_round_trips(tmp_path, rng):
    def halve(x):
        return x * 0.5

    inputs = keras.Input(shape=(3,))
    out = keras.layers.Dense(2, activation=halve)(Scale(2.0)(inputs))
    model = keras.Model(inputs, out)
    model.compile("sgd", "mse")
    x = rng.normal(size=(4, 3)).astype("float32")
    for suffix in (".keras", ".npz"):
        path = str(tmp_path / f"m{suffix}")
        model.save(path)
        loaded = keras.models.load_model(path, custom_objects={"halve": halve})
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6)
        assert loaded.layers[1].factor == 2.0 and loaded.layers[1].name == model.layers[1].name


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.read, self.ends = [], 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, idx):
        self.read.append(idx)
        lo = idx * self.batch_size
        return self.x[lo:lo + self.batch_size], self.y[lo:lo + self.batch_size]

    def on_epoch_end(self):
        self.ends += 1


@pytest.mark.parametrize("shuffle", [False, True])
def test_fit_reads_each_batch_of_a_py_dataset_once_an_epoch(rng, shuffle):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    batches = Batches(x, y, 4, workers=2, use_multiprocessing=False)
    history = model.fit(batches, epochs=3, verbose=0, shuffle=shuffle,
                        validation_data=Batches(x, y, 3)).history
    assert len(history["loss"]) == 3 and len(history["val_loss"]) == 3
    assert batches.ends == 3 and len(batches.read) == 9
    for epoch in range(3):
        assert sorted(batches.read[3 * epoch:3 * epoch + 3]) == [0, 1, 2]
    if not shuffle:
        assert batches.read == [0, 1, 2] * 3
    # the validation set's mean loss is the whole set's, whatever its batches
    assert history["val_loss"][-1] == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)


def test_serialize_keras_object_round_trips_layers_models_and_functions(rng):
    def doubled(x):
        return 2 * x

    keras.saving.register_keras_serializable(package="progA_fn")(doubled)
    assert "progA_fn>doubled" in keras.saving.get_custom_objects()
    config = keras.saving.serialize_keras_object(doubled)
    assert config["config"] == "progA_fn>doubled"
    assert keras.saving.deserialize_keras_object(config) is doubled
    layer = keras.layers.Dense(3, activation="relu", name="d")
    rebuilt = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(rebuilt, keras.layers.Dense) and rebuilt.units == 3 and rebuilt.name == "d"
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    copy = keras.utils.deserialize_keras_object(keras.utils.serialize_keras_object(model))
    assert isinstance(copy, keras.Sequential) and copy.count_params() == model.count_params()
    with pytest.raises(ValueError, match="Unknown function 'nowhere'"):
        keras.saving.deserialize_keras_object({"class_name": "function", "config": "nowhere"})
    assert keras.utils.register_keras_serializable is keras.saving.register_keras_serializable
    assert keras.utils.custom_object_scope is keras.saving.custom_object_scope


@pytest.mark.parametrize("shuffle", [False, True])
def test_steps_per_epoch_goes_on_through_the_data_as_keras(rng, shuffle):
    """4 batches, 3 steps an epoch: epochs of 3, 1, 3, 1 batches; each pass sees every
    sample once (Keras's epoch iterator)."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.arange(16, dtype="float64").reshape(8, 2)
    y = np.zeros((8, 1))
    firsts = []

    class Rows(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            firsts.append([])

        def on_train_batch_begin(self, batch, logs=None):
            firsts[-1].append(batch)

    seen = []
    original = model._train_step

    def spy(xb, yb, wb):
        seen.append(xb[:, 0].copy())
        return original(xb, yb, wb)

    model._train_step = spy
    model.fit(x, y, batch_size=2, steps_per_epoch=3, epochs=4, shuffle=shuffle, verbose=0,
              callbacks=[Rows()])
    assert [len(f) for f in firsts] == [3, 1, 3, 1]
    for a_pass in (seen[:4], seen[4:]):
        assert sorted(np.concatenate(a_pass).tolist()) == list(range(0, 16, 2))


def test_weighted_metrics_and_a_loss_free_compile_survive_saving(rng, tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy"])
    assert model.metrics_names == ["loss", "accuracy", "weighted_accuracy"]
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.integers(0, 2, 8)
    w = np.linspace(0.5, 2.0, 8)
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    hits = model.predict(x, verbose=0).argmax(1) == y
    assert logs["weighted_accuracy"] == pytest.approx(float(np.sum(w * hits) / np.sum(w)))
    for suffix in (".npz", ".keras"):
        model.save(str(tmp_path / f"w{suffix}"))
        loaded = keras.models.load_model(str(tmp_path / f"w{suffix}"))
        if suffix == ".npz":  # glassnet's own file keeps every compile setting
            assert loaded.metrics_names == model.metrics_names
            assert loaded.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True) == \
                pytest.approx(logs)
    a = keras.Input(shape=(3,))
    out = Gate()(keras.layers.Dense(4)(a), keras.layers.Dense(4)(a))
    model = keras.Model(a, out)
    model.compile(optimizer="adam")
    model.save(str(tmp_path / "gate.npz"))
    loaded = keras.models.load_model(str(tmp_path / "gate.npz"))
    np.testing.assert_allclose(loaded.evaluate(x, verbose=0), model.evaluate(x, verbose=0),
                               rtol=1e-6)


def test_a_layer_taking_two_tensors_can_be_shared_and_called_on_arrays(rng):
    gate = Gate()
    a, b = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    first, second = gate(a, b), gate(b, a)  # one layer, two calls
    model = keras.Model([a, b], [first, second])
    xa, xb = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    got = model.predict([xa, xb], verbose=0)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    np.testing.assert_allclose(got[0], xa * sig(xb), rtol=1e-5)
    np.testing.assert_allclose(got[1], xb * sig(xa), rtol=1e-5)
    np.testing.assert_allclose(gate(xa.astype("float32"), xb.astype("float32")),
                               xa * sig(xb), rtol=1e-5)
