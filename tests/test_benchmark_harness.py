"""The peer benchmark harness (benchmarks/run.py) end to end, in --quick mode.

One run trains W1 for 1 epoch on 600 rows with glassnet (and PyTorch where it is installed),
each in its own worker process, then the JSON, the markdown and the PNG are checked. Without
Fashion-MNIST on disk, --quick falls back to synthetic images (tested on its own below), so
the test passes on any machine; the accuracies then mean nothing and are not checked.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_MPL = importlib.util.find_spec("matplotlib") is not None
ROW_KEYS = {"workload", "framework", "status", "epoch_seconds", "median_epoch_s", "min_epoch_s",
            "max_epoch_s", "median_epoch_cpu_s", "test_accuracy", "predict_s", "peak_mb",
            "baseline_mb", "threads"}


@pytest.fixture(scope="module")
def bench_modules():
    sys.path.insert(0, str(BENCH))
    try:
        import common
        import report
        import run

        yield common, report, run
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    frameworks = "glassnet,torch,numpy" if HAS_TORCH else "glassnet,numpy"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--workloads", "W1",
         "--frameworks", frameworks, "--out", str(out), "--timeout", "120"],
        capture_output=True, text=True, timeout=180, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc.stdout


def test_quick_run_writes_results_json(quick_run):
    out, _ = quick_run
    doc = json.loads((out / "results.json").read_text())
    assert {"meta", "results", "ratios", "runs"} <= set(doc)
    meta = doc["meta"]
    assert meta["quick"] is True and meta["epochs"] == 1 and meta["threads"] == 1
    assert meta["n_train"] == 600 and meta["n_test"] == 200
    assert "load average" in meta["started_load"]
    rows = {r["framework"]: r for r in doc["results"]}
    expected = {"glassnet", "torch", "numpy"} if HAS_TORCH else {"glassnet", "numpy"}
    assert set(rows) == expected
    for row in rows.values():
        assert row["status"] == "ok", row
        assert ROW_KEYS <= set(row)
        assert len(row["epoch_seconds"]) == 1 and row["median_epoch_s"] > 0
        assert row["min_epoch_s"] <= row["median_epoch_s"] <= row["max_epoch_s"]
        assert 0.0 <= row["test_accuracy"] <= 1.0
        assert row["predict_s"] > 0 and row["threads"] == 1
        assert row["peak_mb"] >= 0 and row["baseline_mb"] > 0


def test_quick_run_ratio_against_torch(quick_run):
    if not HAS_TORCH:
        pytest.skip("PyTorch is not installed: no glassnet/PyTorch ratio")
    out, _ = quick_run
    doc = json.loads((out / "results.json").read_text())
    q = doc["ratios"]["W1"]
    rows = {r["framework"]: r for r in doc["results"]}
    assert q["train"] == pytest.approx(rows["glassnet"]["median_epoch_s"]
                                       / rows["torch"]["median_epoch_s"])
    assert q["train_target"] == 0.2 and isinstance(q["train_ok"], bool)
    assert {"predict", "memory", "train_cpu"} <= set(q)


def test_quick_run_prints_and_writes_the_table(quick_run):
    out, stdout = quick_run
    md = (out / "results.md").read_text()
    for text in (stdout, md):
        assert "| workload | framework | median s/epoch |" in text
        assert "| W1 | glassnet |" in text
        assert "| W1 | plain NumPy |" in text
    assert "≤ 0.20×" in md


def test_quick_run_chart_is_a_png(quick_run):
    if not HAS_MPL:
        pytest.skip("matplotlib is not installed: no chart")
    out, _ = quick_run
    png = out / "benchmark.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    img = matplotlib.image.imread(png)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 400


def test_synthetic_data_has_fashion_mnist_shapes(bench_modules, tmp_path):
    common, _, _ = bench_modules
    meta = common.prepare_data(tmp_path, "synthetic", 50, 20)
    assert meta == {"data": "synthetic", "n_train": 50, "n_test": 20}
    x, y, xt, yt = common.load_prepared(tmp_path)
    assert x.shape == (50, 28, 28) and xt.shape == (20, 28, 28)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) <= set(range(10))
    assert common.shaped(x, "mlp").shape == (50, 784)
    assert common.shaped(x, "cnn").shape == (50, 28, 28, 1)
    assert common.shaped(x, "cnn", channels_first=True).shape == (50, 1, 28, 28)


def test_skipped_frameworks_are_reported(bench_modules):
    common, report, run = bench_modules
    assert run.skip_reason("sklearn", common.WORKLOADS["W3"]) == "scikit-learn has no CNN/RNN layers"
    assert run.skip_reason("keras", common.WORKLOADS["W3"]) is not None
    assert run.skip_reason("numpy", common.WORKLOADS["W4"]) == "the plain NumPy reference is an MLP"
    assert run.skip_reason("numpy", common.WORKLOADS["W2"]) is None
    rows = [{"workload": "W3", "framework": "sklearn", "status": "skipped",
             "note": "scikit-learn has no CNN/RNN layers"}]
    assert "| W3 | scikit-learn | skipped: scikit-learn has no CNN/RNN layers |" in \
        report.markdown(rows, {}, {"W3": 0.75})


def test_predict_target_only_where_the_issue_sets_one(bench_modules):
    _, report, _ = bench_modules

    def row(wl, fw, epoch, predict):
        return {"workload": wl, "framework": fw, "status": "ok", "median_epoch_s": epoch,
                "min_epoch_s": epoch, "max_epoch_s": epoch, "median_epoch_cpu_s": epoch,
                "test_accuracy": 0.5, "predict_s": predict, "peak_mb": 10.0}

    rows = [row("W2", "glassnet", 1.0, 1.1), row("W2", "torch", 2.0, 1.0),
            row("W4", "glassnet", 1.0, 1.2), row("W4", "torch", 1.2, 1.0)]
    rats = report.ratios(rows, {"W2": 0.5, "W4": 1.0})
    assert rats["W2"]["train"] == 0.5 and rats["W2"]["train_ok"] is True
    assert rats["W2"]["predict_target"] == 1.0 and rats["W2"]["predict_ok"] is False
    assert rats["W4"]["predict"] == pytest.approx(1.2)
    assert rats["W4"]["predict_target"] is None and rats["W4"]["predict_ok"] is None
    md = report.markdown(rows, rats, {"W2": 0.5, "W4": 1.0})
    assert "| W2 | 0.50× (≤ 0.50×) ✓ | 0.50× | 1.10× ✗ |" in md
    assert "| W4 | 0.83× (≤ 1.00×) ✓ | 0.83× | 1.20× (no target) |" in md


def test_merge_pools_repeats(bench_modules):
    _, report, _ = bench_modules
    runs = [{"workload": "W1", "framework": "glassnet", "status": "ok", "epoch_seconds": [3.0, 1.0],
             "epoch_cpu_seconds": [2.0, 1.0], "test_accuracy": 0.5, "predict_s": 0.2,
             "peak_mb": 10.0, "baseline_mb": 50.0, "fit_total_s": 4.0},
            {"workload": "W1", "framework": "glassnet", "status": "ok", "epoch_seconds": [2.0],
             "epoch_cpu_seconds": [1.5], "test_accuracy": 0.7, "predict_s": 0.4,
             "peak_mb": 12.0, "baseline_mb": 50.0, "fit_total_s": 2.0}]
    row = report.merge(runs)
    assert row["median_epoch_s"] == 2.0 and (row["min_epoch_s"], row["max_epoch_s"]) == (1.0, 3.0)
    assert row["median_epoch_cpu_s"] == 1.5 and row["repeats"] == 2
    assert row["test_accuracy"] == pytest.approx(0.6) and row["peak_mb"] == 12.0


@pytest.fixture(scope="module")
def numpy_worker(bench_modules):
    from workers import numpy_worker

    return numpy_worker


def test_plain_numpy_reference_gradients_match_central_differences(numpy_worker, rng):
    """The yardstick must be right: its hand-written backward pass against finite differences
    of the mean softmax cross-entropy (float64, a 6-5-4-3 net)."""
    params = [p.astype(np.float64) for p in numpy_worker.init_params(rng, (6, 5, 4, 3))]
    for i in range(1, len(params), 2):
        params[i] += rng.normal(0, 0.1, params[i].shape)  # non-zero biases
    x, y = rng.normal(size=(7, 6)), rng.integers(0, 3, 7)

    def loss():
        z = numpy_worker.forward(params, x)[-1]
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(7), y]))

    grads = numpy_worker.gradients(params, numpy_worker.forward(params, x), y)
    for p, g in zip(params, grads, strict=True):
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + 1e-6
            up = loss()
            p[idx] = old - 1e-6
            down = loss()
            p[idx] = old
            numeric[idx] = (up - down) / 2e-6
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)


def test_plain_numpy_adam_follows_glassnet_adam(numpy_worker, rng):
    from glassnet.optimizers import Adam

    p0 = rng.normal(size=20)
    mine, ours = [p0.copy()], [p0.copy()]
    ref, opt = numpy_worker.Adam(mine, 0.01, 1e-7), Adam(learning_rate=0.01, epsilon=1e-7)
    for _ in range(5):
        g = rng.normal(size=20)
        ref.step(mine, [g])
        opt.step(ours, [g])
    np.testing.assert_allclose(mine[0], ours[0], rtol=1e-12, atol=1e-12)


def test_bad_workload_is_refused(bench_modules):
    _, _, run = bench_modules
    with pytest.raises(SystemExit):
        run.parse_args(["--workloads", "W9"])


@pytest.mark.parametrize("workload", ["W1", "W4", "W4G"])
def test_profile_step_prints_phases_layers_and_floor(workload):
    """benchmarks/profile_step.py on a few synthetic rows: every phase, layer and the GEMM floor
    come out as positive microseconds (the numbers themselves are the machine's)."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / "profile_step.py"), "--workload", workload, "--rounds", "1",
         "--rows", "256", "--data", "synthetic", "--no-torch"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in out.splitlines()
            if line.startswith("| ") and line.count("|") >= 4}
    for label in ("forward (`model._forward`)", "backward (`model._backward`)",
                  "**fit step** (median interval between batch starts)",
                  "matmul floor (the step's GEMMs alone)"):
        assert float(rows[label].strip("*")) > 0, (label, out)
    layer = {"W4": "lstm_1 (LSTM tanh)", "W4G": "gru_1 (GRU tanh)"}.get(workload,
                                                                      "dense_1 (Dense linear)")
    assert float(rows[layer]) > 0, out
