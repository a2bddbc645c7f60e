"""e3nn building blocks: an edge-weighted tensor-product convolution with a gated non-linearity and a
per-node equivariant normalisation (no batch statistics, so a chain's output never depends on its batch).
"""

from __future__ import annotations

import torch
from e3nn import o3
from e3nn.nn import Gate
from torch import nn

from protein_rgdm.model.features import mlp

__all__ = ["hidden_irreps", "EquivariantNorm", "ConvLayer"]


def hidden_irreps(ns: int, nv: int, lmax: int, reflection_equivariant: bool) -> tuple[o3.Irreps, o3.Irreps]:
    """(scalars, gated) irreps of the hidden features.

    O(3) mode: ``ns x0e`` and ``nv x1o + nv x2e``. SE(3) mode adds pseudo-tensors:
    ``nv x0o`` scalars and ``nv x1e + nv x2o`` gated.
    """
    scalars = [(ns, (0, 1))]
    gated = []
    for l in range(1, lmax + 1):
        gated.append((nv, (l, (-1) ** l)))
        if not reflection_equivariant:
            gated.append((nv, (l, (-1) ** (l + 1))))
    if not reflection_equivariant:
        scalars.append((nv, (0, -1)))
    return o3.Irreps(scalars), o3.Irreps(gated).sort().irreps.simplify()


class EquivariantNorm(nn.Module):
    """Per-node normalisation of an irreps feature vector.

    Even scalars: layer norm with affine weight and bias. Odd scalars and l > 0 blocks: divided by
    the root mean square norm over their channels, times a learned per-channel scale (no bias,
    which would break equivariance).
    """

    def __init__(self, irreps: o3.Irreps, eps: float = 1e-5) -> None:
        super().__init__()
        self.irreps = o3.Irreps(irreps)
        self.eps = eps
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(mul)) for mul, _ in self.irreps])
        self.bias = nn.Parameter(torch.zeros(sum(mul for mul, ir in self.irreps if ir == o3.Irrep("0e"))))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        out, b0 = [], 0
        for (mul, ir), sl, w in zip(self.irreps, self.irreps.slices(), self.scales):
            x = h[:, sl].reshape(-1, mul, ir.dim)
            if ir == o3.Irrep("0e"):
                x = x - x.mean(dim=1, keepdim=True)
            sq = x.pow(2).sum(-1).mean(dim=1, keepdim=True)  # (N, 1)
            x = x / torch.sqrt(sq + self.eps)[..., None] * w[None, :, None]
            if ir == o3.Irrep("0e"):
                x = x + self.bias[b0 : b0 + mul][None, :, None]
                b0 += mul
            out.append(x.reshape(-1, mul * ir.dim))
        return torch.cat(out, dim=-1)


class ConvLayer(nn.Module):
    """h_i ← norm(gate(Linear(mean_j TP_w(ij)(h_j, Y(r̂_ij))) + Linear'(mean_{k in chain} h_k)) + skip(h_i)).

    The per-chain mean gives every residue global context at linear cost (the kNN graph is local).

    The tensor product is channel-wise ("uvu") with per-edge weights from an MLP of the edge features
    and the scalar features of both ends, followed by a channel-mixing ``o3.Linear``.

    Parameters
    ----------
    irreps_in
        Input node irreps; the first ``n_scalar_in`` components must be ``0e`` scalars.
    irreps_sh
        Spherical harmonics irreps of edge directions.
    scalars, gated
        Output irreps (see :func:`hidden_irreps`).
    edge_dim, hidden
        Edge feature width and MLP width.
    """

    def __init__(
        self,
        irreps_in: o3.Irreps,
        irreps_sh: o3.Irreps,
        scalars: o3.Irreps,
        gated: o3.Irreps,
        n_scalar_in: int,
        edge_dim: int,
        hidden: int,
    ) -> None:
        super().__init__()
        self.irreps_in = o3.Irreps(irreps_in)
        self.n_scalar_in = n_scalar_in
        wanted = {ir for _, ir in scalars + gated}
        mid, instr = [], []
        for i, (mul, ir_in) in enumerate(self.irreps_in):
            for j, (_, ir_sh) in enumerate(irreps_sh):
                for ir_out in ir_in * ir_sh:
                    if ir_out in wanted:
                        instr.append((i, j, len(mid), "uvu", True))
                        mid.append((mul, ir_out))
        self.tp = o3.TensorProduct(
            self.irreps_in, irreps_sh, o3.Irreps(mid), instr, shared_weights=False, internal_weights=False
        )
        acts = {1: torch.nn.functional.silu, -1: torch.tanh}
        n_gates = sum(mul for mul, _ in gated)
        self.gate = Gate(
            scalars,
            [acts[ir.p] for _, ir in scalars],
            o3.Irreps(f"{n_gates}x0e"),
            [torch.sigmoid],
            gated,
        )
        self.linear = o3.Linear(o3.Irreps(mid), self.gate.irreps_in)
        self.pooled = o3.Linear(self.irreps_in, self.gate.irreps_in)  # per-chain mean: global context
        self.skip = o3.Linear(self.irreps_in, self.gate.irreps_out)
        self.norm = EquivariantNorm(self.gate.irreps_out)
        self.weights = mlp(edge_dim + 2 * n_scalar_in, hidden, self.tp.weight_numel)
        self.irreps_out = self.gate.irreps_out

    def forward(
        self,
        h: torch.Tensor,
        src: torch.Tensor,
        dst: torch.Tensor,
        sh: torch.Tensor,
        edge_attr: torch.Tensor,
        batch: torch.Tensor,
        counts: torch.Tensor,
    ) -> torch.Tensor:
        """h (N, irreps_in.dim), src/dst (E,) long, sh (E, sh.dim), edge_attr (E, edge_dim),
        batch (N,) chain index, counts (B,) residues per chain → (N, irreps_out.dim)."""
        s = h[:, : self.n_scalar_in]
        w = self.weights(torch.cat([edge_attr, s[src], s[dst]], dim=-1))
        msg = self.tp(h[src], sh, w)
        agg = msg.new_zeros(h.shape[0], msg.shape[1]).index_add_(0, dst, msg)
        deg = torch.bincount(dst, minlength=h.shape[0]).clamp(min=1).to(msg.dtype)
        agg = agg / deg[:, None]
        mean = h.new_zeros(counts.shape[0], h.shape[1]).index_add_(0, batch, h) / counts.to(h.dtype)[:, None]
        return self.norm(self.gate(self.linear(agg) + self.pooled(mean)[batch]) + self.skip(h))
