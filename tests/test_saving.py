"""save / load_model: architecture, weights, optimizer state and history, atomically."""

import os

import numpy as np
import pytest

from glassnet.layers import Activation, Dense, Dropout
from glassnet.models import ModelFileError, Sequential, load_model


@pytest.fixture
def trained(rng):
    x = rng.standard_normal((64, 6)).astype("float32")
    y = rng.integers(0, 3, 64)
    model = Sequential(
        [
            Dense(8, input_dim=6, kernel_regularizer="l2"),
            Activation("tanh"),
            Dropout(0.2),
            Dense(3, activation="softmax"),
        ],
        seed=4,
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    return model, x, y


def test_round_trip_predicts_identically_and_keeps_everything(trained, tmp_path):
    model, x, y = trained
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.get_config() == model.get_config()
    assert loaded.history.history == model.history.history
    assert loaded.optimizer.iterations == model.optimizer.iterations
    assert type(loaded.optimizer) is type(model.optimizer)
    for a, b in zip(model.optimizer.get_state().values(), loaded.optimizer.get_state().values(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_loaded_model_continues_training_exactly(trained, tmp_path):
    model, x, y = trained
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    # Same next step from the same state: drop randomness by training without Dropout noise.
    for m in (model, loaded):
        m.get_layer("dropout_1").rate = 0.0
        m.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    h = loaded.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert h.epoch == [0, 1, 2, 3]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "not_model"])
def test_corrupt_files_raise_clear_errors(trained, tmp_path, damage):
    model, _, _ = trained
    path = tmp_path / "m.npz"
    model.save(path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(bytes(range(256)) * 10)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        np.savez(path, a=np.zeros(3))
    with pytest.raises(ModelFileError, match=r"m\.npz"):
        load_model(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="Cannot read model file"):
        load_model(tmp_path / "nope.npz")


def test_failed_load_weights_leaves_model_untouched(trained, tmp_path):
    model, _, _ = trained
    before = model.get_weights()
    other = Sequential([Dense(5, input_dim=6), Dense(3)])
    other.build()
    other.save_weights(tmp_path / "w.npz")
    with pytest.raises(ValueError, match="weight"):
        model.load_weights(tmp_path / "w.npz")
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_failed_save_leaves_previous_file_intact(trained, tmp_path, monkeypatch):
    model, _, _ = trained
    path = tmp_path / "m.npz"
    model.save(path)
    good = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["m.npz"]  # no temporary file left behind


def test_plain_function_initializer_cannot_be_saved_and_nothing_is_written(tmp_path):
    import numpy as np

    from glassnet.layers import Dense
    from glassnet.models import Sequential

    def my_init(shape, rng=None, dtype="float32"):
        return np.zeros(shape, dtype)

    model = Sequential([Dense(3, input_dim=2, kernel_initializer=my_init)])
    model.build()
    path = tmp_path / "m.npz"
    with pytest.raises(ValueError, match="my_init.*get_config"):
        model.save(path)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ resume exactly, both formats
def _resume_model(seed: int = 0) -> Sequential:
    model = Sequential([Dense(6, input_dim=4, activation="tanh"), Dropout(0.25),
                        Dense(3, activation="softmax")], seed=seed)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_two_epochs_equal_one_save_load_one(tmp_path, suffix):
    """Train 2 epochs, versus train 1, save, load, train 1: identical weights and history
    (optimizer slots, loss, metrics, shuffling and dropout streams all restored)."""
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    straight = _resume_model()
    straight.fit(x, y, batch_size=8, epochs=2, verbose=0)
    first = _resume_model()
    first.fit(x, y, batch_size=8, epochs=1, verbose=0)
    first.save(tmp_path / f"m{suffix}")
    resumed = load_model(tmp_path / f"m{suffix}")
    assert resumed.compiled and type(resumed.optimizer).__name__ == "Adam"
    assert resumed.metric_names == ["accuracy"]
    assert resumed.optimizer.iterations == first.optimizer.iterations == 5
    resumed.fit(x, y, batch_size=8, epochs=2, initial_epoch=1, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert resumed.history.history == straight.history.history


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside Keras's torch backend
def test_keras_file_written_by_keras_loads_compiled(tmp_path):
    pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 writes the reference file")
    k = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    k.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    k.save(tmp_path / "k.keras")
    model = load_model(tmp_path / "k.keras")
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.metric_names == ["mae"]
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)  # it trains


# ------------------------------------------------------------------ leftovers and bad paths
def test_interrupted_save_leftover_is_removed_by_next_save_and_load(trained, tmp_path):
    model, _, _ = trained
    path = tmp_path / "m.npz"
    stale = tmp_path / ".m.npz.abcd1234.tmp"  # what a killed writer leaves
    stale.write_bytes(b"x" * 1000)
    unrelated = tmp_path / ".other.npz.abcd1234.tmp"
    unrelated.write_bytes(b"y")
    model.save(path)
    assert not stale.exists() and unrelated.exists()
    stale.write_bytes(b"x" * 1000)
    load_model(path)
    assert not stale.exists() and unrelated.exists()


def test_temporary_file_of_a_live_writer_is_kept(tmp_path):
    from glassnet._atomic import atomic_write, remove_leftovers

    with atomic_write(tmp_path / "m.npz") as f:
        f.write(b"partial")
        (tmp,) = tmp_path.glob(".m.npz.*.tmp")
        assert remove_leftovers(tmp_path / "m.npz") == []  # flock'ed by this writer
        assert tmp.exists()
    assert (tmp_path / "m.npz").read_bytes() == b"partial" and not tmp.exists()


@pytest.mark.parametrize("what", ["directory", "fifo", "device"])
def test_special_files_are_refused_up_front(tmp_path, what):
    if what == "directory":
        path = tmp_path / "d.npz"
        path.mkdir()
    elif what == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        path = tmp_path / "f.npz"
        os.mkfifo(path)
    else:
        path = "/dev/zero"
        if not os.path.exists(path):
            pytest.skip("no /dev/zero on this system")
    with pytest.raises(ModelFileError, match="not a regular file"):
        load_model(path)


def test_load_model_of_a_non_path_is_a_model_file_error():
    with pytest.raises(ModelFileError, match=r"`filepath` must be a path.*NoneType"):
        load_model(None)


def test_h5_path_is_refused_on_save(trained, tmp_path):
    model, _, _ = trained
    with pytest.raises(ValueError, match=r"legacy HDF5.*'\.keras'"):
        model.save(tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()


# ------------------------------------------------------------------ load_weights
def test_load_weights_bad_file_is_model_file_error_and_changes_nothing(trained, tmp_path):
    model, x, _ = trained
    before = [w.copy() for w in model.get_weights()]
    other = Sequential([Dense(5, input_dim=6), Dense(3)], seed=0)
    other.save_weights(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04junk")
    for path in (tmp_path / "other.npz", tmp_path / "junk.npz", tmp_path / "none.npz"):
        with pytest.raises(ModelFileError):
            model.load_weights(path)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_weights_load_weights_round_trip(trained, tmp_path):
    model, x, _ = trained
    model.save_weights(tmp_path / "w.npz")
    twin = Sequential([Dense(8, input_dim=6, kernel_regularizer="l2"), Activation("tanh"),
                       Dropout(0.2), Dense(3, activation="softmax")], seed=9)
    twin.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(twin.predict(x), model.predict(x))


def test_saving_package_has_no_import_of_models_saving():
    import glassnet.saving as saving

    for name in ("save_model", "load_model", "save_weights", "load_weights", "ModelFileError",
                 "KerasFormatError", "save_keras", "load_keras"):
        assert hasattr(saving, name), name
    from glassnet.errors import KerasFormatError as K
    from glassnet.errors import ModelFileError as M

    assert saving.ModelFileError is M and issubclass(K, M) and issubclass(M, ValueError)
    import glassnet.models

    assert glassnet.models.load_model is saving.load_model


def test_models_do_not_import_saving():
    """Dependencies point one way: saving -> models, never models -> saving at import."""
    import subprocess
    import sys

    code = ("import sys, glassnet.models, glassnet.callbacks; "
            "print(sorted(m for m in sys.modules if m.startswith('glassnet.saving')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_load_model_has_keras_signature(trained, tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    model, x, _ = trained
    model.save(tmp_path / f"m{suffix}")
    plain = load_model(tmp_path / f"m{suffix}", custom_objects={}, compile=False, safe_mode=True)
    assert not plain.compiled and plain.optimizer is None
    np.testing.assert_array_equal(plain.predict(x), model.predict(x))
    with pytest.raises(TypeError, match="`custom_objects` must be a dict"):
        load_model(tmp_path / f"m{suffix}", custom_objects=["Dense"])
