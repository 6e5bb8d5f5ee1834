#!/usr/bin/python3
"""PyTorch reference for flowlat's gauge-equivariant flow of 2D compact U(1).

Written in this project from the public description of the tutorial
arXiv:2101.08176 (Albergo et al., "Introduction to Normalizing Flows for
Lattice Field Theory", U(1) part) and of Kanwar et al., PRL 125, 121601: the
baseline flowlat's U(1) flow (src/theory/u1/) is benchmarked against, and a
cross-check that both compute the same function.  Float32 by default (as the
tutorial runs it), --dtype float64 for the cross-check.

Conventions (identical to flowlat; docs/ARCHITECTURE.md, U(1) part):
  * links theta_mu(x) in [0, 2 pi), tensor [B, 2, L0, L1] = flowlat's flat
    [mu][site] with site = x0 * L1 + x1 (row-major);
  * plaquette P(x) = theta_0(x) + theta_1(x + e0) - theta_0(x + e1) - theta_1(x),
    S = -beta sum_x cos P(x);
  * prior: uniform on [0, 2 pi) per link, log r = -2 V log(2 pi);
  * layer k: mu = k mod 2, off = (k div 2) mod 4, nu = 1 - mu; the mu-links at
    sites with x_nu = off (mod 4) are updated; plaquettes with
    (x_nu - off) mod 4 = 0 active, 1 and 2 frozen, 3 passive;
  * net input: (cos P, sin P) on frozen plaquettes, (1, 0) elsewhere;
    net = Conv2d(2, h1) - LeakyReLU - ... - Conv2d(h_n, K + 1), kernel k,
    circular 'same' padding, bias, no final activation; channels s_1..s_K, t;
  * NCP circle map of an active plaquette x:
      y = ((1/K) sum_k g(x; e^{s_k}) + t) mod 2 pi,
      g(x; a) = x + 2 atan2((a - 1) sin(x/2) cos(x/2), cos^2(x/2) + a sin^2(x/2))
      (= 2 atan(a tan(x/2)) continued to a bijection of [0, 2 pi)),
      dg/dx = a / (cos^2(x/2) + a^2 sin^2(x/2)),
    log det = sum over active plaquettes of log((1/K) sum_k dg_k/dx);
  * link update theta_mu(x) += sign (y - P(x)), sign = +1 (mu = 0), -1 (mu = 1),
    wrapped to [0, 2 pi);
  * log q(theta) = log r(z) - sum_layers log det; reverse-KL loss = <log q + S>;
    log-weight w = -S - log q.

Modes (each prints one JSON line last):
  bench     forward/s, forward+backward/s, training steps/s, proposals/s
  train     reverse-KL training (Adam, optional cosine schedule and clipping as
            flowlat's train.*), then fresh proposals: ESS/N and MH acceptance
  selftest  this reference alone, float64: inverse o forward = id, log|det J|
            against the brute-force Jacobian (4x4), gauge invariance of log q
  check     against flowlat: loads a flowlat model file into this flow (float64)
            and recomputes the log-weights w = -S - log q that `flowlat sample`
            wrote for its chain states (sample.save_every = 1); with --flowlat
            it runs that `flowlat sample` itself, with flow.precision = float64
            (given --ensemble: make it with --flow.precision=float64).  Passes
            below 1e-10 absolute (--tolerance).
Side by side with flowlat: bench/compare_torch_u1.py; bench/README_torch.md.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn

from machine_state import loadavg, system_busy_seconds
from mh_chain import InMemoryChain
from torch_reference import blas_library, ess_per_sample, independence_mh, time_rate

TWO_PI = 2 * math.pi
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_MODEL = os.path.join(ROOT, "tests", "data", "u1_8x8_b2.model.h5")


# ----------------------------------------------------------------------------
# Physics


def wrap(x):
    """x mod 2 pi in [0, 2 pi), as flowlat's u1::wrap_positive."""
    y = x - TWO_PI * torch.floor(x / TWO_PI)
    return torch.where(y >= TWO_PI, y - TWO_PI, y)


def plaquettes(theta):
    """P(x) of links [B, 2, L0, L1] (not wrapped)."""
    t0, t1 = theta[:, 0], theta[:, 1]
    return (t0 + torch.roll(t1, shifts=-1, dims=1)      # theta_1(x + e0)
            - torch.roll(t0, shifts=-1, dims=2) - t1)   # theta_0(x + e1)


