"""Seeded mutation fuzzing of every file reader: ``.npz`` and ``.keras`` model files and IDX
data files, byte by byte and structure by structure (JSON config edits: huge sizes,
negative shapes, wrong types, deep nesting, missing keys).

Each case runs in a child process (isolate.py) limited in time and address space. A case
passes when the file loads into a model that predicts (and takes a training step), or is
refused with the library's own error (``ModelFileError``; ``DatasetError`` for IDX). Any
other exception, a MemoryError, a timeout or a crash fails the test, which names the case's
seed so it can be replayed. The seeds are fixed: every run tries the same cases.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from files import (
    HOSTILE_VALUES,
    deep_json,
    json_paths,
    keras_config,
    members,
    model_bytes,
    npz_header,
    rezip,
    trained_functional,
    trained_sequential,
    with_member,
    with_npz_header_text,
)
from isolate import BASE_MEMORY, Outcome, run_isolated

from glassnet.datasets.idx import read_images, read_labels, write_idx
from glassnet.models import load_model

#: Cases per family; the whole module runs in about 40 s on one core.
N_BYTES = 80
N_STRUCT = 80
N_IDX = 120


def use_model(path: str) -> str:
    """Load, predict, take one training step: what a user does with a loaded model."""
    model = load_model(path)
    x = np.zeros((2, *model.input_shape[1:]), dtype=np.float32)
    with np.errstate(all="ignore"):
        out = model.predict(x)
        assert out.shape[0] == 2
        if model.compiled:
            y = np.zeros((2, *model.output_shape[1:]), dtype=np.float32)
            try:
                model.train_on_batch(x, y)
            except ValueError as exc:  # finite but huge stored values may overflow
                if "NaN" not in str(exc) and "inf" not in str(exc):
                    raise
                return "loaded; its weights overflow in training"
    return "loaded"


def judge(outcomes: list[tuple[str, Outcome]], allowed: tuple[str, ...]) -> None:
    bad = [(case, o) for case, o in outcomes
           if not (o.kind == "ok" or (o.kind == "raised" and o.exception in allowed))]
    assert not bad, "\n".join(f"{case}: {o.kind} {o.detail[:300]}" for case, o in bad[:8])


def memory_for(data: bytes) -> int:
    return BASE_MEMORY + 10 * len(data)


def run_file(tmp: Path, name: str, data: bytes) -> Outcome:
    path = tmp / name
    path.write_bytes(data)
    return run_isolated(use_model, str(path), timeout=30, memory=memory_for(data))


def mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    op = rng.integers(4)
    if op == 0:  # flip a few bytes
        for _ in range(rng.integers(1, 9)):
            out[rng.integers(len(out))] = rng.integers(256)
    elif op == 1:  # truncate
        out = out[: rng.integers(len(out))]
    elif op == 2:  # overwrite a run with 0x00 or 0xff
        at, n = rng.integers(len(out)), rng.integers(1, 64)
        out[at:at + n] = bytes([0xFF if rng.random() < 0.5 else 0]) * len(out[at:at + n])
    else:  # insert random bytes
        at = rng.integers(len(out))
        out[at:at] = rng.integers(0, 256, rng.integers(1, 32), dtype=np.uint8).tobytes()
    return bytes(out)


def edit_json(doc: Any, rng: np.random.Generator) -> str:
    """One structural edit of a JSON tree, returned as text (deep nesting spliced in raw)."""
    paths = json_paths(doc)
    container, key = paths[rng.integers(len(paths))]
    op = rng.integers(4)
    marker = "__DEEP_NESTING__"
    if op == 0 and isinstance(container, dict):
        del container[key]  # a missing key
    elif op == 1:
        container[key] = marker
    elif op == 2 and isinstance(container[key], (int, float)) and not isinstance(
            container[key], bool):
        container[key] = container[key] * 10**9 + 7  # a huge size
    else:
        container[key] = HOSTILE_VALUES[rng.integers(len(HOSTILE_VALUES))]
    return json.dumps(doc).replace(f'"{marker}"', deep_json(int(rng.choice([100, 100_000]))))


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("bases")
    out = {"seq.npz": model_bytes(trained_sequential(), ".npz", tmp),
           "fun.npz": model_bytes(trained_functional(), ".npz", tmp)}
    pytest.importorskip("h5py", reason="the .keras format stores weights in HDF5")
    out["seq.keras"] = model_bytes(trained_sequential(), ".keras", tmp)
    out["fun.keras"] = model_bytes(trained_functional(), ".keras", tmp)
    return out


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_byte_mutations_load_or_raise_model_file_error(bases, tmp_path, suffix):
    outcomes = []
    for seed in range(N_BYTES):
        rng = np.random.default_rng(seed)
        base = bases[("seq" if seed % 2 else "fun") + suffix]
        outcomes.append((f"{suffix} bytes seed={seed}",
                         run_file(tmp_path, f"m{suffix}", mutate_bytes(base, rng))))
    judge(outcomes, ("ModelFileError", "KerasFormatError"))


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_member_mutations_load_or_raise_model_file_error(bases, tmp_path, suffix):
    """Mutate one member inside a well-formed archive (the .npy arrays, the HDF5 weights, the
    glassnet state), so the mutation reaches the parsers behind the zip layer."""
    outcomes = []
    for seed in range(N_BYTES // 2):
        rng = np.random.default_rng(10_000 + seed)
        parts = members(bases[("seq" if seed % 2 else "fun") + suffix])
        name = sorted(parts)[rng.integers(len(parts))]
        parts[name] = mutate_bytes(parts[name], rng)
        outcomes.append((f"{suffix} member {name} seed={seed}",
                         run_file(tmp_path, f"m{suffix}", rezip(parts))))
    judge(outcomes, ("ModelFileError", "KerasFormatError"))


def test_npz_header_edits_load_or_raise_model_file_error(bases, tmp_path):
    outcomes = []
    for seed in range(N_STRUCT):
        rng = np.random.default_rng(20_000 + seed)
        base = bases["seq.npz" if seed % 2 else "fun.npz"]
        text = edit_json(npz_header(base), rng).encode()
        outcomes.append((f"npz header seed={seed}",
                         run_file(tmp_path, "m.npz", with_npz_header_text(base, text))))
    judge(outcomes, ("ModelFileError",))


def test_keras_config_edits_load_or_raise_model_file_error(bases, tmp_path):
    outcomes = []
    for seed in range(N_STRUCT):
        rng = np.random.default_rng(30_000 + seed)
        base = bases["seq.keras" if seed % 2 else "fun.keras"]
        text = edit_json(keras_config(base), rng).encode()
        outcomes.append((f"keras config seed={seed}",
                         run_file(tmp_path, "m.keras", with_member(base, "config.json", text))))
    judge(outcomes, ("ModelFileError", "KerasFormatError"))


# ------------------------------------------------------------------ IDX data files
def read_idx_file(path: str, kind: str) -> str:
    array = read_images(path) if kind == "images" else read_labels(path)
    assert array.ndim == (3 if kind == "images" else 1)
    return f"read {array.shape}"


def test_idx_mutations_read_or_raise_dataset_error(tmp_path):
    rng0 = np.random.default_rng(0)
    images = rng0.integers(0, 256, size=(6, 5, 4), dtype=np.uint8)
    labels = rng0.integers(0, 10, size=6, dtype=np.uint8)
    bases = {}
    for kind, array in (("images", images), ("labels", labels)):
        raw = write_idx(tmp_path / f"{kind}.idx", array).read_bytes()
        bases[kind] = raw
        bases[f"{kind}.gz"] = gzip.compress(raw)
    outcomes = []
    for seed in range(N_IDX):
        rng = np.random.default_rng(40_000 + seed)
        which = sorted(bases)[seed % 4]
        data = mutate_bytes(bases[which], rng)
        if seed % 8 == 7:  # a well-formed gzip stream around a mutated IDX file
            data = gzip.compress(mutate_bytes(bases[which.split(".")[0]], rng))
        path = tmp_path / "fuzz.idx"
        path.write_bytes(data)
        outcomes.append((f"idx {which} seed={seed}",
                         run_isolated(read_idx_file, str(path), which.split(".")[0],
                                      timeout=20, memory=memory_for(data))))
    judge(outcomes, ("IDXFormatError", "DatasetError"))


# ------------------------------------------------------------------ load_weights
def load_weights_into_fresh(path: str, data_seed: int) -> str:
    """``load_weights`` either fills the model or raises ModelFileError leaving it as it was."""
    model = trained_sequential()
    before = [w.copy() for w in model.get_weights()]
    try:
        model.load_weights(path)
    except Exception:
        for a, b in zip(before, model.get_weights(), strict=True):
            if not np.array_equal(a, b):
                raise AssertionError("a refused file changed the model") from None
        raise
    return "loaded"


def test_load_weights_mutations_fill_or_raise_model_file_error_untouched(tmp_path):
    model = trained_sequential()
    model.save_weights(tmp_path / "w.npz")
    base = (tmp_path / "w.npz").read_bytes()
    outcomes = []
    for seed in range(N_BYTES // 2):
        rng = np.random.default_rng(50_000 + seed)
        data = mutate_bytes(base, rng)
        if seed % 2:  # inside a member rather than anywhere
            parts = members(base)
            name = sorted(parts)[rng.integers(len(parts))]
            parts[name] = mutate_bytes(parts[name], rng)
            data = rezip(parts)
        path = tmp_path / "fuzz.npz"
        path.write_bytes(data)
        outcomes.append((f"load_weights seed={seed}",
                         run_isolated(load_weights_into_fresh, str(path), seed, timeout=30,
                                      memory=memory_for(data))))
    judge(outcomes, ("ModelFileError",))
