#!/usr/bin/python3
"""PyTorch reference for flowlat's normalizing flow for lattice phi^4.

Written in this project from the public description of the tutorial
arXiv:2101.08176 (Albergo, Kanwar, Racaniere, Rezende, Urban, Boyda, Hackett,
Shanahan, Wiese: "Introduction to Normalizing Flows for Lattice Field Theory").
It is the baseline the C++/Kokkos flow engine is benchmarked against (issue 3,
"Performance"): same architecture, loss, optimizer and figures.

Conventions (docs: /work/shared/PHYSICS.md, bench/README_torch.md):
  * Action  S = sum_x [ -2 sum_mu phi(x) phi(x+mu) + (m^2 + 2d) phi(x)^2
                        + lambda phi(x)^4 ],  periodic, phi of shape [B, L, ..., L].
  * Prior   r(z) = prod_x N(z(x); 0, 1).
  * Coupling layer i (i = 0, 1, ...) freezes the sites with parity
    (x_1 + ... + x_d) % 2 == i % 2  (mask = 1 there): layer 0 freezes the even
    sites and updates the odd ones, layer 1 the reverse, and so on.
      frozen = mask * x
      (s, t) = tanh(net(frozen[:, None]))          (final tanh on both channels)
      y      = mask * x + (1 - mask) * (x * exp(s) + t)
      logdet = sum over the active sites (mask = 0) of s
    net = Conv(1, h1, k) - LeakyReLU - Conv(h1, h2, k) - LeakyReLU - Conv(h2, 2, k),
    'same' circular padding (k // 2), bias, PyTorch's default initialisation.
  * log q(phi) = log r(z) - sum_layers logdet;  reverse-KL loss = mean(log q + S).
  * Log-weight w = -S - log q;  ESS/N = (sum e^w)^2 / (N sum e^{2w}).
  * Independence Metropolis-Hastings: accept phi' with min(1, exp(w' - w)).

Modes: bench (throughput figures; proposals_per_s: prior + flow + action +
log-weight per block, nothing stored; chain_per_s: the same plus the
independence MH decisions and every chain element kept in memory,
mh_chain.py), train (2500-step reverse-KL training with ESS/N, time-to-ESS
target, final ESS/N and MH acceptance), check (self-tests: invertibility, log
det vs brute-force Jacobian, action vs the (phi(x+mu)-phi(x))^2 form),
crosscheck (loads a flowlat model file into a float64 flow and recomputes the
log-weights flowlat's `sample` wrote: the same architecture, parameter layout,
masks and action, to rounding when that sample ran with flow.precision =
float64; --tolerance).  --dtype float32 (default) or float64 for bench and
train.  Every mode prints a single JSON line last.
Side by side with flowlat: bench/compare_torch.py; bench/README_torch.md.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn

from machine_state import loadavg, system_busy_seconds
from mh_chain import InMemoryChain

# ----------------------------------------------------------------------------
# Physics


def phi4_action(phi, m2, lam):
    """S per configuration, phi of shape [B, L, ..., L] (d = phi.dim() - 1)."""
    d = phi.dim() - 1
    hop = torch.zeros_like(phi)
    for mu in range(1, d + 1):
        hop = hop + torch.roll(phi, shifts=-1, dims=mu)   # phi(x + mu)
    dens = -2.0 * phi * hop + (m2 + 2.0 * d) * phi ** 2 + lam * phi ** 4
    return dens.reshape(phi.shape[0], -1).sum(dim=1)


def phi4_action_gradient_form(phi, m2, lam):
    """Same action written as sum (phi(x+mu) - phi(x))^2 + m2 phi^2 + lam phi^4."""
    d = phi.dim() - 1
    dens = m2 * phi ** 2 + lam * phi ** 4
    for mu in range(1, d + 1):
        dens = dens + (torch.roll(phi, shifts=-1, dims=mu) - phi) ** 2
    return dens.reshape(phi.shape[0], -1).sum(dim=1)


def checkerboard_mask(L, d, parity, dtype):
    """1 on the sites with (sum of coordinates) % 2 == parity, else 0."""
    coords = torch.meshgrid(*[torch.arange(L)] * d, indexing="ij")
    par = sum(coords) % 2
    return (par == parity).to(dtype)


# ----------------------------------------------------------------------------
# Flow


CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}


def make_net(d, hidden, kernel):
    conv = CONV[d]
    chans = [1] + list(hidden) + [2]
    layers = []
    for i in range(len(chans) - 1):
        layers.append(conv(chans[i], chans[i + 1], kernel, padding=kernel // 2,
                           padding_mode="circular"))
        if i < len(chans) - 2:
            layers.append(nn.LeakyReLU())   # default negative_slope 0.01
    layers.append(nn.Tanh())                # final_tanh=True: on (s, t) both
    return nn.Sequential(*layers)


class AffineCoupling(nn.Module):
    def __init__(self, net, mask):
        super().__init__()
        self.net = net
        self.register_buffer("mask", mask)

    def forward(self, x):
        """z -> phi direction: returns (y, logdet) with logdet = sum_active s."""
        m = self.mask
        frozen = m * x
        out = self.net(frozen.unsqueeze(1))
        s, t = out[:, 0], out[:, 1]
        y = m * x + (1 - m) * (x * torch.exp(s) + t)
        logdet = ((1 - m) * s).reshape(x.shape[0], -1).sum(dim=1)
        return y, logdet

    def reverse(self, y):
        """phi -> z direction: returns (x, logdet of the forward map at x)."""
        m = self.mask
        out = self.net((m * y).unsqueeze(1))
        s, t = out[:, 0], out[:, 1]
        x = m * y + (1 - m) * (y - t) * torch.exp(-s)
        logdet = ((1 - m) * s).reshape(y.shape[0], -1).sum(dim=1)
        return x, logdet


class Flow(nn.Module):
    def __init__(self, L, d, n_layers, hidden, kernel, dtype):
        super().__init__()
        self.L, self.d = L, d
        self.layers = nn.ModuleList(
            AffineCoupling(make_net(d, hidden, kernel),
                           checkerboard_mask(L, d, i % 2, dtype))
            for i in range(n_layers))

    def prior_sample(self, batch, dtype, generator=None):
        return torch.randn((batch,) + (self.L,) * self.d, dtype=dtype,
                           generator=generator)

    @staticmethod
    def prior_logp(z):
        V = z[0].numel()
        return (-0.5 * z ** 2).reshape(z.shape[0], -1).sum(dim=1) \
            - 0.5 * V * math.log(2 * math.pi)

    def forward(self, z):
        """phi = f(z) and log q(phi) = log r(z) - sum logdet."""
        logq = self.prior_logp(z)
        x = z
        for layer in self.layers:
            x, ld = layer(x)
            logq = logq - ld
        return x, logq

    def reverse(self, phi):
        """z = f^{-1}(phi) and log q(phi)."""
        x = phi
        ldsum = torch.zeros(phi.shape[0], dtype=phi.dtype)
        for layer in reversed(self.layers):
            x, ld = layer.reverse(x)
            ldsum = ldsum + ld
        return x, self.prior_logp(x) - ldsum


# ----------------------------------------------------------------------------
# Estimators


def ess_per_sample(w):
    """(sum e^w)^2 / (N sum e^{2w}), computed in log space."""
    w = w.detach().to(torch.float64)
    N = w.numel()
    return math.exp(2 * torch.logsumexp(w, 0).item()
                    - torch.logsumexp(2 * w, 0).item() - math.log(N))


def independence_mh(w, generator, thermalization=0):
    """Independence MH chain over proposals with log-weights w (in order),
    as `flowlat sample`: the first proposal starts the chain (always
    accepted), the first `thermalization` chain elements are discarded, and
    the acceptance is the fraction of the remaining len(w) - thermalization
    proposals accepted.  NaN log-weights are never accepted.  Returns
    (acceptance, chain indices of the kept elements)."""
    w = w.detach().to(torch.float64).tolist()
    u = torch.rand(len(w), dtype=torch.float64, generator=generator).tolist()
    cur = None
    idx = []
    acc = 0
    for i in range(len(w)):
        if cur is None:
            accept = not math.isnan(w[i])
        else:
            accept = (not math.isnan(w[i])) and (
                w[i] >= w[cur] or u[i] < math.exp(w[i] - w[cur]))
        if accept:
            cur = i
        if i < thermalization:
            continue
        acc += accept
        idx.append(cur)
    kept = len(w) - thermalization
    return acc / max(1, kept), idx


# ----------------------------------------------------------------------------
# Setup helpers


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="PyTorch reference flow for lattice phi^4 (tutorial arXiv:2101.08176)")
    p.add_argument("--mode", choices=["bench", "train", "check", "crosscheck"],
                   default="bench")
    p.add_argument("--L", type=int, default=8)
    p.add_argument("--d", type=int, default=2, choices=[1, 2, 3])
    p.add_argument("--m2", type=float, default=-4.0)
    p.add_argument("--lam", type=float, default=8.0)
    p.add_argument("--layers", type=int, default=16)
    p.add_argument("--hidden", type=str, default="8,8",
                   help="comma-separated hidden channel counts")
    p.add_argument("--kernel", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--steps", type=int, default=None,
                   help="train: training steps (default 2500); bench: ignored")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float32",
                   help="bench and train: the flow's precision; float32 (default "
                        "since issue 9) as PyTorch users run it; check and "
                        "crosscheck always run float64")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--ess-target", type=float, default=0.3,
                   help="train: report when the ESS/N of the batch, averaged "
                        "over the last --ess-window steps, first reaches this")
    p.add_argument("--ess-window", type=int, default=50,
                   help="train: steps in the running mean of the batch ESS/N")
    p.add_argument("--history-out", type=str, default=None,
                   help="train: write the per-step history (step, loss, ess, "
                        "wall_time: seconds since training began, after the "
                        "step) to this JSON file")
    p.add_argument("--sample-batch", type=int, default=256,
                   help="proposals per block (bench: proposals_per_s; train: "
                        "the final sampling), as sample.batch of flowlat")
    p.add_argument("--final-proposals", type=int, default=20000,
                   help="train: fresh proposals after training for ESS/N and "
                        "the MH acceptance (as sample.proposals)")
    p.add_argument("--final-thermalization", type=int, default=100,
                   help="train: chain elements discarded first (as "
                        "sample.thermalization)")
    p.add_argument("--figures", type=str,
                   default="forward_per_s,forward_backward_per_s,"
                           "train_steps_per_s,proposals_per_s",
                   help="bench: comma-separated figures to measure; also "
                        "chain_per_s (proposals_per_s plus the independence MH "
                        "decisions and every chain element's configuration and "
                        "log-weight stored in memory, as a sampling run does)")
    p.add_argument("--model", type=str, default=None,
                   help="crosscheck: a flowlat model file (flowlat train)")
    p.add_argument("--ensemble", type=str, default=None,
                   help="crosscheck: a flowlat sample output made with that "
                        "model (sample.save_every = 1)")
    p.add_argument("--tolerance", type=float, default=1e-10,
                   help="crosscheck: largest relative error of the log-weights "
                        "(|dw| / max(1, max|w|)) and largest error of phi after "
                        "inverse + forward that pass; 1e-10 checks a float64 "
                        "flowlat run (flow.precision = float64) to rounding; a "
                        "float32 run (the default precision) agrees to ~5e-7 "
                        "relative, use e.g. 1e-5 for it")
    p.add_argument("--bench-seconds", type=float, default=2.0,
                   help="bench: seconds per repetition of each figure")
    p.add_argument("--bench-reps", type=int, default=5,
                   help="bench: repetitions; the best rate is reported in "
                        "'results', the median in 'results_median'")
    p.add_argument("--warmup", type=int, default=20,
                   help="bench: at most this many warm-up calls before each figure")
    p.add_argument("--warmup-seconds", type=float, default=2.0,
                   help="bench: ... or at most this long (at least one call)")
    a = p.parse_args(argv)
    a.hidden = [int(h) for h in a.hidden.split(",") if h.strip()]
    if a.kernel % 2 != 1:
        p.error("--kernel must be odd (same padding)")
    return a


def setup(a):
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set / parallel work started: harmless here
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    torch.set_default_dtype(dtype)
    torch.manual_seed(a.seed)
    flow = Flow(a.L, a.d, a.layers, a.hidden, a.kernel, dtype)
    return flow, dtype


def blas_library():
    """The BLAS shared library mapped into this process (PyTorch's float64
    convolutions on CPU go through im2col + BLAS gemm; float32 ones through
    oneDNN).  Debian's default libblas3 is the slow reference BLAS."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()
                    and ".so" in line}
    except OSError:
        return None
    libs = sorted(os.path.realpath(x) for x in libs)
    return libs[0] if len(libs) == 1 else libs