def u1_action(theta, beta):
    return -beta * torch.cos(plaquettes(theta)).reshape(theta.shape[0], -1).sum(dim=1)


def gauge_transform(theta, alpha):
    """theta_mu(x) -> theta_mu(x) + alpha(x) - alpha(x + mu), wrapped (alpha [B, L0, L1])."""
    out = torch.empty_like(theta)
    out[:, 0] = alpha - torch.roll(alpha, shifts=-1, dims=1) + theta[:, 0]
    out[:, 1] = alpha - torch.roll(alpha, shifts=-1, dims=2) + theta[:, 1]
    return wrap(out)


def topological_charge(theta):
    P = wrap(plaquettes(theta) + math.pi) - math.pi
    return P.reshape(theta.shape[0], -1).sum(dim=1) / TWO_PI


# ----------------------------------------------------------------------------
# NCP circle map


def ncp_forward(x, s, t):
    """x [B, L0, L1] in [0, 2 pi), s [B, K, L0, L1], t [B, L0, L1] -> (y, log dy/dx)."""
    a = torch.exp(s)
    hs, hc = torch.sin(0.5 * x).unsqueeze(1), torch.cos(0.5 * x).unsqueeze(1)
    s2, c2 = hs * hs, hc * hc
    g = x.unsqueeze(1) + 2 * torch.atan2((a - 1) * hs * hc, c2 + a * s2)
    dg = a / (c2 + a * a * s2)
    return wrap(g.mean(dim=1) + t), torch.log(dg.mean(dim=1))


def ncp_inverse(y, s, t, iterations=200):
    """x with ncp_forward(x) = y, by bisection on [0, 2 pi] (the mixture mean is
    monotone from 0 to 2 pi); iterates until the bracket stops shrinking."""
    target = wrap(y - t)
    a = torch.exp(s)
    lo = torch.zeros_like(target)
    hi = torch.full_like(target, TWO_PI)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        hs, hc = torch.sin(0.5 * mid).unsqueeze(1), torch.cos(0.5 * mid).unsqueeze(1)
        h = (mid.unsqueeze(1) + 2 * torch.atan2((a - 1) * hs * hc, hc * hc + a * hs * hs)
             ).mean(dim=1)
        above = h > target
        new_lo = torch.where(above, lo, mid)
        new_hi = torch.where(above, mid, hi)
        if torch.equal(new_lo, lo) and torch.equal(new_hi, hi):
            break
        lo, hi = new_lo, new_hi
    return 0.5 * (lo + hi)


# ----------------------------------------------------------------------------
# Flow


def make_net(hidden, kernel, out_channels):
    chans = [2] + list(hidden) + [out_channels]
    layers = []
    for i in range(len(chans) - 1):
        layers.append(nn.Conv2d(chans[i], chans[i + 1], kernel, padding=kernel // 2,
                                padding_mode="circular"))
        if i < len(chans) - 2:
            layers.append(nn.LeakyReLU())   # negative_slope 0.01, as flowlat
    return nn.Sequential(*layers)           # no final activation: t is an angle


def stripe_roles(L0, L1, mu, off):
    """(active, frozen) masks [L0, L1] (bool) of layer (mu, off)."""
    nu = 1 - mu
    x = torch.meshgrid(torch.arange(L0), torch.arange(L1), indexing="ij")
    stripe = (x[nu] - off) % 4
    return stripe == 0, (stripe == 1) | (stripe == 2)


