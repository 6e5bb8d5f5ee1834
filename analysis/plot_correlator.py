#!/usr/bin/python3
"""Plots the zero-momentum correlator C(t) of a flowlat ensemble and the
effective mass m_eff(t) = arccosh[(C(t-1) + C(t+1)) / (2 C(t))] (periodic
lattice), both with jackknife errors over bins of each chain (correlator.py);
prints both as a table.

usage: /usr/bin/python3 analysis/plot_correlator.py ENSEMBLE.h5 [--corr C_t] [--bin B] [--out corr.png]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from correlator import correlator_analysis  # noqa: E402
from flowlat_files import correlator, label, open_ensemble  # noqa: E402
from plotting import figure, save  # noqa: E402


def plot(ax_c, ax_m, r):
    """C(t) (log scale) and m_eff(t) with error bars on two axes."""
    ax_c.errorbar(r["t"], r["C"], yerr=r["C_error"], fmt="o", ms=3, capsize=2)
    if (r["C"] > 0).all():
        ax_c.set_yscale("log")
    ax_c.set(xlabel="t", ylabel="C(t)")
    ax_m.errorbar(r["t"], r["m_eff"], yerr=r["m_eff_error"], fmt="o", ms=3, capsize=2)
    ax_m.set(xlabel="t", ylabel="m_eff(t) (cosh)",
             title=f"jackknife, {r['n_bins']} bins of {r['bin_size']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--corr", default="C_t", help="correlator in /ensemble/corr (default C_t)")
    ap.add_argument("--bin", type=int, help="bin size (default: 2 tau_int of the slowest C(t))")
    ap.add_argument("--out", help="PNG to write (default: FILE without .h5 + _correlator.png)")
    args = ap.parse_args()
    out = args.out or os.path.splitext(args.file)[0] + "_correlator.png"
    with open_ensemble(args.file) as f:
        r = correlator_analysis(correlator(f, args.corr), args.bin)
        title = f"{args.file}: {label(f)}"
    print(f"{'t':>3s} {'C(t)':>14s} {'error':>10s} {'m_eff(t)':>10s} {'error':>10s}")
    for t in r["t"]:
        print(f"{t:3d} {r['C'][t]:14.8g} {r['C_error'][t]:10.3g} {r['m_eff'][t]:10.5g} "
              f"{r['m_eff_error'][t]:10.3g}")
    fig, (ax_c, ax_m) = figure(2, columns=2)
    plot(ax_c, ax_m, r)
    save(fig, out, title=title)


if __name__ == "__main__":
    main()
