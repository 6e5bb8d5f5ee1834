#!/usr/bin/python3
"""Plots the normalised autocorrelation function rho(t) = Gamma(t)/Gamma(0)
of observables of a flowlat ensemble (pooled over chains) and the window W
the Gamma method chose (S = 1.5), with tau_int in the title.

usage: /usr/bin/python3 analysis/plot_autocorrelation.py ENSEMBLE.h5 [--obs absM ...] [--out acf.png]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from observable_args import plot_each_observable  # noqa: E402


def draw(ax, name, data, r):
    # up to a few windows: the tail beyond is noise
    t_max = min(len(r.rho) - 1, max(3 * r.window, 10))
    t = np.arange(t_max + 1)
    ax.plot(t, r.rho[: t_max + 1], ".-", lw=0.6, ms=3)
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(r.window, color="red", ls="--", lw=0.8, label=f"window W = {r.window}")
    ax.legend(fontsize=7)
    ax.set(xlabel="t", ylabel=f"rho(t) of {name}",
           title=f"tau_int = {r.tau_int:.3g} +- {r.tau_int_error:.2g}")


if __name__ == "__main__":
    plot_each_observable(__doc__, "autocorrelation", draw)
