#!/usr/bin/python3
"""flowlat against the PyTorch reference (bench/torch_reference.py), side by side.

Issues 3 and 9, "Performance" / "Measure": on this machine, 1 PyTorch thread
against 1 flowlat MPI rank and 2 threads against 2 ranks, the same flow
(tutorial point of arXiv:2101.08176: 8x8, m^2 = -4, lambda = 8, 16 affine
couplings, hidden 8,8, kernel 3, Adam lr 1e-3, batch 64), measured one after
another (never concurrently), each side as its users run it by default:
PyTorch in float32 (--torch-dtype), flowlat at its default flow.precision =
float32 (--flowlat-precision), and `flowlat sample` with sample.save_every = 1
(every chain element's configuration and observables measured and written;
--sample-save-every), with the ratios

  * training steps/s      (flowlat / PyTorch; target >= 3 per core)
  * proposals/s           (flowlat `sample` / PyTorch's bare batched proposals,
                           and / PyTorch proposals + MH + chain stored in memory;
                           target >= 5 per core)
  * time to reach the same ESS/N (PyTorch wall time / flowlat wall time)

and the quality after the training budget: ESS/N and MH acceptance of a fresh
independence-MH chain on both sides.  The crosscheck (the PyTorch flow in
float64 loaded with flowlat's trained parameters recomputes the log-weights of
a `flowlat sample` run with flow.precision = float64, to 1e-10) checks that
both compute the same function, whatever precision is timed.  Meaning of every
figure and how to read the ratios: bench/README_torch.md.

    bench/compare_torch.py --quick        # a few minutes: 200 steps, short runs
    bench/compare_torch.py                # full: the 2500-step budget (see README)

Prints a table and writes everything (commands, raw outputs' figures, load
averages, the CPU time other processes used during each run) to a JSON file.
Uses only the standard library, numpy and h5py besides the two programs.
"""

import argparse
import json
import math
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import time

import h5py
import numpy as np

from machine_state import loadavg, system_busy_seconds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TORCH_REF = os.path.join(HERE, "torch_reference.py")
PYTHON = "/usr/bin/python3"   # Debian's python3-torch

# The tutorial configuration, identical on both sides (torch_reference.py's
# defaults and inputs/phi4_train.ini / inputs/phi4_sample.ini).
L, D, LAYERS, HIDDEN, KERNEL, BATCH = 8, 2, 16, [8, 8], 3, 64


def conv_flop_per_config():
    """2 x multiply-adds of all convolutions for one configuration, one forward
    pass (the full lattice is convolved, as in both codes)."""
    V, kd = L ** D, KERNEL ** D
    ch = [1] + HIDDEN + [2]
    return 2 * LAYERS * V * kd * sum(ch[i] * ch[i + 1] for i in range(len(ch) - 1))


# ----------------------------------------------------------------------------
# Machine state


def cpu_info():
    info = dict(machine=platform.machine(), n_cpus=os.cpu_count())
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        m = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
        info["model_name"] = m.group(1).strip() if m else None
        m = re.search(r"^cpu MHz\s*:\s*([\d.]+)", text, re.M)
        info["mhz"] = float(m.group(1)) if m else None
        m = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
        flags = set(m.group(1).split()) if m else set()
        info["simd"] = [f for f in ["sse2", "avx", "fma", "avx2", "avx512f"] if f in flags]
    except OSError:
        pass
    return info


def assumed_peak_gflops_per_core(info):
    """Double-precision peak of one core from the nominal clock and the widest
    ISA: AVX-512 with 2 FMA units 32 flop/cycle, AVX2+FMA (2 units) 16, AVX 8,
    SSE2 4 (add + mul pipes).  An assumption (the number of FMA units and the
    sustained clock are not visible in a VM): override with
    --peak-gflops-per-core.  Also 4 flop/cycle at the nominal clock, a
    reference for the default (portable, SSE2) build: not a ceiling, since
    the cores run above the nominal clock and issue SSE2 multiplies and adds
    on three ports (a synthetic mul+add loop reaches ~17 GFLOP/s here)."""
    mhz = info.get("mhz")
    if not mhz:
        return None, None
    simd = info.get("simd", [])
    if "avx512f" in simd and "fma" in simd:
        fpc = 32
    elif "avx2" in simd and "fma" in simd:
        fpc = 16
    elif "avx" in simd:
        fpc = 8
    else:
        fpc = 4
    return mhz * 1e-3 * fpc, mhz * 1e-3 * 4


def measured_peak(binary, runs=3):
    """The core's measured multiply-add peak, GFLOP/s by precision, from
    bench/fma_peak (best of `runs`), or None without the program: the nominal
    clock of a VM's /proc/cpuinfo can be far below the clock the core runs at
    (2.25 vs ~3.3 GHz on the EPYC of 2026-12-02), which inflates the assumed
    peak's fractions."""
    if not binary or not os.access(binary, os.X_OK):
        return None
    best = None
    for _ in range(runs):
        try:
            out = subprocess.run([binary], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"[compare] {binary} failed ({e}): no measured peak", flush=True)
            return None
        m = re.search(r"fma_peak: (\S+) ([\d.]+) ([\d.]+)", out)
        if m:
            r = dict(isa=m.group(1), float32=float(m.group(2)), float64=float(m.group(3)))
            if best is None or r["float32"] > best["float32"]:
                best = r
    return best


