"""MNIST-family loaders on the real files, the search order, and scikit-learn's digits."""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import digits, fashion_mnist, mnist, sources
from glassnet.datasets.errors import DatasetError, MissingFilesError
from glassnet.datasets.idx import write_idx

REPO = Path(__file__).resolve().parents[1]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def _shared_data() -> Path:
    return Path(os.environ.get("GLASSNET_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No downloads, an empty private cache, and no system directories."""
    monkeypatch.setenv("GLASSNET_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [])
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [])
    return tmp_path


@pytest.fixture
def real_mnist(offline, monkeypatch) -> Path:
    data = _shared_data()
    if not (data / "mnist" / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the real MNIST test split is not at {data}/mnist (set GLASSNET_DATA)")
    monkeypatch.setenv("GLASSNET_DATA", str(data))
    return data / "mnist"


def _fake_set(root: Path, marker: int, n: int = 4, splits=("train", "test"), gz=True) -> Path:
    """Write a tiny MNIST-shaped set whose labels all equal ``marker`` (to tell sets apart)."""
    root.mkdir(parents=True, exist_ok=True)
    for split in splits:
        img_name, lbl_name = mnist.FILES[split]
        if not gz:
            img_name, lbl_name = img_name.removesuffix(".gz"), lbl_name.removesuffix(".gz")
        write_idx(root / img_name, np.full((n, 28, 28), marker, dtype=np.uint8))
        write_idx(root / lbl_name, np.full(n, marker, dtype=np.uint8))
    return root


# ----------------------------------------------------------------------------- real MNIST


def test_real_mnist_test_split(real_mnist):
    x, y = mnist.load_split("test")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == MNIST_TEST_COUNTS
    # The pixel sum, computed independently of the IDX reader.
    raw = gzip.decompress((real_mnist / "t10k-images-idx3-ubyte.gz").read_bytes())
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16)
    assert pixels.size == 10000 * 28 * 28
    assert int(x.sum(dtype=np.int64)) == int(pixels.sum(dtype=np.int64))
    raw_labels = gzip.decompress((real_mnist / "t10k-labels-idx1-ubyte.gz").read_bytes())
    np.testing.assert_array_equal(y, np.frombuffer(raw_labels, dtype=np.uint8, offset=8))


def test_real_mnist_without_train_split_names_the_missing_files(real_mnist):
    with pytest.raises(MissingFilesError, match="train-images-idx3-ubyte.gz") as info:
        mnist.load_data()
    message = str(info.value)
    assert "train-labels-idx1-ubyte.gz" in message and "t10k" not in message.split("\n")[0]
    assert str(real_mnist) in message and "GLASSNET_DATA" in message
    assert "load_split('test')" in message and "Downloading is off" in message
    assert info.value.missing == ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    assert isinstance(info.value, FileNotFoundError)


def test_pinned_mnist_checksums_match_the_official_test_files(real_mnist):
    for name in mnist.FILES["test"]:
        md5 = sources.file_digest(real_mnist / name, "md5")
        sha = sources.file_digest(real_mnist / name, "sha256")
        assert f"md5:{md5}" in mnist.CHECKSUMS[name] and f"sha256:{sha}" in mnist.CHECKSUMS[name]


# ----------------------------------------------------------------------------- Fashion-MNIST


@pytest.fixture(scope="module")
def fashion():
    if not (FASHION_DIR / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST is not installed at {FASHION_DIR} (dataset-fashion-mnist)")
    with pytest.MonkeyPatch.context() as mp:  # found through the system directory only
        mp.delenv("GLASSNET_DATA", raising=False)
        mp.setenv("GLASSNET_OFFLINE", "1")
        return fashion_mnist.load_data(cache_dir=REPO / "no-such-cache")


def test_fashion_mnist_full_load(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert len(fashion_mnist.CLASS_NAMES) == 10 and fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


def test_pinned_fashion_checksums_match_the_debian_files(fashion):
    for name, digests in fashion_mnist.CHECKSUMS.items():
        assert f"sha256:{sources.file_digest(FASHION_DIR / name)}" in digests


# ----------------------------------------------------------------------------- search order


def test_search_order_path_then_env_then_cache_then_system(offline, monkeypatch):
    tmp = offline
    system = _fake_set(tmp / "system", 4)
    cache = _fake_set(tmp / "xdg-cache" / "glassnet" / "mnist", 3)
    env = _fake_set(tmp / "env" / "mnist", 2)
    explicit = _fake_set(tmp / "explicit", 1)
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [str(system)])
    assert mnist.load_split("test")[1][0] == 3
    monkeypatch.setenv("GLASSNET_DATA", str(tmp / "env"))
    assert mnist.load_split("test")[1][0] == 2
    assert mnist.load_split("test", path=explicit)[1][0] == 1
    for d in (env, cache):
        for f in d.iterdir():
            f.unlink()
    monkeypatch.delenv("GLASSNET_DATA")
    assert mnist.load_split("train")[1][0] == 4


def test_glassnet_data_layouts(offline, monkeypatch):
    tmp = offline
    _fake_set(tmp / "flat", 7, splits=("test",))
    monkeypatch.setenv("GLASSNET_DATA", str(tmp / "flat"))
    assert mnist.load_split("test")[1][0] == 7
    _fake_set(tmp / "torch" / "MNIST" / "raw", 8, splits=("test",), gz=False)
    _fake_set(tmp / "torch" / "FashionMNIST" / "raw", 9, splits=("test",), gz=False)
    monkeypatch.setenv("GLASSNET_DATA", os.pathsep.join([str(tmp / "none"), str(tmp / "torch")]))
    assert mnist.load_split("test")[1][0] == 8
    assert fashion_mnist.load_split("test")[1][0] == 9


def test_load_data_returns_keras_structure(offline):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(_fake_set(offline / "d", 5, n=3))
    assert x_train.shape == x_test.shape == (3, 28, 28) and y_train.tolist() == [5, 5, 5]


def test_path_may_be_a_keras_npz(offline):
    arrays = {f"{k}_{s}": _ for s in ("train", "test") for k, _ in
              (("x", np.zeros((2, 28, 28), np.uint8)), ("y", np.array([1, 2], np.uint8)))}
    np.savez(offline / "mnist.npz", **arrays)
    (_, y_train), (x_test, _) = mnist.load_data(offline / "mnist.npz")
    assert y_train.tolist() == [1, 2] and x_test.shape == (2, 28, 28)
    np.savez(offline / "bad.npz", x_test=arrays["x_test"])
    with pytest.raises(DatasetError, match=r"lacks arrays \['y_test'\]"):
        mnist.load_split("test", offline / "bad.npz")


def test_bad_paths_are_explained(offline):
    with pytest.raises(MissingFilesError, match="`path` '.*nowhere' does not exist"):
        mnist.load_split("test", offline / "nowhere")
    (offline / "notes.txt").write_text("hi")
    with pytest.raises(DatasetError, match="a directory or a Keras-style .npz file"):
        mnist.load_split("test", offline / "notes.txt")
    with pytest.raises(ValueError, match=r"`split` must be one of \('train', 'test'\), got 'val'"):
        mnist.load_split("val")


def test_images_and_labels_that_disagree(offline):
    d = offline / "bad"
    d.mkdir()
    write_idx(d / "t10k-images-idx3-ubyte.gz", np.zeros((5, 28, 28), np.uint8))
    write_idx(d / "t10k-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(DatasetError, match="5 images but labels of shape .4,.; .*do not belong"):
        mnist.load_split("test", d)
    write_idx(d / "t10k-images-idx3-ubyte.gz", np.zeros((4, 32, 32), np.uint8))
    with pytest.raises(DatasetError, match=r"images must be uint8 of shape \(n, 28, 28\)"):
        mnist.load_split("test", d)
    write_idx(d / "t10k-images-idx3-ubyte.gz", np.zeros((4, 28, 28), np.uint8))
    write_idx(d / "t10k-labels-idx1-ubyte.gz", np.array([0, 1, 12, 3], np.uint8))
    with pytest.raises(DatasetError, match=r"labels must lie in \[0, 10\), got values from 0 to 12"):
        mnist.load_split("test", d)


def test_cache_dir_honours_xdg_and_falls_back_without_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert sources.cache_dir("mnist") == tmp_path / "x" / "glassnet" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # import fails
    assert sources.cache_dir() == tmp_path / "home" / ".cache" / "glassnet"


@pytest.mark.parametrize(("value", "enabled"), [("1", False), ("TRUE", False), ("yes", False),
                                                ("0", True), ("", True)])
def test_offline_variable(monkeypatch, value, enabled):
    monkeypatch.setenv("GLASSNET_OFFLINE", value)
    assert sources.downloads_enabled() is enabled
    assert sources.downloads_enabled(True) is True


# ----------------------------------------------------------------------------- digits


def test_digits_split_is_stratified_and_deterministic():
    pytest.importorskip("sklearn")
    x, y = digits.load_arrays()
    assert x.shape == (1797, 8, 8) and y.shape == (1797,)
    assert x.dtype == y.dtype == np.uint8 and x.max() == 16
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1347, 8, 8) and x_test.shape == (450, 8, 8)
    share = np.bincount(y_test, minlength=10) / np.bincount(y, minlength=10)
    assert np.all(np.abs(share - 0.25) < 0.02)
    (x_train2, _), _ = digits.load_data()
    np.testing.assert_array_equal(x_train, x_train2)
    # Together the parts are the whole set.
    together = np.concatenate([x_train, x_test]).reshape(1797, -1)
    assert sorted(map(bytes, together)) == sorted(map(bytes, x.reshape(1797, -1)))


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[sklearn\]'"):
        digits.load_arrays()
