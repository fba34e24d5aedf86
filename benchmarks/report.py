"""Turn the workers' results into the summary rows, the markdown tables and the bar chart."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

FRAMEWORK_LABELS = {"glassnet": "glassnet", "torch": "PyTorch", "sklearn": "scikit-learn",
                    "keras": "Keras 3 (torch)", "numpy": "plain NumPy"}
COLORS = {"glassnet": "#1f77b4", "torch": "#ee4c2c", "sklearn": "#f7931e", "keras": "#8c564b",
          "numpy": "#7f7f7f"}


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from the repeats of one (workload, framework): epochs pooled, medians taken."""
    ok = [r for r in runs if r.get("status") == "ok" and r.get("epoch_seconds")]
    first = runs[0]
    row = {k: first.get(k) for k in ("workload", "framework", "version", "threads", "blas")}
    if not ok:
        row.update(status=first.get("status", "failed"), note=first.get("note", ""))
        return row
    epochs = [t for r in ok for t in r["epoch_seconds"]]
    cpu = [t for r in ok for t in (r.get("epoch_cpu_seconds") or [])]
    row.update(
        status="ok",
        note=ok[0].get("note", ""),
        repeats=len(ok),
        epoch_seconds=epochs,
        median_epoch_s=statistics.median(epochs),
        min_epoch_s=min(epochs),
        max_epoch_s=max(epochs),
        epoch_cpu_seconds=cpu,
        median_epoch_cpu_s=statistics.median(cpu) if cpu else None,
        test_accuracy=statistics.mean(r["test_accuracy"] for r in ok),
        predict_s=statistics.median(r["predict_s"] for r in ok),
        peak_mb=max(r["peak_mb"] for r in ok),
        baseline_mb=statistics.median(r["baseline_mb"] for r in ok),
        fit_total_s=statistics.median(r["fit_total_s"] for r in ok),
    )
    return row


#: Inference is meant to be at least as fast as PyTorch's for these workloads only.
PREDICT_TARGET_WORKLOADS = ("W1", "W2", "W3")


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def ratios(rows: list[dict[str, Any]], targets: dict[str, float]) -> dict[str, dict[str, Any]]:
    """glassnet / PyTorch per workload: epoch time, predict time, peak memory, vs targets."""
    by = {(r["workload"], r["framework"]): r for r in rows if r.get("status") == "ok"}
    out: dict[str, dict[str, Any]] = {}
    for wl, target in targets.items():
        g, t = by.get((wl, "glassnet")), by.get((wl, "torch"))
        if g is None or t is None:
            continue
        train = _ratio(g["median_epoch_s"], t["median_epoch_s"])
        train_cpu = _ratio(g.get("median_epoch_cpu_s"), t.get("median_epoch_cpu_s"))
        predict = _ratio(g["predict_s"], t["predict_s"])
        memory = _ratio(max(g["peak_mb"], 0.0), max(t["peak_mb"], 0.0))
        p_target = 1.0 if wl in PREDICT_TARGET_WORKLOADS else None
        out[wl] = {
            "train": train, "train_target": target, "train_ok": train <= target,
            "train_cpu": train_cpu,
            "predict": predict, "predict_target": p_target,
            "predict_ok": None if predict is None or p_target is None else predict <= p_target,
            "memory": memory, "memory_target": 1.0,
            "memory_ok": None if memory is None else memory <= 1.0,
        }
    return out


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "—" if v is None else format(v, spec)


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✓" if ok else " ✗")


