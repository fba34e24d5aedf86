"""``glassnet gradcheck``: every help example runs; every bad input is one line, exit code 2."""

import re
import shlex

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.commands import gradcheck
from glassnet.layers import Dense
from glassnet.models import Sequential


def test_gradcheck_all_builtin_layers(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "Dense" in out and "Activation('softmax')" in out
    assert "All backward passes agree" in out


def test_gradcheck_one_layer_and_bad_config(capsys):
    assert main(["gradcheck", "--layer", "Dense", "--config", '{"units": 3}', "--input-shape", "2,4"]) == 0
    assert "kernel" in capsys.readouterr().out
    assert main(["gradcheck", "--layer", "Dense", "--config", '{"units": -1}']) == 2
    err = capsys.readouterr().err
    assert "argument --config" in err and "units" in err


@pytest.mark.parametrize("name", ["Dense", "Conv2D", "LSTM", "GRU", "SimpleRNN", "MaxPooling2D",
                                  "BatchNormalization", "LayerNormalization", "Flatten"])
def test_gradcheck_layer_alone_uses_small_default_arguments(name, capsys):
    """`--layer Dense` (the help's own example) builds Dense(units=4) on a (3, 5) batch."""
    assert main(["gradcheck", "--layer", name]) == 0
    out = capsys.readouterr().out
    assert name in out and "All backward passes agree" in out


def help_examples(epilog: str) -> list[list[str]]:
    """The argv of each ``  glassnet ...   description`` line of an epilog."""
    return [shlex.split(re.split(r"\s{3,}", line.strip())[0])[1:]
            for line in epilog.splitlines() if line.startswith("  glassnet")]


def test_every_help_example_runs(tmp_path, monkeypatch, capsys):
    model = Sequential([Dense(5, activation="tanh", input_dim=3), Dense(2, activation="softmax")],
                       seed=0)
    model.compile("adam", "categorical_crossentropy")
    model.save(tmp_path / "model.npz")
    monkeypatch.chdir(tmp_path)
    commands = help_examples(gradcheck.EPILOG)
    assert len(commands) == 4
    for argv in commands:
        assert main(argv) == 0, argv
    capsys.readouterr()


@pytest.mark.parametrize("argv, flag", [
    (["--layer", "Nope"], "--layer"),
    (["--layer", "Dense", "--config", "{bad"], "--config"),
    (["--layer", "Dense", "--config", "[1, 2]"], "--config"),
    (["--layer", "Dense", "--input-shape", "3,x"], "--input-shape"),
    (["--layer", "Dense", "--input-shape", "0,5"], "--input-shape"),
    (["--layer", "Conv2D", "--input-shape", "3,5"], "--input-shape"),
    (["--layer", "Embedding"], "--config"),
    (["--config", '{"units": 3}'], "--layer"),
])
def test_gradcheck_bad_layer_arguments_are_one_line(argv, flag, capsys):
    assert main(["gradcheck", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet gradcheck: error:") and flag in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("content", [None, b"", b"not a model at all", b"PK\x03\x04" + b"\0" * 40])
def test_gradcheck_missing_or_corrupt_model_file_is_one_line(tmp_path, capsys, content):
    path = tmp_path / "model.npz"
    if content is not None:
        path.write_bytes(content)
    assert main(["gradcheck", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet gradcheck: error: cannot load the model file")
    assert str(path) in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("bad", [["--tolerance", "inf"], ["--tolerance", "0"], ["--batch", "0"]])
def test_gradcheck_bad_numbers_are_usage_errors(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck", *bad])
    assert exc.value.code == 2
    assert f"argument {bad[0]}" in capsys.readouterr().err


def test_gradcheck_uncompiled_model_file(tmp_path, capsys):
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.save(tmp_path / "m.npz")
    assert main(["gradcheck", str(tmp_path / "m.npz")]) == 2
    assert "no compile settings" in capsys.readouterr().err


def test_gradcheck_saved_model(tmp_path, capsys):
    model = Sequential([Dense(5, activation="tanh", input_dim=3), Dense(2, activation="softmax")],
                       seed=0)
    model.compile("adam", "categorical_crossentropy")
    model.save(tmp_path / "m.npz")
    assert main(["gradcheck", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "dense_1 (kernel)" in out and "4 of 4 weight tensors pass" in out
    assert np.isfinite(model.predict(np.zeros((1, 3)))).all()


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_gradcheck_saved_model_with_several_inputs_and_outputs(tmp_path, capsys, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    from glassnet import Input, Model, layers

    a, b = Input(shape=(3,), name="a"), Input(shape=(2,), name="b")
    h = layers.Dense(4, activation="tanh", name="h")(layers.concatenate([a, b]))
    model = Model([a, b], {"reg": layers.Dense(1, name="reg")(h),
                           "cls": layers.Dense(3, activation="softmax", name="cls")(h)}, seed=0)
    model.compile("adam", {"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 1.0, "cls": 0.5})
    model.save(tmp_path / f"m{suffix}")
    assert main(["gradcheck", str(tmp_path / f"m{suffix}")]) == 0
    out = capsys.readouterr().out
    assert "h (kernel)" in out and "6 of 6 weight tensors pass" in out
