#!/usr/bin/python3
"""Plots the Monte Carlo history of observables of a flowlat ensemble, one
line per chain, with the Gamma-method mean and error band.

usage: /usr/bin/python3 analysis/plot_history.py ENSEMBLE.h5 [--obs absM chi2 ...] [--out history.png]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import observable_args  # noqa: E402
from flowlat_files import analyzed_observables, label, open_ensemble  # noqa: E402
from gamma_method import gamma_method  # noqa: E402
from plotting import figure, save  # noqa: E402


def main():
    args = observable_args.parse(__doc__, "history")
    with open_ensemble(args.file) as f:
        series = observable_args.select(analyzed_observables(f), args.obs)
        title = f"{args.file}: {label(f)}"
    fig, axes = figure(len(series))
    for ax, (name, data) in zip(axes, series.items()):
        r = gamma_method(data)
        for chain in data:
            ax.plot(chain, lw=0.4)
        ax.axhline(r.mean, color="black", lw=0.8)
        ax.axhspan(r.mean - r.error, r.mean + r.error, color="black", alpha=0.2)
        ax.set(xlabel="saved configuration" if name not in ("acceptance", "accept_hmc", "moved_by_flow")
               else "update", ylabel=name, title=f"{name} = {r.mean:.5g} +- {r.error:.2g}")
    save(fig, args.out, title=title)


if __name__ == "__main__":
    main()
