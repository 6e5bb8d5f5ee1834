#!/usr/bin/python3
"""The Python analysis scripts (analysis/) on files the flowlat binary makes
here: every plotting script writes a non-empty PNG, the Python Gamma method
(analysis/gamma_method.py) agrees with `flowlat analyze --json` on mean, error
and tau_int of every observable to 1e-6 relative (the same algorithm in double
precision; the differences are rounding, ~1e-13), and the cosh effective mass
is exact on an exact cosh.

usage: test_analysis_scripts.py FLOWLAT_BINARY SOURCE_DIR
Exits 77 (skipped) when numpy, h5py or matplotlib is missing.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import h5py  # noqa: F401
    import matplotlib  # noqa: F401
    import numpy as np
except ImportError as e:
    print(f"skipped: {e} (Debian: python3-numpy python3-h5py python3-matplotlib)")
    sys.exit(77)

FLOWLAT, SOURCE = sys.argv[1], sys.argv[2]
ANALYSIS = os.path.join(SOURCE, "analysis")
sys.path.insert(0, ANALYSIS)
from correlator import effective_mass_cosh  # noqa: E402
from flowlat_files import analyzed_observables, open_ensemble  # noqa: E402
from gamma_method import gamma_method  # noqa: E402

RELATIVE = 1e-6
failures = []


def run(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def close(a, b):
    # null in JSON (non-finite) must be non-finite here too
    if a is None or b is None or not np.isfinite(a) or not np.isfinite(b):
        return (a is None or not np.isfinite(a)) and (b is None or not np.isfinite(b))
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b)) or abs(a - b) < 1e-300


with tempfile.TemporaryDirectory() as tmp:
    ensemble = os.path.join(tmp, "hmc.h5")
    model = os.path.join(tmp, "model.h5")
    run(FLOWLAT, "hmc", "--hmc.trajectories=200", "--lattice.shape=4,4", "--hmc.chains=2",
        "--run.progress_seconds=0", f"--run.output={ensemble}")
    flow = ["--lattice.shape=4,4", "--flow.layers=2", "--flow.hidden=4", "--run.progress_seconds=0",
            f"--flow.model={model}"]
    run(FLOWLAT, "train", "--train.steps=20", "--train.batch=16", "--train.log_every=5", *flow)
    # a flow-MH chain: acceptance below 1 and a single chain
    flow_mh = os.path.join(tmp, "flow_mh.h5")
    run(FLOWLAT, "sample", "--sample.proposals=1000", f"--run.output={flow_mh}", *flow)

    # every script writes its figure
    scripts = [("plot_training.py", model), ("plot_history.py", ensemble),
               ("plot_autocorrelation.py", ensemble), ("plot_correlator.py", ensemble),
               ("plot_histograms.py", ensemble)]
    for script, data in scripts:
        png = os.path.join(tmp, script.replace(".py", ".png"))
        run(sys.executable, os.path.join(ANALYSIS, script), data, "--out", png)
        check(os.path.isfile(png) and os.path.getsize(png) > 0, f"{script}: no PNG {png}")
        if os.path.isfile(png):
            with open(png, "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{script}: {png} is not a PNG")
    png = os.path.join(tmp, "summary.png")
    out = run(sys.executable, os.path.join(ANALYSIS, "ensemble_summary.py"), ensemble, "--plot", png)
    check(os.path.isfile(png) and os.path.getsize(png) > 0, "ensemble_summary.py: no PNG")
    check("absM_per_site" in out, "ensemble_summary.py: no |M|/V row:\n" + out)
    # a subset of observables, and an unknown one refused
    run(sys.executable, os.path.join(ANALYSIS, "plot_history.py"), ensemble, "--obs", "absM", "chi2",
        "--out", os.path.join(tmp, "two.png"))
    bad = subprocess.run([sys.executable, os.path.join(ANALYSIS, "plot_history.py"), ensemble,
                          "--obs", "no_such", "--out", os.path.join(tmp, "bad.png")],
                         capture_output=True, text=True)
    check(bad.returncode != 0 and "no_such" in bad.stderr, "plot_history.py: unknown --obs accepted")

    # the Python Gamma method against the C++ one, observable by observable
    report = json.loads(run(FLOWLAT, "analyze", "--json", ensemble, flow_mh))
    for path, result in zip((ensemble, flow_mh), report["files"]):
        cpp = result["observables"]
        with open_ensemble(path) as f:
            series = analyzed_observables(f)
        check(list(cpp) == list(series), f"{path}: analyze {list(cpp)}, Python {list(series)}")
        for name, data in series.items():
            if name not in cpp:
                continue
            r = gamma_method(data)
            for field, value in (("mean", r.mean), ("error", r.error), ("tau_int", r.tau_int)):
                check(close(cpp[name][field], value),
                      f"{path} {name}.{field}: analyze {cpp[name][field]!r}, Python {value!r}")
            check(cpp[name]["window"] == r.window,
                  f"{path} {name}.window: analyze {cpp[name]['window']}, Python {r.window}")
            print(f"{result['sampler']:8s} {name:16s} mean {r.mean:.10g} error {r.error:.6g} "
                  f"tau_int {r.tau_int:.6g}: agree")

# the cosh effective mass of an exact periodic cosh is its mass (t = 0 has none)
T, m = 8, 0.37
C = np.cosh(m * (np.arange(T) - T / 2))
meff = effective_mass_cosh(C)
check(np.isnan(meff[0]) and np.allclose(meff[1:], m, rtol=1e-12), f"m_eff of a cosh: {meff}")

if failures:
    sys.exit(f"{len(failures)} failures")
print("all analysis script checks passed")
