"""glassnet's own model file: one ``.npz`` archive, written atomically, read defensively.

Layout of the archive (``numpy.load`` can read it, no pickle anywhere):

- ``__glassnet__``: a JSON document (as bytes) with the format version, the model's config
  (architecture), the compile settings (optimizer, loss, metrics), the training history, the
  random generators' states and whether the model is built;
- ``weight/0000`` ...: every weight, in ``model.get_weights()`` order;
- ``optimizer/<key>``: the optimizer's slot variables and step counter.

Writing goes through :func:`glassnet._atomic.atomic_write`: a crash never leaves a truncated
model, and a killed writer's temporary file is removed by the next save or load of the path.
Reading (see :mod:`glassnet.saving._limits` and :mod:`glassnet.saving._rebuild`) checks every
size before allocating it and the whole model, optimizer slots included, before returning it.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from typing import Any

import numpy as np

from glassnet._atomic import atomic_write, remove_leftovers
from glassnet.errors import ModelFileError
from glassnet.models.functional import Model as Functional
from glassnet.models.model import Model, deferred_build
from glassnet.models.sequential import Sequential
from glassnet.saving import _limits, _rebuild

FORMAT = "glassnet.model"
VERSION = 1
_MEMBER = re.compile(r"^(__glassnet__|weight/\d{4,9}|optimizer/[A-Za-z0-9_]{1,64})$")
_CLASSES: dict[str, type[Sequential] | type[Functional]] = {"Sequential": Sequential,
                                                          "Model": Functional}


def _header(model: Model, include_optimizer: bool) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "class_name": "Sequential" if isinstance(model, Sequential) else "Model",
        "config": model.get_config(),
        "built": bool(model.built),
        "history": model.history.to_dict() if model.history is not None else None,
        "compile": _rebuild.compile_spec(model) if include_optimizer else None,
        "rng": _rebuild.rng_states(model),
    }


def _write(filepath: str | os.PathLike[str], arrays: dict[str, np.ndarray],
           header: dict[str, Any]) -> None:
    arrays["__glassnet__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with atomic_write(filepath, "wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]


def save_model(model: Model, filepath: str | os.PathLike[str],
               include_optimizer: bool = True) -> None:
    """Write architecture, weights, compile settings, optimizer state, history and random
    streams to ``filepath`` (``.npz``) atomically."""
    header = _header(model, include_optimizer)
    arrays: dict[str, np.ndarray] = {}
    if model.built:
        for i, w in enumerate(model.get_weights()):
            arrays[f"weight/{i:04d}"] = w
    if header["compile"] is not None:
        for key, value in _rebuild.optimizer_state(model).items():
            arrays[f"optimizer/{key}"] = value
    _write(filepath, arrays, header)


def save_weights(model: Model, filepath: str | os.PathLike[str]) -> None:
    """Weights only (``get_weights`` order), atomically."""
    arrays = {f"weight/{i:04d}": w for i, w in enumerate(model.get_weights())}
    _write(filepath, arrays, {"format": FORMAT, "version": VERSION, "class_name": "weights"})


def read(filepath: Any) -> tuple[dict[str, Any], dict[str, np.ndarray], str]:
    """``(header, arrays, where)`` of a glassnet ``.npz`` file, every size checked first."""
    where = _limits.describe(filepath)
    f, size = _limits.open_model_file(filepath)
    with f:
        remove_leftovers(filepath)
        try:
            archive = zipfile.ZipFile(f)
        except Exception as exc:  # BadZipFile, OSError, EOFError, NotImplementedError ...
            raise ModelFileError(f"{where} is not a readable glassnet model file (truncated or "
                                 f"corrupt?): {type(exc).__name__}: {exc}") from None
        with archive:
            arrays = _limits.read_npy_members(archive, _limits.budget_for(size), where, _MEMBER)
    raw = arrays.pop("__glassnet__", None)
    if raw is None:
        raise ModelFileError(f"{where} is an .npz archive but not a glassnet model.")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"The header of {where} is corrupt (not bytes).")
    header = _limits.parse_json(raw.tobytes(), f"The header of {where}")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{where} is not a glassnet model file.")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{where} has an invalid format version {version!r}.")
    if version > VERSION:
        raise ModelFileError(f"{where} was written by a newer glassnet (format version "
                             f"{version}); this one reads version {VERSION}.")
    return header, arrays, where


def _weights(arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    keys = sorted((k for k in arrays if k.startswith("weight/")), key=lambda k: int(k[7:]))
    if [int(k[7:]) for k in keys] != list(range(len(keys))):
        raise ModelFileError("the weights are not numbered 0, 1, 2 ...")
    return [arrays[k] for k in keys]


def load_model(filepath: str | os.PathLike[str], compile: bool = True) -> Model:
    """Rebuild a model saved by :func:`save_model`: it predicts identically and goes on
    training exactly (compile settings, optimizer state, history, random streams).

    Raises
    ------
    ModelFileError
        For a missing, special, truncated, corrupt, forged or foreign file; nothing larger
        than the file backs is allocated first.
    """
    header, arrays, where = read(filepath)
    try:
        kind = header.get("class_name")
        cls = _CLASSES.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise ModelFileError(f"Unknown model class {header.get('class_name')!r} in {where}.")
        config = header.get("config")
        if not isinstance(config, dict):
            raise ModelFileError(f"{where}: the model config is not a mapping.")
        with deferred_build():  # built below, within what the file backs
            model = cls.from_config(config)
        weights = _weights(arrays)
        if header.get("built") or weights:
            _rebuild.build_within(model, sum(w.size for w in weights), where)
            _rebuild.set_weights(model, weights, where)
        if compile and header.get("compile") is not None:
            _rebuild.compile_from(model, header["compile"], where)
            state = {k[len("optimizer/"):]: v for k, v in arrays.items()
                     if k.startswith("optimizer/")}
            _rebuild.restore_optimizer(model, state, where)
        _rebuild.restore_history(model, header.get("history"), where)
        _rebuild.restore_rng(model, header.get("rng"), where)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        raise _rebuild.rebuild_error(where, exc) from exc
    return model


def load_weights(model: Model, filepath: str | os.PathLike[str]) -> None:
    """Read weights saved by ``save_weights`` or ``save``; a bad file raises
    :class:`ModelFileError` and leaves the model as it was."""
    _, arrays, where = read(filepath)
    try:
        weights = _weights(arrays)
        if not model.built:
            _rebuild.build_within(model, sum(w.size for w in weights), where)
        _rebuild.set_weights(model, weights, where)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        raise _rebuild.rebuild_error(where, exc) from exc
