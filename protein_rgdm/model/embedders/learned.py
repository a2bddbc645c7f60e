"""Learned sequence embedder: token embedding + residual dilated conv stack or a small transformer."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from protein_rgdm.config.model import LearnedEmbedderConfig
from protein_rgdm.constants import AMINO_ACIDS
from protein_rgdm.model.embedders.base import SequenceEmbedder, SequenceFeatures
from protein_rgdm.model.features import sinusoidal_embedding
from protein_rgdm.model.packing import Packing
from protein_rgdm.model.tokens import tokenize

__all__ = ["LearnedEmbedder"]


class _ConvBlock(nn.Module):
    def __init__(self, dim: int, kernel: int, dilation: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.conv = nn.Conv1d(dim, dim, kernel, dilation=dilation, padding=dilation * (kernel // 2))
        self.out = nn.Linear(dim, dim)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # h (B, L, D), mask (B, L): zero outside the chain so padding acts as the conv's zero padding
        y = nn.functional.gelu(self.norm(h)) * mask[..., None]
        y = self.conv(y.transpose(1, 2)).transpose(1, 2)
        return (h + self.out(nn.functional.gelu(y))) * mask[..., None]


class LearnedEmbedder(SequenceEmbedder):
    """Per-residue features learned jointly with the score network (no pair features).

    The unknown token ``X`` is embedded as the mean of the 20 amino-acid embeddings.
    """

    def __init__(self, cfg: LearnedEmbedderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.out_dim = cfg.dim
        self.pair_dim = 0
        self.tokens = nn.Embedding(len(AMINO_ACIDS), cfg.dim)
        if cfg.arch == "conv":
            self.blocks = nn.ModuleList(
                [_ConvBlock(cfg.dim, cfg.kernel_size, 2 ** (i % 4)) for i in range(cfg.layers)]
            )
        else:
            layer = nn.TransformerEncoderLayer(
                cfg.dim, cfg.heads, 2 * cfg.dim, dropout=0.0, batch_first=True, norm_first=True
            )
            self.blocks = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.dim)

    def forward(self, sequences: Sequence[str], names: Sequence[str] | None, packing: Packing) -> SequenceFeatures:
        tok = tokenize(sequences, device=packing.batch.device)
        # the unknown token X (index 20) is the mean of the 20 residue embeddings: no parameter of its own,
        # so checkpoints keep their shape and a token training never sees is not left at its random init
        table = torch.cat([self.tokens.weight, self.tokens.weight.mean(0, keepdim=True)])
        h = packing.unpack(nn.functional.embedding(tok, table))  # (B, Lmax, D)
        lmax = h.shape[1]
        mask = torch.arange(lmax, device=h.device)[None, :] < packing.lengths[:, None]
        if self.cfg.arch == "conv":
            for block in self.blocks:
                h = block(h, mask.to(h.dtype))
        else:
            pos = torch.arange(lmax, device=h.device, dtype=h.dtype) / 1000.0
            h = h + sinusoidal_embedding(pos, self.cfg.dim)[None]
            h = self.blocks(h, src_key_padding_mask=~mask)
        return SequenceFeatures(node=self.norm(packing.pack(h)))
