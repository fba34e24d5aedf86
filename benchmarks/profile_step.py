"""Where one glassnet training step spends its time: phases, layers, and the matmul floor.

Usage::

    python benchmarks/profile_step.py --workload W1            # W1..W4, W4G
    python benchmarks/profile_step.py --workload W2 --rounds 8 --no-torch

Microseconds per step, medians. Every measurement is one pass over ``--rows`` training rows,
and all of them (glassnet's and PyTorch's) are interleaved, ``--rounds`` times after one
warm-up round, so load from other processes spreads over all of them. The default clock is
the process's CPU time (``time.process_time``), which leaves out the time slices other
processes take on a shared machine; ``--clock wall`` uses ``perf_counter``. The cost of one
clock reading is measured and subtracted.

1. Phases, timed around the model's own internals, in the order ``fit`` calls them::

       forward     model._forward(xb, training=True)
       loss        model.loss.value_and_logit_gradient(yb, out)   (fused softmax + CE)
       backward    model._backward(grad, fused)
       optimizer   model.optimizer.step([model._flat.theta], [model._flat.grad])
       metrics     fit's accuracy metric + running means

   then ``model._train_step`` alone in a bare loop, and ``fit`` itself (the median interval
   between consecutive ``on_train_batch_begin`` calls): fit − ``_train_step`` is the loop's
   overhead (it includes gathering each shuffled batch into fit's batch buffers).
   With PyTorch installed, its eager loop's phases are shown beside (forward,
   ``F.cross_entropy``, ``backward()``, ``step() + zero_grad()``) and its bare loop's step.
2. Per layer: forward and backward of each layer inside real steps.
3. The matmul floor: every GEMM the step performs (forward, dW, dX; im2col GEMMs for
   Conv2D; input projection + per-step recurrent GEMMs for LSTM/GRU), each timed alone on
   preallocated float32 arrays with the same memory layouts (transposed views included).
   Their sum is the time a step could not go below with this BLAS on this thread count.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workload", default="W1", help="W1, W2, W3, W4 or W4G")
    p.add_argument("--rounds", type=int, default=5,
                   help="interleaved rounds; each times one pass over the rows per measurement")
    p.add_argument("--rows", type=int, default=None,
                   help="training rows per pass (default: W1 5000, W2 10000, others 1280)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", default="auto", choices=("auto", "fashion", "synthetic"))
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--clock", default="cpu", choices=("cpu", "wall"),
                   help="cpu: process CPU time (default; robust on a shared machine, as it "
                        "leaves out other processes' time slices); wall: perf_counter")
    return p.parse_args(argv)


# Set before NumPy loads its BLAS (the thread count is read once, at load).
ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    for _var in _THREAD_ENV:
        os.environ[_var] = str(ARGS.threads)
sys.path.insert(0, str(BENCH_DIR))

import common  # noqa: E402
import numpy as np  # noqa: E402
from workers import glassnet_worker  # noqa: E402

US = 1e6
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = time.process_time  # set by main() from --clock
BIAS = 0.0  # what one reading of `clock` adds to a measured interval; subtracted


def calibrate(name: str) -> float:
    """Select the clock; return the median of back-to-back readings' differences."""
    global clock, BIAS
    clock = CLOCKS[name]
    diffs = []
    for _ in range(2000):
        a = clock()
        diffs.append(clock() - a)
    BIAS = float(np.median(diffs))
    return BIAS


def _median_us(samples: list[float]) -> float:
    return (float(np.median(samples)) - BIAS) * US if samples else float("nan")


