"""An independence Metropolis-Hastings chain kept in memory, block by block:
what a PyTorch user's sampling loop does with the proposals besides making
them (bench figure `chain_per_s` of torch_reference.py and
torch_u1_reference.py; bench/README_torch.md).

Per block of proposals (configurations x with log-weights w = -S - log q):
the MH decisions in a per-proposal Python loop, as the tutorial's
make_mcmc_ensemble (arXiv:2101.08176) does, with the same rules as `flowlat
sample` (the first finite proposal starts the chain; accept with
min(1, e^{w' - w}); NaN never accepted; the state carried from block to
block), and every chain element stored: its configuration and log-weight
copied into a preallocated ring buffer of `ring_blocks` blocks.  No
observables, no file.
"""

import math

import torch


class InMemoryChain:
    def __init__(self, block, shape, dtype, seed, ring_blocks=64):
        self.block = block
        self.configs = torch.empty((ring_blocks * block,) + tuple(shape), dtype=dtype)
        self.log_w = torch.empty(ring_blocks * block, dtype=torch.float64)
        self.gen = torch.Generator().manual_seed(seed)
        self.state, self.state_w = None, None
        self.pos = 0
        self.accepted = 0
        self.offered = 0

    def offer(self, x, w):
        """Runs the chain over the proposals x[i] (in order) with log-weights
        w[i] and stores the chain element after each."""
        n = x.shape[0]
        w = w.to(torch.float64)
        wl = w.tolist()
        ul = torch.rand(n, dtype=torch.float64, generator=self.gen).tolist()
        cur, cur_w = -1, self.state_w      # -1: the state carried from the last block
        idx = []
        for i in range(n):
            wi = wl[i]
            if wi == wi and (cur_w is None or wi >= cur_w or ul[i] < math.exp(wi - cur_w)):
                cur, cur_w = i, wi
                self.accepted += 1
            idx.append(cur)
        self.offered += n
        it = torch.tensor(idx)
        states = x.index_select(0, it.clamp(min=0))
        ws = w.index_select(0, it.clamp(min=0))
        carried = it < 0
        if self.state is not None and bool(carried.any()):
            states[carried] = self.state
            ws[carried] = self.state_w
        if self.pos + n > self.configs.shape[0]:
            self.pos = 0
        self.configs[self.pos:self.pos + n].copy_(states)
        self.log_w[self.pos:self.pos + n].copy_(ws)
        self.pos += n
        if cur >= 0:
            self.state = x[cur].clone()
        self.state_w = cur_w

    def acceptance(self):
        return self.accepted / self.offered if self.offered else None
