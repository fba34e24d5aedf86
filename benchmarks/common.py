"""What every benchmark worker shares: the workloads, the data, the clock and the memory probe.

The parent (``run.py``) prepares the data ONCE and writes it as float32 ``.npy`` files; each
worker process loads those files, so every framework trains on the very same arrays, and
loading allocates each array once (no transient uint8 -> float32 copy that would lift the
memory high-water mark before the baseline is taken).

Memory (:class:`MemoryProbe`): after the imports and the data load, the worker takes the
*baseline* -- the resident set size then (``VmRSS``) -- and resets the kernel's peak-RSS
mark (``echo 5 > /proc/self/clear_refs``, Linux >= 4.0); after training and prediction, the
peak is ``VmHWM - baseline``: the extra memory the framework needed at its worst moment to
train and predict, over the interpreter, the framework's import and the data. Without the
reset (not Linux), ``ru_maxrss`` after minus ``ru_maxrss`` at the baseline is used; it can
under-report, as a transient peak during import or loading hides anything below it. Both
numbers are kept in the JSON (``peak_mb`` and ``maxrss_delta_mb``).
"""

from __future__ import annotations

import gc
import gzip
import os
import re
import resource
import struct
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
PREDICT_BATCH = 256  # glassnet's `predict` default; the torch/keras forward uses the same


@dataclass(frozen=True)
class Workload:
    """One benchmark network: architecture, optimizer and batch size, the same everywhere.

    ``kind`` is ``'mlp'`` (inputs flattened to 784), ``'cnn'`` (28x28x1 images) or
    ``'rnn'`` (28 time steps of 28 pixels, one image row per step).
    """

    key: str
    title: str
    kind: str
    hidden: tuple[int, ...]
    optimizer: str
    learning_rate: float
    batch_size: int
    target: float  # glassnet / PyTorch seconds per epoch must be at most this
    one_hot: bool = False  # the workshop's W1 trains on one-hot targets
    cell: str = ""  # 'lstm' / 'gru' for rnn workloads


WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in (
        Workload("W1", "workshop MLP 784-30-30-10, SGD, batch 32", "mlp", (30, 30), "sgd",
                 0.001, 32, 0.2, one_hot=True),
        Workload("W2", "MLP 784-256-128-10, Adam, batch 128", "mlp", (256, 128), "adam",
                 0.001, 128, 0.5),
        Workload("W3", "CNN conv32-pool-conv64-pool-dense128, Adam, batch 128", "cnn",
                 (32, 64, 128), "adam", 0.001, 128, 0.75),
        Workload("W4", "LSTM(128) over 28 rows, Adam, batch 128", "rnn", (128,), "adam",
                 0.001, 128, 1.0, cell="lstm"),
        Workload("W4G", "GRU(128) over 28 rows, Adam, batch 128", "rnn", (128,), "adam",
                 0.001, 128, 1.0, cell="gru"),
    )
}
ADAM_EPSILON = 1e-7  # Keras's default, passed explicitly to every framework


# ----------------------------------------------------------------------------- data
def read_idx_gz(path: Path) -> np.ndarray:
    """A gzip IDX file (uint8 data) as an array: magic, big-endian dims, then the bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_uint8() -> tuple[dict[str, np.ndarray], str]:
    """Fashion-MNIST as uint8 arrays and where they came from; raises FileNotFoundError."""
    try:
        from glassnet.datasets import fashion_mnist

        (xtr, ytr), (xte, yte) = fashion_mnist.load_data(download=False, progress=False)
        return {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte}, \
            "fashion-mnist (glassnet.datasets.fashion_mnist.load_data)"
    except Exception:  # loader not there yet, or files missing: read the IDX files directly
        pass
    if not all((FASHION_DIR / f).is_file() for f in FILES.values()):
        raise FileNotFoundError(f"Fashion-MNIST not found in {FASHION_DIR}")
    arrays = {k: read_idx_gz(FASHION_DIR / f) for k, f in FILES.items()}
    return arrays, f"fashion-mnist ({FASHION_DIR}, local IDX reader)"


def synthetic_uint8(n_train: int, n_test: int, seed: int = 0) -> dict[str, np.ndarray]:
    """A learnable stand-in with Fashion-MNIST's shapes: 10 random class templates + noise."""
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0, 255, size=(10, 28, 28))

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        x = 0.6 * templates[y] + rng.uniform(0, 0.4 * 255, size=(n, 28, 28))
        return x.astype(np.uint8), y

    xtr, ytr = make(n_train)
    xte, yte = make(n_test)
    return {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte}


