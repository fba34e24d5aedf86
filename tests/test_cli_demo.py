"""``glassnet demo``: the workshop model end to end, checked through its report files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import main

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"
REPORT = ("curves.png", "confusion_matrix.png", "confusion_matrix.csv", "misclassified.png",
          "first_layer_weights.png", "metrics.json", "history.csv")
METRIC_KEYS = {"dataset", "dataset_reason", "n_train", "n_val", "n_test", "epochs", "batch_size",
               "optimizer", "learning_rate", "test_loss", "test_accuracy", "train_time_s",
               "params", "class_names", "image_shape", "architecture"}


def _have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _fashion_present() -> bool:
    return Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()


def _check_png(path: Path, min_width: int) -> tuple[int, int]:
    import matplotlib.image as mpimg

    data = path.read_bytes()
    assert data[:8] == PNG, path
    assert len(data) > 10_000, path
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[1] >= min_width, (path, img.shape)
    assert img.std() > 0.01, f"{path} looks blank"
    return img.shape[:2]


def _check_report(out: Path, stdout: str, classes: int) -> dict:
    for name in REPORT:
        assert (out / name).is_file(), name
        assert str(out / name) in stdout  # the user is told where each file is
    metrics = json.loads((out / "metrics.json").read_text())
    assert METRIC_KEYS <= metrics.keys()
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_loss"] > 0
    assert len(metrics["class_names"]) == classes
    h, w = metrics["image_shape"]
    assert metrics["params"] == (h * w * 30 + 30) + (30 * 30 + 30) + (30 * classes + classes)
    assert metrics["optimizer"] == "SGD" and metrics["learning_rate"] == 0.1

    with open(out / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]  # Keras order
    assert [int(r["epoch"]) for r in rows] == list(range(1, metrics["epochs"] + 1))
    assert all(0.0 <= float(r["val_accuracy"]) <= 1.0 for r in rows)
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])  # it learnt

    with open(out / "confusion_matrix.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][1:] == metrics["class_names"]
    cm = np.array([[int(v) for v in row[1:]] for row in table[1:]])
    assert cm.shape == (classes, classes) and cm.sum() == metrics["n_test"]
    assert np.trace(cm) / cm.sum() == pytest.approx(metrics["test_accuracy"], abs=1e-6)

    _check_png(out / "curves.png", 600)
    _check_png(out / "confusion_matrix.png", 400)
    _check_png(out / "misclassified.png", 600)
    _check_png(out / "first_layer_weights.png", 600)
    return metrics


@pytest.mark.skipif(not (_fashion_present() or _have("sklearn")),
                    reason="neither Fashion-MNIST files nor scikit-learn's digits available")
def test_demo_quick_auto_writes_a_complete_report(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    metrics = _check_report(tmp_path, out, 10)
    # It says which data set it used and why (auto never downloads).
    assert f"({metrics['dataset']}).\n  Why: " in out
    assert metrics["dataset"] in ("mnist", "fashion-mnist", "digits")
    if metrics["dataset"] != "mnist":
        assert "auto never downloads" in metrics["dataset_reason"]
    assert "Total params: 24,790" in out or metrics["dataset"] == "digits"
    assert "SGD(lr=0.1)" in out and "100x the workshop's 0.001" in out
    assert metrics["epochs"] == 5 and metrics["n_train"] + metrics["n_val"] == 1000
    assert f"Report in {tmp_path}" in out


@pytest.mark.skipif(not _have("sklearn"), reason="the digits ship with scikit-learn")
def test_demo_digits_falls_back_when_no_image_files(tmp_path: Path, capsys, monkeypatch) -> None:
    from glassnet.datasets import fashion_mnist, mnist

    # A machine with neither MNIST nor Fashion-MNIST: auto must pick the bundled digits.
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [])
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [])
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    out_dir = tmp_path / "report"
    assert main(["demo", "--quick", "--epochs", "3", "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    metrics = _check_report(out_dir, out, 10)
    assert metrics["dataset"] == "digits" and metrics["image_shape"] == [8, 8]
    assert "scikit-learn ships the 8x8 digits" in metrics["dataset_reason"]
    assert "Total params: 3,190" in out  # 64*30+30 + 930 + 310


@pytest.mark.parametrize("bad", [["--dataset", "cifar"], ["--epochs", "0"], ["--lr", "0"]])
def test_demo_rejects_bad_options(bad: list[str], tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_demo_explains_a_missing_data_set(tmp_path: Path, capsys, monkeypatch) -> None:
    from glassnet.datasets import mnist

    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [])
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("GLASSNET_OFFLINE", "1")
    assert main(["demo", "--dataset", "mnist", "--quick", "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "glassnet demo: cannot load mnist" in err and "train-images-idx3-ubyte.gz" in err
    assert not (tmp_path / "r").exists()
