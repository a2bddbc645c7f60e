"""Global vector head: a per-chain frame of learned coarse vectors, and per-residue coefficients in it.

The message-passing layers see a residue's neighbourhood; where the chain's global arrangement
decides a residue's output (the coarse modes of RG diffusion fix the orientation in which the finer
modes must be generated) a local network needs many layers to find it. This head gives it in one:

    V_bk = (1/n_b) Σ_{i∈b} a_k(s_i) (x_i − x̄_b),          k = 1..K     (B, K, 3) Å
    out_i = Σ_k c_ik V_bk  [+ Σ_{k<l} d_ikl (V_bk × V_bl) / R_b]          (N, 3) Å

with invariant scalars a (from the residue's features) and c, d (from the residue's features and
the chain's invariants: the Gram matrix V Vᵀ / R², and, without reflection equivariance, the
triple products det(V_k, V_l, V_m) / R³ and the cross-product terms). R_b is the chain's RMS
radius. Pooling weights that follow the residue's place in the chain turn V into learned coarse
modes (a frame); coefficients that follow it place each residue in that frame. Cost O(N K²).
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from protein_rgdm.model.features import mlp

__all__ = ["GlobalVectorHead"]


class GlobalVectorHead(nn.Module):
    """Equivariant output term built from K pooled per-chain vectors.

    Parameters
    ----------
    ns
        Width of the per-residue invariant features ``s``.
    num_vectors
        K, the number of pooled vectors per chain (≥ 1).
    hidden
        MLP width.
    reflection_equivariant
        True: only V and its Gram matrix (O(3)); False: also cross products and triple products (SE(3)).
    """

    def __init__(self, ns: int, num_vectors: int, hidden: int, reflection_equivariant: bool) -> None:
        super().__init__()
        self.k = num_vectors
        self.pairs = [] if reflection_equivariant else list(itertools.combinations(range(num_vectors), 2))
        self.triples = [] if reflection_equivariant else list(itertools.combinations(range(num_vectors), 3))
        n_inv = num_vectors * (num_vectors + 1) // 2 + len(self.triples) + 1
        self.pool = nn.Linear(ns, num_vectors)
        self.coef = mlp(ns + n_inv, hidden, num_vectors + len(self.pairs))
        nn.init.zeros_(self.coef[-1].weight)  # starts as no contribution
        nn.init.zeros_(self.coef[-1].bias)
        # index tensors built once (non-persistent buffers: they follow .to(device), stay out of checkpoints)
        self.register_buffer("_iu", torch.triu_indices(num_vectors, num_vectors), persistent=False)
        pair_ix = torch.tensor(self.pairs, dtype=torch.long).reshape(-1, 2).T
        triple_ix = torch.tensor(self.triples, dtype=torch.long).reshape(-1, 3).T
        self.register_buffer("_pair_ix", pair_ix, persistent=False)
        self.register_buffer("_triple_ix", triple_ix, persistent=False)

    def forward(
        self, s: torch.Tensor, centred: torch.Tensor, batch: torch.Tensor, lengths: torch.Tensor, radius: torch.Tensor
    ) -> torch.Tensor:
        """s (N, ns) invariant features, centred (N, 3) Å (each chain's centroid removed), batch (N,) chain
        index, lengths (B,) residues per chain, radius (B,) Å RMS radius → (N, 3) Å."""
        B = lengths.shape[0]
        a = self.pool(s)  # (N, K)
        V = centred.new_zeros(B, self.k * 3).index_add_(0, batch, (a[:, :, None] * centred[:, None, :]).flatten(1))
        V = V.view(B, self.k, 3) / lengths.to(s.dtype)[:, None, None]
        r = radius[:, None]
        gram = torch.einsum("bkc,blc->bkl", V, V) / (r[:, :, None] ** 2)
        inv = [gram[:, self._iu[0], self._iu[1]], torch.log(r)]
        vectors = [V]
        if self.triples:
            i, j, k = self._triple_ix
            inv.append(torch.linalg.det(torch.stack([V[:, i], V[:, j], V[:, k]], dim=-2)) / r**3)
        if self.pairs:
            p, q = self._pair_ix
            vectors.append(torch.cross(V[:, p], V[:, q], dim=-1) / r[:, :, None])
        W = torch.cat(vectors, dim=1)  # (B, K + pairs, 3)
        c = self.coef(torch.cat([s, torch.cat(inv, dim=-1)[batch]], dim=-1))  # (N, K + pairs)
        return torch.einsum("nk,nkc->nc", c, W[batch])