def prepare_data(directory: Path, source: str, n_train: int | None, n_test: int | None,
                 seed: int = 0) -> dict[str, Any]:
    """Write x (float32 in [0, 1], shape (n, 28, 28)) and y (int64) as .npy files.

    ``source``: 'fashion' (must exist), 'synthetic', or 'auto' (Fashion-MNIST when present,
    else synthetic). ``n_train``/``n_test`` keep the first rows (``None``: all).
    """
    name = "synthetic"
    if source in ("auto", "fashion"):
        try:
            arrays, name = load_fashion_uint8()
        except FileNotFoundError:
            if source == "fashion":
                raise
            arrays = synthetic_uint8(n_train or 60000, n_test or 10000, seed)
    elif source == "synthetic":
        arrays = synthetic_uint8(n_train or 60000, n_test or 10000, seed)
    else:
        raise ValueError(f"`--data` must be 'auto', 'fashion' or 'synthetic', got {source!r}.")
    directory.mkdir(parents=True, exist_ok=True)
    limits = {"train": n_train, "test": n_test}
    for split in ("train", "test"):
        n = limits[split]
        x = arrays[f"x_{split}"][:n].astype(np.float32) / np.float32(255.0)
        y = arrays[f"y_{split}"][:n].astype(np.int64)
        np.save(directory / f"x_{split}.npy", x)
        np.save(directory / f"y_{split}.npy", y)
    return {"data": name, "n_train": int(len(arrays["x_train"][:n_train])),
            "n_test": int(len(arrays["x_test"][:n_test]))}


def load_prepared(directory: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``x_train, y_train, x_test, y_test`` as the parent wrote them."""
    d = Path(directory)
    return tuple(np.load(d / f"{k}.npy") for k in ("x_train", "y_train", "x_test", "y_test"))


def shaped(x: np.ndarray, kind: str, channels_first: bool = False) -> np.ndarray:
    """A view of ``x`` (n, 28, 28) in the workload's input layout."""
    if kind == "mlp":
        return x.reshape(len(x), -1)
    if kind == "cnn":
        return x.reshape(len(x), 1, 28, 28) if channels_first else x.reshape(len(x), 28, 28, 1)
    return x  # rnn: (n, time=28, features=28)


# ----------------------------------------------------------------------------- probes
def set_thread_env(threads: int) -> None:
    """Ask every BLAS/OpenMP runtime for ``threads`` threads (before they are imported)."""
    for var in THREAD_ENV:
        os.environ[var] = str(threads)


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _status_mb(key: str) -> float | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return None if m is None else int(m.group(1)) / 1024.0


class MemoryProbe:
    """Extra peak memory between :meth:`start` (the baseline) and :meth:`stop`, MiB."""

    def __init__(self) -> None:
        self.baseline_mb = 0.0
        self._maxrss0 = 0.0
        self.method = "ru_maxrss delta"

    def start(self) -> None:
        gc.collect()
        self._maxrss0 = maxrss_mb()
        rss = _status_mb("VmRSS")
        self.baseline_mb = self._maxrss0 if rss is None else rss
        try:
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            self.method = "VmHWM after reset - VmRSS at baseline"
        except OSError:
            self.method = "ru_maxrss delta"

    def stop(self, result: WorkerResult) -> None:
        result.maxrss_delta_mb = maxrss_mb() - self._maxrss0
        hwm = _status_mb("VmHWM")
        if self.method.startswith("VmHWM") and hwm is not None:
            result.peak_mb = hwm - self.baseline_mb
        else:
            result.peak_mb = result.maxrss_delta_mb
        result.baseline_mb = self.baseline_mb
        result.memory_method = self.method


def blas_info() -> list[dict[str, Any]]:
    """The BLAS / OpenMP libraries NumPy (and anything imported) loaded, with thread counts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("internal_api", "num_threads", "version", "threading_layer", "architecture")
    return [{k: info.get(k) for k in keep} for info in threadpool_info()]


@dataclass
class WorkerResult:
    """What a worker reports (written as JSON for the parent)."""

    workload: str
    framework: str
    status: str = "ok"  # 'ok' | 'skipped' | 'failed'
    note: str = ""
    version: str = ""
    epoch_seconds: list[float] | None = None
    epoch_cpu_seconds: list[float] | None = None
    fit_total_s: float | None = None
    test_accuracy: float | None = None
    predict_s: float | None = None
    baseline_mb: float | None = None
    peak_mb: float | None = None
    maxrss_delta_mb: float | None = None
    memory_method: str = ""
    threads: int | None = None
    blas: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def record(self, watch: Stopwatch, memory: MemoryProbe, scores: Any,
               labels: np.ndarray) -> None:
        """After training and predicting: the peak memory, the epoch times and the accuracy."""
        memory.stop(self)
        self.epoch_seconds = watch.times
        self.epoch_cpu_seconds = watch.cpu_times
        self.test_accuracy = accuracy(scores, labels)


class Stopwatch:
    """Per-epoch wall times (``time.perf_counter``) and CPU times (``time.process_time``).

    On a shared machine the wall time also counts the slices other processes took; the
    process's CPU time (all its threads) does not, so the two together tell load from work.
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cpu_times: list[float] = []
        self._t0 = self._c0 = 0.0

    def start(self) -> None:
        self._c0 = time.process_time()
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        self.times.append(time.perf_counter() - self._t0)
        self.cpu_times.append(time.process_time() - self._c0)


PREDICT_REPEATS = 5


def timed_predict(predict: Any, repeats: int = PREDICT_REPEATS) -> tuple[float, Any]:
    """Median wall seconds of ``predict()`` over ``repeats`` calls, and its last output.

    One prediction of the test set takes tens of milliseconds, short enough for one burst of
    load from another process to double it; the median of three is steadier.
    """
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = predict()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(scores).argmax(axis=-1) == labels))
