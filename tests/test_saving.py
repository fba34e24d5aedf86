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
