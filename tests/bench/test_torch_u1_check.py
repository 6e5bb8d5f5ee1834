#!/usr/bin/python3
"""bench/torch_u1_reference.py against flowlat (issue 8, "Performance"):

  1. --mode selftest: the PyTorch flow alone (inverse, brute-force Jacobian,
     gauge invariance), below 1e-10;
  2. `flowlat sample` of tests/data/u1_8x8_b2.model.h5 (every element saved),
     then --mode check on it: the PyTorch flow loaded with the model's
     parameters recomputes flowlat's log-weights w = -S - log q (and S) of
     every chain state to 1e-10;
  3. the same check on a copy of that file with one log-weight moved by 1e-9
     must fail: the comparison resolves differences far below that.

usage: test_torch_u1_check.py FLOWLAT_BINARY SOURCE_DIR
Exits 77 (skipped) without torch, numpy or h5py.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy  # noqa: F401
    import torch  # noqa: F401
except ImportError as e:
    print(f"skipped: {e} (Debian: python3-torch python3-numpy python3-h5py)")
    sys.exit(77)

FLOWLAT, SOURCE = sys.argv[1], sys.argv[2]
REF = os.path.join(SOURCE, "bench", "torch_u1_reference.py")
MODEL = os.path.join(SOURCE, "tests", "data", "u1_8x8_b2.model.h5")
failures = []


def reference(*args):
    r = subprocess.run([sys.executable, REF, *args], capture_output=True, text=True)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if not lines:
        sys.exit(f"FAIL: {REF} {' '.join(args)} exited {r.returncode} without a result\n"
                 f"{r.stdout}\n{r.stderr}")
    return r.returncode, json.loads(lines[-1])


def check(condition, message):
    print(("ok:   " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


rc, res = reference("--mode", "selftest")
check(rc == 0 and res["ok"], f"selftest {res['results']}")

with tempfile.TemporaryDirectory() as tmp:
    ens = os.path.join(tmp, "sample.h5")
    r = subprocess.run([FLOWLAT, "sample", "--theory.name=u1", "--theory.beta=2",
                        "--lattice.shape=8,8", f"--flow.model={MODEL}", f"--run.output={ens}",
                        "--sample.proposals=500", "--sample.thermalization=0",
                        "--sample.save_every=1", "--sample.batch=256", "--run.seed=11",
                        # the same function to 1e-10 needs double networks on both sides
                        "--flow.precision=float64",
                        "--run.progress_seconds=0"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: flowlat sample exited {r.returncode}\n{r.stdout}\n{r.stderr}")

    rc, res = reference("--mode", "check", "--model", MODEL, "--ensemble", ens)
    out = res["results"]
    check(rc == 0 and res["ok"], f"check against flowlat: {out}")
    check(out["n_configs"] == 500 and out["n_distinct"] > 50,
          f"compared 500 chain states of which many distinct ({out['n_distinct']})")
    check(out["max_abs_err_log_weight"] < 1e-10,
          f"|w_torch - w_flowlat| = {out['max_abs_err_log_weight']:.2e} < 1e-10")

    bad = os.path.join(tmp, "perturbed.h5")
    shutil.copy(ens, bad)
    with h5py.File(bad, "r+") as f:
        f["ensemble/mcmc/state_log_weight"][0, 123] += 1e-9
    rc, res = reference("--mode", "check", "--model", MODEL, "--ensemble", bad)
    check(rc == 1 and not res["ok"] and res["results"]["max_abs_err_log_weight"] > 5e-10,
          "a log-weight moved by 1e-9 is detected")

print(f"{3 + 3 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
