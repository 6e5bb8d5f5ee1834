#!/usr/bin/python3
"""Tabulate and plot the U(1) topology study (jobscripts/u1_topology.sh):
per beta and sampler, <Q^2> against the exact torus value, tau_int of Q^2
and of the plaquette (in updates: trajectories, sweeps, hybrid updates or
flow proposals), how often Q changes, and the seconds per effectively
independent Q^2 measurement, 2 tau_int (seconds + training) / N.

usage: /usr/bin/python3 analysis/u1_topology.py TIMES [--flowlat build/flowlat] [--plot FILE.png]
TIMES: lines "beta sampler file seconds train_seconds" (# comments).
The numbers come from `flowlat analyze --json`, so they are the Gamma
method and exact values flowlat itself reports.
"""
import argparse
import json
import subprocess
from collections import defaultdict

import h5py
import numpy as np


def analyze(flowlat, path):
    out = subprocess.run([flowlat, "analyze", "--json", path], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)["files"][0]


def q_changes_per_1000(path):
    """How often the integer charge of a chain changes, per 1000 saved configurations."""
    with h5py.File(path, "r") as f:
        ens = f["ensemble"]
        q = ens["obs"]["Q"][:, : int(ens.attrs["n_saved"])]
    changes = np.count_nonzero(np.diff(q, axis=1))
    return 1000.0 * changes / max(q.shape[0] * (q.shape[1] - 1), 1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("times")
    p.add_argument("--flowlat", default="build/flowlat")
    p.add_argument("--plot")
    a = p.parse_args()
    rows = []
    for line in open(a.times):
        if not line.strip() or line.startswith("#"):
            continue
        beta, sampler, path, seconds, train = line.split()
        r = analyze(a.flowlat, path)
        q2, plaq = r["observables"]["Q2"], r["observables"]["plaquette"]
        n = q2["n"]
        tau = max(q2["tau_int"], 0.5)
        cost = 2 * tau * (float(seconds) + float(train)) / n
        rows.append(dict(beta=float(beta), sampler=sampler, q2=q2["mean"], err=q2["error"],
                         exact=q2.get("exact", float("nan")), sigma=q2.get("sigma_from_exact", float("nan")),
                         tau=q2["tau_int"], tau_plaq=plaq["tau_int"], n=n,
                         changes=q_changes_per_1000(path), seconds=float(seconds),
                         train=float(train), cost=cost,
                         acc=r["observables"].get("acceptance", {}).get("mean", float("nan"))))
    print(f"{'beta':>4} {'sampler':10} {'<Q^2>':>17} {'exact':>9} {'dev':>6} {'tau(Q2)':>9} "
          f"{'tau(plaq)':>9} {'dQ/1000':>8} {'N':>7} {'acc':>6} {'s':>7} {'train s':>7} "
          f"{'s per indep. Q2':>15}")
    for r in rows:
        print(f"{r['beta']:4g} {r['sampler']:10} {r['q2']:9.4f} +- {r['err']:5.4f} {r['exact']:9.4f} "
              f"{r['sigma']:+6.2f} {r['tau']:9.2f} {r['tau_plaq']:9.2f} {r['changes']:8.2f} "
              f"{r['n']:7d} {r['acc']:6.3f} {r['seconds']:7.1f} {r['train']:7.1f} {r['cost']:15.4g}")
    if a.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        by = defaultdict(list)
        for r in rows:
            by[r["sampler"]].append(r)
        fig, ax = plt.subplots(1, 2, figsize=(10, 4))
        for sampler, rs in by.items():
            rs.sort(key=lambda r: r["beta"])
            b = [r["beta"] for r in rs]
            ax[0].semilogy(b, [r["tau"] for r in rs], "o-", label=sampler)
            ax[1].semilogy(b, [r["cost"] for r in rs], "o-", label=sampler)
        ax[0].set_xlabel("beta")
        ax[0].set_ylabel("tau_int(Q^2) [updates]")
        ax[1].set_xlabel("beta")
        ax[1].set_ylabel("seconds per independent Q^2 (incl. training)")
        for x in ax:
            x.legend()
            x.grid(alpha=0.3)
        fig.suptitle("compact U(1), L = 16: topological freezing")
        fig.tight_layout()
        fig.savefig(a.plot, dpi=120)
        print(f"plot: {a.plot}")


if __name__ == "__main__":
    main()
