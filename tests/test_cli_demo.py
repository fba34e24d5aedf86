"""``glassnet demo``: the workshop model end to end, checked through its report files.

No test touches the network: an autouse fixture sets ``GLASSNET_OFFLINE=1``, and the download
test serves fake MNIST files from a local HTTP server.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import main

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("GLASSNET_OFFLINE", "1")
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
    # It says which data set it used and why, and how to get MNIST when it fell back.
    assert f"({metrics['dataset']}).\n  Why: " in out
    assert metrics["dataset"] in ("mnist", "fashion-mnist", "digits")
    if metrics["dataset"] != "mnist":
        assert "GLASSNET_OFFLINE=1 turns downloads off" in metrics["dataset_reason"]
        assert "--data-dir" in metrics["dataset_reason"]
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


@pytest.mark.parametrize("bad", [["--dataset", "cifar"], ["--epochs", "0"], ["--lr", "0"],
                                 ["--lr", "inf"], ["--lr", "nan"], ["--lr", "-1"],
                                 ["--lr", "fast"], ["--batch-size", "x"]])
def test_demo_rejects_bad_options(bad: list[str], tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {bad[0]}" in err and "Traceback" not in err
    assert len(err.strip().splitlines()[-1]) < 200


def test_demo_refuses_an_unwritable_out_before_training(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--quick", "--out", str(blocker / "report")])
    assert exc.value.code == 2
    assert "argument --out" in capsys.readouterr().err
    # A folder that cannot be created fails before the data is even chosen.
    assert main(["demo", "--quick", "--out", "/proc/glassnet-report"]) == 2
    captured = capsys.readouterr()
    assert "argument --out" in captured.err and "Epoch" not in captured.out


def test_demo_data_dir_that_does_not_exist_names_the_flag(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--data-dir", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2
    assert "argument --data-dir" in capsys.readouterr().err


def test_demo_explains_a_missing_data_set(tmp_path: Path, capsys, monkeypatch) -> None:
    from glassnet.datasets import mnist

    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [])
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("GLASSNET_OFFLINE", "1")
    assert main(["demo", "--dataset", "mnist", "--quick", "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "glassnet demo: cannot load mnist" in err and "train-images-idx3-ubyte.gz" in err
    # One line, naming the flag that provides the files (not the Python API's `path=`).
    assert len(err.strip().splitlines()) == 1
    assert "--data-dir" in err and "path=" not in err and "GLASSNET_OFFLINE=1" in err
    assert not (tmp_path / "r").exists()


# ------------------------------------------------------------------------------ downloads


def _fake_mnist(folder: Path) -> dict[str, bytes]:
    """Four small MNIST-format files (28x28, 10 classes): 300 training and 100 test images."""
    from glassnet.datasets import mnist
    from glassnet.datasets.idx import write_idx

    rng = np.random.default_rng(0)
    out = {}
    for split, n in (("train", 300), ("test", 100)):
        labels = np.arange(n, dtype=np.uint8) % 10
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        for k in range(10):  # one bright 8x8 patch per class: learnable in a few epochs
            r, c = divmod(k, 4)
            images[labels == k, 2 + 6 * r: 8 + 6 * r, 2 + 6 * c: 8 + 6 * c] = 255
        images = np.clip(images + rng.integers(0, 40, images.shape), 0, 255).astype(np.uint8)
        img_name, lbl_name = mnist.FILES[split]
        out[img_name] = write_idx(folder / img_name, images).read_bytes()
        out[lbl_name] = write_idx(folder / lbl_name, labels).read_bytes()
    return out


@pytest.fixture
def mnist_server(tmp_path, monkeypatch):
    """A local HTTP server with fake MNIST files; glassnet's mirrors and checksums point at it,
    and no MNIST file is anywhere on the machine as far as the loader knows."""
    import hashlib
    import http.server
    import threading

    from glassnet.datasets import mnist

    files = _fake_mnist(tmp_path / "served")
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            requests.append(self.path)
            folder, _, name = self.path.rpartition("/")
            body = files.get(name) if folder == "/mnist" else None
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(mnist, "MIRRORS", [f"http://127.0.0.1:{httpd.server_address[1]}/mnist/"])
    monkeypatch.setattr(mnist, "CHECKSUMS",
                        {n: f"sha256:{hashlib.sha256(b).hexdigest()}" for n, b in files.items()})
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [])
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GLASSNET_OFFLINE")
    yield requests
    httpd.shutdown()
    httpd.server_close()


def test_demo_downloads_mnist_once_and_shows_the_slides_model(mnist_server, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["demo", "--quick", "--epochs", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "downloading it once" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "mnist" and "downloaded once" in metrics["dataset_reason"]
    assert metrics["image_shape"] == [28, 28]
    assert "Total params: 24,790" in text  # the slides' 784-30-30-10 model
    cached = sorted(p.name for p in (tmp_path / "cache" / "glassnet" / "mnist").iterdir())
    assert cached == sorted(n for pair in __import__("glassnet.datasets.mnist", fromlist=["x"])
                            .FILES.values() for n in pair)
    assert len(mnist_server) == 4
    # Cached: a second run downloads nothing.
    assert main(["demo", "--quick", "--epochs", "1", "--out", str(out)]) == 0
    assert "downloading" not in capsys.readouterr().out and len(mnist_server) == 4


def test_demo_no_download_falls_back_and_says_how_to_get_mnist(mnist_server, tmp_path, capsys):
    pytest.importorskip("sklearn")
    import glassnet.commands.demo as demo
    from glassnet.datasets import fashion_mnist

    assert fashion_mnist  # the fallback order is MNIST, Fashion-MNIST, digits
    name, reason = demo._choose("auto", None, False)
    assert mnist_server == []  # --no-download: nothing was requested
    assert name in ("fashion-mnist", "digits")
    assert "--no-download turns downloads off" in reason and "--data-dir" in reason


def test_demo_download_failure_falls_back(mnist_server, tmp_path, monkeypatch, capsys):
    import glassnet.commands.demo as demo
    from glassnet.datasets import mnist

    monkeypatch.setattr(mnist, "MIRRORS", [mnist.MIRRORS[0].replace("/mnist/", "/absent/")])
    name, reason = demo._choose("auto", None, None)
    assert name in ("fashion-mnist", "digits")
    assert "MNIST could not be downloaded" in reason and "404" in reason
    assert len(mnist_server) == 1  # one failed file stops the others being tried


def test_demo_data_dir_finds_mnist_files(tmp_path, capsys, monkeypatch):
    from glassnet.datasets import mnist

    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _fake_mnist(tmp_path / "mine")
    out = tmp_path / "report"
    assert main(["demo", "--data-dir", str(tmp_path / "mine"), "--quick", "--epochs", "1",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Data set: MNIST (mnist)" in text and str(tmp_path / "mine") in text
    assert "Total params: 24,790" in text


def test_demo_help_documents_the_download_choice(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "downloads them once" in text and "never stops to ask" in text
    assert "--no-download" in text and "GLASSNET_OFFLINE=1" in text and "--data-dir" in text


@pytest.mark.skipif(not (_fashion_present() or _have("sklearn")), reason="no offline data set")
def test_demo_learning_rate_hints(tmp_path: Path, capsys) -> None:
    # Diverges: one line naming --lr, no traceback, no report.
    assert main(["demo", "--quick", "--epochs", "2", "--lr", "1000", "--out",
                 str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert "training diverged" in err and "smaller --lr" in err and "Traceback" not in err
    assert not (tmp_path / "a").exists()
    # Stalls at chance: the report is written and a hint says why.
    assert main(["demo", "--quick", "--epochs", "2", "--lr", "5", "--out",
                 str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "Hint:" in out and "--lr 5" in out
