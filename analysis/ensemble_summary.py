#!/usr/bin/python3
"""Reads a flowlat ensemble with h5py (no flowlat needed): prints every
observable with a Gamma-method error (the shared gamma_method.py, the C++
algorithm with bias correction) and plots the Monte Carlo history of |M|/V,
C(t) and the effective mass with jackknife errors.

usage: /usr/bin/python3 analysis/ensemble_summary.py runs/phi4_hmc.h5 [--plot out.png]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowlat_files import analyzed_observables, correlator, label, open_ensemble, text  # noqa: E402
from gamma_method import gamma_method  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--plot", help="write a PNG with history, C(t) and m_eff")
    args = ap.parse_args()
    with open_ensemble(args.file) as f:
        print(f"{args.file}: {label(f)}, complete {f.attrs.get('complete')}")
        series = analyzed_observables(f)
        for name, data in series.items():
            r = gamma_method(data)
            print(f"  {name:16s} {r.mean:14.8g} +- {r.error:10.4g}   tau_int {r.tau_int:6.2f}")
        n_records = int(f["ensemble"].attrs["n_records"])
        for name in f["ensemble/mcmc"]:
            data = f["ensemble/mcmc"][name][:, :n_records]
            print(f"  mcmc/{name:11s} mean {data.mean():.5f}")
        if args.plot:
            from correlator import correlator_analysis
            from plot_correlator import plot
            from plotting import figure, save
            fig, ax = figure(3)
            for chain in series["absM_per_site"]:
                ax[0].plot(chain, lw=0.5)
            ax[0].set(xlabel="saved configuration", ylabel="|M|/V", title="history")
            plot(ax[1], ax[2], correlator_analysis(correlator(f, "C_t")))
            save(fig, args.plot, title=f"{args.file} ({text(f.attrs.get('sampler', b'?'))})")


if __name__ == "__main__":
    main()