class U1NcpCoupling(nn.Module):
    def __init__(self, L0, L1, k, hidden, kernel, components):
        super().__init__()
        self.mu, self.off = k % 2, (k // 2) % 4
        self.sign = 1.0 if self.mu == 0 else -1.0
        self.K = components
        self.net = make_net(hidden, kernel, components + 1)
        active, frozen = stripe_roles(L0, L1, self.mu, self.off)
        self.register_buffer("active", active)
        self.register_buffer("frozen", frozen)

    def _conditioner(self, theta):
        P = wrap(plaquettes(theta))
        inp = torch.stack([torch.where(self.frozen, torch.cos(P), torch.ones_like(P)),
                           torch.where(self.frozen, torch.sin(P), torch.zeros_like(P))], dim=1)
        out = self.net(inp)
        return P, out[:, :self.K], out[:, self.K]

    def _move(self, theta, delta):
        """theta_mu(x) += delta(x) on the active sites, wrapped; the rest unchanged."""
        link = theta[:, self.mu]
        moved = torch.where(self.active, wrap(link + delta), link)
        parts = [moved if m == self.mu else theta[:, m] for m in range(2)]
        return torch.stack(parts, dim=1)

    def forward(self, theta):
        P, s, t = self._conditioner(theta)
        y, logj = ncp_forward(P, s, t)
        logdet = torch.where(self.active, logj, torch.zeros_like(logj)).reshape(
            theta.shape[0], -1).sum(dim=1)
        return self._move(theta, self.sign * (y - P)), logdet

    def reverse(self, theta):
        """The inverse (the frozen plaquettes, hence the net's input, are
        unchanged by the layer); returns (x, log det of the forward map at x)."""
        Pn, s, t = self._conditioner(theta)
        x = ncp_inverse(Pn, s, t)
        _, logj = ncp_forward(x, s, t)
        logdet = torch.where(self.active, logj, torch.zeros_like(logj)).reshape(
            theta.shape[0], -1).sum(dim=1)
        return self._move(theta, -self.sign * (Pn - x)), logdet


class U1Flow(nn.Module):
    def __init__(self, L0, L1, n_layers, hidden, kernel, components):
        super().__init__()
        if L0 % 4 or L1 % 4:
            raise SystemExit(f"extents must be multiples of 4, got {L0}x{L1}")
        self.L0, self.L1 = L0, L1
        self.layers = nn.ModuleList(U1NcpCoupling(L0, L1, k, hidden, kernel, components)
                                    for k in range(n_layers))

    def prior_sample(self, batch, dtype, generator=None):
        u = torch.rand((batch, 2, self.L0, self.L1), dtype=dtype, generator=generator)
        return wrap(TWO_PI * u)

    def prior_logp(self, batch, dtype):
        return torch.full((batch,), -2 * self.L0 * self.L1 * math.log(TWO_PI), dtype=dtype)

    def forward(self, z):
        logq = self.prior_logp(z.shape[0], z.dtype)
        x = z
        for layer in self.layers:
            x, ld = layer(x)
            logq = logq - ld
        return x, logq

    def reverse(self, theta):
        x = theta
        ldsum = torch.zeros(theta.shape[0], dtype=theta.dtype)
        for layer in reversed(self.layers):
            x, ld = layer.reverse(x)
            ldsum = ldsum + ld
        return x, self.prior_logp(theta.shape[0], theta.dtype) - ldsum


def conv_flops_per_config(L0, L1, n_layers, hidden, kernel, components):
    chans = [2] + list(hidden) + [components + 1]
    macs = sum(chans[i] * chans[i + 1] for i in range(len(chans) - 1)) * kernel ** 2 * L0 * L1
    return 2 * macs * n_layers


# ----------------------------------------------------------------------------
# Training (flowlat's train.*: Adam, cosine schedule, global-norm clipping)


def expected_imh_acceptance(w):
    """flowlat's expected_imh_acceptance: sum_i what_i (1/N) sum_j min(1, e^{w_j - w_i})."""
    w = w.detach().to(torch.float64)
    w = w[torch.isfinite(w)]
    if w.numel() == 0:
        return float("nan")
    wh = torch.softmax(w, 0)
    m = torch.clamp(torch.exp(w[None, :] - w[:, None]), max=1.0).mean(dim=1)
    return (wh * m).sum().item()


class Trainer:
    def __init__(self, flow, a, dtype):
        self.flow, self.a, self.dtype = flow, a, dtype
        self.opt = torch.optim.Adam(flow.parameters(), lr=a.lr, betas=(a.beta1, a.beta2),
                                    eps=a.eps)
        self.t = 0

    def lr(self):
        a = self.a
        if a.lr_schedule == "constant":
            return a.lr
        progress = min(1.0, self.t / max(1, a.total_steps))
        return a.lr_min + 0.5 * (a.lr - a.lr_min) * (1 + math.cos(math.pi * progress))

    def step(self):
        """Prior draws, flow, action, loss, backward, clip, Adam; returns
        (loss, ESS/N, expected MH acceptance) of the batch."""
        a = self.a
        for g in self.opt.param_groups:
            g["lr"] = self.lr()
        z = self.flow.prior_sample(a.batch, self.dtype)
        theta, logq = self.flow(z)
        S = u1_action(theta, a.beta)
        loss = (logq + S).mean()
        self.opt.zero_grad()
        loss.backward()
        if a.clip_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.flow.parameters(), a.clip_norm)
        self.opt.step()
        self.t += 1
        w = (-S - logq).detach()
        return loss.item(), ess_per_sample(w), expected_imh_acceptance(w)


