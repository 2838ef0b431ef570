"""saegui's performance benchmark: one command, a printed table, never part of the test suite.

    python benchmarks/run.py            # everything (about 5 minutes on 2 cores)
    python benchmarks/run.py --quick    # fewer repeats, no 10^6 memory rows (about a minute)
    python benchmarks/run.py --write    # also write benchmarks/RESULTS.md (the README's table)

It measures, in one run, with the machine it ran on:

* cost + gradient at the exercise size (m=10000, 64-25) and at MNIST size (m=10000, 784-196),
  float64 and float32: saegui's core (``Objective``), a plain baseline (the notes translated
  literally to numpy: sigmoid, full arrays, no buffers) and the floor (the five matrix products of
  one evaluation alone, preallocated outputs).  The three are timed in interleaved rounds and the
  ratios are medians of per-round ratios, so a noisy machine slows all three alike;
* 400 L-BFGS iterations at the exercise defaults (IMAGES.mat when present): saegui (float64,
  float32) against the baseline driven by scipy's L-BFGS-B with the same settings;
* L-BFGS memory 10, 20, 50, 100: the cost reached within the same CPU time;
* the GUI's overhead: the same training in the main window (offscreen, live views on) against
  headless, and the longest event-loop stall;
* peak memory for m = 10^4, 10^5, 10^6 patches at 64-25, float64 and float32, in memory and
  streamed from a memory-mapped .npy (each in its own process).

Then the targets of issue 5 and whether each holds.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import scipy                                   # noqa: E402
import scipy.io                                # noqa: E402
import scipy.optimize                          # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from saegui.core import Objective, SparseAutoencoder, initialize_theta, unpack  # noqa: E402

DATA = Path(os.environ.get("SAEGUI_DATA", "/work/shared/data"))
LAMBDA, BETA, RHO = 1e-4, 3.0, 0.01


# -- data ------------------------------------------------------------------------------------------
def natural_like_images(count=10, size=512, seed=0):
    """1/f-spectrum noise images: a stand-in for IMAGES.mat when it is absent."""
    rng = np.random.default_rng(seed)
    f = np.fft.fftfreq(size)
    radius = np.hypot(f[:, None], f[None, :])
    radius[0, 0] = 1.0
    images = []
    for _ in range(count):
        spectrum = np.fft.fft2(rng.standard_normal((size, size))) / radius
        im = np.real(np.fft.ifft2(spectrum))
        images.append((im - im.mean()) / im.std())
    return np.stack(images, axis=2)


def exercise_patches(m=10000, p=8, seed=0):
    """The exercise's sampleIMAGES: random 8x8 patches of IMAGES.mat, each patch's mean removed,
    clipped to +-3 standard deviations, mapped to [0.1, 0.9].  Returns (X, source)."""
    path = DATA / "IMAGES.mat"
    if path.exists():
        images, source = scipy.io.loadmat(path)["IMAGES"], "IMAGES.mat"
    else:
        images, source = natural_like_images(), "1/f noise images (IMAGES.mat absent)"
    rng = np.random.default_rng(seed)
    H, W, N = images.shape
    k, r, c = rng.integers(0, N, m), rng.integers(0, H - p + 1, m), rng.integers(0, W - p + 1, m)
    X = np.stack([images[r[i]:r[i] + p, c[i]:c[i] + p, k[i]].ravel() for i in range(m)])
    X -= X.mean(axis=1, keepdims=True)
    sd = 3 * X.std()
    X = np.clip(X, -sd, sd) / sd
    return (X + 1) * 0.4 + 0.1, source


def mnist_images(m=10000):
    """MNIST test images scaled to [0, 1] (784 pixels), or uniform noise when absent."""
    path = DATA / "mnist" / "t10k-images-idx3-ubyte.gz"
    if path.exists():
        with gzip.open(path, "rb") as f:
            raw = np.frombuffer(f.read(), np.uint8, offset=16)
        return raw.reshape(-1, 784)[:m].astype(np.float64) / 255.0, "MNIST t10k"
    return np.random.default_rng(0).uniform(0, 1, (m, 784)), "uniform noise (MNIST absent)"


# -- the baseline: the notes, literally ------------------------------------------------------------
def baseline_cost(theta, X, visible, hidden, lambda_=LAMBDA, beta=BETA, rho=RHO):
    """The obvious numpy translation of the notes (examples as rows): sigmoid, full arrays."""
    dt = X.dtype
    W1, b1, W2, b2 = (a.astype(dt) for a in unpack(np.asarray(theta), visible, hidden))
    m = X.shape[0]
    with np.errstate(over="ignore"):
        a2 = 1.0 / (1.0 + np.exp(-(X @ W1.T + b1)))
        a3 = 1.0 / (1.0 + np.exp(-(a2 @ W2.T + b2)))
    rho_hat = a2.mean(axis=0)
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    cost = (0.5 / m * np.sum((a3 - X) ** 2) + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(kl))
    delta3 = -(X - a3) * a3 * (1 - a3)
    delta2 = (delta3 @ W2 + beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))) * a2 * (1 - a2)
    gW1 = delta2.T @ X / m + lambda_ * W1
    gW2 = delta3.T @ a2 / m + lambda_ * W2
    grad = np.concatenate([gW1.ravel(), gW2.ravel(), delta2.mean(axis=0), delta3.mean(axis=0)])
    return float(cost), grad.astype(np.float64)


def floor_fn(X, W1, W2):
    """The five matrix products of one evaluation, with preallocated outputs, and nothing else."""
    m, n = X.shape
    h = W1.shape[0]
    A2, A3, D2 = np.empty((m, h), X.dtype), np.empty((m, n), X.dtype), np.empty((m, h), X.dtype)
    G1, G2 = np.empty((h, n), X.dtype), np.empty((n, h), X.dtype)

    def run():
        np.matmul(X, W1.T, out=A2)          # z2
        np.matmul(A2, W2.T, out=A3)         # z3
        np.matmul(A3.T, A2, out=G2)         # delta3^T a2
        np.matmul(A3, W2, out=D2)           # delta3 W2
        np.matmul(D2.T, X, out=G1)          # delta2^T x
    return run


# -- helpers ---------------------------------------------------------------------------------------
def median(values):
    return float(np.median(np.asarray(values, dtype=np.float64)))


def interleaved(fns, rounds, clock=time.perf_counter):
    """Time each function once per round, in turn; returns {name: array of seconds}.

    ``clock=time.thread_time`` counts only this thread's CPU time (with one BLAS thread the
    products run in this thread), so time the scheduler gives to other processes is left out."""
    for f in fns.values():
        f()
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            t = clock()
            f()
            times[k].append(clock() - t)
    return {k: np.asarray(v) for k, v in times.items()}


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = []
    for i in threadpool_info():
        if i.get("user_api") != "blas":
            continue
        path = i.get("filepath", "")
        owner = "numpy" if "numpy" in path else "scipy" if "scipy" in path else Path(path).name
        blas.append(f"{owner}: {i.get('internal_api')} {i.get('version')} "
                    f"({i.get('architecture', '?')}), {i.get('num_threads')} threads by default")
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores",
        "BLAS": "; ".join(blas) or "unknown",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "Python / numpy / scipy": f"{platform.python_version()} / {np.__version__} / {scipy.__version__}",
        "OS": platform.platform(),
        "saegui commit": commit or "?",
        "load average at start": " ".join(f"{x:.2f}" for x in load) if load else "?",
    }


class Report:
    def __init__(self):
        self.lines = []
        self.targets = []          # (name, value text, holds: bool|None)

    def out(self, text=""):
        print(text, flush=True)
        self.lines.append(text)

    def table(self, header, rows):
        self.out("| " + " | ".join(header) + " |")
        self.out("|" + "|".join("---" for _ in header) + "|")
        for r in rows:
            self.out("| " + " | ".join(str(c) for c in r) + " |")
        self.out()

    def target(self, name, value, holds):
        self.targets.append((name, value, holds))


# -- 1. cost and gradient --------------------------------------------------------------------------
def bench_evaluation(rep, quick, X_ex, X_mnist):
    rep.out("## Cost and gradient (one evaluation)")
    rep.out()
    rep.out("Median milliseconds of this thread's CPU time (`time.thread_time`: one BLAS thread, "
            "as `fit()` uses, runs in the calling thread, so time given to other processes is left "
            "out) over interleaved rounds; ratios are medians of per-round ratios to the floor "
            "(the five matrix products alone, preallocated outputs).")
    rep.out()
    rows, results = [], {}
    for size, X, h, rounds in (("exercise 10000 x 64-25", X_ex, 25, 9 if quick else 25),
                               ("MNIST 10000 x 784-196", X_mnist, 196, 3 if quick else 7)):
        n = X.shape[1]
        theta = initialize_theta(h, n, 0)
        for dt in (np.float64, np.float32):
            Xd = np.ascontiguousarray(X, dtype=dt)
            W1, _, W2, _ = (a.astype(dt) for a in unpack(theta, n, h))
            obj = Objective(Xd, h, LAMBDA, BETA, RHO, dtype=dt)
            fns = {"floor": floor_fn(Xd, W1, W2),
                   "saegui": lambda o=obj: o(theta),
                   "baseline": lambda Xd=Xd: baseline_cost(theta, Xd, n, h)}
            with threadpool_limits(limits=1, user_api="blas"):
                t = interleaved(fns, rounds, time.thread_time)
            r_core = median(t["saegui"] / t["floor"])
            r_base = median(t["baseline"] / t["floor"])
            name = np.dtype(dt).name
            results[(size.split()[0], name)] = (median(t["saegui"]), r_core)
            rows.append([size, name, f"{median(t['floor']) * 1e3:.2f}",
                         f"{median(t['saegui']) * 1e3:.2f}", f"{r_core:.2f}x",
                         f"{median(t['baseline']) * 1e3:.2f}", f"{r_base:.2f}x",
                         f"{median(t['baseline'] / t['saegui']):.2f}x"])
            limit = 2.0 if size.startswith("exercise") else 1.3
            rep.target(f"cost+grad {size.split()[0]} {name} <= {limit}x floor", f"{r_core:.2f}x",
                       r_core <= limit)
    rep.table(["size", "dtype", "floor ms", "saegui ms", "saegui/floor", "baseline ms",
               "baseline/floor", "saegui speedup"], rows)
    ratio = median([results[("exercise", "float64")][0] / results[("exercise", "float32")][0]])
    rep.out(f"float32 vs float64 evaluation at the exercise size: {ratio:.2f}x faster.")
    rep.out()
    return results


def bench_threads(rep, quick, X_mnist):
    """Information only: the MNIST-size evaluation with 1 and 2 BLAS threads."""
    if (os.cpu_count() or 1) < 2:
        return
    rep.out("BLAS threads at MNIST size (information; interleaved rounds):")
    rep.out()
    rows = []
    h, n = 196, X_mnist.shape[1]
    theta = initialize_theta(h, n, 0)
    from threadpoolctl import ThreadpoolController
    ctl = ThreadpoolController()
    for dt in (np.float64, np.float32):
        obj = Objective(np.ascontiguousarray(X_mnist, dtype=dt), h, LAMBDA, BETA, RHO, dtype=dt)

        def with_threads(k, o=obj):
            def run():
                with ctl.limit(limits=k, user_api="blas"):
                    o(theta)
            return run
        t = interleaved({1: with_threads(1), 2: with_threads(2)}, 3 if quick else 7)
        rows.append([np.dtype(dt).name, f"{median(t[1]) * 1e3:.1f}", f"{median(t[2]) * 1e3:.1f}",
                     f"{median(t[1] / t[2]):.2f}x"])
    rep.table(["dtype", "1 thread ms", "2 threads ms", "speedup"], rows)


# -- 2. L-BFGS -------------------------------------------------------------------------------------
def run_saegui(X, dtype, memory=None, max_iter=400, seed=0):
    kw = {} if memory is None else {"lbfgs_memory": memory}
    model = SparseAutoencoder(hidden_size=25, lambda_=LAMBDA, beta=BETA, sparsity=RHO,
                              max_iter=max_iter, dtype=dtype, random_state=seed, **kw)
    cpu0, t0 = time.process_time(), time.perf_counter()
    model.fit(X)
    return time.perf_counter() - t0, time.process_time() - cpu0, float(model.history_["cost"][-1]), \
        model.n_iter_


def run_baseline(X, memory, max_iter=400, seed=0):
    theta0 = initialize_theta(25, X.shape[1], seed)
    options = {"maxiter": max_iter, "maxfun": 20 * max_iter + 100, "maxcor": memory,
               "ftol": 1e-15, "gtol": 1e-10}
    cpu0, t0 = time.process_time(), time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        res = scipy.optimize.minimize(baseline_cost, theta0, args=(X, X.shape[1], 25), jac=True,
                                      method="L-BFGS-B", options=options)
    return time.perf_counter() - t0, time.process_time() - cpu0, float(res.fun), int(res.nit)


def bench_lbfgs(rep, quick, X, source):
    memory = SparseAutoencoder().lbfgs_memory
    rep.out("## 400 L-BFGS iterations at the exercise defaults")
    rep.out()
    rep.out(f"10000 8x8 patches of {source}, 64-25-64, lambda 1e-4, beta 3, rho 0.01, L-BFGS "
            f"memory {memory} (saegui's default, also given to the baseline), one BLAS thread for "
            "both; the baseline is the function above driven by scipy's L-BFGS-B. "
            "Median of interleaved repeats; speedups are medians of per-repeat ratios of CPU "
            "time (process CPU time; it equals wall time on an idle machine and leaves out time "
            "given to other processes on a busy one).")
    rep.out()
    reps = 1 if quick else 3
    runs = {"baseline float64": [], "saegui float64": [], "saegui float32": []}
    for _ in range(reps):
        runs["baseline float64"].append(run_baseline(X, memory))
        runs["saegui float64"].append(run_saegui(X, np.float64))
        runs["saegui float32"].append(run_saegui(X, np.float32))
    base = np.array([r[1] for r in runs["baseline float64"]])
    base_cost = runs["baseline float64"][0][2]
    rows = []
    for name, rs in runs.items():
        cpu = np.array([r[1] for r in rs])
        rows.append([name, f"{median([r[0] for r in rs]):.2f}", f"{median(cpu):.2f}",
                     rs[0][3], f"{rs[0][2]:.5f}", f"{100 * (rs[0][2] / base_cost - 1):+.2f}%",
                     f"{median(base / cpu):.2f}x"])
    rep.table(["run", "wall s", "CPU s", "iterations", "final cost", "vs baseline cost",
               "speedup vs baseline (CPU)"], rows)
    w64 = np.array([r[1] for r in runs["saegui float64"]])
    w32 = np.array([r[1] for r in runs["saegui float32"]])
    c64, c32 = runs["saegui float64"][0][2], runs["saegui float32"][0][2]
    s64, s32, s3264 = median(base / w64), median(base / w32), median(w64 / w32)
    rep.target("400 L-BFGS float64 >= 2x faster than baseline", f"{s64:.2f}x", s64 >= 2.0)
    rep.target("400 L-BFGS float32 >= 3.5x faster than baseline float64", f"{s32:.2f}x", s32 >= 3.5)
    for name, c in (("float64", c64), ("float32", c32)):
        d = abs(c / base_cost - 1)
        rep.target(f"final cost {name} within 1% of baseline", f"{100 * d:.2f}%", d <= 0.01)
    rep.target("float32 training >= 1.7x faster than float64", f"{s3264:.2f}x", s3264 >= 1.7)
    d = abs(c32 / c64 - 1)
    rep.target("float32 final cost within 1% of float64", f"{100 * d:.2f}%", d <= 0.01)


def bench_lbfgs_memory(rep, quick, X):
    rep.out("## L-BFGS memory: cost reached in the same CPU time")
    rep.out()
    memories = (10, 20, 50, 100)
    seeds = (0,) if quick else (0, 1, 2)
    traces = {}
    for mem in memories:
        for seed in seeds:
            cpu, costs = [], []
            model = SparseAutoencoder(hidden_size=25, lambda_=LAMBDA, beta=BETA, sparsity=RHO,
                                      max_iter=400, lbfgs_memory=mem, random_state=seed)
            c0 = time.process_time()

            def cb(p, cpu=cpu, costs=costs, c0=c0):
                cpu.append(time.process_time() - c0)
                costs.append(p.cost)
            model.fit(X, callback=cb)
            traces[(mem, seed)] = (np.array(cpu), np.array(costs))
    t400 = median([traces[(20, s)][0][-1] for s in seeds])
    budgets = [round(t400 * f, 2) for f in (0.25, 0.5, 1.0)]

    def cost_at(mem, budget):
        vals = []
        for s in seeds:
            cpu, costs = traces[(mem, s)]
            i = np.searchsorted(cpu, budget, side="right") - 1
            vals.append(costs[i] if i >= 0 else np.nan)
        return float(np.mean(vals))
    rep.out(f"Float64, exercise data, mean over {len(seeds)} initialisation(s); cost after a CPU-time "
            f"budget, and after 400 iterations (with their CPU time).")
    rep.out()
    rows = []
    best = {b: min(memories, key=lambda mm: cost_at(mm, b)) for b in budgets}
    for mem in memories:
        row = [mem]
        for b in budgets:
            c = cost_at(mem, b)
            row.append(f"**{c:.5f}**" if best[b] == mem else f"{c:.5f}")
        row.append(f"{np.mean([traces[(mem, s)][1][-1] for s in seeds]):.5f}")
        row.append(f"{median([traces[(mem, s)][0][-1] for s in seeds]):.2f}")
        rows.append(row)
    rep.table(["lbfgs_memory"] + [f"cost @ {b:.2f} s CPU" for b in budgets]
              + ["cost @ 400 it", "CPU s for 400 it"], rows)


def bench_lbfgs_memory_mnist(rep, budget=90.0):
    """Optional (--mnist-memory): the same question at MNIST size, float32, a CPU budget."""
    X, source = mnist_images()
    rep.out(f"MNIST size ({source}, 10000 x 784-196, lambda 3e-3, beta 3, rho 0.1, float32): "
            f"cost reached within a CPU-time budget (one run each, stopped after {budget:.0f} s).")
    rep.out()
    budgets = [budget * f for f in (1 / 9, 2 / 9, 4 / 9, 2 / 3, 1.0)]
    rows, traces = [], {}
    for mem in (20, 50, 100):
        cpu, costs = [], []
        c0 = time.process_time()

        def cb(p, cpu=cpu, costs=costs, c0=c0):
            cpu.append(time.process_time() - c0)
            costs.append(p.cost)
            return cpu[-1] > budget
        SparseAutoencoder(hidden_size=196, lambda_=3e-3, beta=3.0, sparsity=0.1, dtype=np.float32,
                          random_state=0, lbfgs_memory=mem, max_iter=100000).fit(X, callback=cb)
        traces[mem] = (np.array(cpu), np.array(costs))
    for mem, (cpu, costs) in traces.items():
        row = [mem]
        for b in budgets:
            i = np.searchsorted(cpu, b, side="right") - 1
            row.append(f"{costs[i]:.4f}" if i >= 0 else "-")
        row.append(len(cpu))
        rows.append(row)
    rep.table(["lbfgs_memory"] + [f"cost @ {b:.0f} s CPU" for b in budgets] + ["iterations"], rows)


# -- 3. GUI overhead -------------------------------------------------------------------------------
def bench_gui(rep, quick):
    rep.out("## GUI overhead")
    rep.out()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-gui", "1" if quick else "3"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except Exception as exc:       # noqa: BLE001 - any failure means "not available"
        detail = ""
        if "proc" in locals():
            detail = (proc.stderr or "").strip().splitlines()[-1:] or [""]
            detail = detail[0][:160]
        rep.out(f"n/a (GUI not available: {type(exc).__name__} {detail})")
        rep.out()
        rep.target("training in the GUI <= 1.10x headless", "n/a (GUI not available)", None)
        return
    if "error" in result:
        rep.out(f"n/a (GUI not available: {result['error']})")
        rep.out()
        rep.target("training in the GUI <= 1.10x headless", "n/a (GUI not available)", None)
        return
    head = np.array([r[0] for r in result["headless"]])
    gui = np.array([r[0] for r in result["gui"]])
    ratio = median(gui / head)
    cpu_ratio = median(np.array([r[3] for r in result["gui"]]) / np.array([r[3] for r in result["headless"]]))
    rep.out(f"The same training ({result['shape'][0]} patches x {result['shape'][1]} from "
            f"`{Path(result['source']).name}` sampled by the window, its default model: the "
            "exercise's) run by `fit()` headless and from the main window's Start button "
            "(offscreen platform, live views on), alternately in one process. Training CPU is the "
            "CPU time of the training (headless: the fitting thread; GUI: the process minus the GUI "
            "thread); GUI-thread CPU is what the window spent drawing meanwhile. The longest "
            "event-loop stall is the largest gap between ticks of a 10 ms timer during the GUI runs.")
    rep.out()
    rows = []
    for name, runs in (("headless", result["headless"]), ("GUI", result["gui"])):
        rows.append([name, f"{median([r[0] for r in runs]):.2f}", f"{median([r[3] for r in runs]):.2f}",
                     f"{median([r[4] for r in runs]):.2f}", runs[0][1], f"{runs[0][2]:.5f}"])
    rep.table(["run", "wall s", "training CPU s", "GUI-thread CPU s", "iterations", "final cost"], rows)
    rep.out(f"GUI / headless: {ratio:.2f}x wall, {cpu_ratio:.2f}x training CPU (medians of per-pair "
            f"ratios); longest event-loop stall {result['stall_ms']:.0f} ms; "
            f"{result.get('redraws', '?')} live redraws in the last run.")
    rep.out()
    rep.target("(information) GUI / headless training CPU", f"{cpu_ratio:.2f}x", None)
    rep.target("training in the GUI <= 1.10x headless", f"{ratio:.2f}x", ratio <= 1.10)


def child_gui(reps):
    """Runs in its own process (offscreen): the window loads the exercise data (IMAGES.mat when
    present), then the same model on the same patches is trained headless (``fit``) and from
    the Start button, alternately; a 10 ms timer measures the event loop's longest stall."""
    try:
        from PySide6.QtCore import QEventLoop, QTimer
        from PySide6.QtWidgets import QApplication, QProgressBar, QPushButton

        from saegui.gui import MainWindow
    except Exception as exc:       # noqa: BLE001
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return
    app = QApplication.instance() or QApplication(["saegui-bench"])
    win = MainWindow(restore=False, initial_source=None)
    win.show()
    path = DATA / "IMAGES.mat"
    spec = f"{path}:IMAGES" if path.exists() else "builtin:natural"

    def loaded(timeout=120.0):
        """Let the window load and sample in the background (older windows did it at once)."""
        t_end = time.perf_counter() + timeout
        while time.perf_counter() < t_end:
            app.processEvents()
            if win.X is not None and not getattr(win, "data_busy", False):
                return True
            time.sleep(0.01)
        return False
    if not (win.load_source(spec, quiet=True) and loaded()) and \
            not (win.load_source("builtin:natural", quiet=True) and loaded()):
        print(json.dumps({"error": "the window could not load data"}))
        return
    start = win.findChild(QPushButton, "startButton")
    bar = win.findChild(QProgressBar, "progressBar")
    if start is None or bar is None:
        print(json.dumps({"error": "no startButton/progressBar in the main window"}))
        return
    X = np.array(win.X)
    out = {"headless": [], "gui": [], "stall_ms": 0.0, "source": spec, "shape": list(X.shape)}
    for _ in range(reps):
        model = win.build_model()
        t0, c0 = time.perf_counter(), time.thread_time()
        model.fit(X)
        out["headless"].append((time.perf_counter() - t0, int(model.n_iter_),
                                float(model.history_["cost"][-1]), time.thread_time() - c0, 0.0))
        last = [time.perf_counter()]
        stall = [0.0]
        redraws = [0]

        seen = [None]

        def tick():
            now = time.perf_counter()
            stall[0] = max(stall[0], now - last[0])
            last[0] = now
            if win._drawn_version != seen[0]:      # a live redraw happened since the last tick
                seen[0] = win._drawn_version
                redraws[0] += 1
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(20)
        poll.timeout.connect(lambda: loop.quit() if win.worker is None else None)
        timer.start()
        t0, p0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
        last[0] = t0
        start.click()
        poll.start()
        loop.exec()
        elapsed = time.perf_counter() - t0
        main_cpu = time.thread_time() - m0
        other_cpu = time.process_time() - p0 - main_cpu     # the training thread (and Qt's own)
        timer.stop()
        poll.stop()
        model = win.model
        out["gui"].append((elapsed, int(model.n_iter_), float(model.history_["cost"][-1]),
                           other_cpu, main_cpu))
        out["stall_ms"] = max(out["stall_ms"], stall[0] * 1e3)
        out["redraws"] = redraws[0]
        out["progress"] = bar.format()
    win.model_saved = True
    win.close()
    print(json.dumps(out))