def config_dict(a, flow):
    return dict(blas=blas_library(),
                omp_wait_policy=os.environ.get("OMP_WAIT_POLICY"),
                openblas_num_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
                sample_batch=a.sample_batch, L=a.L, d=a.d, m2=a.m2, lam=a.lam, layers=a.layers,
                hidden=a.hidden, kernel=a.kernel, batch=a.batch, lr=a.lr,
                threads=torch.get_num_threads(),
                interop_threads=torch.get_num_interop_threads(),
                seed=a.seed, dtype=a.dtype, torch=torch.__version__,
                n_params=sum(p.numel() for p in flow.parameters()))


def conv_flops_per_config(a):
    """Multiply-adds x 2 of the convolutions for one configuration, one forward
    pass through all layers (the full lattice is convolved, as in the code)."""
    V = a.L ** a.d
    kd = a.kernel ** a.d
    chans = [1] + a.hidden + [2]
    macs = sum(chans[i] * chans[i + 1] * kd for i in range(len(chans) - 1)) * V
    return 2 * macs * a.layers


# ----------------------------------------------------------------------------
# Bench mode


def reverse_kl_step(flow, opt, B, dtype, a):
    """One training step, the same work as one step of `flowlat train`: prior
    draws, forward, action, loss, backward, Adam, and the batch ESS/N.
    Returns (loss, ESS/N) of the batch."""
    z = flow.prior_sample(B, dtype)
    phi, logq = flow(z)
    S = phi4_action(phi, a.m2, a.lam)
    loss = (logq + S).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item(), ess_per_sample(-S - logq)


