"""Saving and loading models: one ``.npz`` file, written atomically.

Layout of the archive (``numpy.load`` can read it, no pickle anywhere):

- ``__glassnet__``: a JSON document (as bytes) with the format version, the model's config
  (architecture), the compile settings, the training history and the names of the arrays;
- ``weight/0000`` ...: every weight, in ``model.get_weights()`` order;
- ``optimizer/<key>``: the optimizer's slot variables and step counter.

The file is first written beside its target and renamed into place only when complete, so a
crash mid-write never leaves a truncated model. Loading checks everything before building.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from typing import Any

import numpy as np

from glassnet._atomic import atomic_write

FORMAT = "glassnet.model"
VERSION = 1


class ModelFileError(ValueError):
    """A model file is missing, truncated, corrupt or not a glassnet model."""


def _header(model: Any, include_optimizer: bool) -> dict[str, Any]:
    from glassnet import losses, optimizers

    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "class_name": type(model).__name__,
        "config": model.get_config(),
        "built": bool(model.built),
        "history": model.history.to_dict() if model.history is not None else None,
        "compile": None,
        # The shuffling and dropout streams, so resumed training is bit-identical.
        "rng": {
            "shuffle": model._shuffle_rng.bit_generator.state,
            "noise": {layer.name: layer.noise_rng.bit_generator.state
                      for layer in model.layers if layer.noise_rng is not None},
        },
    }
    if model.compiled and include_optimizer:
        header["compile"] = {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": losses.serialize(model.loss),
            "metrics": list(model.metric_names),
        }
    return header


def save_model(model: Any, filepath: str | os.PathLike[str], include_optimizer: bool = True) -> None:
    """Write architecture, weights, optimizer state and history to ``filepath`` atomically.

    A path ending in ``.keras`` writes Keras 3's format instead (architecture and weights;
    see :mod:`glassnet.keras_format`).
    """
    if os.fspath(filepath).endswith(".keras"):
        from glassnet.keras_format import save_keras

        save_keras(model, filepath)
        return
    arrays: dict[str, Any] = {}  # ndarrays; Any because savez's stub types **kwds as its options
    header = _header(model, include_optimizer)
    if model.built:
        for i, w in enumerate(model.get_weights()):
            arrays[f"weight/{i:04d}"] = w
    if header["compile"] is not None:
        for key, value in model.optimizer.get_state().items():
            arrays[f"optimizer/{key}"] = np.asarray(value)
    arrays["__glassnet__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with atomic_write(filepath, "wb") as f:
        np.savez(f, **arrays)


def _read(filepath: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        raw = open(filepath, "rb").read()  # noqa: SIM115 - read whole, then parse from memory
    except OSError as exc:
        raise ModelFileError(f"Cannot read model file {str(filepath)!r}: {exc}") from exc
    try:
        arrays = _read_members(raw)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, NotImplementedError,
            RuntimeError, MemoryError, zlib.error) as exc:
        # zipfile raises NotImplementedError / RuntimeError for mangled headers (compression
        # method, version, encryption flag): those are corrupt files too.
        raise ModelFileError(
            f"{str(filepath)!r} is not a readable glassnet model file (truncated or corrupt?): "
            f"{exc}"
        ) from None
    if "__glassnet__" not in arrays:
        raise ModelFileError(f"{str(filepath)!r} is an .npz archive but not a glassnet model.")
    try:
        header = json.loads(arrays.pop("__glassnet__").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"The header of {str(filepath)!r} is corrupt: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{str(filepath)!r} is not a glassnet model file.")
    if not isinstance(header.get("config", {}), dict) or not isinstance(
            header.get("history") or {}, dict):
        raise ModelFileError(f"{str(filepath)!r} is not a glassnet model file.")
    if header.get("version", 0) > VERSION:
        raise ModelFileError(
            f"{str(filepath)!r} was written by a newer glassnet (format version "
            f"{header['version']}); this one reads version {VERSION}."
        )
    return header, arrays


def _read_members(raw: bytes) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of the archive, each checked against its real size *before*
    numpy allocates it (a forged header claiming 10**12 items is refused at once)."""
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {info.filename!r}")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member)
                if dtype.hasobject:
                    raise ValueError(f"member {info.filename!r} holds Python objects")
                claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if claimed > info.file_size:
                    raise ValueError(
                        f"member {info.filename!r} claims {claimed:,} bytes but holds "
                        f"{info.file_size:,}"
                    )
            with archive.open(info) as member:
                arrays[info.filename[: -len(".npy")]] = np.lib.format.read_array(
                    member, allow_pickle=False)
    return arrays


