#!/usr/bin/python3
"""flowlat against the PyTorch reference for the U(1) gauge-equivariant flow
(bench/torch_u1_reference.py), side by side on this machine (issue 8,
"Performance").

The tutorial's U(1) model (arXiv:2101.08176): L = 8, beta = 2, 16 NCP
couplings with 2 components, nets 2 -> 8 -> 8 -> 3, kernel 3, batch 64;
flowlat's default training (Adam lr 5e-3, cosine, clip 5) on both sides.
Each side at its default precision, as users run it: flowlat's flow.precision
= float32 (--flowlat-precision float64 for double networks), PyTorch in
float32 as the tutorial runs it (--torch-dtype float64).
For n in --configs (default 1 and 2): n MPI ranks against n PyTorch threads,
one program at a time, each measurement --repeats times (default 2), with

  * training steps/s: S / wall time after step S, from each side's per-step
    history (flowlat: /training/history/wall_time; PyTorch: --history-out);
  * proposals/s of `flowlat sample` as a user runs it (sample.save_every = 1:
    every chain element's configuration and observables written) and, for
    reference, with save_every = proposals (proposals, MH and records only);
    PyTorch: batched prior + flow + action + log-weight under no_grad, nothing
    stored (torch_u1_reference.py --mode bench, proposals_per_s), and the same
    plus the MH decisions and every chain element kept in memory (chain_per_s);
  * the ratios flowlat / PyTorch for the same n, per repeat (a range);
  * the load averages before and after every run and the CPU cores other
    processes used meanwhile (> 0.15: contended, the timings are not reliable).

Then (--no-check to skip) torch_u1_reference.py --mode check on the model
the 1-rank flowlat training wrote and a save_every = 1 sample of it made with
flow.precision = float64 (not timed): the PyTorch flow in float64 with
flowlat's parameters recomputes flowlat's log-weights to 1e-10 (the function,
not the speed; a float32 sample agrees only to float32 rounding).

    /usr/bin/python3 bench/compare_torch_u1.py            # ~6-10 min on 2 cores
    /usr/bin/python3 bench/compare_torch_u1.py --quick    # ~2-3 min: everything once, short

Writes runs/compare_torch_u1/compare_torch_u1[_quick].json (every command,
figure and load figure) and per-run logs beside it.  bench/README_torch.md.
"""

import argparse
import json
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import time

import h5py

from machine_state import loadavg, system_busy_seconds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REF = os.path.join(HERE, "torch_u1_reference.py")
PYTHON = "/usr/bin/python3"