# ----------------------------------------------------------------------------
# Modes


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="PyTorch reference of flowlat's gauge-equivariant U(1) flow "
                    "(tutorial arXiv:2101.08176); bench/README_torch.md")
    p.add_argument("--mode", choices=["bench", "train", "selftest", "check"], default="bench")
    p.add_argument("--L", type=int, default=8, help="L0 = L1 = L (multiple of 4)")
    p.add_argument("--beta", type=float, default=2.0)
    p.add_argument("--layers", type=int, default=16)
    p.add_argument("--hidden", type=str, default="8,8")
    p.add_argument("--kernel", type=int, default=3)
    p.add_argument("--components", type=int, default=2, help="NCP mixture components")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=5e-3,
                   help="Adam learning rate (default: flowlat's train.lr)")
    p.add_argument("--lr-schedule", choices=["constant", "cosine"], default="cosine")
    p.add_argument("--lr-min", type=float, default=0.0)
    p.add_argument("--clip-norm", type=float, default=5.0,
                   help="global gradient-norm clipping, 0 = off (flowlat's train.clip_norm)")
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--eps", type=float, default=1e-8)
    p.add_argument("--steps", type=int, default=None,
                   help="train: steps (default 5000, flowlat's train.steps)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--history-out", default=None,
                   help="train: per-step history (step, loss, ess, acceptance, "
                        "wall_time since training began) as JSON")
    p.add_argument("--sample-batch", type=int, default=256,
                   help="proposals per block (as flowlat's sample.batch)")
    p.add_argument("--final-proposals", type=int, default=8192,
                   help="train: fresh proposals after training")
    p.add_argument("--final-thermalization", type=int, default=100)
    p.add_argument("--figures", default="forward_per_s,forward_backward_per_s,"
                                        "train_steps_per_s,proposals_per_s",
                   help="bench: comma-separated figures; also chain_per_s "
                        "(proposals_per_s plus the independence MH decisions and "
                        "every chain element stored in memory)")
    p.add_argument("--bench-seconds", type=float, default=2.0)
    p.add_argument("--bench-reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--warmup-seconds", type=float, default=2.0)
    p.add_argument("--model", default=None,
                   help=f"check: a flowlat U(1) model file (default {DEFAULT_MODEL})")
    p.add_argument("--ensemble", default=None,
                   help="check: a `flowlat sample` output of that model with "
                        "sample.save_every = 1")
    p.add_argument("--flowlat", default=None,
                   help="check: a flowlat binary: run `flowlat sample` with the "
                        "model into a temporary file (when --ensemble is not given)")
    p.add_argument("--check-proposals", type=int, default=1000,
                   help="check: proposals of the `flowlat sample` run (--flowlat)")
    p.add_argument("--check-shape", default=None,
                   help="check: lattice of the `flowlat sample` run, e.g. 16,16 "
                        "(sample.transfer); default the model's")
    p.add_argument("--max-configs", type=int, default=2000,
                   help="check: chain states compared at most")
    p.add_argument("--tolerance", type=float, default=1e-10,
                   help="check: largest absolute difference of w, S, log q and of the "
                        "links after inverse + forward that passes")
    a = p.parse_args(argv)
    a.hidden = [int(h) for h in a.hidden.split(",") if h.strip()]
    if a.kernel % 2 != 1:
        p.error("--kernel must be odd")
    if a.L % 4:
        p.error("--L must be a multiple of 4")
    return a


def setup_threads(a):
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def setup(a):
    setup_threads(a)
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    torch.set_default_dtype(dtype)
    torch.manual_seed(a.seed)
    flow = U1Flow(a.L, a.L, a.layers, a.hidden, a.kernel, a.components)
    return flow, dtype