def time_rate(fn, warmup, warmup_seconds, seconds, reps):
    """Calls per second of fn: warm-up (at most `warmup` calls or
    `warmup_seconds`, at least one call), then `reps` repetitions of at least
    `seconds` each (at least one call each).  Per repetition also records
    `others`: CPU cores used by other processes meanwhile (machine-wide busy
    time from /proc/stat minus this process's CPU time, over wall time; ~0 on
    an otherwise idle machine, coarse: 10 ms ticks).  Returns a list of dicts
    (rate, cpu_over_wall, others) in the order measured."""
    t0 = time.perf_counter()
    for i in range(max(1, warmup)):
        fn()
        if time.perf_counter() - t0 >= warmup_seconds:
            break
    out = []
    for _ in range(reps):
        n = 0
        c0, s0 = time.process_time(), system_busy_seconds()
        t0 = time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= seconds:
                break
        c1, s1 = time.process_time(), system_busy_seconds()
        others = None if s0 is None else max(0.0, ((s1 - s0) - (c1 - c0)) / dt)
        out.append(dict(rate=n / dt, cpu_over_wall=(c1 - c0) / dt, others=others))
    return out


def run_bench(a):
    flow, dtype = setup(a)
    opt = torch.optim.Adam(flow.parameters(), lr=a.lr)
    B = a.batch
    P = a.sample_batch
    z_fixed = flow.prior_sample(B, dtype)

    def train_step():
        reverse_kl_step(flow, opt, B, dtype, a)

    def forward():
        with torch.no_grad():
            flow(z_fixed)

    def forward_backward():
        phi, logq = flow(z_fixed)
        loss = (logq + phi4_action(phi, a.m2, a.lam)).mean()
        opt.zero_grad()
        loss.backward()

    def proposals():
        # one block of sample_batch proposals with their log-weights
        with torch.no_grad():
            z = flow.prior_sample(P, dtype)
            phi, logq = flow(z)
            w = -phi4_action(phi, a.m2, a.lam) - logq
            w.sum().item()   # force completion (no-op on CPU, kept honest)

    # chain_per_s: the proposals as above plus what a sampling run does with
    # them: the independence MH decisions over the block and every chain
    # element's configuration and log-weight stored in memory (mh_chain.py;
    # no observables, no file).
    chain_keeper = InMemoryChain(P, (a.L,) * a.d, dtype, a.seed + 2)

    def chain():
        with torch.no_grad():
            z = flow.prior_sample(P, dtype)
            phi, logq = flow(z)
            chain_keeper.offer(phi, -phi4_action(phi, a.m2, a.lam) - logq)

    figures = [f.strip() for f in a.figures.split(",") if f.strip()]
    known = dict(forward_per_s=forward, forward_backward_per_s=forward_backward,
                 train_steps_per_s=train_step, proposals_per_s=proposals,
                 chain_per_s=chain)
    for f in figures:
        if f not in known:
            sys.exit(f"--figures: unknown figure '{f}' (known: {', '.join(known)})")
    res = {}
    med = {}
    allr = {}
    load_start = loadavg()
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"interop {torch.get_num_interop_threads()}, dtype {a.dtype}, "
          f"loadavg at start {load_start}, BLAS {blas_library()}", flush=True)
    contended = False
    for name in figures:
        fn = known[name]
        reps = time_rate(fn, a.warmup, a.warmup_seconds, a.bench_seconds,
                         a.bench_reps)
        scale = P if name in ("proposals_per_s", "chain_per_s") else 1   # configurations / s
        rates = sorted(r["rate"] * scale for r in reps)
        bestrep = max(reps, key=lambda r: r["rate"])
        res[name] = rates[-1]
        med[name] = rates[len(rates) // 2]
        allr[name] = [dict(r, rate=r["rate"] * scale) for r in reps]
        oth = bestrep["others"]
        if oth is not None and oth > 0.15:
            contended = True
        unit = "configs/s" if scale != 1 else "/s"
        print(f"# {name:24s} best {rates[-1]:10.2f} {unit:9s} median "
              f"{med[name]:10.2f}  (min {rates[0]:.2f}; {a.bench_reps} reps x "
              f">= {a.bench_seconds:g} s; best rep: cpu/wall "
              f"{bestrep['cpu_over_wall']:.2f}, other processes "
              f"{'?' if oth is None else format(oth, '.2f')} cores)", flush=True)
    fl = conv_flops_per_config(a)
    if "forward_per_s" in res:
        res["forward_configs_per_s"] = res["forward_per_s"] * B
        res["conv_gflops_forward"] = res["forward_per_s"] * B * fl / 1e9
        print(f"# convolution GFLOP/s in the forward pass (best): "
              f"{res['conv_gflops_forward']:.3f} "
              f"({fl / 1e6:.3f} MFLOP per configuration, {fl * B / 1e6:.1f} per batch)",
              flush=True)
    load_end = loadavg()
    if contended:
        print("# WARNING: other processes used CPU during a best repetition: "
              "the machine was busy, the figures are not reliable", flush=True)
    if chain_keeper.offered:
        res["chain_acceptance_untrained_flow"] = chain_keeper.acceptance()
    out = dict(mode="bench", config=config_dict(a, flow), results=res,
               results_median=med, reps=allr, contended=contended,
               loadavg_start=load_start, loadavg_end=load_end,
               conv_flop_per_config=fl, bench_seconds=a.bench_seconds,
               bench_reps=a.bench_reps, warmup=a.warmup,
               warmup_seconds=a.warmup_seconds)
    print(json.dumps(out))


# ----------------------------------------------------------------------------
# Train mode


def run_train(a):
    steps = 2500 if a.steps is None else a.steps
    flow, dtype = setup(a)
    opt = torch.optim.Adam(flow.parameters(), lr=a.lr)
    B = a.batch
    W = max(1, a.ess_window)
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"dtype {a.dtype}, L={a.L} d={a.d} m2={a.m2} lam={a.lam} "
          f"layers={a.layers} hidden={a.hidden} kernel={a.kernel} batch={B} "
          f"lr={a.lr} steps={steps} seed={a.seed}, BLAS {blas_library()}, "
          f"loadavg {loadavg()}", flush=True)
    print(f"# {'step':>6s} {'loss':>12s} {'ESS/N':>8s} {'ESS/N(' + str(W) + ')':>10s} "
          f"{'wall_s':>9s}", flush=True)
    target_hit = None
    history = []                                  # the logged steps
    h_loss, h_ess, h_wall = [], [], []            # every step
    c0, s0 = time.process_time(), system_busy_seconds()
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        lv, ess = reverse_kl_step(flow, opt, B, dtype, a)
        wall = time.perf_counter() - t0
        h_loss.append(lv)
        h_ess.append(ess)
        h_wall.append(wall)
        recent = h_ess[-W:]
        smooth = sum(recent) / len(recent)
        if target_hit is None and len(recent) == W and smooth >= a.ess_target:
            target_hit = dict(step=step, wall_s=wall, ess_smoothed=smooth)
            print(f"# ESS/N target {a.ess_target} (mean of the last {W} batches) "
                  f"reached at step {step}, wall {wall:.2f} s", flush=True)
        if step % a.log_every == 0 or step == steps:
            history.append(dict(step=step, loss=lv, ess=ess,
                                ess_smoothed=smooth, wall_s=wall))
            print(f"  {step:6d} {lv:12.5f} {ess:8.4f} {smooth:10.4f} "
                  f"{wall:9.2f}", flush=True)
    train_time = time.perf_counter() - t0
    c1, s1 = time.process_time(), system_busy_seconds()
    others = None if s0 is None else max(0.0, ((s1 - s0) - (c1 - c0)) / train_time)
    cpu_over_wall = (c1 - c0) / train_time
    if a.history_out:
        with open(a.history_out, "w") as f:
            json.dump(dict(step=list(range(1, steps + 1)), loss=h_loss, ess=h_ess,
                           wall_time=h_wall), f)

    # Fresh proposals, as `flowlat sample`: blocks of sample_batch, the first
    # final_thermalization chain elements discarded; ESS/N of the kept
    # proposals and the acceptance of an independence MH chain over them.
    T, P, PB = a.final_thermalization, a.final_proposals, a.sample_batch
    t1 = time.perf_counter()
    ws = []
    with torch.no_grad():
        done = 0
        while done < T + P:
            n = min(PB, T + P - done)
            z = flow.prior_sample(n, dtype)
            phi, logq = flow(z)
            ws.append(-phi4_action(phi, a.m2, a.lam) - logq)
            done += n
    w = torch.cat(ws)
    propose_time = time.perf_counter() - t1
    gen = torch.Generator().manual_seed(a.seed + 1)
    acc, _ = independence_mh(w, gen, T)
    sample_time = time.perf_counter() - t1
    wk = w[T:]
    ess = ess_per_sample(wk)
    F_nis = -(torch.logsumexp(wk.to(torch.float64), 0).item() - math.log(wk.numel()))
    F_q = -wk.mean().item()
    N = wk.numel()
    print(f"# final: N = {N} fresh proposals (after {T} discarded): ESS/N = {ess:.4f}, "
          f"MH acceptance = {acc:.4f}, F_q = {F_q:.4f} >= F_NIS = {F_nis:.4f}",
          flush=True)
    print(f"# training time {train_time:.2f} s ({steps / train_time:.2f} steps/s), "
          f"final sampling {sample_time:.2f} s (proposals {(T + P) / propose_time:.1f}/s "
          f"in blocks of {PB}); during training: cpu/wall "
          f"{cpu_over_wall:.2f}, other processes "
          f"{'?' if others is None else format(others, '.2f')} cores", flush=True)
    if others is not None and others > 0.15:
        print("# WARNING: other processes used CPU during training: the timings "
              "are not reliable (ESS/N and acceptance are unaffected)", flush=True)
    out = dict(mode="train", config=config_dict(a, flow), steps=steps,
               train_time_s=train_time, train_steps_per_s=steps / train_time,
               train_cpu_over_wall=cpu_over_wall, train_other_processes_cores=others,
               final_loss=h_loss[-1] if h_loss else None,
               final_N=N, final_thermalization=T, final_ess_per_sample=ess,
               final_mh_acceptance=acc, final_proposals_per_s=(T + P) / propose_time,
               F_q=F_q, F_nis=F_nis, ess_target=a.ess_target, ess_window=W,
               ess_target_reached=target_hit, history=history,
               history_out=a.history_out, loadavg_end=loadavg(),
               total_time_s=time.perf_counter() - t0)
    print(json.dumps(out))


