#!/usr/bin/python3
"""Plots the Monte Carlo history of observables of a flowlat ensemble, one
line per chain, with the Gamma-method mean and error band.

usage: /usr/bin/python3 analysis/plot_history.py ENSEMBLE.h5 [--obs absM chi2 ...] [--out history.png]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from observable_args import plot_each_observable  # noqa: E402


def draw(ax, name, data, r):
    for chain in data:
        ax.plot(chain, lw=0.4)
    ax.axhline(r.mean, color="black", lw=0.8)
    ax.axhspan(r.mean - r.error, r.mean + r.error, color="black", alpha=0.2)
    per_update = name in ("acceptance", "accept_hmc", "moved_by_flow")
    ax.set(xlabel="update" if per_update else "saved configuration", ylabel=name,
           title=f"{name} = {r.mean:.5g} +- {r.error:.2g}")


if __name__ == "__main__":
    plot_each_observable(__doc__, "history", draw)
