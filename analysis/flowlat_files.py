"""Reading flowlat HDF5 files with h5py (docs/FILE_FORMAT.md): only the
flushed part of every dataset ([:, :n_saved], [:, :n_records]), and the
observables `flowlat analyze` reports, under the same names.

    from flowlat_files import open_ensemble, analyzed_observables
    with open_ensemble("runs/phi4_hmc.h5") as f:
        series = analyzed_observables(f)     # name -> [n_chain][n] array
"""
import sys

import h5py
import numpy as np

# accept flags reported as observables, under analyze's names
_FLAG_OBSERVABLES = {"accept": "acceptance", "accept_hmc": "accept_hmc",
                     "moved_by_flow": "moved_by_flow"}


def text(value):
    """An HDF5 string attribute (h5py returns bytes) as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def open_ensemble(path):
    """The file, opened read-only; exits with one line if it is no ensemble."""
    f = h5py.File(path, "r")
    if "ensemble" not in f:
        f.close()
        sys.exit(f"{path}: not a flowlat ensemble (no /ensemble)")
    return f


def open_model(path):
    """A model file, opened read-only; exits with one line if it is none."""
    f = h5py.File(path, "r")
    if text(f.attrs.get("kind", b"")) != "flowlat model" or "training/history" not in f:
        f.close()
        sys.exit(f"{path}: not a flowlat model file with a training history")
    return f


def volume(f):
    return int(np.prod(f["ensemble/configs"].shape[2:]))


def observables(f):
    """/ensemble/obs/<name>[:, :n_saved] for every stored observable, in file order."""
    n = int(f["ensemble"].attrs["n_saved"])
    return {name: f["ensemble/obs"][name][:, :n] for name in f["ensemble/obs"]}


def analyzed_observables(f):
    """What `flowlat analyze` reports, in its order: every stored observable,
    |M| per site after absM, then the accept flags (per update)."""
    out = {}
    for name, data in observables(f).items():
        out[name] = data
        if name == "absM":
            out["absM_per_site"] = data / volume(f)
    n_records = int(f["ensemble"].attrs["n_records"])
    for name in f["ensemble/mcmc"]:
        if name in _FLAG_OBSERVABLES:
            out[_FLAG_OBSERVABLES[name]] = f["ensemble/mcmc"][name][:, :n_records].astype(float)
    return out


def correlator(f, name="C_t"):
    """/ensemble/corr/<name>[:, :n_saved]: [n_chain][n_saved][len]."""
    n = int(f["ensemble"].attrs["n_saved"])
    return f["ensemble/corr"][name][:, :n]


def label(f):
    """One line: sampler, theory point, lattice, counts."""
    cfg = f["config"].attrs
    couplings = " ".join(f"{k[7:]}={cfg[k]}" for k in cfg
                         if k.startswith("theory.") and k != "theory.name")
    e = f["ensemble"].attrs
    return (f"{text(f.attrs.get('sampler', b'?'))}, {text(cfg['lattice.shape'])} "
            f"{text(cfg['theory.name'])} {couplings}, {e['n_chain']} x {e['n_saved']} saved")
