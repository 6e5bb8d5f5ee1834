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

Modes: bench (throughput figures), train (2500-step reverse-KL training with
ESS/N, time-to-ESS target, final ESS/N and MH acceptance), check (self-tests:
invertibility, log det vs brute-force Jacobian, action vs the (phi(x+mu)-phi(x))^2
form).  Every mode prints a single JSON line last.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn

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


def independence_mh(w, generator):
    """Independence MH chain over proposals with log-weights w (in order).

    The first proposal starts the chain; the acceptance is the fraction of
    the remaining N-1 proposals accepted.  Returns (acceptance, chain indices).
    """
    w = w.detach().to(torch.float64).tolist()
    u = torch.rand(len(w), dtype=torch.float64, generator=generator).tolist()
    cur = 0
    idx = [0]
    acc = 0
    for i in range(1, len(w)):
        if u[i] < math.exp(min(0.0, w[i] - w[cur])):
            cur = i
            acc += 1
        idx.append(cur)
    return acc / max(1, len(w) - 1), idx


# ----------------------------------------------------------------------------
# Setup helpers


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="PyTorch reference flow for lattice phi^4 (tutorial arXiv:2101.08176)")
    p.add_argument("--mode", choices=["bench", "train", "check"], default="bench")
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
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--ess-target", type=float, default=0.3,
                   help="train: report when the ESS/N of the batch, averaged "
                        "over the last 10 steps, first reaches this")
    p.add_argument("--final-batches", type=int, default=10,
                   help="train: fresh batches drawn at the end for ESS/N and MH")
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
                omp_wait_policy=os.environ.get("OMP_WAIT_POLICY"),L=a.L, d=a.d, m2=a.m2, lam=a.lam, layers=a.layers,
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


def system_busy_seconds():
    """CPU seconds spent by the whole machine (all processes), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / os.sysconf("SC_CLK_TCK")


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


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(v) for v in f.read().split()[:3]]
    except OSError:
        return None


def run_bench(a):
    flow, dtype = setup(a)
    opt = torch.optim.Adam(flow.parameters(), lr=a.lr)
    B = a.batch
    z_fixed = flow.prior_sample(B, dtype)

    def train_step():
        z = flow.prior_sample(B, dtype)
        phi, logq = flow(z)
        loss = (logq + phi4_action(phi, a.m2, a.lam)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    def forward():
        with torch.no_grad():
            flow(z_fixed)

    def forward_backward():
        phi, logq = flow(z_fixed)
        loss = (logq + phi4_action(phi, a.m2, a.lam)).mean()
        opt.zero_grad()
        loss.backward()

    def proposals():
        with torch.no_grad():
            z = flow.prior_sample(B, dtype)
            phi, logq = flow(z)
            w = -phi4_action(phi, a.m2, a.lam) - logq
            w.sum().item()   # force completion (no-op on CPU, kept honest)

    res = {}
    med = {}
    allr = {}
    load_start = loadavg()
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"interop {torch.get_num_interop_threads()}, dtype {a.dtype}, "
          f"loadavg at start {load_start}, BLAS {blas_library()}", flush=True)
    contended = False
    for name, fn in [("forward_per_s", forward),
                     ("forward_backward_per_s", forward_backward),
                     ("train_steps_per_s", train_step),
                     ("proposals_per_s", proposals)]:
        reps = time_rate(fn, a.warmup, a.warmup_seconds, a.bench_seconds,
                         a.bench_reps)
        scale = B if name == "proposals_per_s" else 1   # configurations / s
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
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"dtype {a.dtype}, L={a.L} d={a.d} m2={a.m2} lam={a.lam} "
          f"layers={a.layers} hidden={a.hidden} kernel={a.kernel} batch={B} "
          f"lr={a.lr} steps={steps} seed={a.seed}, BLAS {blas_library()}, "
          f"loadavg {loadavg()}", flush=True)
    print(f"# {'step':>6s} {'loss':>12s} {'ESS/N':>8s} {'ESS/N(10)':>9s} "
          f"{'wall_s':>9s}", flush=True)
    recent = []
    target_hit = None
    history = []
    c0, s0 = time.process_time(), system_busy_seconds()
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        z = flow.prior_sample(B, dtype)
        phi, logq = flow(z)
        S = phi4_action(phi, a.m2, a.lam)
        loss = (logq + S).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        ess = ess_per_sample(-S - logq)
        recent.append(ess)
        if len(recent) > 10:
            recent.pop(0)
        smooth = sum(recent) / len(recent)
        if target_hit is None and len(recent) == 10 and smooth >= a.ess_target:
            target_hit = dict(step=step, wall_s=time.perf_counter() - t0,
                              ess_smoothed=smooth)
            print(f"# ESS/N target {a.ess_target} (mean of last 10 batches) "
                  f"reached at step {step}, wall {target_hit['wall_s']:.2f} s",
                  flush=True)
        if step % a.log_every == 0 or step == steps:
            wall = time.perf_counter() - t0
            history.append(dict(step=step, loss=loss.item(), ess=ess,
                                ess_smoothed=smooth, wall_s=wall))
            print(f"  {step:6d} {loss.item():12.5f} {ess:8.4f} {smooth:9.4f} "
                  f"{wall:9.2f}", flush=True)
    train_time = time.perf_counter() - t0
    c1, s1 = time.process_time(), system_busy_seconds()
    others = None if s0 is None else max(0.0, ((s1 - s0) - (c1 - c0)) / train_time)
    cpu_over_wall = (c1 - c0) / train_time

    # Fresh samples: ESS/N and an independence MH chain over them.
    t1 = time.perf_counter()
    ws = []
    with torch.no_grad():
        for _ in range(a.final_batches):
            z = flow.prior_sample(B, dtype)
            phi, logq = flow(z)
            ws.append(-phi4_action(phi, a.m2, a.lam) - logq)
    w = torch.cat(ws)
    gen = torch.Generator().manual_seed(a.seed + 1)
    acc, _ = independence_mh(w, gen)
    ess = ess_per_sample(w)
    F_nis = -(torch.logsumexp(w.to(torch.float64), 0).item() - math.log(w.numel()))
    F_q = -w.mean().item()
    sample_time = time.perf_counter() - t1
    N = w.numel()
    print(f"# final: N = {N} fresh samples: ESS/N = {ess:.4f}, "
          f"MH acceptance = {acc:.4f}, F_q = {F_q:.4f} >= F_NIS = {F_nis:.4f}",
          flush=True)
    print(f"# training time {train_time:.2f} s ({steps / train_time:.2f} steps/s), "
          f"final sampling {sample_time:.2f} s; during training: cpu/wall "
          f"{cpu_over_wall:.2f}, other processes "
          f"{'?' if others is None else format(others, '.2f')} cores", flush=True)
    if others is not None and others > 0.15:
        print("# WARNING: other processes used CPU during training: the timings "
              "are not reliable (ESS/N and acceptance are unaffected)", flush=True)
    out = dict(mode="train", config=config_dict(a, flow), steps=steps,
               train_time_s=train_time, train_steps_per_s=steps / train_time,
               train_cpu_over_wall=cpu_over_wall, train_other_processes_cores=others,
               final_loss=history[-1]["loss"] if history else None,
               final_N=N, final_ess_per_sample=ess, final_mh_acceptance=acc,
               F_q=F_q, F_nis=F_nis, ess_target=a.ess_target,
               ess_target_reached=target_hit, history=history,
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


def main(argv=None):
    a = parse_args(argv)
    if a.mode == "bench":
        run_bench(a)
    elif a.mode == "train":
        run_train(a)
    else:
        return run_check(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
