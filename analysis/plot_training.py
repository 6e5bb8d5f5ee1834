#!/usr/bin/python3
"""Plots a flow's training history from a model file (/training/history):
loss, ESS/N, expected acceptance, Pareto k-hat and learning rate against
the optimizer step.

usage: /usr/bin/python3 analysis/plot_training.py MODEL.h5 [--out training.png]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowlat_files import open_model  # noqa: E402
from plotting import figure, save  # noqa: E402

# column, axis label, log scale
PANELS = [("loss", "loss", False), ("ess", "ESS/N", False), ("acceptance", "acceptance (expected)", False),
          ("pareto_k", "Pareto k^", False), ("lr", "learning rate", True)]
# k^ above this: importance weights with effectively infinite variance
PARETO_K_LIMIT = 0.7


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--out", help="PNG to write (default: MODEL without .h5 + _training.png)")
    args = ap.parse_args()
    out = args.out or os.path.splitext(args.model)[0] + "_training.png"
    with open_model(args.model) as f:
        h = f["training/history"]
        step = h["step"][...]
        columns = {name: h[name][...] for name, _, _ in PANELS if name in h}
    fig, axes = figure(len(columns))
    for ax, (name, ylabel, log) in zip(axes, [p for p in PANELS if p[0] in columns]):
        y = columns[name]
        ax.plot(step, y, lw=0.6)
        if name == "pareto_k" and np.isfinite(y).any():
            ax.axhline(PARETO_K_LIMIT, color="red", ls="--", lw=0.8, label="0.7")
            ax.legend(fontsize=7)
        if log and (y > 0).all():
            ax.set_yscale("log")
        ax.set(xlabel="step", ylabel=ylabel)
    save(fig, out, title=f"{args.model}: {len(step)} steps")


if __name__ == "__main__":
    main()