def markdown(rows: list[dict[str, Any]], rats: dict[str, dict[str, Any]],
             targets: dict[str, float]) -> str:
    """The main table (one row per workload and framework) and the glassnet/PyTorch table."""
    torch_med = {r["workload"]: r["median_epoch_s"] for r in rows
                 if r["framework"] == "torch" and r.get("status") == "ok"}
    lines = [
        "| workload | framework | median s/epoch | min–max s | CPU s/epoch | test acc "
        "| predict s | peak MB | ÷ PyTorch (s/epoch) | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        name = FRAMEWORK_LABELS.get(r["framework"], r["framework"])
        if r.get("status") != "ok":
            lines.append(f"| {r['workload']} | {name} | {r.get('status')}: {r.get('note', '')} "
                         "| | | | | | | |")
            continue
        tm = torch_med.get(r["workload"])
        ratio = "—" if tm is None else f"{r['median_epoch_s'] / tm:.2f}×"
        target = ""
        if r["framework"] == "glassnet" and r["workload"] in targets:
            ok = rats.get(r["workload"], {}).get("train_ok")
            target = f"≤ {targets[r['workload']]:.2f}×{_mark(ok)}"
        lines.append(
            f"| {r['workload']} | {name} | {r['median_epoch_s']:.3f} | "
            f"{r['min_epoch_s']:.3f}–{r['max_epoch_s']:.3f} | {_fmt(r.get('median_epoch_cpu_s'))} | "
            f"{r['test_accuracy']:.4f} | "
            f"{r['predict_s']:.4f} | {r['peak_mb']:.1f} | {ratio} | {target} |"
        )
    if rats:
        lines += [
            "",
            "glassnet ÷ PyTorch, measured in this run (✓ = target met):",
            "",
            "| workload | s/epoch, wall (target) | CPU s/epoch | predict (target ≤ 1×) "
            "| peak memory (target ≤ 1×) |",
            "|---|---:|---:|---:|---:|",
        ]
        for wl, q in rats.items():
            lines.append(
                f"| {wl} | {q['train']:.2f}× (≤ {q['train_target']:.2f}×){_mark(q['train_ok'])} | "
                f"{_fmt(q['train_cpu'], '.2f')}× | "
                f"{_fmt(q['predict'], '.2f')}×{_mark(q['predict_ok'])}"
                f"{' (no target)' if q['predict_target'] is None else ''} | "
                f"{_fmt(q['memory'], '.2f')}×{_mark(q['memory_ok'])} |"
            )
    return "\n".join(lines) + "\n"


def chart(rows: list[dict[str, Any]], rats: dict[str, dict[str, Any]],
          targets: dict[str, float], path: Path, title: str) -> Path | None:
    """Grouped bars of s/epoch per workload (log scale, min–max whiskers, CPU-time diamonds,
    target marks) and a second panel of the glassnet/PyTorch ratios against their targets.
    Returns None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    ok = [r for r in rows if r.get("status") == "ok"]
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    frameworks = [f for f in FRAMEWORK_LABELS if any(r["framework"] == f for r in ok)]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.6), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(len(frameworks), 1)
    by = {(r["workload"], r["framework"]): r for r in ok}
    labeled: set[str] = set()
    lows: list[float] = []
    for j, fw in enumerate(frameworks):
        for i, wl in enumerate(workloads):
            r = by.get((wl, fw))
            if r is None:
                continue
            x = i + (j - (len(frameworks) - 1) / 2) * width
            med = r["median_epoch_s"]
            err = [[med - r["min_epoch_s"]], [r["max_epoch_s"] - med]]
            ax.bar(x, med, width * 0.92, color=COLORS.get(fw), yerr=err, capsize=3,
                   ecolor="#444444", label=None if fw in labeled else FRAMEWORK_LABELS[fw])
            labeled.add(fw)
            ax.annotate(f"{med:.2f}" if med < 10 else f"{med:.1f}", (x, r["max_epoch_s"]),
                        xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8,
                        fontweight="bold")
            lows.append(r["min_epoch_s"])
            cpu = r.get("median_epoch_cpu_s")
            if cpu:
                ax.plot(x, cpu, marker="D", color="white", markeredgecolor="black", markersize=6,
                        linestyle="none", label=None if "cpu" in labeled else "CPU s/epoch (median)")
                labeled.add("cpu")
                lows.append(cpu)
            if fw == "glassnet" and wl in targets and (wl, "torch") in by:
                goal = targets[wl] * by[(wl, "torch")]["median_epoch_s"]
                ax.hlines(goal, x - width / 2, x + width / 2, colors="black", linestyles="--",
                          linewidth=2, label=None if "target" in labeled
                          else "glassnet target (× PyTorch's median)")
                labeled.add("target")
                lows.append(goal)
    ax.set_yscale("log")
    if lows:
        top = max(r["max_epoch_s"] for r in ok)
        ax.set_ylim(min(lows) * 0.6, top * 1.8)
    ax.set_xticks(range(len(workloads)), workloads, fontsize=11)
    ax.set_ylabel("wall seconds per training epoch (log scale)\nbar: median, whiskers: min–max")
    ax.set_title("Training time per epoch: same data, network, optimizer, batch")
    ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    ax.grid(axis="y", which="both", alpha=0.3)

    names = list(rats)
    kinds = [("train", "s/epoch (wall)", "#1f77b4"), ("train_cpu", "CPU s/epoch", "#aec7e8"),
             ("predict", "predict time", "#2ca02c"), ("memory", "peak memory", "#9467bd")]
    bw = 0.8 / len(kinds)
    tallest = 1.0
    for k, (key, label, color) in enumerate(kinds):
        xs = [i + (k - (len(kinds) - 1) / 2) * bw for i in range(len(names))]
        vals = [rats[n].get(key) or 0.0 for n in names]
        tallest = max(tallest, *vals) if vals else tallest
        ax2.bar(xs, vals, bw * 0.92, color=color, label=label)
        for x, v in zip(xs, vals, strict=True):
            ax2.annotate(f"{v:.2f}", (x, v), xytext=(0, 2), textcoords="offset points",
                         ha="center", fontsize=6.5)
    for i, n in enumerate(names):
        x0 = i - (len(kinds) - 1) / 2 * bw
        ax2.hlines(rats[n]["train_target"], x0 - bw / 2, x0 + bw / 2, colors="black",
                   linestyles="--", linewidth=2, label="s/epoch target" if i == 0 else None)
    ax2.axhline(1.0, color="grey", linewidth=1, label="parity = predict & memory target")
    ax2.set_ylim(0, tallest * 1.15)
    ax2.set_xticks(range(len(names)), names, fontsize=11)
    ax2.set_ylabel("glassnet ÷ PyTorch (lower is better)")
    ax2.set_title("glassnet relative to PyTorch, same run")
    ax2.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    ax2.grid(axis="y", alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
