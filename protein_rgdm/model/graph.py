"""Sparse residue graph of a packed batch: sequence neighbours plus k nearest neighbours in space.

Memory is O(N · (k + 2w)) for the edges; the distance search runs over row blocks of each chain's
distance matrix, so its peak memory is O(block · L) instead of O(L²).
"""

from __future__ import annotations

import torch

from protein_rgdm.model.packing import Packing

__all__ = ["build_edges"]


@torch.no_grad()
def _sequence_edges(packing: Packing, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    n = torch.arange(packing.num_nodes, device=packing.batch.device)
    length = packing.lengths[packing.batch]
    src, dst = [], []
    for d in range(1, window + 1):
        for sign in (-1, 1):
            pos = packing.position + sign * d
            ok = (pos >= 0) & (pos < length)
            dst.append(n[ok])
            src.append(n[ok] + sign * d)
    return torch.cat(src), torch.cat(dst)


@torch.no_grad()
def _knn_edges(
    x: torch.Tensor, packing: Packing, k: int, window: int, block: int
) -> tuple[torch.Tensor, torch.Tensor]:
    device = x.device
    B, lmax = packing.num_chains, int(packing.lengths.max())
    k_eff = min(k, lmax - 1)
    if k_eff <= 0:
        empty = torch.empty(0, dtype=torch.long, device=device)
        return empty, empty
    xp = packing.unpack(x.detach().float(), lmax)  # (B, Lmax, 3)
    cols = torch.arange(lmax, device=device)
    col_ok = cols[None, :] < packing.lengths[:, None]  # (B, Lmax)
    src, dst = [], []
    for r0 in range(0, lmax, block):
        rows = cols[r0 : r0 + block]
        d = torch.cdist(xp[:, rows], xp)  # (B, b, Lmax)
        near = (rows[:, None] - cols[None, :]).abs() <= window  # self and sequence neighbours
        d = d.masked_fill(near[None] | ~col_ok[:, None, :], float("inf"))
        dist, idx = torch.topk(d, k_eff, dim=-1, largest=False)  # (B, b, k)
        ok = torch.isfinite(dist) & (rows[None, :, None] < packing.lengths[:, None, None])
        b_idx = torch.arange(B, device=device)[:, None, None].expand_as(idx)
        r_idx = rows[None, :, None].expand_as(idx)
        off = packing.offsets[b_idx]
        dst.append((off + r_idx)[ok])
        src.append((off + idx)[ok])
    return torch.cat(src), torch.cat(dst)


def build_edges(
    x: torch.Tensor, packing: Packing, k: int, window: int, block: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """Directed edges src → dst (messages flow from src to dst), all within one chain.

    Parameters
    ----------
    x
        (N, 3) packed coordinates, Å.
    packing
        Which chain each row of ``x`` belongs to.
    k
        Nearest spatial neighbours per residue beyond the sequence window.
    window
        Residues i ± 1 .. i ± window are always neighbours of i (and excluded from the k).
    block
        Rows of a chain's distance matrix searched at once.

    Returns
    -------
    src, dst
        (E,) long each. Every residue has exactly ``min(k, L-1-#window)`` spatial neighbours plus
        its sequence neighbours; no self loops, no duplicates.
    """
    s1, d1 = _sequence_edges(packing, window)
    if k > 0:
        s2, d2 = _knn_edges(x, packing, k, window, block)
        s1, d1 = torch.cat([s1, s2]), torch.cat([d1, d2])
    return s1, d1
