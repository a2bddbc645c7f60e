"""The SE(3)-equivariant score network on packed residue graphs.

Input: noisy Cα coordinates of many chains concatenated (N, 3) Å, per-chain time and shell in
[0, 1], and sequence features. Output: one vector per residue (N, 3), equivariant under rotations
(and reflections when ``reflection_equivariant``) and invariant under translations.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from e3nn import o3
from torch import nn

from protein_rgdm.config.model import ModelConfig
from protein_rgdm.errors import InputError
from protein_rgdm.model.embedders import SequenceFeatures, build_embedder
from protein_rgdm.model.features import GaussianRBF, OffsetEmbedding, mlp, sinusoidal_embedding
from protein_rgdm.model.global_head import GlobalVectorHead
from protein_rgdm.model.graph import build_edges
from protein_rgdm.model.layers import ConvLayer, hidden_irreps
from protein_rgdm.model.packing import Packing
from protein_rgdm.model.tokens import validate_sequences

__all__ = ["ScoreNetwork"]

_OFFSET_DIM = 16


class ScoreNetwork(nn.Module):
    """Embedder + graph construction + tensor-product convolutions + vector head.

    Use :meth:`embed` once per batch of sequences (e.g. once per sampling run) and :meth:`forward`
    at every noise level.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedder = build_embedder(cfg.embedder)
        ns = cfg.ns
        self.node_in = mlp(self.embedder.out_dim + 2 * cfg.time_dim + 2 * cfg.position_dim, ns, ns)
        self.rbf = GaussianRBF(cfg.num_rbf, cfg.rbf_max)
        self.offset = OffsetEmbedding(cfg.max_offset, _OFFSET_DIM)
        self.rel_rbf = GaussianRBF(cfg.num_rbf, 2.5)
        edge_in = self.rbf.out_dim + self.rel_rbf.out_dim + 1 + _OFFSET_DIM
        if self.embedder.pair_dim:
            self.pair_in = nn.Sequential(nn.LayerNorm(self.embedder.pair_dim), nn.Linear(self.embedder.pair_dim, cfg.pair_dim))
            edge_in += cfg.pair_dim
        self.edge_in = mlp(edge_in, cfg.edge_hidden, cfg.edge_hidden)
        self.irreps_sh = o3.Irreps.spherical_harmonics(cfg.sh_lmax)
        scalars, gated = hidden_irreps(ns, cfg.nv, cfg.sh_lmax, cfg.reflection_equivariant)
        layers, irreps = [], o3.Irreps(f"{ns}x0e")
        for _ in range(cfg.layers):
            layer = ConvLayer(irreps, self.irreps_sh, scalars, gated, ns, cfg.edge_hidden, cfg.edge_hidden)
            layers.append(layer)
            irreps = layer.irreps_out
        self.convs = nn.ModuleList(layers)
        head = "1x1o" if cfg.reflection_equivariant else "1x1o + 1x1e"
        self.head = o3.Linear(irreps, o3.Irreps(head))
        # invariant coefficients of the geometric output terms and the per-chain log output scale
        self.centre_coef = nn.Linear(ns, 1)
        self.edge_coef = mlp(cfg.edge_hidden + 2 * ns, cfg.edge_hidden, 1)
        self.log_scale = mlp(2 * cfg.time_dim, cfg.edge_hidden, 1)
        self.global_head = (
            GlobalVectorHead(2 * ns, cfg.global_vectors, cfg.edge_hidden, cfg.reflection_equivariant)
            if cfg.global_vectors
            else None
        )
        for lin in (self.centre_coef, self.edge_coef[-1], self.log_scale[-1]):
            nn.init.zeros_(lin.weight)
            nn.init.zeros_(lin.bias)

    def validate(self, sequences: Sequence[str], names: Sequence[str] | None = None) -> list[str]:
        """Check sequences (20 amino acids or unknown X, non-empty, ≤ max_length); errors name the record."""
        return validate_sequences(sequences, names, self.cfg.max_length, allow_unknown=True)

    def embed(self, sequences: Sequence[str], names: Sequence[str] | None, packing: Packing) -> SequenceFeatures:
        """Sequence features of a packed batch (validates the sequences and their lengths)."""
        sequences = self.validate(sequences, names)
        lengths = [len(s) for s in sequences]
        if lengths != packing.lengths.tolist():
            raise InputError(f"sequence lengths {lengths} differ from the mask's {packing.lengths.tolist()}")
        return self.embedder(sequences, names, packing)

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        shell: torch.Tensor,
        packing: Packing,
        features: SequenceFeatures,
    ) -> torch.Tensor:
        """Predict one vector per residue.

        Parameters
        ----------
        x
            (N, 3) packed noisy Cα coordinates, Å.
        t, shell
            (B,) float in [0, 1]: elapsed diffusion time and fraction of active modes, per chain.
        packing
            Chain membership of the rows of ``x``.
        features
            Output of :meth:`embed` for the same packing.

        Returns
        -------
        (N, 3) tensor in the dtype of ``x``: ``exp(g(t, shell)) · (head(h_i) + a_i (x_i − x̄) +
        mean_j w_ij (x_j − x_i) + Σ_k c_ik V_k [+ cross terms])`` with invariant a, w, g, c, so the output
        can follow the target's scale (which spans orders of magnitude over the diffusion), the input
        geometry, and a per-chain frame of pooled vectors V (:class:`GlobalVectorHead`).
        """
        cfg = self.cfg
        src, dst = build_edges(x, packing, cfg.knn, cfg.seq_neighbors)
        vec = x[src] - x[dst]  # from the receiving residue to its neighbour
        dist = vec.norm(dim=-1)
        unit = vec / dist.clamp_min(1e-6)[:, None]  # coincident residues give a zero direction, not NaN
        sh = o3.spherical_harmonics(self.irreps_sh, unit, normalize=False, normalization="component")
        # chain radius R_b: distances relative to it stay informative when the noisy chain is tiny or huge
        counts = packing.lengths.to(x.dtype)[:, None]
        centroid = x.new_zeros(packing.num_chains, 3).index_add_(0, packing.batch, x) / counts
        centred = x - centroid[packing.batch]
        radius2 = x.new_zeros(packing.num_chains).index_add_(0, packing.batch, centred.pow(2).sum(-1))
        radius = torch.sqrt(radius2 / counts[:, 0] + 1e-4)
        e = [
            self.rbf(dist),
            self.rel_rbf(dist / radius[packing.batch[dst]]),
            torch.log(dist + 0.01)[:, None],
            self.offset(packing.position[src] - packing.position[dst]),
        ]
        if self.embedder.pair_dim:
            e.append(self.pair_in(features.pair_on_edges(packing, src, dst)))
        edge_attr = self.edge_in(torch.cat(e, dim=-1))
        te = torch.cat([sinusoidal_embedding(t, cfg.time_dim), sinusoidal_embedding(shell, cfg.time_dim)], dim=-1)
        te = te.to(x.dtype)
        node = [features.node.to(x.dtype), te[packing.batch]]
        if cfg.position_dim:
            from_n = packing.position.to(x.dtype)
            from_c = packing.lengths[packing.batch].to(x.dtype) - 1.0 - from_n
            node += [sinusoidal_embedding(from_n / 1000.0, cfg.position_dim), sinusoidal_embedding(from_c / 1000.0, cfg.position_dim)]
        h = self.node_in(torch.cat(node, dim=-1))
        h0 = h
        for conv in self.convs:
            h = conv(h, src, dst, sh, edge_attr, packing.batch, packing.lengths)
        out = self.head(h)
        if not cfg.reflection_equivariant:
            out = out[:, :3] + out[:, 3:]
        # geometric terms: a_i (x_i - centroid) + mean_j w_ij (x_j - x_i), both equivariant, scale with x
        s = h[:, : cfg.ns]
        out = out + self.centre_coef(s) * centred
        w = self.edge_coef(torch.cat([edge_attr, s[src], s[dst]], dim=-1))
        rel = x.new_zeros(x.shape).index_add_(0, dst, w * vec)
        deg = torch.bincount(dst, minlength=x.shape[0]).clamp(min=1).to(x.dtype)
        out = out + rel / deg[:, None]
        if self.global_head is not None:
            out = out + self.global_head(torch.cat([s, h0], dim=-1), centred, packing.batch, packing.lengths, radius)
        return out * torch.exp(self.log_scale(te.to(x.dtype)))[packing.batch]