def peak_for(dp_peak, dtype):
    """A double-precision peak for the given precision: float32 does twice
    the flop per SIMD instruction."""
    if dp_peak is None:
        return None
    return dp_peak * (2 if dtype == "float32" else 1)


# ----------------------------------------------------------------------------
# Running one side


def run_measured(cmd, env, log_path, label):
    """Runs cmd to completion, output to log_path; returns (stdout text, info)
    with wall time, the CPU time of the command (all its processes, through
    RUSAGE_CHILDREN: mpiexec waits for its ranks) and the CPU cores other
    processes used meanwhile ((machine busy - ours) / wall; ~0 when quiet)."""
    print(f"[compare] {label}: {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
    la0 = loadavg()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0 = system_busy_seconds()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    s1 = system_busy_seconds()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    la1 = loadavg()
    with open(log_path, "w") as f:
        f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-4000:])
        raise SystemExit(f"[compare] {label} failed (exit {p.returncode}); log: {log_path}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    others = None if s0 is None else max(0.0, ((s1 - s0) - cpu) / wall)
    info = dict(command=cmd, log=log_path, wall_s=wall, cpu_s=cpu,
                other_processes_cores=others, loadavg_before=la0, loadavg_after=la1)
    print(f"[compare]   {wall:.1f} s wall, {cpu:.1f} s CPU, other processes "
          f"{'?' if others is None else format(others, '.2f')} cores, "
          f"loadavg {la0} -> {la1}", flush=True)
    return p.stdout, info


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


class Sides:
    def __init__(self, a):
        self.a = a
        self.root = os.geteuid() == 0

    def mpi(self, n):
        cmd = shlex.split(self.a.mpiexec) + ["-n", str(n)]
        if self.a.mpi_bind:
            cmd += ["--bind-to", self.a.mpi_bind]
        if self.root:
            cmd += ["--allow-run-as-root"]
        return cmd

    def flowlat_env(self):
        env = dict(os.environ, OMP_NUM_THREADS="1")
        if self.root:
            env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        return env

    def torch_env(self, threads):
        # OpenBLAS (if preloaded through --torch-blas-dir) single-threaded:
        # PyTorch parallelises its float64 convolutions itself (over the batch)
        # and calls gemm inside; nested BLAS threads would oversubscribe.
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS="1",
                   OPENBLAS_NUM_THREADS="1")
        if self.a.torch_blas_dir:
            env["LD_LIBRARY_PATH"] = self.a.torch_blas_dir + (
                ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
        return env

    def path(self, name):
        return os.path.join(self.a.workdir, name)

    # -- flowlat -------------------------------------------------------------

    def flowlat_train(self, n):
        a = self.a
        model = self.path(f"flowlat_{n}.model.h5")
        cmd = self.mpi(n) + [a.flowlat, "train", "--config", "inputs/phi4_train.ini",
                             f"--train.steps={a.steps}", f"--flow.model={model}",
                             f"--flow.precision={a.flowlat_precision}",
                             f"--run.seed={a.flowlat_seed}", "--run.overwrite=true"]
        out, info = run_measured(cmd, self.flowlat_env(), self.path(f"flowlat_train_{n}.log"),
                                 f"flowlat train, {n} rank(s), {a.steps} steps, "
                                 f"{a.flowlat_precision}")
        m = re.search(r"flowlat train: (\d+) steps in ([\d.]+) s \(([\d.]+) steps/s\)", out)
        with h5py.File(model, "r") as f:
            h = f["training/history"]
            hist = dict(step=h["step"][:].tolist(), loss=h["loss"][:].tolist(),
                        ess=h["ess"][:].tolist(), wall_time=h["wall_time"][:].tolist())
        info.update(model=model, printed_steps_per_s=float(m.group(3)) if m else None,
                    precision=a.flowlat_precision)
        return hist, info

    def flowlat_sample(self, n, model, proposals, thermalization, save_every, tag,
                       precision=None):
        a = self.a
        precision = precision or a.flowlat_precision
        output = self.path(f"flowlat_{tag}_{n}.h5")
        # inputs/phi4_sample.ini is set up for the default (Z2-equivariant)
        # architecture; the tutorial model of inputs/phi4_train.ini, which
        # the PyTorch reference implements, has flow.equivariance = none
        cmd = self.mpi(n) + [a.flowlat, "sample", "--config", "inputs/phi4_sample.ini",
                             "--flow.equivariance=none",
                             f"--flow.model={model}", f"--run.output={output}",
                             f"--sample.proposals={proposals}",
                             f"--sample.thermalization={thermalization}",
                             f"--sample.save_every={save_every}",
                             f"--sample.batch={a.sample_batch}",
                             f"--flow.precision={precision}",
                             f"--run.seed={a.flowlat_seed + 1}", "--run.overwrite=true"]
        out, info = run_measured(cmd, self.flowlat_env(), self.path(f"flowlat_{tag}_{n}.log"),
                                 f"flowlat sample ({tag}), {n} rank(s), "
                                 f"{thermalization} + {proposals} proposals, "
                                 f"save_every {save_every}, {precision}")
        # the last progress line: all proposals (thermalization included) over
        # the time since the sampling loop began (after setup and file
        # creation): proposals, MH, per-element records, and every
        # save_every-th element's observables and configuration written
        rates = re.findall(r"\[sample\] (\d+)/(\d+) prop .*?([\d.]+) prop/s", out)
        info["proposals_per_s"] = float(rates[-1][2]) if rates else None
        # flowlat's own summary figure: the same loop plus the end-of-run
        # analysis (Gamma method per observable) and closing the file
        m = re.search(r"flowlat sample: done in ([\d.]+) s \(([\d.]+) proposals/s\)", out)
        info["done_in_proposals_per_s"] = float(m.group(2)) if m else None
        # end to end: the whole command (mpiexec, start-up, model load, file
        # creation, sampling, summary) as a user waits for it
        info["end_to_end_proposals_per_s"] = (proposals + thermalization) / info["wall_s"]
        info.update(precision=precision, save_every=save_every)
        with h5py.File(output, "r") as f:
            s = f["ensemble/summary"].attrs
            info.update(acceptance=float(s["acceptance"]),
                        ess_per_sample=float(s["ess_per_sample"]), output=output,
                        n_records=int(f["ensemble"].attrs["n_records"]))
        return info

    # -- PyTorch -------------------------------------------------------------

    def torch_train(self, n):
        a = self.a
        hist_path = self.path(f"torch_{n}.history.json")
        cmd = [PYTHON, TORCH_REF, "--mode", "train", "--threads", str(n),
               "--dtype", a.torch_dtype,
               "--steps", str(a.steps), "--seed", str(a.torch_seed),
               "--history-out", hist_path, "--ess-window", str(a.ess_window),
               "--ess-target", str(max(a.ess_targets)),
               "--final-proposals", str(a.quality_proposals),
               "--final-thermalization", str(a.thermalization),
               "--sample-batch", str(a.sample_batch)]
        out, info = run_measured(cmd, self.torch_env(n), self.path(f"torch_train_{n}.log"),
                                 f"PyTorch train, {n} thread(s), {a.steps} steps, "
                                 f"{a.torch_dtype}")
        res = last_json(out)
        with open(hist_path) as f:
            hist = json.load(f)
        res.pop("history", None)
        info["result"] = res
        return hist, info

    def torch_proposals(self, n):
        a = self.a
        cmd = [PYTHON, TORCH_REF, "--mode", "bench", "--threads", str(n),
               "--dtype", a.torch_dtype,
               "--figures", "proposals_per_s,chain_per_s",
               "--sample-batch", str(a.sample_batch),
               "--bench-seconds", str(a.torch_bench_seconds),
               "--bench-reps", str(a.reps), "--warmup-seconds", "1",
               "--seed", str(a.torch_seed)]
        out, info = run_measured(cmd, self.torch_env(n), self.path(f"torch_bench_{n}.log"),
                                 f"PyTorch proposals bench, {n} thread(s), {a.torch_dtype}")
        res = last_json(out)
        rates = sorted(r["rate"] for r in res["reps"]["proposals_per_s"])
        chain_rates = sorted(r["rate"] for r in res["reps"]["chain_per_s"])
        info.update(result=res, rates=rates, chain_rates=chain_rates)
        return info

    def torch_crosscheck(self, model, ensemble, tolerance):
        cmd = [PYTHON, TORCH_REF, "--mode", "crosscheck", "--model", model,
               "--ensemble", ensemble, "--tolerance", f"{tolerance:g}"]
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=self.torch_env(1))
        try:
            res = last_json(p.stdout)
        except ValueError:
            res = dict(ok=False, output=p.stdout[-2000:])
        res["command"] = cmd
        return res