# ----------------------------------------------------------------------------- GEMM floor
def gemm_shapes(layer, in_shape: tuple, batch: int, needs_dx: bool) -> list[tuple[str, tuple, tuple, str]]:
    """``(label, A shape, B shape, layout)`` of each GEMM one step of ``layer`` performs.

    ``layout`` says which operand is a transposed view: 'nn', 'tn' (A = X.T) or 'nt' (B = W.T).
    The count is per step: recurrent GEMMs are repeated once per time step.
    """
    name = type(layer).__name__
    p = layer.params
    out: list[tuple[str, tuple, tuple, str]] = []
    if name == "Dense":
        rows = batch * int(np.prod(in_shape[:-1], dtype=np.int64)) if len(in_shape) > 1 else batch
        k, n = p["kernel"].shape
        out += [("fwd x@W", (rows, k), (k, n), "nn"), ("dW x.T@g", (k, rows), (rows, n), "tn")]
        if needs_dx:
            out.append(("dx g@W.T", (rows, n), (n, k), "nt"))
    elif name == "Conv2D":
        kh, kw, c, f = p["kernel"].shape
        oh, ow = layer.output_shape(in_shape)[:2]
        m, k = batch * oh * ow, kh * kw * c
        out += [("fwd cols@W", (m, k), (k, f), "nn"), ("dW cols.T@g", (k, m), (m, f), "tn")]
        if needs_dx:
            out.append(("dcols g@W.T", (m, f), (f, k), "nt"))
    elif name == "LSTM":  # one stacked product per time step (see layers/lstm.py)
        steps, feat = in_shape
        u, k = layer.units, feat + 1 + layer.units  # rows of [x_t; 1; h_{t-1}]
        out += [("fwd [W,b,U]@[x;1;h]", (4 * u, k), (k, batch), "nn")] * steps
        out += [("d[W,b,U] dz@st.T", (4 * u, batch), (batch, k), "nt")] * steps
        out += [("dh U@dz", (u, 4 * u), (4 * u, batch), "nn")] * steps
        if needs_dx:
            out.append(("dx W@dz (all steps)", (feat, 4 * u), (4 * u, steps * batch), "nn"))
    elif name == "GRU":  # samples in columns (see layers/gru.py); per step [U^T, b_r] @ [h; 1]
        steps, feat = in_shape
        u, width = layer.units, p["kernel"].shape[1]
        rec = u + 1 if layer.reset_after else u
        out += [("fwd [W^T,b]@[x;1] (per step, batched)", (width, feat + 1), (feat + 1, batch),
                 "nn")] * steps
        out += [("fwd U^T@h", (width, rec), (rec, batch), "nn")] * steps
        out += [("dh U@dz", (u, width), (width, batch), "nn")] * steps
        out += [("dW [x;1]@dz.T (per step, batched)", (feat + 1, batch), (batch, width), "nt"),
                ("dU [h;1]@dz.T (per step, batched)", (rec, batch), (batch, width), "nt")] * steps
        if needs_dx:
            out += [("dx W@dz (per step, batched)", (feat, width), (width, batch), "nn")] * steps
    elif name == "SimpleRNN":
        steps, feat = in_shape
        u = layer.units
        width = p["kernel"].shape[1]
        tn = steps * batch
        out += [("fwd X@W (all steps)", (tn, feat), (feat, width), "nn"),
                ("dW X.T@D", (feat, tn), (tn, width), "tn"),
                ("dU H.T@D", (u, tn), (tn, width), "tn")]
        if needs_dx:
            out.append(("dx D@W.T", (tn, width), (width, feat), "nt"))
        out += [("fwd h@U", (batch, u), (u, width), "nn")] * steps
        out += [("dh dz@U.T", (batch, width), (width, u), "nt")] * steps
    return out


