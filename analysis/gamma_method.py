"""Wolff's Gamma method (U. Wolff, hep-lat/0306017) for Monte Carlo errors,
the same algorithm as flowlat's C++ (include/flowlat/analysis/gamma_method.hpp):
replicas pooled around the global mean, automatic window (S = 1.5, eq. 52),
bias correction of Gamma(t) (eq. 49), tau_int error (eq. 42).

    from gamma_method import gamma_method
    r = gamma_method(chains)      # chains: [n_chain][n] array-like
    r.mean, r.error, r.tau_int, r.tau_int_error, r.window
    r.rho     # normalised autocorrelation Gamma(t)/Gamma(0), t = 0..n/2 (before
              # the bias correction), for plots of the window
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class GammaResult:
    mean: float
    error: float
    tau_int: float
    tau_int_error: float
    window: int
    n: int
    rho: np.ndarray = None


def _autocovariance(dev, t_max):
    """Gamma(t), t = 0..t_max, pooled over replicas (rows of dev), by FFT."""
    n_chain, n = dev.shape
    size = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(dev, size, axis=1)
    acf = np.fft.irfft(f * np.conj(f), size, axis=1)[:, : t_max + 1].sum(axis=0)
    pairs = n_chain * (n - np.arange(t_max + 1))
    return acf / pairs


def gamma_method(chains, S=1.5):
    data = np.atleast_2d(np.asarray(chains, dtype=float))
    n_chain, n = data.shape
    N = n_chain * n
    mean = float(data.mean())
    dev = data - mean
    t_max = max(n // 2, 1)
    G = _autocovariance(dev, t_max)
    if G[0] <= 1e-14 * max(mean * mean, np.max(np.abs(data)) ** 2, 1e-300):
        return GammaResult(mean, 0.0, 0.5, 0.0, 0, N, np.ones(1))
    rho = G / G[0]
    W = t_max
    tau_int = 0.5
    for w in range(1, t_max + 1):
        tau_int += G[w] / G[0]
        tau = S / np.log((2 * tau_int + 1) / (2 * tau_int - 1)) if tau_int > 0.5 else 1e-300
        if np.exp(-w / tau) - tau / np.sqrt(w * N) < 0:
            W = w
            break
    C = G[0] + 2 * G[1 : W + 1].sum()
    Gc = G + C / N  # bias correction (eq. 49)
    C = Gc[0] + 2 * Gc[1 : W + 1].sum()
    if C <= 0:
        return GammaResult(mean, 0.0, 0.0, 0.0, W, N, rho)
    tau_int = C / (2 * Gc[0])
    error = np.sqrt(C / N)
    tau_err = 2 * tau_int * np.sqrt(max(0.0, (W + 0.5 - tau_int) / N))
    return GammaResult(mean, float(error), float(tau_int), float(tau_err), int(W), N, rho)