# ----------------------------------------------------------------------------
# Figures from the histories (the same computation for both sides)


def running_mean(x, w):
    x = np.asarray(x, dtype=float)
    if len(x) < w:
        return np.array([])
    c = np.cumsum(np.insert(x, 0, 0.0))
    return (c[w:] - c[:-w]) / w   # element i: mean of steps i .. i+w-1 (0-based)


def time_to_ess(hist, target, window):
    """First step at which the mean batch ESS/N of the last `window` steps
    reaches target; its wall time (seconds since training began)."""
    rm = running_mean(hist["ess"], window)
    hit = np.nonzero(rm >= target)[0]
    if len(hit) == 0:
        return None
    i = int(hit[0]) + window - 1            # index of the last step of the window
    return dict(step=int(hist["step"][i]), wall_s=float(hist["wall_time"][i]),
                ess_mean=float(rm[hit[0]]))


def training_rates(hist):
    w = hist["wall_time"]
    n = len(w)
    out = dict(steps=n, wall_s=w[-1], steps_per_s=n / w[-1])
    if n >= 4:   # second half only: no warm-up, no start-up effects
        h = n // 2
        out["steps_per_s_second_half"] = (n - h) / (w[-1] - w[h - 1])
    rm = running_mean(hist["ess"], min(len(hist["ess"]), 50))
    out["final_ess_mean_last_50"] = float(rm[-1]) if len(rm) else None
    out["final_loss_mean_last_50"] = float(np.mean(hist["loss"][-50:]))
    return out


