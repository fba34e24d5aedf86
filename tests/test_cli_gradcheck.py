import numpy as np

from glassnet.cli import main
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
    assert "units" in capsys.readouterr().out


def test_gradcheck_saved_model(tmp_path, capsys):
    model = Sequential([Dense(5, activation="tanh", input_dim=3), Dense(2, activation="softmax")],
                       seed=0)
    model.compile("adam", "categorical_crossentropy")
    model.save(tmp_path / "m.npz")
    assert main(["gradcheck", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "dense_1 (kernel)" in out and "4 of 4 weight tensors pass" in out
    assert np.isfinite(model.predict(np.zeros((1, 3)))).all()
