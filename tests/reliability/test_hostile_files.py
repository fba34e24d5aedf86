"""Hand-made hostile files: each is refused with ``ModelFileError`` quickly, in a child whose
address space may grow by at most 256 MiB + 10x the file's size (so a loader that allocates
what a forged size claims fails with MemoryError instead, and the test says so)."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from files import (
    deep_json,
    keras_config,
    members,
    model_bytes,
    npy,
    npz_header,
    patch_declared_size,
    rezip,
    trained_sequential,
    with_member,
    with_npz_header_text,
)
from isolate import BASE_MEMORY, run_isolated

import glassnet.layers as gl
from glassnet.models import Model, Sequential, load_model

#: A refusal takes at most this long (HDF5's loop guard waits 5 s; the rest are instant).
QUICK = 3.0


def load(path: str) -> str:
    load_model(path)
    return "loaded"


def refused(path: Path, match: str, seconds: float = QUICK) -> str:
    """Load ``path`` in a limited child; it must raise ModelFileError matching ``match``."""
    size = path.stat().st_size if path.is_file() else 0
    outcome = run_isolated(load, str(path), timeout=30, memory=BASE_MEMORY + 10 * size)
    assert outcome.kind == "raised" and outcome.exception in (
        "ModelFileError", "KerasFormatError"), outcome
    assert re.search(match, outcome.detail), outcome
    assert outcome.seconds < seconds, outcome
    return outcome.detail


@pytest.fixture(scope="module")
def npz_base(tmp_path_factory) -> bytes:
    return model_bytes(trained_sequential(), ".npz", tmp_path_factory.mktemp("npz"))


@pytest.fixture(scope="module")
def keras_base(tmp_path_factory) -> bytes:
    pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    return model_bytes(trained_sequential(), ".keras", tmp_path_factory.mktemp("keras"))


def _bomb_member(name: str, prefix: bytes, zeros: int) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info, prefix + bytes(zeros)


@pytest.fixture(scope="module")
def bombs(npz_base, keras_base) -> dict[str, bytes]:
    """Members that inflate ~230:1 (64 MiB of zeros after the real data)."""
    out = {}
    for key, base, member in (("keras", keras_base, "model.weights.h5"),
                              ("npz", npz_base, "weight/0000.npy")):
        parts = members(base)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, payload in parts.items():
                if name == member:
                    zf.writestr(*_bomb_member(name, payload, 64 << 20), compresslevel=1)
                else:
                    zf.writestr(name, payload)
        out[key] = buf.getvalue()
    return out


# ------------------------------------------------------------------ zip bombs
@pytest.mark.parametrize("kind", ["keras", "npz"])
def test_zip_bomb_is_refused_before_inflating(bombs, tmp_path, kind):
    path = tmp_path / f"bomb.{kind}"
    path.write_bytes(bombs[kind])
    assert path.stat().st_size < 1 << 20
    refused(path, "would inflate to")


@pytest.mark.parametrize("kind", ["keras", "npz"])
def test_zip_bomb_lying_about_its_size_is_stopped_at_the_declared_size(bombs, tmp_path, kind):
    member = "model.weights.h5" if kind == "keras" else "weight/0000.npy"
    path = tmp_path / f"liar.{kind}"
    path.write_bytes(patch_declared_size(bombs[kind], member, 4096))
    refused(path, "corrupt")


def test_huge_config_json_is_refused_before_inflating(keras_base, tmp_path):
    doc = json.dumps(keras_config(keras_base)).encode()
    parts = members(keras_base)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in parts.items():
            if name == "config.json":
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, doc + b" " * (64 << 20), compresslevel=1)
            else:
                zf.writestr(name, payload)
    path = tmp_path / "bigconfig.keras"
    path.write_bytes(buf.getvalue())
    refused(path, "would inflate to")


# ------------------------------------------------------------------ forged sizes
def test_forged_batch_shape_and_units_are_refused_before_allocation(tmp_path):
    """The issue's file: 80 kB of values 'backing' units=20000, and a batch_shape of
    [None, 40000] that would make the kernel 40000 x 20000 (3.2 GB)."""
    pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    model = Sequential([gl.Dense(20000, input_dim=1, use_bias=False)], seed=0)
    model.save(tmp_path / "base.keras")
    base = (tmp_path / "base.keras").read_bytes()
    doc = keras_config(base)
    doc["config"]["layers"][0]["config"]["batch_shape"] = [None, 40000]
    path = tmp_path / "forged.keras"
    path.write_bytes(with_member(base, "config.json", json.dumps(doc).encode()))
    refused(path, r"needs a weight `kernel` of shape \(40000, 20000\)")


@pytest.mark.parametrize("units", [10**6, 10**12])
def test_forged_units_in_npz_header_are_refused_before_allocation(npz_base, tmp_path, units):
    header = npz_header(npz_base)
    header["config"]["layers"][0]["config"]["units"] = units
    path = tmp_path / "units.npz"
    path.write_bytes(with_npz_header_text(npz_base, json.dumps(header).encode()))
    refused(path, "corrupt or forged")


def test_forged_npy_header_is_refused_before_allocation(npz_base, tmp_path):
    parts = members(npz_base)
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)})
    parts["weight/0000.npy"] = head.getvalue() + bytes(48)
    path = tmp_path / "npy.npz"
    path.write_bytes(rezip(parts))
    refused(path, r"claims 4,000,000,000,000 bytes")


def test_forged_hdf5_dataset_shape_is_refused_before_reading(keras_base, tmp_path):
    import h5py

    raw = members(keras_base)["model.weights.h5"]
    buf = io.BytesIO()
    with h5py.File(io.BytesIO(raw), "r") as src, h5py.File(buf, "w") as dst:
        for name in src:
            src.copy(name, dst)
        del dst["layers/dense/vars/0"]
        dst["layers/dense/vars"].create_dataset("0", shape=(10**6, 10**6), dtype="f4")
    path = tmp_path / "h5.keras"
    path.write_bytes(with_member(keras_base, "model.weights.h5", buf.getvalue()))
    refused(path, r"shape \(1000000, 1000000\)")


# ------------------------------------------------------------------ structure and types
@pytest.mark.parametrize("edit, match", [
    (lambda h: {**h, "version": "1"}, "invalid format version"),
    (lambda h: {**h, "rng": {**h["rng"], "shuffle": {**h["rng"]["shuffle"], "state": {
        "state": 2**200, "inc": 1}}}}, "random generator state is invalid"),
    (lambda h: {**h, "config": {**h["config"], "layers": [
        {"class_name": "LSTM", "config": {"units": 2, "stateful": True}}]}}, "cannot be rebuilt"),
    (lambda h: {**h, "history": {"epoch": [0], "history": {"loss": "x"}}}, "history"),
], ids=["version-string", "rng-2**200", "lstm-stateful", "history-junk"])
def test_header_edits_are_model_file_errors(npz_base, tmp_path, edit, match):
    path = tmp_path / "edit.npz"
    path.write_bytes(with_npz_header_text(npz_base, json.dumps(edit(npz_header(npz_base))).encode()))
    refused(path, match)


def test_deeply_nested_header_is_refused_without_recursion_error(npz_base, tmp_path):
    text = json.dumps(npz_header(npz_base))[:-1] + ', "x": ' + deep_json(100_000) + "}"
    path = tmp_path / "deep.npz"
    path.write_bytes(with_npz_header_text(npz_base, text.encode()))
    refused(path, "nests 100001 levels deep")


def test_lzma_member_is_a_model_file_error(npz_base, tmp_path):
    parts = members(npz_base)
    path = tmp_path / "lzma.npz"
    path.write_bytes(rezip(parts, zipfile.ZIP_LZMA))
    outcome = run_isolated(load, str(path), timeout=30)
    assert outcome.kind == "ok"  # a valid LZMA archive is read ...
    raw = bytearray(path.read_bytes())
    at = raw.index(b"PK\x03\x04") + 30 + len(b"weight/0000.npy") + 20
    raw[at:at + 8] = b"\xff" * 8  # ... a corrupt LZMA stream is refused
    path.write_bytes(bytes(raw))
    refused(path, "corrupt")


@pytest.mark.parametrize("slot", ["shape", "nan", "count"])
def test_optimizer_slots_are_checked_before_load_model_returns(npz_base, tmp_path, slot):
    parts = members(npz_base)
    m = np.lib.format.read_array(io.BytesIO(parts["optimizer/m_0.npy"]))
    if slot == "shape":
        parts["optimizer/m_0.npy"] = npy(m[:-1])
    elif slot == "nan":
        m[0] = np.nan
        parts["optimizer/m_0.npy"] = npy(m)
    else:
        parts["optimizer/m_1.npy"] = npy(m)
        parts["optimizer/v_1.npy"] = npy(m)
    path = tmp_path / "slots.npz"
    path.write_bytes(rezip(parts))
    refused(path, "optimizer")


def test_keras_layer_without_inbound_nodes_is_a_keras_format_error(tmp_path):
    pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    inp = gl.Input(shape=(3,))
    model = Model(inp, gl.Dense(2)(inp))
    model.save(tmp_path / "f.keras")
    base = (tmp_path / "f.keras").read_bytes()
    doc = keras_config(base)
    doc["config"]["layers"][1]["inbound_nodes"] = []
    path = tmp_path / "noinbound.keras"
    path.write_bytes(with_member(base, "config.json", json.dumps(doc).encode()))
    refused(path, "no inbound layers")


def test_hdf5_links_to_other_files_are_refused(keras_base, tmp_path):
    import h5py

    raw = members(keras_base)["model.weights.h5"]
    buf = io.BytesIO()
    with h5py.File(io.BytesIO(raw), "r") as src, h5py.File(buf, "w") as dst:
        for name in src:
            src.copy(name, dst)
        del dst["layers/dense/vars/0"]
        dst["layers/dense/vars/0"] = h5py.ExternalLink(str(tmp_path / "elsewhere.h5"), "/w")
    path = tmp_path / "link.keras"
    path.write_bytes(with_member(keras_base, "model.weights.h5", buf.getvalue()))
    refused(path, "ExternalLink, not a hard link")


def test_hdf5_structure_that_loops_is_refused_within_the_time_bound(keras_base, tmp_path):
    """One flipped byte near the end of this weights file makes HDF5 allocate without end
    (found by fuzzing; h5py 3.x layout). Loaded or refused, it never hangs."""
    small = Sequential([gl.Dense(4, activation="relu", input_dim=3), gl.Dense(2)], seed=0)
    small.compile("adam", "mse")
    small.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    small.save(tmp_path / "small.keras")
    base = (tmp_path / "small.keras").read_bytes()
    h5 = bytearray(members(base)["model.weights.h5"])
    h5[len(h5) - 13] = 112
    path = tmp_path / "loop.keras"
    path.write_bytes(with_member(base, "model.weights.h5", bytes(h5)))
    # even with no limit of ours on the loading process: the reader bounds itself
    outcome = run_isolated(load, str(path), timeout=30, memory=1 << 40)
    assert outcome.kind == "ok" or outcome.exception == "KerasFormatError", outcome
    assert outcome.seconds < 12, outcome


def test_hdf5_reader_that_hangs_is_killed_and_refused(monkeypatch):
    from glassnet.errors import KerasFormatError
    from glassnet.saving import _h5

    def forever(raw, budget):
        while True:
            pass

    monkeypatch.setattr(_h5, "_read_all", forever)
    with pytest.raises(KerasFormatError, match="took more than 1 s"):
        _h5._in_child(b"", 0, "'x.keras'", timeout=1.0)


# ------------------------------------------------------------------ special files
@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_dev_zero_is_refused_up_front(tmp_path, suffix):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    link = tmp_path / f"zero{suffix}"
    link.symlink_to("/dev/zero")
    refused(link, "a device, not a regular file")
    refused(Path("/dev/zero"), "a device, not a regular file")


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_fifo_is_refused_up_front(tmp_path, suffix):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    refused(fifo, r"a FIFO \(named pipe\), not a regular file")


# ------------------------------------------------------------------ and what is legitimate loads
@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_legitimate_model_loads_within_four_times_its_file_size(tmp_path, suffix):
    """The limits refuse forgeries, not real models: a 23 MB model (2M weights and Adam's
    slots) loads, optimizer state included, with its address space growing by at most 4x the
    file's size."""
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    model = Sequential([gl.Dense(2000, input_dim=1000), gl.Dense(10)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(np.ones((2, 1000)), np.ones((2, 10)))
    path = tmp_path / f"big{suffix}"
    model.save(path)
    size = path.stat().st_size

    def load_and_count(p: str) -> str:
        loaded = load_model(p)
        return f"{loaded.count_params()} {loaded.optimizer.iterations}"

    outcome = run_isolated(load_and_count, str(path), timeout=60, memory=4 * size)
    assert outcome.kind == "ok" and outcome.detail == f"{model.count_params()} 1", outcome


# ------------------------------------------------------------------ IDX special files
@pytest.mark.parametrize("what", ["fifo", "device", "directory"])
def test_idx_special_files_are_refused_up_front(tmp_path, what):
    from glassnet.datasets.idx import read_idx

    if what == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        path = tmp_path / "pipe.idx"
        os.mkfifo(path)
    elif what == "device":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero here")
        path = Path("/dev/zero")
    else:
        path = tmp_path
    outcome = run_isolated(read_idx, str(path), timeout=30)
    assert outcome.kind == "raised" and outcome.exception == "IDXFormatError", outcome
    assert "not a regular file" in outcome.detail and outcome.seconds < QUICK, outcome