def build_info(flowlat):
    info = dict(binary=os.path.abspath(flowlat))
    try:
        info["version"] = "; ".join(  # two lines: version (commit), simd path
            subprocess.run([flowlat, "version"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True).stdout.strip().splitlines())
    except OSError as e:
        info["version"] = f"cannot run: {e}"
    d = os.path.dirname(os.path.abspath(flowlat))
    while d != "/" and not os.path.exists(os.path.join(d, "CMakeCache.txt")):
        d = os.path.dirname(d)
    cache = os.path.join(d, "CMakeCache.txt")
    if os.path.exists(cache):
        want = ["CMAKE_BUILD_TYPE", "CMAKE_CXX_COMPILER", "CMAKE_CXX_FLAGS",
                "CMAKE_CXX_FLAGS_RELEASE", "FLOWLAT_NATIVE_ARCH"]
        with open(cache) as f:
            for line in f:
                m = re.match(r"^([A-Za-z_]+):[A-Z]+=(.*)$", line.strip())
                if m and m.group(1) in want:
                    info[m.group(1)] = m.group(2)
        info["cmake_cache"] = cache
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                              stdout=subprocess.PIPE, text=True).stdout.strip()
        info["source_head"] = head
    except OSError:
        pass
    return info


# ----------------------------------------------------------------------------
# Report


def fmt(v, spec=".2f"):
    return "n/a" if v is None else format(v, spec)


def ratio(num, den):
    if num is None or den is None or den == 0:
        return None
    return num / den


def print_table(results, a):
    rows = []
    for n, r in results["configs"].items():
        fl, to = r["flowlat"], r["torch"]
        name = f"{n} rank{'s' if int(n) > 1 else ''} vs {n} thread{'s' if int(n) > 1 else ''}"
        rows.append((name, "", "", "", ""))
        fs, ts = fl["training"]["steps_per_s"], to["training"]["steps_per_s"]
        rows.append(("  training steps/s", fmt(fs), fmt(ts), fmt(ratio(fs, ts)) + "x", ">= 3x"))
        se = fl["proposals"]["save_every"]
        fp, tp = fl["proposals"]["best"], to["proposals"]["best"]
        rows.append((f"  proposals/s (best): sample save_every={se} / bare",
                     fmt(fp, ".0f"), fmt(tp, ".0f"), fmt(ratio(fp, tp)) + "x", ">= 5x"))
        fpm, tpm = fl["proposals"]["median"], to["proposals"]["median"]
        rows.append(("  proposals/s (median)", fmt(fpm, ".0f"), fmt(tpm, ".0f"),
                     fmt(ratio(fpm, tpm)) + "x", ""))
        tc = to["chain"]["best"]
        rows.append(("  ... PyTorch + MH + chain kept in memory (best)", fmt(fp, ".0f"),
                     fmt(tc, ".0f"), fmt(ratio(fp, tc)) + "x", ""))
        rows.append(("  flowlat 'done in' rate (+ analysis, close)",
                     fmt(fl["proposals"]["done_in_best"], ".0f"), "", "", ""))
        rows.append(("  flowlat end to end (whole command)",
                     fmt(fl["proposals"]["end_to_end_best"], ".0f"), "", "", ""))
        for t in a.ess_targets:
            k = f"{t:g}"
            f_hit, t_hit = fl["time_to_ess"][k], to["time_to_ess"][k]
            fs_ = "not reached" if f_hit is None else f"{f_hit['wall_s']:.1f} s @{f_hit['step']}"
            ts_ = "not reached" if t_hit is None else f"{t_hit['wall_s']:.1f} s @{t_hit['step']}"
            rr = ratio(t_hit and t_hit["wall_s"], f_hit and f_hit["wall_s"])
            rows.append((f"  time to ESS/N({a.ess_window}) >= {k}", fs_, ts_,
                         fmt(rr) + "x" if rr else "n/a", "(PyTorch/flowlat)"))
        rows.append(("  training ESS/N (mean, last 50)",
                     fmt(fl["training"]["final_ess_mean_last_50"], ".4f"),
                     fmt(to["training"]["final_ess_mean_last_50"], ".4f"), "", ""))
        rows.append((f"  fresh ESS/N (N = {a.quality_proposals})",
                     fmt(fl["quality"]["ess_per_sample"], ".4f"),
                     fmt(to["quality"]["ess_per_sample"], ".4f"), "", ""))
        rows.append(("  MH acceptance", fmt(fl["quality"]["acceptance"], ".4f"),
                     fmt(to["quality"]["acceptance"], ".4f"), "", ""))
        rows.append(("  conv GFLOP/s in proposals",
                     fmt(fl["conv_gflops_in_proposals"], ".2f"),
                     fmt(to["conv_gflops_in_proposals"], ".2f"), "", "(lower bound)"))
        pct = lambda g, pk: None if g is None or not pk else g / int(n) / pk * 100
        mp = results.get("measured_fma_peak")
        if mp:
            pf, pt = mp[fl["precision"]], mp[to["precision"]]
            rows.append((f"  ... per core, fraction of the measured FMA peak ({pf:.0f} | "
                         f"{pt:.0f} GFLOP/s, bench/fma_peak)",
                         fmt(pct(fl["conv_gflops_in_proposals"], pf), ".1f") + " %",
                         fmt(pct(to["conv_gflops_in_proposals"], pt), ".1f") + " %", "", ">= 30 %"))
        pk = results["peak_gflops_per_core"]
        if pk:
            pf, pt = peak_for(pk, fl["precision"]), peak_for(pk, to["precision"])
            rows.append((f"  ... per core, fraction of the assumed peak (nominal clock: "
                         f"{pf:.0f} | {pt:.0f} GFLOP/s)",
                         fmt(pct(fl["conv_gflops_in_proposals"], pf), ".1f") + " %",
                         fmt(pct(to["conv_gflops_in_proposals"], pt), ".1f") + " %", "", ""))
        p2 = results["peak_gflops_per_core_sse2"]
        if p2:
            pf, pt = peak_for(p2, fl["precision"]), peak_for(p2, to["precision"])
            rows.append((f"  ... per core, of the SSE2 peak (add+mul x nominal clock: "
                         f"{pf:.0f} | {pt:.0f} GFLOP/s)",
                         fmt(pct(fl["conv_gflops_in_proposals"], pf), ".1f") + " %",
                         fmt(pct(to["conv_gflops_in_proposals"], pt), ".1f") + " %", "", ""))
        busy = [x["other_processes_cores"] for x in r["runs"]
                if x.get("other_processes_cores") is not None]
        rows.append(("  max other-process load", fmt(max(busy) if busy else None), "", "",
                     "cores; > 0.15: contended"))
    head = ("", f"flowlat {results['flowlat_precision']}",
            f"PyTorch {results['torch_dtype']}", "ratio", "target")
    w = [max(len(str(row[i])) for row in rows + [head]) for i in range(5)]
    line = lambda r: "  ".join(str(r[i]).ljust(w[i]) if i == 0 else str(r[i]).rjust(w[i])
                               for i in range(5))
    print()
    print(line(head))
    print("-" * (sum(w) + 8))
    for r in rows:
        print(line(r))
    print()