def _weights(arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    keys = sorted(k for k in arrays if k.startswith("weight/"))
    return [arrays[k] for k in keys]


def load_model(filepath: str | os.PathLike[str], compile: bool = True) -> Any:
    """Rebuild a model saved by :meth:`Model.save`; it predicts identically and can go on
    training (optimizer state and history included).

    Raises
    ------
    ModelFileError
        For a missing, truncated, corrupt or foreign file.
    """
    from glassnet.callbacks import History
    from glassnet.models import Sequential

    if os.fspath(filepath).endswith(".keras"):  # Keras 3's format: glassnet.keras_format
        from glassnet.keras_format import load_keras

        return load_keras(filepath)
    header, arrays = _read(filepath)
    # keyed by the header's class_name, which is unchecked JSON
    classes: dict[Any, type[Any]] = {"Sequential": Sequential}
    try:
        from glassnet.models.functional import Model as Functional

        classes["Model"] = Functional
    except ImportError:  # pragma: no cover - the functional API is optional here
        pass
    cls = classes.get(header["class_name"]) if isinstance(header.get("class_name"), str) else None
    if cls is None:
        raise ModelFileError(f"Unknown model class {header.get('class_name')!r} in {filepath!s}.")
    try:
        model = cls.from_config(header["config"])
        if header.get("built"):
            model.build()
            model.set_weights(_weights(arrays))
        if compile and header.get("compile"):
            c = header["compile"]
            model.compile(optimizer=_optimizer(c["optimizer"]), loss=c["loss"],
                          metrics=c["metrics"])
            opt_state = {k[len("optimizer/"):]: v for k, v in arrays.items()
                         if k.startswith("optimizer/")}
            if opt_state:
                assert model.optimizer is not None  # set by compile just above
                model.optimizer.set_state(opt_state)
        if header.get("history"):
            model.history = History.from_dict(header["history"])
        _restore_rng(model, header.get("rng") or {})
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"The model in {str(filepath)!r} cannot be rebuilt: {exc}") from exc
    except MemoryError:
        raise ModelFileError(
            f"The architecture in {str(filepath)!r} claims more weights than memory holds; "
            "the file is corrupt or forged."
        ) from None
    return model


def _restore_rng(model: Any, rng: dict[str, Any]) -> None:
    """Put the saved shuffling and dropout generator states back (PCG64 states, as saved)."""
    if "shuffle" in rng:
        model._shuffle_rng.bit_generator.state = rng["shuffle"]
    for layer in model.layers:
        state = rng.get("noise", {}).get(layer.name)
        if state is not None and layer.noise_rng is not None:
            layer.noise_rng.bit_generator.state = state


def _optimizer(config: Any) -> Any:
    from glassnet import optimizers

    return optimizers.get(config)


def save_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Weights only (``get_weights`` order), atomically."""
    arrays = {f"weight/{i:04d}": w for i, w in enumerate(model.get_weights())}
    header = {"format": FORMAT, "version": VERSION, "class_name": "weights"}
    arrays["__glassnet__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with atomic_write(filepath, "wb") as f:
        np.savez(f, **arrays)


def load_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Read weights saved by ``save_weights`` or ``save``; a bad file leaves the model as it was."""
    _, arrays = _read(filepath)
    if not model.built:
        model.build()
    model.set_weights(_weights(arrays))