# -- 4. memory -------------------------------------------------------------------------------------
def _rss_fields():
    fields = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon"):
                fields[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return fields


def child_memory(m, dtype, mode, path):
    """Runs in its own process: makes or maps the data, trains 3 iterations, reports memory."""
    import resource
    n, h = 64, 25
    dt = np.dtype(dtype)
    if mode == "memmap":
        X = np.load(path, mmap_mode="r")
    else:
        X = np.empty((m, n))
        rng = np.random.default_rng(0)
        for start in range(0, m, 65536):
            X[start:start + 65536] = rng.uniform(0.1, 0.9, X[start:start + 65536].shape)
    before = _rss_fields()
    peak_anon = [before.get("RssAnon", 0)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak_anon[0] = max(peak_anon[0], _rss_fields().get("RssAnon", 0))
            time.sleep(0.002)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    model = SparseAutoencoder(hidden_size=h, max_iter=3, dtype=dt, random_state=0)
    chunk = model._chunk(X)
    streaming = chunk is not None and chunk < m
    t0 = time.perf_counter()
    model.fit(X)
    elapsed = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = _rss_fields()
    peak_anon[0] = max(peak_anon[0], after.get("RssAnon", 0))
    print(json.dumps({
        "before_rss": before.get("VmRSS", 0), "before_anon": before.get("RssAnon", 0),
        "peak_rss": after.get("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024),
        "peak_anon": peak_anon[0], "streaming": streaming, "chunk": chunk or m,
        "seconds": elapsed, "data_bytes": int(m * n * 8)}))


def bench_memory(rep, quick):
    rep.out("## Peak memory, 64-25, 3 L-BFGS iterations (each row its own process)")
    rep.out()
    sizes = (10**4, 10**5) if quick else (10**4, 10**5, 10**6)
    rows = []
    MB = 2**20
    with tempfile.TemporaryDirectory(prefix="saegui-bench-") as tmp:
        streamed = {}
        for m in sizes:
            path = Path(tmp) / f"X{m}.npy"
            X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(m, 64))
            rng = np.random.default_rng(0)
            for start in range(0, m, 65536):
                X[start:start + 65536] = rng.uniform(0.1, 0.9, X[start:start + 65536].shape)
            X.flush()
            del X
            for dtype in ("float64", "float32"):
                for mode in ("memory", "memmap"):
                    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-memory", str(m),
                           dtype, mode, str(path)]
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
                    try:
                        r = json.loads(proc.stdout.strip().splitlines()[-1])
                    except (IndexError, ValueError):
                        rows.append([f"{m:.0e}", dtype, mode, "failed: " + proc.stderr[-200:]])
                        continue
                    item = np.dtype(dtype).itemsize
                    act = m * 64 * item                       # one activation-sized buffer (m x n)
                    if mode == "memory":
                        work = r["peak_rss"] - r["before_rss"]
                        bound = 4 * act
                        rep.target(f"memory m={m:.0e} {dtype}: work <= 4 activation buffers",
                                   f"{work / MB:.0f} MB <= {bound / MB:.0f} MB", work <= bound)
                    else:
                        work = r["peak_anon"] - r["before_anon"]
                        streamed[(m, dtype)] = work
                    rows.append([f"{m:.0e}", dtype,
                                 "in memory" if mode == "memory" else "memory-mapped .npy",
                                 f"{r['data_bytes'] / MB:.0f}",
                                 "streamed, chunk %d" % r["chunk"] if r["streaming"] else "in memory",
                                 f"{r['before_rss'] / MB:.0f}", f"{r['peak_rss'] / MB:.0f}",
                                 f"{r['peak_anon'] / MB:.0f}", f"{work / MB:.0f}",
                                 f"{work / act:.2f}", f"{r['seconds']:.1f}"])
            path.unlink()
    rep.table(["m", "dtype", "data", "data MB", "objective", "RSS before fit MB", "peak RSS MB",
               "peak anonymous MB", "work MB", "work / activation buffer", "fit s"], rows)
    rep.out("The data are float64 (m x 64 x 8 bytes). work = peak RSS - RSS before fit (data in "
            "memory); for the memory map, peak anonymous (private) memory - before, since the "
            "file's pages are page cache the kernel may drop. An activation-sized buffer is "
            "m x 64 x itemsize of the training dtype (the output layer's activations). Above "
            "512 MB of work buffers `fit()` streams in-memory data too (the 10^6 float64 row).")
    rep.out()
    big = max(sizes)
    for dtype in ("float64", "float32"):
        if (big, dtype) in streamed and (10**5, dtype) in streamed and big > 10**5:
            a, b = streamed[(10**5, dtype)], streamed[(big, dtype)]
            rep.target(f"streamed memory bounded in m ({dtype}: 1e5 -> {big:.0e})",
                       f"{a / MB:.0f} MB -> {b / MB:.0f} MB", b <= 1.25 * a + 16 * MB)


# -- main ------------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, no 10^6 memory rows")
    ap.add_argument("--write", action="store_true", help="also write benchmarks/RESULTS.md")
    ap.add_argument("--skip", default="", help="comma list of sections to skip: "
                    "eval,threads,lbfgs,memory-study,gui,memory")
    ap.add_argument("--mnist-memory", action="store_true",
                    help="also compare L-BFGS memories at MNIST size (about 5 minutes)")
    ap.add_argument("--child-memory", nargs=4, metavar=("M", "DTYPE", "MODE", "PATH"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--child-gui", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_memory:
        m, dtype, mode, path = args.child_memory
        child_memory(int(m), dtype, mode, path)
        return 0
    if args.child_gui:
        child_gui(args.child_gui)
        return 0
    skip = set(filter(None, args.skip.split(",")))
    rep = Report()
    started = time.perf_counter()
    rep.out("# saegui performance" + (" (quick run)" if args.quick else ""))
    rep.out()
    rep.out(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
            f"`python benchmarks/run.py{' --quick' if args.quick else ''}`.")
    rep.out()
    rep.table(["machine", ""], list(machine().items()))
    X_ex, source = exercise_patches()
    X_mnist, mnist_source = mnist_images()
    if "eval" not in skip:
        bench_evaluation(rep, args.quick, X_ex, X_mnist)
    if "threads" not in skip:
        bench_threads(rep, args.quick, X_mnist)
    if "lbfgs" not in skip:
        bench_lbfgs(rep, args.quick, X_ex, source)
    if "memory-study" not in skip:
        bench_lbfgs_memory(rep, args.quick, X_ex)
        if args.mnist_memory:
            bench_lbfgs_memory_mnist(rep)
    if "memory" not in skip:
        bench_memory(rep, args.quick)
    if "gui" not in skip:
        bench_gui(rep, args.quick)
    rep.out("## Targets (issue 5)")
    rep.out()
    rep.table(["target", "measured", "holds"],
              [[n, v, "n/a" if h is None else ("yes" if h else "**NO**")] for n, v, h in rep.targets])
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    rep.out(f"Total {time.perf_counter() - started:.0f} s; load average at the end "
            + (" ".join(f"{x:.2f}" for x in load) if load else "?")
            + f". Data: exercise rows from {source}; MNIST rows from {mnist_source}.")
    if args.write:
        (HERE / "RESULTS.md").write_text("\n".join(rep.lines) + "\n")
        print(f"wrote {HERE / 'RESULTS.md'}")
        if update_readme(rep.lines):
            print(f"updated the Performance section of {HERE.parent / 'README.md'}")
    return 0


README_BEGIN, README_END = "<!-- performance:begin -->", "<!-- performance:end -->"


def _table_after(lines, start):
    """The Markdown table that begins at the first line starting with ``start``."""
    i = next(k for k, line in enumerate(lines) if line.startswith(start))
    j = i
    while j < len(lines) and lines[j].startswith("|"):
        j += 1
    return lines[i:j]


def update_readme(lines):
    """Put the machine and the cost+gradient and target tables between the README's markers."""
    readme = HERE.parent / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if README_BEGIN not in text or README_END not in text:
        return False
    try:
        block = (_table_after(lines, "| machine") + [""] + _table_after(lines, "| size")
                 + [""] + _table_after(lines, "| target"))
    except StopIteration:
        return False
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(head + README_BEGIN + "\n" + "\n".join(block) + "\n" + README_END + tail,
                      encoding="utf-8")
    return True


if __name__ == "__main__":
    sys.exit(main())
