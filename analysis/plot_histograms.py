#!/usr/bin/python3
"""Plots histograms of observables of a flowlat ensemble (all chains), with
the Gamma-method mean marked.

usage: /usr/bin/python3 analysis/plot_histograms.py ENSEMBLE.h5 [--obs M absM ...] [--out hist.png]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from observable_args import plot_each_observable  # noqa: E402


def draw(ax, name, data, r):
    ax.hist(data.ravel(), bins="auto", density=True, histtype="stepfilled", alpha=0.6)
    ax.axvline(r.mean, color="black", lw=0.8)
    ax.set(xlabel=name, ylabel="density", title=f"{name} = {r.mean:.5g} +- {r.error:.2g}")


if __name__ == "__main__":
    plot_each_observable(__doc__, "histograms", draw)
