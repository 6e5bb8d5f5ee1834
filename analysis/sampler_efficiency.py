#!/usr/bin/python3
"""Cost per effectively independent measurement of flowlat ensembles side by
side: tau_int (Gamma method) of |M|/V, chi_2 and E, the effective sample
size N / (2 tau_int) and effective samples per second of sampling, and with
a training time added (for flow samplers).

usage: /usr/bin/python3 analysis/sampler_efficiency.py LABEL=FILE:SECONDS[:TRAIN_SECONDS] ...
"""
import sys

import h5py
import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gamma_method import gamma_method  # noqa: E402


def summarise(label, path, seconds, train_seconds):
    with h5py.File(path, "r") as f:
        ens = f["ensemble"]
        n_saved = int(ens.attrs["n_saved"])
        V = float(np.prod(ens["configs"].shape[2:]))
        rows = []
        for name, scale in (("absM", 1 / V), ("chi2", 1.0), ("E", 1.0)):
            data = ens["obs"][name][:, :n_saved] * scale
            r = gamma_method(data)
            ess = r.n / (2 * r.tau_int) if r.tau_int > 0 else float("nan")
            rows.append((name, r, ess))
        sampler = f.attrs.get("sampler", b"?")
        sampler = sampler.decode() if isinstance(sampler, bytes) else str(sampler)
    for name, r, ess in rows:
        total = seconds + train_seconds
        print(f"{label:12s} {sampler:10s} {name:5s} {r.mean:10.5f} +- {r.error:8.5f} "
              f"tau_int {r.tau_int:8.2f}  ESS {ess:9.0f}  ESS/s {ess / seconds:9.1f}  "
              f"ESS/s incl. training {ess / total:9.1f}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(f"{'run':12s} {'sampler':10s} {'obs':5s} {'mean':>10s}    {'error':>8s}")
    for arg in sys.argv[1:]:
        label, rest = arg.split("=", 1)
        parts = rest.split(":")
        summarise(label, parts[0], float(parts[1]), float(parts[2]) if len(parts) > 2 else 0.0)


if __name__ == "__main__":
    main()
