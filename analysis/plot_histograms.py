#!/usr/bin/python3
"""Plots histograms of observables of a flowlat ensemble (all chains), with
the Gamma-method mean marked.

usage: /usr/bin/python3 analysis/plot_histograms.py ENSEMBLE.h5 [--obs M absM ...] [--out hist.png]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import observable_args  # noqa: E402
from flowlat_files import analyzed_observables, label, open_ensemble  # noqa: E402
from gamma_method import gamma_method  # noqa: E402
from plotting import figure, save  # noqa: E402


def main():
    args = observable_args.parse(__doc__, "histograms")
    with open_ensemble(args.file) as f:
        series = observable_args.select(analyzed_observables(f), args.obs)
        title = f"{args.file}: {label(f)}"
    fig, axes = figure(len(series))
    for ax, (name, data) in zip(axes, series.items()):
        r = gamma_method(data)
        ax.hist(data.ravel(), bins="auto", density=True, histtype="stepfilled", alpha=0.6)
        ax.axvline(r.mean, color="black", lw=0.8)
        ax.set(xlabel=name, ylabel="density", title=f"{name} = {r.mean:.5g} +- {r.error:.2g}")
    save(fig, args.out, title=title)


if __name__ == "__main__":
    main()