# ----------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="flowlat vs the PyTorch reference, side by side (bench/README_torch.md)")
    p.add_argument("--quick", action="store_true",
                   help="short runs to check that everything works: 200 training "
                        "steps, 2000 quality proposals, 1 repetition of each bench")
    p.add_argument("--flowlat", default=os.path.join(ROOT, "build", "flowlat"),
                   help="the flowlat binary (default build/flowlat; a Release build)")
    p.add_argument("--configs", default="1,2",
                   help="ranks = threads to compare, comma-separated (default 1,2)")
    p.add_argument("--steps", type=int, default=None,
                   help="training steps on both sides (default 2500, --quick 200)")
    p.add_argument("--ess-targets", default=None,
                   help="ESS/N levels for the time-to-ESS figure (default "
                        "0.1,0.2,0.3; --quick 0.05,0.1)")
    p.add_argument("--ess-window", type=int, default=50,
                   help="steps in the running mean of the batch ESS/N")
    p.add_argument("--quality-proposals", type=int, default=None,
                   help="fresh proposals for the final ESS/N and acceptance "
                        "(default 20000 as inputs/phi4_sample.ini, --quick 2000)")
    p.add_argument("--thermalization", type=int, default=100)
    p.add_argument("--sample-batch", type=int, default=256,
                   help="proposals per block on both sides (sample.batch)")
    p.add_argument("--bench-proposals", type=int, default=None,
                   help="flowlat proposals per proposals/s run (default 50000, "
                        "--quick 10000; at float32 and save_every = 1 a run of 50000 "
                        "takes ~5-10 s on one core)")
    p.add_argument("--reps", type=int, default=None,
                   help="repetitions of each proposals/s measurement (default 3, --quick 1)")
    p.add_argument("--torch-bench-seconds", type=float, default=None,
                   help="seconds per PyTorch proposals repetition (default 5, --quick 2)")
    p.add_argument("--torch-dtype", choices=["float32", "float64"], default="float32",
                   help="PyTorch's precision (torch_reference.py --dtype) for training "
                        "and proposals; default float32, as PyTorch users run it")
    p.add_argument("--flowlat-precision", choices=["float32", "float64"], default="float32",
                   help="flowlat's flow.precision for train and the timed samples "
                        "(--flow.precision=...); default float32, flowlat's default")
    p.add_argument("--sample-save-every", type=int, default=1,
                   help="sample.save_every of the timed flowlat proposals/s runs: 1 "
                        "(default) measures and writes every chain element, as a user "
                        "runs it; 0 = the number of proposals (the figure of the "
                        "2026-11-29 comparison: no per-element observables or "
                        "configuration writes)")
    p.add_argument("--crosscheck-proposals", type=int, default=2000,
                   help="proposals of the float64 flowlat sample the crosscheck "
                        "compares (when --flowlat-precision is float32; otherwise the "
                        "quality sample)")
    p.add_argument("--float32-tolerance", type=float, default=1e-5,
                   help="relative tolerance of the second crosscheck: the float32 "
                        "quality sample against PyTorch float64")
    p.add_argument("--flowlat-seed", type=int, default=1)
    p.add_argument("--torch-seed", type=int, default=1234)
    p.add_argument("--torch-blas-dir", default=None,
                   help="a directory put first on PyTorch's LD_LIBRARY_PATH, e.g. "
                        "an unpacked libopenblas0-pthread (bench/README_torch.md); "
                        "default: the system's BLAS as installed")
    p.add_argument("--mpiexec", default="mpiexec")
    p.add_argument("--mpi-bind", default="none",
                   help="mpiexec --bind-to value ('' for OpenMPI's default); "
                        "default none, as PyTorch's threads are not bound")
    p.add_argument("--peak-gflops-per-core", type=float, default=None,
                   help="the core's double-precision peak (float32: twice); default: "
                        "assumed from /proc/cpuinfo (nominal clock x widest SIMD, 2 FMA "
                        "units)")
    p.add_argument("--fma-peak", default=os.path.join(ROOT, "build-bench", "bench", "fma_peak"),
                   help="bench/fma_peak, the core's measured multiply-add peak for the "
                        "fraction-of-peak rows (built with -DFLOWLAT_ENABLE_BENCHMARKS=ON; "
                        "skipped where missing)")
    p.add_argument("--no-crosscheck", action="store_true",
                   help="skip the check that the PyTorch flow loaded with flowlat's "
                        "trained parameters reproduces flowlat's log-weights")
    p.add_argument("--workdir", default=os.path.join(ROOT, "runs", "compare_torch"))
    p.add_argument("--json", default=None,
                   help="output JSON (default WORKDIR/compare_torch[_quick].json)")
    a = p.parse_args(argv)
    q = a.quick
    a.steps = a.steps or (200 if q else 2500)
    a.quality_proposals = a.quality_proposals or (2000 if q else 20000)
    a.bench_proposals = a.bench_proposals or (10000 if q else 50000)
    a.reps = a.reps or (1 if q else 3)
    a.torch_bench_seconds = a.torch_bench_seconds or (2.0 if q else 5.0)
    a.ess_targets = a.ess_targets or ("0.05,0.1" if q else "0.1,0.2,0.3")
    a.configs = [int(x) for x in a.configs.split(",") if x.strip()]
    if a.sample_save_every < 0:
        p.error("--sample-save-every must be >= 0")
    a.ess_targets = [float(x) for x in a.ess_targets.split(",") if x.strip()]
    a.workdir = os.path.abspath(a.workdir)
    a.flowlat = os.path.abspath(a.flowlat)
    a.json = a.json or os.path.join(a.workdir, "compare_torch" + ("_quick" if q else "") + ".json")
    if not os.access(a.flowlat, os.X_OK):
        p.error(f"{a.flowlat}: not an executable; build it: cmake -S . -B build && "
                f"cmake --build build -j2 --target flowlat")
    return a


