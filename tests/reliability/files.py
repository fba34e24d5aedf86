"""Valid model and data files to start from, and the edits that turn them hostile."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

import glassnet.layers as gl
from glassnet.models import Model, Sequential


def trained_sequential() -> Sequential:
    """Dense, BatchNormalization (moving statistics), Dropout; Adam state and a history."""
    model = Sequential([gl.Dense(5, activation="relu", input_dim=3), gl.BatchNormalization(),
                        gl.Dropout(0.2), gl.Dense(2)], seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), batch_size=4, epochs=1,
              verbose=0)
    return model


def trained_functional() -> Model:
    """A graph with a skip connection (Add), compiled with SGD and trained one step."""
    inp = gl.Input(shape=(3,))
    h = gl.Dense(3, activation="tanh")(inp)
    out = gl.Dense(2)(gl.Add()([inp, h]))
    model = Model(inp, out, seed=1)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0)
    return model


def model_bytes(model: Any, suffix: str, tmp: Path) -> bytes:
    path = tmp / f"base{suffix}"
    model.save(path)
    return path.read_bytes()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def rezip(parts: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, payload in parts.items():
            zf.writestr(name, payload)
    return out.getvalue()


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def npz_header(data: bytes) -> dict[str, Any]:
    raw = members(data)["__glassnet__.npy"]
    return json.loads(np.lib.format.read_array(io.BytesIO(raw)).tobytes().decode())


def with_npz_header_text(data: bytes, text: bytes) -> bytes:
    parts = members(data)
    parts["__glassnet__.npy"] = npy(np.frombuffer(text, dtype=np.uint8))
    return rezip(parts)


def keras_config(data: bytes) -> dict[str, Any]:
    return json.loads(members(data)["config.json"])


def with_member(data: bytes, name: str, payload: bytes) -> bytes:
    parts = members(data)
    parts[name] = payload
    return rezip(parts)


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Make the zip headers (local and central) of ``member`` declare ``size`` bytes: a
    member that lies about how much it inflates to."""
    out = bytearray(data)
    name = member.encode()
    at = 0
    while True:
        at = out.find(b"PK\x03\x04", at)
        if at < 0:
            break
        n = struct.unpack_from("<H", out, at + 26)[0]
        if out[at + 30:at + 30 + n] == name:
            struct.pack_into("<I", out, at + 22, size)
        at += 4
    at = 0
    while True:
        at = out.find(b"PK\x01\x02", at)
        if at < 0:
            break
        n = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46:at + 46 + n] == name:
            struct.pack_into("<I", out, at + 24, size)
        at += 4
    return bytes(out)


def json_paths(doc: Any) -> list[tuple[Any, Any]]:
    """Every ``(container, key)`` in a JSON tree, iteratively."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) \
            if isinstance(node, list) else []
        for key, value in items:
            out.append((node, key))
            if isinstance(value, (dict, list)):
                stack.append(value)
    return out


#: Replacement values a careless or hostile editor puts into a config.
HOSTILE_VALUES: list[Any] = [
    10**12, 2**63, 2**200, -1, 0, -(10**9), 1.5, 1e308, "1", "", "x" * 100_000, None, True,
    [], {}, [None, -5], [10**6, 10**6], [None, 40000], {"class_name": "os.system", "config": {}},
    {"class_name": "Dense", "config": {"units": 10**9}}, [[[[[[[[1]]]]]]]], "NaN",
]