def config_dict(a, flow):
    return dict(L=a.L, beta=a.beta, layers=a.layers, hidden=a.hidden, kernel=a.kernel,
                components=a.components, batch=a.batch, sample_batch=a.sample_batch,
                lr=a.lr, lr_schedule=a.lr_schedule, clip_norm=a.clip_norm, seed=a.seed,
                dtype=a.dtype, threads=torch.get_num_threads(),
                interop_threads=torch.get_num_interop_threads(), torch=torch.__version__,
                blas=blas_library(), n_params=sum(p.numel() for p in flow.parameters()))


def run_bench(a):
    flow, dtype = setup(a)
    a.total_steps = 10 ** 9   # the schedule barely moves while benchmarking
    trainer = Trainer(flow, a, dtype)
    B, P = a.batch, a.sample_batch
    z_fixed = flow.prior_sample(B, dtype)

    def forward():
        with torch.no_grad():
            flow(z_fixed)

    def forward_backward():
        theta, logq = flow(z_fixed)
        loss = (logq + u1_action(theta, a.beta)).mean()
        trainer.opt.zero_grad()
        loss.backward()

    def train_step():
        trainer.step()

    def proposals():
        with torch.no_grad():
            z = flow.prior_sample(P, dtype)
            theta, logq = flow(z)
            w = -u1_action(theta, a.beta) - logq
            w.sum().item()

    # chain_per_s: proposals_per_s plus the independence MH decisions over the
    # block and every chain element's links and log-weight stored in memory
    # (mh_chain.py; no observables, no file), as a sampling run does.
    chain_keeper = InMemoryChain(P, (2, a.L, a.L), dtype, a.seed + 2)

    def chain():
        with torch.no_grad():
            z = flow.prior_sample(P, dtype)
            theta, logq = flow(z)
            chain_keeper.offer(theta, -u1_action(theta, a.beta) - logq)

    known = dict(forward_per_s=forward, forward_backward_per_s=forward_backward,
                 train_steps_per_s=train_step, proposals_per_s=proposals,
                 chain_per_s=chain)
    figures = [f.strip() for f in a.figures.split(",") if f.strip()]
    for f in figures:
        if f not in known:
            sys.exit(f"--figures: unknown figure '{f}' (known: {', '.join(known)})")
    load_start = loadavg()
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, dtype {a.dtype}, "
          f"L={a.L}, batch {B}, sample batch {P}, loadavg {load_start}", flush=True)
    res, med, allr, contended = {}, {}, {}, False
    for name in figures:
        reps = time_rate(known[name], a.warmup, a.warmup_seconds, a.bench_seconds,
                         a.bench_reps)
        scale = P if name in ("proposals_per_s", "chain_per_s") else 1
        rates = sorted(r["rate"] * scale for r in reps)
        best = max(reps, key=lambda r: r["rate"])
        res[name], med[name] = rates[-1], rates[len(rates) // 2]
        allr[name] = [dict(r, rate=r["rate"] * scale) for r in reps]
        oth = best["others"]
        contended |= oth is not None and oth > 0.15
        print(f"# {name:24s} best {rates[-1]:10.2f} median {med[name]:10.2f} (min "
              f"{rates[0]:.2f}; {a.bench_reps} reps x >= {a.bench_seconds:g} s; other "
              f"processes {'?' if oth is None else format(oth, '.2f')} cores)", flush=True)
    fl = conv_flops_per_config(a.L, a.L, a.layers, a.hidden, a.kernel, a.components)
    if "forward_per_s" in res:
        res["conv_gflops_forward"] = res["forward_per_s"] * B * fl / 1e9
    if contended:
        print("# WARNING: other processes used CPU during a best repetition: the "
              "machine was busy, the figures are not reliable", flush=True)
    print(json.dumps(dict(mode="bench", config=config_dict(a, flow), results=res,
                          results_median=med, reps=allr, contended=contended,
                          loadavg_start=load_start, loadavg_end=loadavg(),
                          conv_flop_per_config=fl)))


def run_train(a):
    steps = 5000 if a.steps is None else a.steps
    a.total_steps = steps
    flow, dtype = setup(a)
    trainer = Trainer(flow, a, dtype)
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, dtype {a.dtype}, "
          f"L={a.L} beta={a.beta} layers={a.layers} hidden={a.hidden} K={a.components} "
          f"batch={a.batch} lr={a.lr} ({a.lr_schedule}) clip={a.clip_norm} steps={steps} "
          f"seed={a.seed}, loadavg {loadavg()}", flush=True)
    print(f"# {'step':>6s} {'loss':>12s} {'ESS/N':>8s} {'acc est':>8s} {'wall_s':>9s}",
          flush=True)
    h = dict(step=[], loss=[], ess=[], acceptance=[], wall_time=[])
    c0, s0 = time.process_time(), system_busy_seconds()
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        loss, ess, acc = trainer.step()
        wall = time.perf_counter() - t0
        for k, v in zip(h, (step, loss, ess, acc, wall)):
            h[k].append(v)
        if step % a.log_every == 0 or step == steps:
            print(f"  {step:6d} {loss:12.5f} {ess:8.4f} {acc:8.4f} {wall:9.2f}", flush=True)
    train_time = time.perf_counter() - t0
    c1, s1 = time.process_time(), system_busy_seconds()
    others = None if s0 is None else max(0.0, ((s1 - s0) - (c1 - c0)) / train_time)
    if a.history_out:
        with open(a.history_out, "w") as f:
            json.dump(h, f)
    T, N, PB = a.final_thermalization, a.final_proposals, a.sample_batch
    t1 = time.perf_counter()
    ws, q2 = [], []
    with torch.no_grad():
        done = 0
        while done < T + N:
            n = min(PB, T + N - done)
            theta, logq = flow(flow.prior_sample(n, dtype))
            ws.append(-u1_action(theta, a.beta) - logq)
            q2.append(topological_charge(theta) ** 2)
            done += n
    propose_time = time.perf_counter() - t1
    w = torch.cat(ws)
    acc, idx = independence_mh(w, torch.Generator().manual_seed(a.seed + 1), T)
    ess = ess_per_sample(w[T:])
    q2_chain = torch.cat(q2).to(torch.float64)[idx].mean().item()
    print(f"# final: N = {N} fresh proposals (after {T}): ESS/N = {ess:.4f}, MH acceptance "
          f"= {acc:.4f}, <Q^2> (MH chain) = {q2_chain:.4f}", flush=True)
    print(f"# training {train_time:.2f} s ({steps / train_time:.2f} steps/s), proposals "
          f"{(T + N) / propose_time:.1f}/s; other processes "
          f"{'?' if others is None else format(others, '.2f')} cores", flush=True)
    print(json.dumps(dict(mode="train", config=config_dict(a, flow), steps=steps,
                          train_time_s=train_time, train_steps_per_s=steps / train_time,
                          train_other_processes_cores=others, final_loss=h["loss"][-1],
                          final_N=N, final_ess_per_sample=ess, final_mh_acceptance=acc,
                          final_q2=q2_chain, final_proposals_per_s=(T + N) / propose_time,
                          history_out=a.history_out, loadavg_end=loadavg())))


