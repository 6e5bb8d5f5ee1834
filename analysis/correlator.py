"""C(t) and the effective mass with jackknife errors. Autocorrelation is
handled by binning each chain before the jackknife (bins never straddle two
chains); the default bin is 2 tau_int of the slowest C(t) (Gamma method),
rounded up.

Effective mass on a periodic lattice of extent T (C(t) = A cosh(m (t - T/2))):
    m_eff(t) = arccosh[(C(t-1) + C(t+1)) / (2 C(t))],   C(T) = C(0);
NaN where the argument is below 1 (noise, or no cosh behaviour).
"""
import math

import numpy as np

from gamma_method import gamma_method


def effective_mass_cosh(C):
    """m_eff(t) for t = 0..T-1 of one correlator C[t] (periodic)."""
    C = np.asarray(C, dtype=float)
    arg = (np.roll(C, 1) + np.roll(C, -1)) / (2 * C)
    with np.errstate(invalid="ignore"):
        return np.where(arg >= 1, np.arccosh(np.maximum(arg, 1)), np.nan)


def automatic_bin(corr):
    """2 tau_int (Gamma method) of the slowest C(t), t <= T/2, at least 1."""
    T = corr.shape[-1]
    tau = max(gamma_method(corr[:, :, t]).tau_int for t in range(T // 2 + 1))
    return max(1, math.ceil(2 * tau))


def binned(corr, bin_size):
    """[n_chain][n][T] -> [n_bins][T]: means of bin_size consecutive
    configurations of one chain (a chain's incomplete last bin is dropped)."""
    n_chain, n, T = corr.shape
    per_chain = n // bin_size
    if per_chain == 0:
        raise ValueError(f"bin size {bin_size} longer than the chains ({n})")
    data = corr[:, : per_chain * bin_size].reshape(n_chain, per_chain, bin_size, T)
    return data.mean(axis=2).reshape(n_chain * per_chain, T)


def jackknife(bins, f):
    """f of the mean of all bins, and its jackknife error, for an array-valued
    f over bins [n_bins][...]. The error is NaN wherever f is undefined for a
    leave-one-out sample (m_eff with its argument below 1): no error is better
    than one from the samples that happen to work."""
    n = len(bins)
    total = bins.sum(axis=0)
    full = np.asarray(f(total / n), dtype=float)
    if n < 2:
        return full, np.full_like(full, np.nan)
    leave_one_out = np.array([f((total - b) / (n - 1)) for b in bins])
    spread = leave_one_out - leave_one_out.mean(axis=0)
    return full, np.sqrt((n - 1) * np.mean(spread ** 2, axis=0))


def correlator_analysis(corr, bin_size=None):
    """corr: [n_chain][n][T]. Returns dict with t, C, C_error, m_eff,
    m_eff_error (NaN where undefined), bin_size, n_bins."""
    corr = np.asarray(corr, dtype=float)
    if bin_size is None:
        bin_size = automatic_bin(corr)
    bins = binned(corr, bin_size)
    C, C_err = jackknife(bins, lambda c: c)
    m, m_err = jackknife(bins, effective_mass_cosh)
    m_err = np.where(np.isnan(m), np.nan, m_err)
    return {"t": np.arange(corr.shape[-1]), "C": C, "C_error": C_err, "m_eff": m,
            "m_eff_error": m_err, "bin_size": bin_size, "n_bins": len(bins)}