def run_measured(cmd, env, log_path, label):
    """Runs cmd; returns (output, info: wall, CPU of the command and its
    children, CPU cores other processes used meanwhile, load averages)."""
    print(f"[u1] {label}: {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
    la0, r0, s0 = loadavg(), resource.getrusage(resource.RUSAGE_CHILDREN), system_busy_seconds()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    s1, r1, la1 = system_busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN), loadavg()
    with open(log_path, "w") as f:
        f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-4000:])
        raise SystemExit(f"[u1] {label} failed (exit {p.returncode}); log {log_path}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    others = None if s0 is None else max(0.0, ((s1 - s0) - cpu) / wall)
    info = dict(label=label, command=cmd, log=log_path, wall_s=wall, cpu_s=cpu,
                other_processes_cores=others, loadavg_before=la0, loadavg_after=la1)
    print(f"[u1]   {wall:.1f} s wall, {cpu:.1f} s CPU, other processes "
          f"{'?' if others is None else format(others, '.2f')} cores, loadavg {la0} -> {la1}",
          flush=True)
    return p.stdout, info


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


def build_info(flowlat):
    info = dict(binary=flowlat)
    try:
        info["version"] = subprocess.run([flowlat, "version"], stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True).stdout.strip()
    except OSError as e:
        info["version"] = f"cannot run: {e}"
    cache = os.path.join(os.path.dirname(flowlat), "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            for line in f:
                m = re.match(r"^(CMAKE_BUILD_TYPE|CMAKE_CXX_FLAGS_RELEASE|FLOWLAT_NATIVE_ARCH)"
                             r":[A-Z]+=(.*)$", line.strip())
                if m:
                    info[m.group(1)] = m.group(2)
    info["source_head"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                                         stdout=subprocess.PIPE, text=True).stdout.strip()
    return info


class Runner:
    def __init__(self, a):
        self.a = a
        self.root = os.geteuid() == 0
        self.runs = []

    def path(self, name):
        return os.path.join(self.a.workdir, name)

    def mpi(self, n):
        cmd = shlex.split(self.a.mpiexec) + ["-n", str(n), "--bind-to", "none"]
        return cmd + (["--allow-run-as-root"] if self.root else [])

    def flowlat_env(self):
        env = dict(os.environ, OMP_NUM_THREADS="1")
        if self.root:
            env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        return env

    def torch_env(self, n):
        return dict(os.environ, OMP_NUM_THREADS=str(n), MKL_NUM_THREADS="1",
                    OPENBLAS_NUM_THREADS="1")

    def measured(self, cmd, env, log, label, **extra):
        out, info = run_measured(cmd, env, self.path(log), label)
        info.update(extra)
        self.runs.append(info)
        return out, info

    def flowlat_train(self, n, rep):
        a = self.a
        model = self.path(f"flowlat_{n}_r{rep}.model.h5")
        cmd = self.mpi(n) + [a.flowlat, "train", "--config", "inputs/u1_train.ini",
                             f"--train.steps={a.steps}", "--train.batch=64",  # as PyTorch's
                             f"--flow.model={model}",
                             f"--train.log_every={max(1, a.steps // 5)}",
                             f"--flow.precision={a.flowlat_precision}",
                             "--run.overwrite=true", "--run.seed=1"]
        self.measured(cmd, self.flowlat_env(), f"flowlat_train_{n}_r{rep}.log",
                      f"flowlat train, {n} rank(s), {a.steps} steps", n=n, rep=rep,
                      what="flowlat train")
        with h5py.File(model, "r") as f:
            h = f["training/history"]
            wall = h["wall_time"][:]
            ess = h["ess"][:]
        k = len(wall) // 2
        return dict(steps_per_s=len(wall) / wall[-1],
                    steps_per_s_second_half=(len(wall) - k) / (wall[-1] - wall[k - 1]),
                    final_ess_mean_last_50=float(ess[-50:].mean()), model=model)

    def torch_train(self, n, rep):
        a = self.a
        hist = self.path(f"torch_{n}_r{rep}.history.json")
        cmd = [PYTHON, REF, "--mode", "train", "--threads", str(n), "--steps", str(a.steps),
               "--dtype", a.torch_dtype, "--history-out", hist, "--seed", str(1234 + rep),
               "--log-every", str(max(1, a.steps // 5)), "--final-proposals", "256",
               "--final-thermalization", "0"]
        out, _ = self.measured(cmd, self.torch_env(n), f"torch_train_{n}_r{rep}.log",
                               f"PyTorch train, {n} thread(s), {a.steps} steps", n=n,
                               rep=rep, what="torch train")
        with open(hist) as f:
            h = json.load(f)
        wall, ess = h["wall_time"], h["ess"]
        k = len(wall) // 2
        return dict(steps_per_s=len(wall) / wall[-1],
                    steps_per_s_second_half=(len(wall) - k) / (wall[-1] - wall[k - 1]),
                    final_ess_mean_last_50=sum(ess[-50:]) / len(ess[-50:]))

    def flowlat_sample(self, n, rep, model, save_every, tag, precision=None, proposals=None):
        a = self.a
        precision = precision or a.flowlat_precision
        out_file = self.path(f"flowlat_{tag}_{n}_r{rep}.h5")
        N = proposals or a.proposals
        cmd = self.mpi(n) + [a.flowlat, "sample", "--config", "inputs/u1_sample.ini",
                             f"--flow.model={model}", f"--run.output={out_file}",
                             f"--sample.proposals={N}", "--sample.thermalization=100",
                             f"--sample.save_every={save_every if save_every else N}",
                             "--sample.batch=256", f"--flow.precision={precision}",
                             "--run.overwrite=true"]
        out, info = self.measured(cmd, self.flowlat_env(), f"flowlat_{tag}_{n}_r{rep}.log",
                                  f"flowlat sample ({tag}), {n} rank(s), 100 + {N}, "
                                  f"{precision}", n=n, rep=rep, what=f"flowlat sample {tag}")
        m = re.search(r"flowlat sample: done in ([\d.]+) s \(([\d.]+) proposals/s\)", out)
        loop = re.findall(r"\[sample\] (\d+)/(\d+) prop .*?([\d.]+) prop/s", out)
        with h5py.File(out_file, "r") as f:
            acc = float(f["ensemble/summary"].attrs["acceptance"])
        # proposals_per_s: flowlat's own summary figure (the sampling loop, the
        # end-of-run analysis and closing the file); loop_proposals_per_s: its
        # last progress line (the loop alone, as compare_torch.py's headline)
        return dict(proposals_per_s=float(m.group(2)) if m else None,
                    loop_proposals_per_s=float(loop[-1][2]) if loop else None,
                    end_to_end_per_s=(N + 100) / info["wall_s"], acceptance=acc,
                    output=out_file, precision=precision)

    def torch_proposals(self, n, rep):
        a = self.a
        cmd = [PYTHON, REF, "--mode", "bench", "--threads", str(n), "--dtype", a.torch_dtype,
               "--figures", "proposals_per_s,chain_per_s", "--sample-batch", "256",
               "--bench-seconds", str(a.torch_bench_seconds), "--bench-reps", "3",
               "--warmup-seconds", "1"]
        out, _ = self.measured(cmd, self.torch_env(n), f"torch_bench_{n}_r{rep}.log",
                               f"PyTorch proposals, {n} thread(s)", n=n, rep=rep,
                               what="torch proposals")
        res = last_json(out)
        return dict(proposals_per_s=res["results"]["proposals_per_s"],
                    proposals_per_s_median=res["results_median"]["proposals_per_s"],
                    chain_per_s=res["results"]["chain_per_s"],
                    chain_per_s_median=res["results_median"]["chain_per_s"])

    def check(self, model, ensemble):
        cmd = [PYTHON, REF, "--mode", "check", "--model", model, "--ensemble", ensemble]
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=self.torch_env(1))
        try:
            res = last_json(p.stdout)
        except ValueError:
            res = dict(ok=False, output=p.stdout[-2000:])
        res["command"] = cmd
        return res


def span(values, fmt=".1f"):
    v = sorted(x for x in values if x is not None)
    if not v:
        return "n/a"
    return format(v[0], fmt) if len(v) == 1 or format(v[0], fmt) == format(v[-1], fmt) \
        else f"{v[0]:{fmt}}–{v[-1]:{fmt}}"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="everything once and short: 100 steps, 1000 proposals, 1 repeat")
    p.add_argument("--flowlat", default=os.path.join(ROOT, "build", "flowlat"))
    p.add_argument("--configs", default="1,2", help="ranks = threads, comma-separated")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 500)")
    p.add_argument("--proposals", type=int, default=None,
                   help="proposals per flowlat sample run (default 20000: ~5 s at "
                        "float32; 5000 before issue 9)")
    p.add_argument("--repeats", type=int, default=None, help="default 2")
    p.add_argument("--torch-bench-seconds", type=float, default=None, help="default 4")
    p.add_argument("--torch-dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--flowlat-precision", choices=["float32", "float64"], default="float32",
                   help="flowlat's flow.precision for train and the timed samples "
                        "(default float32, flowlat's default)")
    p.add_argument("--check-proposals", type=int, default=2000,
                   help="proposals of the float64 flowlat sample the check compares")
    p.add_argument("--mpiexec", default="mpiexec")
    p.add_argument("--no-check", action="store_true")
    p.add_argument("--workdir", default=os.path.join(ROOT, "runs", "compare_torch_u1"))
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    q = a.quick
    a.steps = a.steps or (100 if q else 500)
    a.proposals = a.proposals or (1000 if q else 20000)
    a.repeats = a.repeats or (1 if q else 2)
    a.torch_bench_seconds = a.torch_bench_seconds or (2.0 if q else 4.0)
    a.configs = [int(x) for x in a.configs.split(",") if x.strip()]
    a.workdir = os.path.abspath(a.workdir)
    a.flowlat = os.path.abspath(a.flowlat)
    a.json = a.json or os.path.join(a.workdir, "compare_torch_u1" + ("_quick" if q else "")
                                    + ".json")
    if not os.access(a.flowlat, os.X_OK):
        p.error(f"{a.flowlat}: not an executable (cmake --build build -j2 --target flowlat)")
    return a


def main(argv=None):
    a = parse_args(argv)
    os.makedirs(a.workdir, exist_ok=True)
    r = Runner(a)
    build = build_info(a.flowlat)
    print(f"[u1] flowlat {build.get('version')} {build.get('CMAKE_BUILD_TYPE')} "
          f"native={build.get('FLOWLAT_NATIVE_ARCH')}, source {build.get('source_head')}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus; "
          f"{a.steps} steps, {a.proposals} proposals, {a.repeats} repeat(s), flowlat "
          f"flow.precision={a.flowlat_precision}, PyTorch {a.torch_dtype}; "
          f"loadavg {loadavg()}", flush=True)
    results = dict(args=vars(a), build=build, flowlat_precision=a.flowlat_precision,
                   torch_dtype=a.torch_dtype,
                   started_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   loadavg_start=loadavg(), configs={}, runs=r.runs)
    t_start = time.perf_counter()
    for n in a.configs:
        reps = []
        for rep in range(a.repeats):
            ft = r.flowlat_train(n, rep)
            tt = r.torch_train(n, rep)
            fs1 = r.flowlat_sample(n, rep, ft["model"], 1, "save1")
            fsN = r.flowlat_sample(n, rep, ft["model"], None, "saveN")
            tp = r.torch_proposals(n, rep)
            one = dict(flowlat_train=ft, torch_train=tt, flowlat_sample_save1=fs1,
                       flowlat_sample_saveN=fsN, torch_proposals=tp)
            one["ratios"] = dict(
                training_steps_per_s=ft["steps_per_s"] / tt["steps_per_s"],
                proposals_save1=(fs1["proposals_per_s"] or 0) / tp["proposals_per_s"],
                proposals_saveN=(fsN["proposals_per_s"] or 0) / tp["proposals_per_s"],
                proposals_save1_vs_torch_chain=(fs1["proposals_per_s"] or 0)
                / tp["chain_per_s"])
            reps.append(one)
            if n == a.configs[0] and rep == 0 and not a.no_check:
                if a.flowlat_precision == "float64":
                    ens = fs1["output"]
                else:   # the function, not the speed: a float64 sample, not timed
                    ens = r.flowlat_sample(n, rep, ft["model"], 1, "check", "float64",
                                           a.check_proposals)["output"]
                cc = r.check(ft["model"], ens)
                results["check"] = cc
                print(f"[u1] check (PyTorch float64 flow with flowlat's trained parameters "
                      f"recomputes the log-weights of a flowlat sample with "
                      f"flow.precision=float64): ok={cc.get('ok')}, {cc.get('results')}",
                      flush=True)
        results["configs"][str(n)] = reps
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    results["total_wall_s"] = time.perf_counter() - t_start
    results["loadavg_end"] = loadavg()
    with open(a.json, "w") as f:
        json.dump(results, f, indent=1)

    rows = [("figure", "n", "flowlat " + a.flowlat_precision, "PyTorch " + a.torch_dtype,
             "ratio")]
    for n, reps in results["configs"].items():
        g = lambda *k: [x for x in (_dig(rep, k) for rep in reps)]
        rows += [
            ("training steps/s", n, span(g("flowlat_train", "steps_per_s")),
             span(g("torch_train", "steps_per_s"), ".2f"),
             span(g("ratios", "training_steps_per_s"), ".2f") + "x"),
            ("proposals/s, sample save_every=1", n,
             span(g("flowlat_sample_save1", "proposals_per_s"), ".0f"),
             span(g("torch_proposals", "proposals_per_s"), ".0f"),
             span(g("ratios", "proposals_save1"), ".2f") + "x"),
            ("proposals/s, sample save_every=N", n,
             span(g("flowlat_sample_saveN", "proposals_per_s"), ".0f"),
             span(g("torch_proposals", "proposals_per_s"), ".0f"),
             span(g("ratios", "proposals_saveN"), ".2f") + "x"),
            ("save_every=1 vs PyTorch + MH + chain in memory", n,
             span(g("flowlat_sample_save1", "proposals_per_s"), ".0f"),
             span(g("torch_proposals", "chain_per_s"), ".0f"),
             span(g("ratios", "proposals_save1_vs_torch_chain"), ".2f") + "x"),
        ]
    w = [max(len(str(row[i])) for row in rows) for i in range(5)]
    print()
    for row in rows:
        print("  ".join(str(row[i]).ljust(w[i]) if i < 2 else str(row[i]).rjust(w[i])
                        for i in range(5)))
    oth = [x["other_processes_cores"] for x in r.runs if x["other_processes_cores"] is not None]
    las = [x["loadavg_before"][0] for x in r.runs if x["loadavg_before"]] + \
          [x["loadavg_after"][0] for x in r.runs if x["loadavg_after"]]
    print(f"\nother processes during the runs: {span(oth, '.2f')} cores; 1-min load "
          f"average {span(las, '.2f')}")
    if oth and max(oth) > 0.15:
        print("WARNING: other processes used CPU during some runs: the timings are not "
              "reliable (rerun on a quiet machine)")
    print(f"[u1] total {results['total_wall_s']:.0f} s; JSON {a.json}")
    return 0 if a.no_check or results.get("check", {}).get("ok") else 1


def _dig(d, keys):
    for k in keys:
        d = d[k]
    return d


if __name__ == "__main__":
    sys.exit(main())
