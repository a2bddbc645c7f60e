"""Invariant feature maps: Gaussian radial basis, sinusoidal time embedding, clipped sequence offsets."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["GaussianRBF", "sinusoidal_embedding", "OffsetEmbedding", "mlp"]


class GaussianRBF(nn.Module):
    """exp(-(d - μ_k)² / (2 σ²)) for ``num`` centres μ_k evenly spaced on [0, d_max] Å, plus log(1 + d / 3.8).

    Input (E,) distances in Å; output (E, num + 1).
    """

    def __init__(self, num: int, d_max: float) -> None:
        super().__init__()
        self.register_buffer("centres", torch.linspace(0.0, d_max, num), persistent=False)
        self.width = d_max / (num - 1)

    @property
    def out_dim(self) -> int:
        return int(self.centres.numel()) + 1

    def forward(self, d: torch.Tensor) -> torch.Tensor:
        g = torch.exp(-0.5 * ((d[:, None] - self.centres.to(d.dtype)) / self.width) ** 2)
        return torch.cat([g, torch.log1p(d[:, None] / 3.8)], dim=-1)


def sinusoidal_embedding(x: torch.Tensor, dim: int, max_period: float = 1000.0) -> torch.Tensor:
    """Transformer-style embedding of (M,) values in [0, 1] (scaled by 1000) → (M, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=x.device, dtype=x.dtype) / half)
    ang = 1000.0 * x[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(ang), torch.cos(ang)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


class OffsetEmbedding(nn.Module):
    """Learned embedding of the signed sequence offset j - i clipped to ± max_offset: (E,) long → (E, dim)."""

    def __init__(self, max_offset: int, dim: int) -> None:
        super().__init__()
        self.max_offset = max_offset
        self.table = nn.Embedding(2 * max_offset + 1, dim)

    def forward(self, offset: torch.Tensor) -> torch.Tensor:
        return self.table(offset.clamp(-self.max_offset, self.max_offset) + self.max_offset)


def mlp(d_in: int, d_hidden: int, d_out: int) -> nn.Sequential:
    """Two-layer perceptron with SiLU."""
    return nn.Sequential(nn.Linear(d_in, d_hidden), nn.SiLU(), nn.Linear(d_hidden, d_out))