def run_selftest(a):
    """Checks of this reference alone (float64, 4x4 and 8x8)."""
    setup_threads(a)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(a.seed)
    res = {}
    for L, n_layers in [(4, 8), (8, 4)]:
        flow = U1Flow(L, L, n_layers, a.hidden, a.kernel, a.components)
        # move the maps away from the identity (|s| of order 1; much larger
        # makes the inverse ill-conditioned, f' ~ e^-|s| near x = pi)
        with torch.no_grad():
            for p in flow.parameters():
                p.add_(0.2 * torch.randn_like(p))
        z = flow.prior_sample(4, torch.float64)
        theta, logq = flow(z)
        zb, logq_b = flow.reverse(theta)
        d = wrap(zb - z + math.pi) - math.pi
        r = dict(inverse_err=d.abs().max().item(),
                 logq_fwd_vs_inv_err=(logq_b - logq).abs().max().item())
        alpha = TWO_PI * torch.rand(4, L, L)
        _, logq_g = flow(gauge_transform(z, alpha))
        r["gauge_invariance_logq_err"] = (logq_g - logq).abs().max().item()
        th_g, _ = flow(gauge_transform(z, alpha))
        r["gauge_invariance_plaquette_err"] = (
            (wrap(plaquettes(th_g) - plaquettes(theta) + math.pi) - math.pi).abs().max().item())
        if L == 4:
            z1 = z[:1]
            J = torch.autograd.functional.jacobian(lambda v: flow(v)[0], z1)
            _, logabsdet = torch.linalg.slogdet(J.reshape(2 * L * L, 2 * L * L))
            ld_flow = (flow.prior_logp(1, torch.float64) - logq[:1]).item()
            r["logdet_vs_jacobian_err"] = abs(logabsdet.item() - ld_flow)
        res[f"L{L}"] = r
    ok = all(v < 1e-10 for r in res.values() for v in r.values())
    for k, v in res.items():
        print(f"# {k}: {v}")
    print(json.dumps(dict(mode="selftest", ok=ok, results=res)))
    return 0 if ok else 1


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def flow_from_flowlat_model(path, shape=None):
    """A float64 U1Flow with the parameters of a flowlat U(1) model file
    (docs/FILE_FORMAT.md "Model files": /model/parameters, /model/blocks
    name -> (offset, count), conv weights [c_out][c_in][k][k] as PyTorch's).
    shape: the lattice to build it on (default the model's)."""
    import h5py
    with h5py.File(path, "r") as f:
        m = f["model"]
        attrs = {k: m.attrs[k] for k in m.attrs}
        arch = {k: _s(v) for k, v in m["architecture"].attrs.items()}
        layers = {k: _s(v) for k, v in m["layers"].attrs.items()}
        params = m["parameters"][:]
        blocks = {k: tuple(int(x) for x in v) for k, v in m["blocks"].attrs.items()}
    want = {"flow.coupling": "ncp", "flow.activation": "leaky_relu"}
    for k, v in want.items():
        if arch.get(k) != v:
            raise SystemExit(f"{path}: {k} = {arch.get(k)}, this reference implements {v}")
    if _s(attrs["theory.name"]) != "u1" or layers.get("prior") != "haar":
        raise SystemExit(f"{path}: not a U(1) model with the Haar prior")
    model_shape = [int(x) for x in _s(attrs["lattice.shape"]).split(",")]
    L0, L1 = shape or model_shape
    n_layers = int(arch["flow.layers"])
    hidden = [int(x) for x in arch["flow.hidden"].split(",") if x.strip()]
    torch.set_default_dtype(torch.float64)
    flow = U1Flow(L0, L1, n_layers, hidden, int(arch["flow.kernel"]),
                  int(arch["flow.components"]))
    used = 0
    with torch.no_grad():
        for k, layer in enumerate(flow.layers):
            # the masks must be the ones flowlat wrote, e.g.
            # "u1_ncp: links of direction 1 at x_0 = 2 mod 4"
            expect = (f"u1_ncp: links of direction {layer.mu} at x_{1 - layer.mu} = "
                      f"{layer.off} mod 4")
            if layers.get(f"layer{k}") != expect:
                raise SystemExit(f"{path}: layer{k} = {layers.get(f'layer{k}')!r}, "
                                 f"this reference builds {expect!r}")
            convs = [c for c in layer.net if isinstance(c, nn.Conv2d)]
            for i, conv in enumerate(convs):
                for what, tensor in (("weight", conv.weight), ("bias", conv.bias)):
                    name = f"coupling{k}.net.conv{i}.{what}"
                    off, cnt = blocks[name]
                    if cnt != tensor.numel():
                        raise SystemExit(f"{path}: {name} has {cnt} parameters, "
                                         f"expected {tensor.numel()}")
                    tensor.copy_(torch.from_numpy(params[off:off + cnt]).reshape(tensor.shape))
                    used += cnt
    if used != params.size or len(blocks) != 2 * sum(
            1 for l in flow.layers for c in l.net if isinstance(c, nn.Conv2d)):
        raise SystemExit(f"{path}: {params.size} parameters in {len(blocks)} blocks, "
                         f"{used} mapped")
    return flow, float(attrs["theory.beta"]), _s(attrs["params_hash"])