def main(argv=None):
    a = parse_args(argv)
    os.makedirs(a.workdir, exist_ok=True)
    sides = Sides(a)
    cpu = cpu_info()
    peak, peak_sse2 = assumed_peak_gflops_per_core(cpu)
    peak_given = a.peak_gflops_per_core is not None
    if peak_given:
        peak = a.peak_gflops_per_core
    build = build_info(a.flowlat)
    fma_peak = measured_peak(a.fma_peak)
    print(f"[compare] measured FMA peak per core: {fma_peak} ({a.fma_peak})", flush=True)
    fl_flop = conv_flop_per_config()
    print(f"[compare] flowlat build: {build.get('version')}, {build.get('CMAKE_BUILD_TYPE')} "
          f"({build.get('CMAKE_CXX_FLAGS_RELEASE')} {build.get('CMAKE_CXX_FLAGS')}), "
          f"FLOWLAT_NATIVE_ARCH={build.get('FLOWLAT_NATIVE_ARCH')}; source HEAD "
          f"{build.get('source_head')}", flush=True)
    print(f"[compare] CPU: {cpu.get('model_name')}, {cpu.get('n_cpus')} cpus, "
          f"{cpu.get('mhz')} MHz, SIMD {cpu.get('simd')}; peak DP per core "
          f"{fmt(peak, '.1f')} GFLOP/s ({'given' if peak_given else 'assumed'}), "
          f"SSE2 {fmt(peak_sse2, '.1f')}", flush=True)
    print(f"[compare] {'QUICK' if a.quick else 'FULL'}: {a.steps} training steps, "
          f"{a.quality_proposals} quality proposals, configs {a.configs}; flowlat "
          f"flow.precision={a.flowlat_precision}, sample save_every="
          f"{a.sample_save_every or a.bench_proposals}; PyTorch {a.torch_dtype}; "
          f"loadavg {loadavg()}", flush=True)
    t_start = time.perf_counter()
    results = dict(mode="quick" if a.quick else "full", args=vars(a), build=build, cpu=cpu,
                   peak_gflops_per_core=peak, peak_gflops_per_core_given=peak_given,
                   peak_gflops_per_core_sse2=peak_sse2, measured_fma_peak=fma_peak,
                   conv_flop_per_config=fl_flop,
                   torch_dtype=a.torch_dtype, flowlat_precision=a.flowlat_precision,
                   sample_save_every=a.sample_save_every or a.bench_proposals,
                   started_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   loadavg_start=loadavg(), configs={})
    for n in a.configs:
        runs = []
        # --- training, one side after the other
        fh, finfo = sides.flowlat_train(n)
        runs.append(dict(finfo, what="flowlat train"))
        th, tinfo = sides.torch_train(n)
        runs.append(dict({k: v for k, v in tinfo.items() if k != "result"}, what="torch train"))
        # --- quality: fresh independence-MH chain after the budget
        fq = sides.flowlat_sample(n, finfo["model"], a.quality_proposals, a.thermalization,
                                  1, "quality")
        runs.append(dict(fq, what="flowlat sample (quality)"))
        tres = tinfo["result"]
        # --- proposals/s
        save_every = a.sample_save_every or a.bench_proposals
        frates, fdone, fe2e = [], [], []
        for rep in range(a.reps):
            fb = sides.flowlat_sample(n, finfo["model"], a.bench_proposals, 0,
                                      save_every, "proposals")
            runs.append(dict(fb, what=f"flowlat sample (proposals/s, rep {rep + 1})"))
            frates.append(fb["proposals_per_s"])
            fdone.append(fb["done_in_proposals_per_s"])
            fe2e.append(fb["end_to_end_proposals_per_s"])
        frates = sorted(x for x in frates if x is not None)
        fdone = sorted(x for x in fdone if x is not None)
        fe2e = sorted(fe2e)
        tb = sides.torch_proposals(n)
        runs.append(dict({k: v for k, v in tb.items() if k not in ("result",)},
                         what="torch proposals bench"))
        trates, tchain = tb["rates"], tb["chain_rates"]
        med = lambda v: v[len(v) // 2] if v else None
        stores = ("every chain element's configuration (float64) and observables "
                  "measured and written to the HDF5 file" if save_every == 1 else
                  f"every {save_every}-th chain element's configuration and observables "
                  f"written" + (" (none but the last: the old proposals-only figure)"
                                if save_every >= a.bench_proposals else ""))
        fprop = dict(best=frates[-1] if frates else None, median=med(frates), all=frates,
                     done_in_best=fdone[-1] if fdone else None, done_in_all=fdone,
                     end_to_end_best=fe2e[-1] if fe2e else None, end_to_end_all=fe2e,
                     save_every=save_every, precision=a.flowlat_precision,
                     method=f"flowlat sample --flow.precision={a.flowlat_precision}, "
                            f"{a.bench_proposals} proposals in blocks of {a.sample_batch}, "
                            f"save_every = {save_every}: prior, flow, action, log-weight, "
                            f"the log-weights of each block gathered on every rank, the MH "
                            f"decisions, the kept configurations sent to rank 0, a "
                            f"record per element (log-weight, accept flag, chain state's "
                            f"log-weight), and {stores}; 'best'/'median': the rate of the "
                            f"sampling loop (its last progress line); 'done_in': flowlat's "
                            f"summary figure (also the end-of-run analysis and closing the "
                            f"file); 'end_to_end': proposals / wall time of the command")
        tprop = dict(best=trates[-1], median=med(trates), all=trates,
                     precision=a.torch_dtype,
                     method=f"torch_reference.py --mode bench --dtype {a.torch_dtype}, "
                            f"proposals_per_s: blocks of {a.sample_batch} under no_grad: "
                            f"prior draw, flow forward (log q), action, log-weight "
                            f"w = -S - log q; nothing stored (each block is dropped), no MH; "
                            f"{a.reps} reps x >= {a.torch_bench_seconds} s, best and median")
        tchainp = dict(best=tchain[-1], median=med(tchain), all=tchain,
                       precision=a.torch_dtype,
                       method=f"torch_reference.py --mode bench --dtype {a.torch_dtype}, "
                              f"chain_per_s: proposals_per_s plus the independence MH "
                              f"decisions over each block (per-proposal Python loop, as the "
                              f"tutorial) and every chain element's configuration and "
                              f"log-weight copied into an in-memory ring buffer; no "
                              f"observables, no file")
        r = dict(
            flowlat=dict(
                training=training_rates(fh),
                printed_steps_per_s=finfo["printed_steps_per_s"],
                time_to_ess={f"{t:g}": time_to_ess(fh, t, a.ess_window) for t in a.ess_targets},
                quality=dict(ess_per_sample=fq["ess_per_sample"], acceptance=fq["acceptance"],
                             N=a.quality_proposals, thermalization=a.thermalization,
                             end_to_end_proposals_per_s=fq["proposals_per_s"]),
                proposals=fprop,
                precision=a.flowlat_precision,
                conv_gflops_in_proposals=None if fprop["best"] is None
                else fprop["best"] * fl_flop / 1e9,
                history_source=finfo["model"] + ":/training/history"),
            torch=dict(
                training=training_rates(th),
                time_to_ess={f"{t:g}": time_to_ess(th, t, a.ess_window) for t in a.ess_targets},
                quality=dict(ess_per_sample=tres["final_ess_per_sample"],
                             acceptance=tres["final_mh_acceptance"], N=tres["final_N"],
                             thermalization=tres["final_thermalization"],
                             proposals_per_s_during_final_sampling=tres[
                                 "final_proposals_per_s"]),
                proposals=tprop,
                chain=tchainp,
                conv_gflops_in_proposals=tprop["best"] * fl_flop / 1e9,
                config=tres["config"], precision=a.torch_dtype,
                history_source=tinfo.get("log")),
            runs=runs)
        r["ratios"] = dict(
            training_steps_per_s=ratio(r["flowlat"]["training"]["steps_per_s"],
                                       r["torch"]["training"]["steps_per_s"]),
            proposals_per_s_best=ratio(fprop["best"], tprop["best"]),
            proposals_per_s_median=ratio(fprop["median"], tprop["median"]),
            proposals_per_s_best_vs_torch_chain=ratio(fprop["best"], tchainp["best"]),
            time_to_ess_torch_over_flowlat={
                k: ratio(r["torch"]["time_to_ess"][k] and r["torch"]["time_to_ess"][k]["wall_s"],
                         r["flowlat"]["time_to_ess"][k] and
                         r["flowlat"]["time_to_ess"][k]["wall_s"])
                for k in r["flowlat"]["time_to_ess"]})
        if n == a.configs[0] and not a.no_crosscheck:
            # The function, not the speed: flowlat's networks in float64 against
            # the PyTorch flow in float64, to rounding (tolerance 1e-10).  The
            # quality sample serves when it already ran in float64; otherwise a
            # separate float64 sample of the same model.
            if a.flowlat_precision == "float64":
                cc_ens = fq["output"]
            else:
                fc = sides.flowlat_sample(n, finfo["model"], a.crosscheck_proposals,
                                          a.thermalization, 1, "crosscheck", "float64")
                runs.append(dict(fc, what="flowlat sample (crosscheck, float64; not timed)"))
                cc_ens = fc["output"]
            r["crosscheck"] = sides.torch_crosscheck(finfo["model"], cc_ens, 1e-10)
            cc = r["crosscheck"]
            print(f"[compare] crosscheck (PyTorch float64 flow with flowlat's parameters "
                  f"recomputes the log-weights of flowlat sample --flow.precision=float64, "
                  f"tolerance 1e-10): ok={cc.get('ok')}, {cc.get('results')}", flush=True)
            if a.flowlat_precision == "float32":
                # and the timed precision: the float32 quality sample against the
                # same float64 PyTorch flow, at float32 tolerance
                r["crosscheck_float32"] = sides.torch_crosscheck(
                    finfo["model"], fq["output"], a.float32_tolerance)
                cc = r["crosscheck_float32"]
                print(f"[compare] crosscheck of the float32 quality sample (PyTorch float64, "
                      f"tolerance {a.float32_tolerance:g}): ok={cc.get('ok')}, "
                      f"{cc.get('results')}", flush=True)
        busy = [x["other_processes_cores"] for x in runs
                if x.get("other_processes_cores") is not None]
        r["contended"] = bool(busy) and max(busy) > 0.15
        results["configs"][str(n)] = r
        with open(a.json, "w") as f:   # partial results survive an interruption
            json.dump(results, f, indent=1)
    results["total_wall_s"] = time.perf_counter() - t_start
    results["loadavg_end"] = loadavg()
    with open(a.json, "w") as f:
        json.dump(results, f, indent=1)
    print_table(results, a)
    for n, r in results["configs"].items():
        for key, what in [("crosscheck", "flowlat float64 vs PyTorch float64"),
                          ("crosscheck_float32", "flowlat float32 vs PyTorch float64")]:
            cc = r.get(key)
            if cc is None:
                continue
            res = cc.get("results", {})
            print(f"{key} ({what}, {n}-rank model, tolerance {res.get('tolerance')}): "
                  f"ok={cc.get('ok')}, max |dw| {fmt(res.get('max_abs_err_log_weight'), '.2g')}"
                  f" (relative {fmt(res.get('max_rel_err_log_weight'), '.2g')}), "
                  f"{res.get('n_configs')} states, {res.get('n_distinct')} distinct")
            if not cc.get("ok"):
                print(f"WARNING: {key} failed: see the JSON")
    if any(r["contended"] for r in results["configs"].values()):
        print("WARNING: other processes used CPU during some runs (see 'max other-process "
              "load'): the timings are not reliable; rerun on a quiet machine.")
    print(f"[compare] total {results['total_wall_s']:.0f} s; JSON: {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