def time_gemm(a_shape: tuple, b_shape: tuple, layout: str, reps: int = 60, inner: int = 10) -> float:
    """Median seconds of ``np.matmul(A, B, out=C)`` with the given operand layout."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape[::-1] if layout == "tn" else a_shape, dtype=np.float32)
    b = rng.standard_normal(b_shape[::-1] if layout == "nt" else b_shape, dtype=np.float32)
    a = a.T if layout == "tn" else a
    b = b.T if layout == "nt" else b
    c = np.empty((a_shape[0], b_shape[1]), dtype=np.float32)
    samples = []
    for _ in range(reps):
        t0 = clock()
        for _ in range(inner):
            np.matmul(a, b, out=c)
        samples.append(clock() - t0)
    return (float(np.median(samples)) - BIAS) / inner


# ----------------------------------------------------------------------------- glassnet
def load_rows(args: argparse.Namespace, wl: common.Workload) -> tuple[np.ndarray, np.ndarray]:
    if args.data == "synthetic":
        arrays = common.synthetic_uint8(args.rows, 10, args.seed)
    else:
        try:
            arrays, _ = common.load_fashion_uint8()
        except FileNotFoundError:
            if args.data == "fashion":
                raise
            arrays = common.synthetic_uint8(args.rows, 10, args.seed)
    x = arrays["x_train"][:args.rows].astype(np.float32) / np.float32(255.0)
    return common.shaped(x, wl.kind), arrays["y_train"][:args.rows].astype(np.int64)


class GlassnetProbe:
    """Timed passes over the rows with one glassnet model; each pass appends samples."""

    def __init__(self, wl, x, y_int, seed: int) -> None:
        from glassnet.callbacks import Callback
        from glassnet.models import training

        # fit's own per-step metric code (internal names: whichever this checkout has).
        self.Running = training._Running
        self.wl, self.x, self.bs = wl, x, wl.batch_size
        self.model = model = glassnet_worker.build_model(wl, seed)
        self.y_fit = glassnet_worker.targets(wl, y_int)
        model._ensure_built(x)
        model._prepare_training()
        self.y = model._targets(self.y_fit, len(x))
        self.layers = model.layers
        self.first = getattr(model, "_first_trainable", 0)
        self.phases = {k: [] for k in ("forward", "loss", "backward", "optimizer", "metrics")}
        self.per_fwd = [[] for _ in self.layers]
        self.per_bwd = [[] for _ in self.layers]
        self.train_step: list[float] = []
        self.fit_intervals: list[float] = []

        class StepTimer(Callback):
            """Times between consecutive batch starts: one whole step of fit's loop each."""

            def __init__(self) -> None:
                super().__init__()
                self.starts: list[float] = []

            def on_epoch_begin(self, epoch, logs=None):
                self.starts = []

            def on_epoch_end(self, epoch, logs=None):
                self.intervals = [b - a for a, b in zip(self.starts[:-1], self.starts[1:],
                                                         strict=True)]

            def on_train_batch_begin(self, batch, logs=None):
                self.starts.append(clock())

        self.timer = StepTimer()

    def batches(self):
        for i in range(0, len(self.x) - self.bs + 1, self.bs):
            yield self.x[i:i + self.bs], self.y[i:i + self.bs]

    def _loss(self, yb, out):
        m = self.model
        if m._fused:
            return m.loss.value_and_logit_gradient(yb, out, None)
        return m.loss.value_and_gradient(yb, out, None)

    def phase_pass(self, record: bool = True) -> None:
        m, flat = self.model, self.model._flat
        for xb, yb in self.batches():
            running = self.Running(m)  # the epoch's loss mean and compiled metrics
            t0 = clock()
            out = m._forward(xb, training=True)
            t1 = clock()
            loss, grad = self._loss(yb, out)
            t2 = clock()
            m._backward(grad, m._fused)
            t3 = clock()
            m.optimizer.step([flat.theta], [flat.grad])
            t4 = clock()
            running.add(len(xb), loss, yb, out)
            t5 = clock()
            if record:
                for k, dt in zip(self.phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4),
                                 strict=True):
                    self.phases[k].append(dt)

    def layer_pass(self, record: bool = True) -> None:
        """Each layer's forward and backward, in Sequential's order, inside real steps."""
        m, flat, layers = self.model, self.model._flat, self.layers
        for xb, yb in self.batches():
            h = xb
            for j, layer in enumerate(layers):
                t0 = clock()
                h = layer.forward(h, training=True)
                dt = clock() - t0
                if record:
                    self.per_fwd[j].append(dt)
            _, g = self._loss(yb, h)
            end = len(layers)
            if m._fused:
                end -= 1
                t0 = clock()
                g = layers[end].backward_preactivation(g)
                if record:
                    self.per_bwd[end].append(clock() - t0)
            for j in range(end - 1, self.first - 1, -1):
                t0 = clock()
                g = layers[j].backward(g)
                if record:
                    self.per_bwd[j].append(clock() - t0)
            m.optimizer.step([flat.theta], [flat.grad])

    def step_pass(self, record: bool = True) -> None:
        """``model._train_step`` alone, in a bare loop (what fit calls once per batch)."""
        for xb, yb in self.batches():
            t0 = clock()
            self.model._train_step(xb, yb, None)
            if record:
                self.train_step.append(clock() - t0)

    def fit_pass(self, record: bool = True) -> None:
        """One epoch of ``fit`` (shuffled batches gathered step by step, as always)."""
        self.model.fit(self.x, self.y_fit, batch_size=self.bs, epochs=1, verbose=0,
                       callbacks=[self.timer])
        if record:
            self.fit_intervals += self.timer.intervals

    def passes(self):
        return [self.phase_pass, self.layer_pass, self.step_pass, self.fit_pass]

    def summary(self) -> dict:
        bs, layers, first = self.bs, self.layers, self.first
        steps = -(-len(self.x) // bs)
        graph = self.model._graph  # the graph walker: tensor shapes and what each node reads
        shapes = graph.shapes or None
        layer_rows = []
        floor_total = 0.0
        for j, layer in enumerate(layers):
            in_shape = tuple(shapes[graph.sources[j][0]]) if shapes is not None else None
            needs_dx = bool(getattr(layer, "input_grad_needed", True)) and j != first
            gemms = gemm_shapes(layer, in_shape, bs, needs_dx) if in_shape is not None else []
            floor = sum(time_gemm(a, b, lay) for _, a, b, lay in gemms)
            floor_total += floor
            uniq = list(dict.fromkeys(f"{lbl} {a}x{b}" for lbl, a, b, _ in gemms))
            act = getattr(layer, "activation", None)
            layer_rows.append({
                "layer": f"{layer.name} ({type(layer).__name__}"
                         + (f" {act.name}" if act is not None and hasattr(act, "name") else "") + ")",
                "forward": _median_us(self.per_fwd[j]),
                "backward": _median_us(self.per_bwd[j]) if self.per_bwd[j] else 0.0,
                "gemms": "; ".join(uniq) or "—",
                "floor": floor * US,
            })
        return {
            "phases": {k: _median_us(v) for k, v in self.phases.items()},
            "train_step": _median_us(self.train_step),
            "fit_step": _median_us(self.fit_intervals),
            "fit_steps": steps, "layers": layer_rows, "floor": floor_total * US,
        }


class TorchProbe:
    """The same passes for PyTorch's eager loop: its phases, and the bare loop's steps."""

    def __init__(self, wl, x, y_int, threads: int, seed: int) -> None:
        import torch
        import torch.nn.functional as F
        from workers import torch_worker

        torch.set_num_threads(threads)
        torch.manual_seed(seed)
        self.torch, self.F, self.version = torch, F, torch.__version__
        self.model = torch_worker.build_model(wl)
        params = self.model.parameters()
        self.opt = torch.optim.SGD(params, lr=wl.learning_rate) if wl.optimizer == "sgd" \
            else torch.optim.Adam(params, lr=wl.learning_rate, eps=common.ADAM_EPSILON)
        self.x = torch.from_numpy(x.reshape(len(x), 1, 28, 28) if wl.kind == "cnn" else x)
        self.y = torch.from_numpy(y_int)
        self.bs = wl.batch_size
        self.phases = {k: [] for k in ("forward", "loss", "backward", "optimizer")}
        self.loop: list[float] = []
        self.model.train()

    def phase_pass(self, record: bool = True) -> None:
        model, opt, F, bs = self.model, self.opt, self.F, self.bs
        for i in range(0, len(self.x) - bs + 1, bs):
            xb, yb = self.x[i:i + bs], self.y[i:i + bs]
            t0 = clock()
            out = model(xb)
            t1 = clock()
            loss = F.cross_entropy(out, yb)
            t2 = clock()
            loss.backward()
            t3 = clock()
            opt.step()
            opt.zero_grad()
            t4 = clock()
            if record:
                for k, dt in zip(self.phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    self.phases[k].append(dt)

    def loop_pass(self, record: bool = True) -> None:
        """The benchmark's bare loop (run.py's torch worker), one step per sample."""
        model, opt, F, bs = self.model, self.opt, self.F, self.bs
        perm = self.torch.randperm(len(self.x))
        xp, yp = self.x[perm], self.y[perm]
        for i in range(0, len(xp), bs):
            t0 = clock()
            opt.zero_grad()
            F.cross_entropy(model(xp[i:i + bs]), yp[i:i + bs]).backward()
            opt.step()
            if record:
                self.loop.append(clock() - t0)

    def passes(self):
        return [self.phase_pass, self.loop_pass]

    def summary(self) -> dict:
        return {"phases": {k: _median_us(v) for k, v in self.phases.items()},
                "loop_step": _median_us(self.loop), "version": self.version}


def profile(wl, x, y, rounds: int, threads: int, seed: int, with_torch: bool):
    """Interleave every pass of both frameworks, ``rounds`` times, after one warm-up round.

    Load from other processes comes and goes; interleaving spreads it over every
    measurement instead of letting it fall on one of them.
    """
    probes = [GlassnetProbe(wl, x, y, seed)]
    if with_torch:
        try:
            probes.append(TorchProbe(wl, x, y, threads, seed))
        except ImportError:
            pass
    for r in range(rounds + 1):
        for probe in probes:
            for one_pass in probe.passes():
                one_pass(record=r > 0)
    g = probes[0].summary()
    return g, (probes[1].summary() if len(probes) > 1 else None)


# ----------------------------------------------------------------------------- report
def render(wl, g: dict, t: dict | None, rounds: int, rows: int, threads: int,
           clock_name: str) -> str:
    ph = g["phases"]
    total = sum(ph.values())
    fit = g["fit_step"]
    whole = fit  # fit gathers each shuffled batch inside its loop
    rest = fit - g["train_step"]
    tp = (t or {}).get("phases", {})

    def pct(v: float) -> str:
        return f"{100 * v / whole:.0f}%"

    def tcol(key: str) -> str:
        return f"{tp[key]:.1f}" if key in tp else "—"

    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    lines = [
        f"### {wl.key}: {wl.title}",
        "",
        f"µs per step: medians over {rounds} interleaved rounds of one pass over {rows} rows "
        f"({g['fit_steps']} steps) per measurement; {threads} thread(s); {clock_name} clock "
        f"(reading cost {BIAS * US:.2f} µs, subtracted); load average {' '.join(load) or 'n/a'}.",
        "",
        "| phase | glassnet µs | % of step | PyTorch µs |",
        "|---|---:|---:|---:|",
    ]
    names = {"forward": "forward (`model._forward`)",
             "loss": "loss + dL/dz (`loss.value_and_logit_gradient`)",
             "backward": "backward (`model._backward`)",
             "optimizer": "optimizer (`optimizer.step`; torch: step + zero_grad)",
             "metrics": "metrics (accuracy + running means)"}
    for k, label in names.items():
        lines.append(f"| {label} | {ph[k]:.1f} | {pct(ph[k])} | "
                     f"{tcol(k) if k != 'metrics' else '— (not computed)'} |")
    lines += [
        f"| = sum of phases | {total:.1f} | {pct(total)} | "
        + (f"{sum(tp.values()):.1f} |" if tp else "— |"),
        f"| `model._train_step` alone, bare loop | {g['train_step']:.1f} | "
        f"{pct(g['train_step'])} | |",
        f"| loop overhead in fit (fit step − `_train_step`) | {rest:.1f} | {pct(rest)} | |",
        f"| **fit step** (median interval between batch starts) | **{fit:.1f}** | 100% | "
        + (f"{t['loop_step']:.1f} (bare loop step) |" if t else "— |"),
        f"| matmul floor (the step's GEMMs alone) | {g['floor']:.1f} | {pct(g['floor'])} | |",
        "",
        "| layer | forward µs | backward µs | GEMM floor µs | GEMMs (per step) |",
        "|---|---:|---:|---:|---|",
    ]
    for r in g["layers"]:
        lines.append(f"| {r['layer']} | {r['forward']:.1f} | {r['backward']:.1f} | "
                     f"{r['floor']:.1f} | {r['gemms']} |")
    if t:
        lines += ["", f"PyTorch {t['version']}: glassnet fit step ÷ PyTorch bare-loop step = "
                      f"{fit / t['loop_step']:.2f}× (per-epoch target ≤ {wl.target:.2f}×)."]
    return "\n".join(lines) + "\n"


def main() -> int:
    args = ARGS if ARGS is not None else parse_args()
    wl = common.WORKLOADS.get(args.workload.upper())
    if wl is None:
        sys.exit(f"unknown workload {args.workload!r}; valid: {', '.join(common.WORKLOADS)}")
    if args.rows is None:
        args.rows = {"W1": 5000, "W2": 10000}.get(wl.key, 1280)
    calibrate(args.clock)
    x, y = load_rows(args, wl)
    try:
        g, t = profile(wl, x, y, args.rounds, args.threads, args.seed, not args.no_torch)
    except glassnet_worker.MissingLayers as exc:
        sys.exit(f"{wl.key}: {exc}")
    print(render(wl, g, t, args.rounds, len(x), args.threads,
                 "CPU-time" if args.clock == "cpu" else "wall"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
