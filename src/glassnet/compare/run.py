"""Training and timing every contestant on one split, and writing the results."""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from glassnet.compare.data import Dataset
from glassnet.compare.lineup import ModelSpec, count_params, model_specs


def _thread_limit(threads: int | None) -> Any:
    """Cap BLAS and OpenMP threads (threadpoolctl) while a model trains; None: no cap."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


def run_model(spec: ModelSpec, data: Dataset, keep_model: bool = False,
              threads: int | None = 1) -> dict[str, Any]:
    """Fit ``spec``'s model on ``data``'s training part, time it, score it on the test part.

    ``threads`` caps the BLAS / OpenMP threads of this run (default 1, so every model gets
    the same budget and parallel runs do not oversubscribe the cores); None leaves them be.
    """
    row: dict[str, Any] = {"model": spec.name, "key": spec.key, "library": spec.library,
                           "settings": spec.settings, "status": "ok", "test_accuracy": None,
                           "train_time_s": None, "predict_time_s": None, "n_params": None,
                           "params_counted": "", "note": ""}
    if spec.skip is not None:
        row.update(status="skipped", note=spec.skip)
        return row
    model = cast(Callable[[], Any], spec.build)()  # a spec that is not skipped has a build
    with warnings.catch_warnings(record=True) as caught, _thread_limit(threads):
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        model.fit(data.x_train, data.y_train, **spec.fit_kwargs)
        t1 = time.perf_counter()
        pred = np.asarray(model.predict(data.x_test))
        t2 = time.perf_counter()
    n_params, counted = count_params(model)
    converge = [w for w in caught if "converge" in str(w.message).lower()]
    row.update(test_accuracy=float(np.mean(pred == data.y_test)), train_time_s=t1 - t0,
               predict_time_s=t2 - t1, n_params=n_params, params_counted=counted,
               note="did not fully converge (ConvergenceWarning)" if converge else "")
    if keep_model:
        row["_model"] = model
    return row


def compare(data: Dataset, *, models: Sequence[str] | None = None, quick: bool = False,
            n_jobs: int = 1, backend: str | None = None, seed: int = 0,
            keep_models: bool = False, threads: int | None = 1,
            on_result: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Train every model of :func:`model_specs` (or those whose key is in ``models``).

    Returns one row (dict) per model, in line-up order: ``model``, ``library``, ``status``
    ('ok' or 'skipped'), ``test_accuracy``, ``train_time_s``, ``predict_time_s``,
    ``n_params``, ``params_counted``, ``settings``, ``note``; with ``keep_models`` also the
    fitted model under ``_model``. Runs go through ``joblib.Parallel(n_jobs)`` under
    ``backend`` (default loky); without joblib they run one after the other. ``threads``
    caps each run's BLAS / OpenMP threads (see :func:`run_model`); ``on_result(row)`` is
    called as each row arrives (in order), e.g. to report progress.
    """
    specs = model_specs(data, quick=quick, seed=seed)
    if models is not None:
        keys = [s.key for s in specs]
        unknown = [m for m in models if m not in keys]
        if unknown:
            raise ValueError(f"Unknown model keys {unknown}; valid keys: {', '.join(keys)}.")
        specs = [s for s in specs if s.key in models]
    rows: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        try:
            import joblib
        except ImportError:
            results: Any = (run_model(s, data, keep_models, threads) for s in specs)
        else:
            if backend:  # e.g. 'dask' or 'ray', registered beforehand (connect_backend)
                stack.enter_context(joblib.parallel_config(backend=backend, n_jobs=n_jobs))
            jobs = (joblib.delayed(run_model)(s, data, keep_models, threads) for s in specs)
            results = joblib.Parallel(n_jobs=None if backend else n_jobs,
                                      return_as="generator")(jobs)
        for row in results:
            rows.append(row)
            if on_result is not None:
                on_result(row)
    return rows


def connect_backend(backend: str, address: str | None = None) -> Any:
    """Set up a cluster backend for joblib: 'dask' (a ``distributed.Client`` on ``address``,
    or a local cluster) or 'ray' (``ray.init(address)`` and ``register_ray()``).

    Returns the client (dask) or None. Other backends need nothing.
    """
    if backend == "dask":
        from dask.distributed import Client

        return Client(address) if address else Client()
    if backend == "ray":
        import ray
        from ray.util.joblib import register_ray

        ray.init(address=address)
        register_ray()
    return None


# --------------------------------------------------------------------------- the table

COLUMNS = ("model", "key", "library", "test_accuracy", "train_time_s", "predict_time_s", "n_params",
           "params_counted", "status", "settings", "note")


def _time(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def results_table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table (skipped models keep a line saying why)."""
    out = ["| model | test accuracy | train time | predict time | parameters | notes |",
           "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        if r["status"] != "ok":
            out.append(f"| {r['model']} | – | – | – | – | skipped: {r['note']} |")
            continue
        note = "; ".join(x for x in (r["settings"], r["note"]) if x)
        out.append(f"| {r['model']} | {r['test_accuracy']:.4f} | {_time(r['train_time_s'])} | "
                   f"{_time(r['predict_time_s'])} | {r['n_params']:,} ({r['params_counted']}) | "
                   f"{note} |")
    return "\n".join(out)


def save_results(rows: Sequence[dict[str, Any]], data: Dataset, out: Any,
                 meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``results.csv``, ``results.json`` and ``results.md`` into the folder ``out``.

    Returns the JSON document: ``dataset``, ``n_train``, ``n_test``, ``n_features``,
    ``n_classes``, ``note``, any ``meta`` keys, and ``results`` (the rows, without models).
    """
    import csv
    import io
    import json
    from pathlib import Path

    from glassnet._atomic import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clean = [{k: r.get(k) for k in COLUMNS} for r in rows]
    doc = {"dataset": data.name, "n_train": len(data.x_train), "n_test": len(data.x_test),
           "n_features": data.n_features, "n_classes": data.n_classes, "note": data.note,
           **(meta or {}), "results": clean}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in clean)
    header = (f"Data set **{data.name}**: {doc['n_train']:,} training and {doc['n_test']:,} test "
              f"samples, {data.n_features} features, {data.n_classes} classes"
              + (f" ({data.note})" if data.note else "") + ".\n\n")
    for name, text in (("results.csv", buf.getvalue()),
                       ("results.json", json.dumps(doc, indent=2) + "\n"),
                       ("results.md", header + results_table(rows) + "\n")):
        with atomic_write(out / name, "w") as f:
            f.write(text)
    return doc
