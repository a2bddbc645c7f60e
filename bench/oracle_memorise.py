"""What a perfect network would reach on the memorisation test: the Bayes-optimal equivariant denoiser.

For data made of one chain X under a uniform random rotation, E[X₀ | X_t] = Σ_R w(R) R X with
w(R) ∝ exp(−Σ_active |X̃_t,k − √ᾱ_k R X̃_k|² / (2 (1 − ᾱ_k) S_k)) over the active modes. It is computed by
brute force (20,000 random rotations plus 4,000 around the best one) and driven through the package's sampler
in the x0 parametrisation; the TM-scores of its samples show how well a chain *can* be memorised with this
process (a long single helix is nearly symmetric about its axis and cannot reach 1).

Usage: python bench/oracle_memorise.py CGDMS_STRUCTURES_DIR NAME [NAME ...] [--samples 6]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def main() -> None:
    import torch
    from scipy.spatial.transform import Rotation

    from protein_rgdm.config.diffusion import DiffusionConfig
    from protein_rgdm.diffusion import Diffusion
    from protein_rgdm.evaluate import tm_gdt_search
    from protein_rgdm.structure.read import read_ca_chain

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("structures", type=Path)
    ap.add_argument("names", nargs="+")
    ap.add_argument("--samples", type=int, default=6)
    args = ap.parse_args()
    torch.set_num_threads(1)
    diff = Diffusion.from_config(DiffusionConfig(prediction="x0"))
    grid = torch.tensor(Rotation.random(20000, random_state=0).as_matrix())

    for name in args.names:
        ca, _, _ = read_ca_chain(args.structures / f"{name}.pdb.gz")
        L = len(ca)
        one = torch.ones(1, L, dtype=torch.bool)
        y0 = diff.basis.to_modes(diff.basis.centre(torch.tensor(ca, dtype=torch.float64)[None], one), one)[0]
        table, S = diff.tables(L)
        S = torch.tensor(S)
        T = table.shape[0]

        def neg_log_w(rots, y_t, ab, act, S=S, y0=y0):
            var = ((1 - ab).clamp_min(1e-4) * S)[act]  # clean modes: sharp but finite
            pred = torch.einsum("rij,kj->rki", rots, y0[act])
            return 0.5 * (((y_t[act][None] - ab[act].sqrt()[None, :, None] * pred) ** 2).sum(-1) / var).sum(-1)

        def score_fn(x_t, t, shell, mask, T=T, table=table, y0=y0, neg_log_w=neg_log_w):
            out = []
            steps = torch.round(t * T).long() - 1
            for b in range(x_t.shape[0]):
                ab = torch.tensor(table[steps[b]])
                act = ab > 0
                act[0] = False
                y_t = diff.basis.to_modes(x_t[b : b + 1], mask[b : b + 1])[0]
                best = grid[neg_log_w(grid, y_t, ab, act).argmin()]
                local = Rotation.from_rotvec(Rotation.random(4000, random_state=int(steps[b])).as_rotvec() * 0.05)
                cand = torch.cat([grid, torch.einsum("rij,jk->rik", torch.tensor(local.as_matrix()), best)])
                w = torch.softmax(-neg_log_w(cand, y_t, ab, act), 0)
                out.append(diff.basis.from_modes(torch.einsum("r,rij,kj->ki", w, cand, y0)[None], mask[b : b + 1])[0])
            return torch.stack(out)

        mask = torch.ones(args.samples, L, dtype=torch.bool)
        res = diff.sample(score_fn, mask, torch.Generator().manual_seed(0), dtype=torch.float64)
        tms = [float(tm_gdt_search(x.numpy(), ca.astype(np.float64), L, L)[0]) for x in res.x]
        print(f"{name}: L = {L}, Bayes-oracle samples TM median {np.median(tms):.3f}, all {np.round(tms, 2).tolist()}")


if __name__ == "__main__":
    main()