# ----------------------------------------------------------------------------
# Check mode (self-tests of this reference)


def run_check(a):
    a.dtype = "float64"
    results = {}
    # Small lattice for the brute-force Jacobian.
    L = 4
    torch.set_num_threads(a.threads)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(a.seed)
    for d in ([2, 3] if a.kernel == 3 else [a.d]):
        flow = Flow(L, d, 4, a.hidden, a.kernel, torch.float64)
        # Make the layers non-trivial: perturb the parameters.
        with torch.no_grad():
            for p in flow.parameters():
                p.add_(0.3 * torch.randn_like(p))
        z = flow.prior_sample(3, torch.float64)
        phi, logq = flow(z)
        zb, logq_b = flow.reverse(phi)
        inv_err = (zb - z).abs().max().item()
        logq_err = (logq_b - logq).abs().max().item()
        # log det from the brute-force Jacobian of one configuration.
        z1 = z[:1]
        J = torch.autograd.functional.jacobian(lambda v: flow(v)[0], z1)
        V = L ** d
        J = J.reshape(V, V)
        _, logabsdet = torch.linalg.slogdet(J)
        ld_flow = (flow.prior_logp(z1) - logq[:1]).item()
        det_err = abs(logabsdet.item() - ld_flow)
        results[f"d{d}"] = dict(inverse_err=inv_err, logq_fwd_vs_inv_err=logq_err,
                                logdet_vs_jacobian_err=det_err)
    phi = torch.randn(5, 6, 6)
    S1 = phi4_action(phi, a.m2, a.lam)
    S2 = phi4_action_gradient_form(phi, a.m2, a.lam)
    results["action_forms_rel_err"] = ((S1 - S2).abs() / S2.abs()).max().item()
    ok = all(v < 1e-10 for r in results.values() if isinstance(r, dict)
             for v in r.values()) and results["action_forms_rel_err"] < 1e-12
    for k, v in results.items():
        print(f"# {k}: {v}")
    print(json.dumps(dict(mode="check", ok=ok, results=results)))
    return 0 if ok else 1


