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
from protein_rgdm.model.embedders import SequenceFeatures, build_embedder
from protein_rgdm.model.features import GaussianRBF, OffsetEmbedding, mlp, sinusoidal_embedding
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
        self.node_in = mlp(self.embedder.out_dim + 2 * cfg.time_dim, ns, ns)
        self.rbf = GaussianRBF(cfg.num_rbf, cfg.rbf_max)
        self.offset = OffsetEmbedding(cfg.max_offset, _OFFSET_DIM)
        edge_in = self.rbf.out_dim + _OFFSET_DIM
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

    def validate(self, sequences: Sequence[str], names: Sequence[str] | None = None) -> list[str]:
        """Check sequences (20 amino acids, non-empty, ≤ max_length); errors name the record."""
        return validate_sequences(sequences, names, self.cfg.max_length)

    def embed(self, sequences: Sequence[str], names: Sequence[str] | None, packing: Packing) -> SequenceFeatures:
        """Sequence features of a packed batch (validates the sequences and their lengths)."""
        sequences = self.validate(sequences, names)
        lengths = [len(s) for s in sequences]
        if lengths != packing.lengths.tolist():
            raise ValueError(f"sequence lengths {lengths} differ from the packing's {packing.lengths.tolist()}")
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
        (N, 3) tensor in the dtype of ``x``.
        """
        cfg = self.cfg
        src, dst = build_edges(x, packing, cfg.knn, cfg.seq_neighbors)
        vec = x[src] - x[dst]  # from the receiving residue to its neighbour
        dist = vec.norm(dim=-1)
        sh = o3.spherical_harmonics(self.irreps_sh, vec, normalize=True, normalization="component")
        e = [self.rbf(dist), self.offset(packing.position[src] - packing.position[dst])]
        if self.embedder.pair_dim:
            e.append(self.pair_in(features.pair_on_edges(packing, src, dst)))
        edge_attr = self.edge_in(torch.cat(e, dim=-1))
        te = torch.cat([sinusoidal_embedding(t, cfg.time_dim), sinusoidal_embedding(shell, cfg.time_dim)], dim=-1)
        h = self.node_in(torch.cat([features.node.to(x.dtype), te.to(x.dtype)[packing.batch]], dim=-1))
        for conv in self.convs:
            h = conv(h, src, dst, sh, edge_attr)
        out = self.head(h)
        if not cfg.reflection_equivariant:
            out = out[:, :3] + out[:, 3:]
        return out
