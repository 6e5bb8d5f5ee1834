#!/usr/bin/python3
"""Reads a flowlat ensemble with h5py (no flowlat needed): prints every
observable with a Gamma-method error and plots the Monte Carlo history,
C(t) and the effective mass.

usage: /usr/bin/python3 analysis/ensemble_summary.py runs/phi4_hmc.h5 [--plot out.png]
"""
import argparse
import sys

import h5py
import numpy as np


def gamma_method(chains, S=1.5):
    """Wolff's Gamma method (hep-lat/0306017) for data [n_chain][n]; returns
    (mean, error, tau_int)."""
    chains = np.asarray(chains, dtype=float)
    n_chain, n = chains.shape
    N = n_chain * n
    mean = chains.mean()
    dev = chains - mean
    gamma0 = np.mean(dev * dev)
    if gamma0 == 0:
        return mean, 0.0, 0.5
    tau_int, W = 0.5, 0
    for W in range(1, n // 2):
        g = np.sum(dev[:, :-W] * dev[:, W:]) / (n_chain * (n - W))
        tau_int += g / gamma0
        tau = S / np.log((2 * tau_int + 1) / (2 * tau_int - 1)) if tau_int > 0.5 else 1e-12
        if np.exp(-W / tau) - tau / np.sqrt(W * N) < 0:
            break
    tau_int = max(tau_int, 0.5)
    return mean, np.sqrt(2 * tau_int * gamma0 / N), tau_int


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--plot", help="write a PNG with history, C(t) and m_eff")
    args = ap.parse_args()
    with h5py.File(args.file, "r") as f:
        if "ensemble" not in f:
            sys.exit(f"{args.file}: not a flowlat ensemble")
        attrs = f.attrs
        print(f"{args.file}: sampler {attrs.get('sampler')}, complete {attrs.get('complete')}")
        cfg = f["config"].attrs
        print("theory", cfg["theory.name"], "m2", cfg["theory.m2"], "lambda", cfg["theory.lambda"],
              "shape", cfg["lattice.shape"])
        obs = f["ensemble/obs"]
        V = np.prod(f["ensemble/configs"].shape[2:])
        for name in obs:
            m, e, t = gamma_method(obs[name][...])
            print(f"  {name:16s} {m:14.8g} +- {e:10.4g}   tau_int {t:6.2f}")
        m, e, t = gamma_method(obs["absM"][...] / V)
        print(f"  {'|M|/V':16s} {m:14.8g} +- {e:10.4g}   tau_int {t:6.2f}")
        for name in f["ensemble/mcmc"]:
            data = f["ensemble/mcmc"][name][...]
            print(f"  mcmc/{name:11s} mean {data.mean():.5f}")
        if args.plot:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            C = f["ensemble/corr/C_t"][...].reshape(-1, f["ensemble/corr/C_t"].shape[-1])
            Cm = C.mean(axis=0)
            T = len(Cm)
            meff = [np.arccosh((Cm[t - 1] + Cm[(t + 1) % T]) / (2 * Cm[t]))
                    if (Cm[t - 1] + Cm[(t + 1) % T]) / (2 * Cm[t]) >= 1 else np.nan
                    for t in range(1, T // 2 + 1)]
            fig, ax = plt.subplots(1, 3, figsize=(13, 3.5))
            for c in obs["absM"][...]:
                ax[0].plot(c / V, lw=0.5)
            ax[0].set(xlabel="saved configuration", ylabel="|M|/V", title="history")
            ax[1].semilogy(range(T), Cm, "o-")
            ax[1].set(xlabel="t", ylabel="C(t)")
            ax[2].plot(range(1, T // 2 + 1), meff, "o")
            ax[2].set(xlabel="t", ylabel="m_eff(t)")
            fig.tight_layout()
            fig.savefig(args.plot, dpi=110)
            print("wrote", args.plot)


if __name__ == "__main__":
    main()