# ----------------------------------------------------------------------------
# Crosscheck mode: this reference against flowlat itself


def _attr_str(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def flow_from_flowlat_model(path):
    """A Flow of this file with the parameters of a flowlat model file
    (docs/FILE_FORMAT.md): weight blocks are PyTorch's layout
    [c_out][c_in][k^d], offsets row-major over (-r..r)^d, which is what
    nn.ConvNd with 'same' circular padding computes (cross-correlation)."""
    import h5py
    with h5py.File(path, "r") as f:
        m = f["model"]
        at = {k: m.attrs[k] for k in m.attrs}
        params = m["parameters"][:]
        blocks = {k: tuple(int(x) for x in v) for k, v in m["blocks"].attrs.items()}
        # current files: the flow.* keys in /model/architecture and one
        # description per layer in /model/layers; older ones (before the
        # architecture group): n_layers, hidden, ... as /model attributes
        arch = ({k: _attr_str(v) for k, v in m["architecture"].attrs.items()}
                if "architecture" in m else None)
        layers = ({k: _attr_str(v) for k, v in m["layers"].attrs.items()}
                  if "layers" in m else None)
    shape = [int(x) for x in _attr_str(at["lattice.shape"]).split(",")]
    if len(set(shape)) != 1:
        raise SystemExit(f"{path}: only L^d lattices are supported here, got {shape}")
    if _attr_str(at["theory.name"]) != "phi4":
        raise SystemExit(f"{path}: theory.name = {_attr_str(at['theory.name'])}, "
                         f"this reference implements phi4 only")
    if arch is not None:
        want = [("flow.equivariance", "none"), ("flow.coupling", "affine"),
                ("flow.activation", "leaky_relu"), ("flow.final_tanh", "true")]
        get = arch.get
        hidden_s, n_layers_s, kernel_s = arch["flow.hidden"], arch["flow.layers"], \
            arch["flow.kernel"]
    else:
        want = [("equivariance", "none"), ("coupling", "affine"),
                ("hidden_activation", "leaky_relu"), ("final_activation", "tanh")]
        get = lambda k: _attr_str(at[k]) if k in at else None
        hidden_s, n_layers_s, kernel_s = (_attr_str(at["hidden"]), _attr_str(at["n_layers"]),
                                          _attr_str(at["kernel"]))
    for key, value in want:
        if get(key) != value:
            raise SystemExit(f"{path}: {key} = {get(key)}, this reference implements "
                             f"{value} only")
    L, d = shape[0], len(shape)
    hidden = [int(x) for x in hidden_s.split(",") if x.strip()]
    n_layers, kernel = int(n_layers_s), int(kernel_s)
    if layers is not None:   # the masks flowlat used are the ones built here
        for k in range(n_layers):
            expect = f"affine: checkerboard, frozen parity {k % 2}"
            if layers.get(f"layer{k}") != expect:
                raise SystemExit(f"{path}: layer{k} = {layers.get(f'layer{k}')!r}, this "
                                 f"reference builds {expect!r}")
    torch.set_default_dtype(torch.float64)
    flow = Flow(L, d, n_layers, hidden, kernel, torch.float64)
    used = 0
    with torch.no_grad():
        for k, layer in enumerate(flow.layers):
            convs = [mod for mod in layer.net if isinstance(mod, CONV[d])]
            for i, conv in enumerate(convs):
                for what, tensor in [("weight", conv.weight), ("bias", conv.bias)]:
                    name = f"coupling{k}.net.conv{i}.{what}"
                    off, cnt = blocks[name]
                    if cnt != tensor.numel():
                        raise SystemExit(f"{path}: block {name} has {cnt} parameters, "
                                         f"expected {tensor.numel()}")
                    tensor.copy_(torch.from_numpy(params[off:off + cnt]).reshape(tensor.shape))
                    used += cnt
    if used != params.size or used != len(params):
        raise SystemExit(f"{path}: {params.size} parameters, {used} mapped")
    return flow, float(at["theory.m2"]), float(at["theory.lambda"])


def ensemble_flow_precision(f):
    """flow.precision of the `flowlat sample` run that wrote the open file f
    (its recorded run configuration), or None if not found."""
    found = []

    def visit(name, obj):
        for k, v in obj.attrs.items():
            if k == "flow.precision":
                found.append(_attr_str(v))
    visit("/", f)
    f.visititems(visit)
    return found[0] if found else None


def run_crosscheck(a):
    """Loads a flowlat model into this reference and recomputes the
    log-weights w = -S - log q of the chain states of a `flowlat sample` run
    (sample.save_every = 1: configs[0][i] is the state after element i and
    mcmc/state_log_weight[0][i] its log-weight as flowlat computed it)."""
    import h5py
    if not a.model or not a.ensemble:
        raise SystemExit("--mode crosscheck needs --model and --ensemble")
    torch.set_num_threads(a.threads)
    flow, m2, lam = flow_from_flowlat_model(a.model)
    with h5py.File(a.ensemble, "r") as f:
        e = f["ensemble"]
        ns, nr = int(e.attrs["n_saved"]), int(e.attrs["n_records"])
        if ns != nr:
            raise SystemExit(f"{a.ensemble}: n_saved {ns} != n_records {nr}: "
                             "run flowlat sample with sample.save_every = 1")
        n = min(ns, 2000)
        phi = torch.from_numpy(e["configs"][0, :n])
        w_flowlat = torch.from_numpy(e["mcmc"]["state_log_weight"][0, :n])
        precision = ensemble_flow_precision(f)
    with torch.no_grad():
        z, logq = flow.reverse(phi)
        w = -phi4_action(phi, m2, lam) - logq
        phi2, logq2 = flow(z)
    err_w = (w - w_flowlat).abs().max().item()
    rel_w = err_w / max(1.0, w_flowlat.abs().max().item())
    err_roundtrip = (phi2 - phi).abs().max().item()
    ok = rel_w < a.tolerance and err_roundtrip < a.tolerance
    res = dict(n_configs=n, n_distinct=int(torch.unique(w_flowlat).numel()),
               flowlat_precision=precision, torch_dtype="float64", tolerance=a.tolerance,
               max_abs_err_log_weight=err_w,
               max_rel_err_log_weight=rel_w, roundtrip_err=err_roundtrip,
               mean_log_weight=w.mean().item())
    for k, v in res.items():
        print(f"# {k}: {v}")
    print(json.dumps(dict(mode="crosscheck", ok=ok, model=a.model,
                          ensemble=a.ensemble, results=res)))
    return 0 if ok else 1


def main(argv=None):
    a = parse_args(argv)
    if a.mode == "bench":
        run_bench(a)
    elif a.mode == "train":
        run_train(a)
    elif a.mode == "crosscheck":
        return run_crosscheck(a)
    else:
        return run_check(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
