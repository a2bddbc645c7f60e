"""Benchmark: oracle-score reverse sampling per schedule and length (process cost without a network).

For each schedule and L in 64…1024 the Gaussian oracle (exact prediction for data with the
colour's own spectrum) drives the ancestral sampler on a batch of chains; prints NFE, wall time per
reverse step and per step per chain, and the sampled/expected variance ratio averaged over modes.

    .venv/bin/python bench/bench_sampler.py [--batch 8] [--lengths 64 128 256 512 1024] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from protein_rgdm.config.diffusion import SCHEDULE_CONFIGS, DiffusionConfig
from protein_rgdm.diffusion import Diffusion, GaussianOracle
from protein_rgdm.schedules import SCHEDULES


def run(kind: str, length: int, batch: int, device: str) -> dict:
    diff = Diffusion.from_config(DiffusionConfig(schedule=SCHEDULE_CONFIGS[kind]()))
    oracle = GaussianOracle(diff, lambda n: diff.tables(n)[1])
    mask = torch.ones(batch, length, dtype=torch.bool, device=device)
    diff.tables(length)  # build the tables outside the timing
    gen = torch.Generator(device=device).manual_seed(0)
    t0 = time.perf_counter()
    res = diff.sample(oracle, mask, gen)
    if device == "cuda":
        torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    y = diff.basis.to_modes(res.x.double(), mask)[:, 1:]
    ratio = float((y**2).mean(dim=(0, 2)).div(torch.as_tensor(diff.tables(length)[1][1:], device=device)).mean())
    return {
        "kind": kind,
        "L": length,
        "nfe": res.nfe,
        "wall_s": wall,
        "ms_per_step": 1e3 * wall / res.nfe,
        "ratio": ratio,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lengths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    ap.add_argument("--kinds", nargs="+", default=list(SCHEDULES))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"device {args.device}, threads {args.threads}, batch {args.batch}")
    print(
        f"{'schedule':9s} {'L':>5s} {'NFE':>5s} {'wall s':>8s} {'ms/step':>8s} {'µs/step/chain':>14s} {'var ratio':>9s}"
    )
    for kind in args.kinds:
        for L in args.lengths:
            r = run(kind, L, args.batch, args.device)
            print(
                f"{kind:9s} {L:5d} {r['nfe']:5d} {r['wall_s']:8.3f} {r['ms_per_step']:8.2f} "
                f"{1e3 * r['ms_per_step'] / args.batch:14.1f} {r['ratio']:9.3f}"
            )


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