def flowlat_sample(a, model, out_dir):
    """`flowlat sample` of the model, every chain element saved (the simplest
    path that yields configurations with flowlat's own log-weights)."""
    output = os.path.join(out_dir, "u1_check_sample.h5")
    cmd = [a.flowlat, "sample", "--theory.name=u1", f"--flow.model={model}",
           f"--run.output={output}", f"--sample.proposals={a.check_proposals}",
           "--sample.thermalization=0", "--sample.save_every=1", "--sample.batch=256",
           # the same function to 1e-10 needs double networks on both sides
           # (flowlat's default flow.precision is float32)
           "--flow.precision=float64",
           "--run.seed=7", "--run.progress_seconds=0"]
    import h5py
    with h5py.File(model, "r") as f:
        cmd.append(f"--theory.beta={f['model'].attrs['theory.beta']!r}")
        shape = a.check_shape or _s(f["model"].attrs["lattice.shape"])
        cmd.append(f"--lattice.shape={shape}")
        if shape != _s(f["model"].attrs["lattice.shape"]):
            cmd.append("--sample.transfer=true")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {p.returncode}):\n{p.stdout[-3000:]}")
    return output, cmd


def run_check(a):
    import h5py
    setup_threads(a)
    model = a.model or DEFAULT_MODEL
    tmp = None
    try:
        ensemble, cmd = a.ensemble, None
        if ensemble is None:
            if not a.flowlat:
                raise SystemExit("--mode check needs --ensemble or --flowlat")
            tmp = tempfile.mkdtemp(prefix="u1_check_")
            ensemble, cmd = flowlat_sample(a, model, tmp)
        with h5py.File(ensemble, "r") as f:
            e = f["ensemble"]
            ns, nr = int(e.attrs["n_saved"]), int(e.attrs["n_records"])
            if ns != nr:
                raise SystemExit(f"{ensemble}: n_saved {ns} != n_records {nr}: run flowlat "
                                 "sample with sample.save_every = 1")
            n = min(ns, a.max_configs)
            theta = torch.from_numpy(e["configs"][0, :n])            # [n][2][L0][L1]
            w_fl = torch.from_numpy(e["mcmc"]["state_log_weight"][0, :n])
            s_fl = torch.from_numpy(e["obs"]["action_density"][0, :n])
            ens_hash = _s(f["model"].attrs["params_hash"]) if "model" in f else None
        flow, beta, model_hash = flow_from_flowlat_model(model, list(theta.shape[2:]))
        if ens_hash is not None and ens_hash != model_hash:
            raise SystemExit(f"{ensemble} was sampled from params_hash {ens_hash}, "
                             f"{model} has {model_hash}")
        V = theta.shape[2] * theta.shape[3]
        with torch.no_grad():
            S = u1_action(theta, beta)
            z, logq = flow.reverse(theta)
            w = -S - logq
            theta2, logq2 = flow(z)
        scale = max(1.0, w_fl.abs().max().item())
        res = dict(n_configs=n, n_distinct=int(torch.unique(w_fl).numel()),
                   lattice=list(theta.shape[2:]),
                   max_abs_err_log_weight=(w - w_fl).abs().max().item(),
                   max_rel_err_log_weight=(w - w_fl).abs().max().item() / scale,
                   max_abs_err_action=(S - V * s_fl).abs().max().item(),
                   roundtrip_err=(wrap(theta2 - theta + math.pi) - math.pi).abs().max().item(),
                   roundtrip_logq_err=(logq2 - logq).abs().max().item(),
                   prior_range_ok=bool(((z >= 0) & (z < TWO_PI)).all()),
                   mean_log_weight=w.mean().item())
        # absolute: w, S and log q are O(V) sums whose rounding is ~1e-13 here
        ok = (res["max_abs_err_log_weight"] < a.tolerance and res["roundtrip_err"] < a.tolerance
              and res["roundtrip_logq_err"] < a.tolerance
              and res["max_abs_err_action"] < a.tolerance and res["prior_range_ok"]
              and res["n_distinct"] > 1)
        for k, v in res.items():
            print(f"# {k}: {v}")
        print(json.dumps(dict(mode="check", ok=ok, model=model, ensemble=ensemble,
                              params_hash=model_hash, flowlat_command=cmd,
                              tolerance=a.tolerance, results=res)))
        return 0 if ok else 1
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    a = parse_args(argv)
    if a.mode == "bench":
        run_bench(a)
    elif a.mode == "train":
        run_train(a)
    elif a.mode == "selftest":
        return run_selftest(a)
    else:
        return run_check(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
