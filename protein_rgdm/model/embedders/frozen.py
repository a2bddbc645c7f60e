"""Base of the embedders built on a frozen protein language model (ESM-2, UniRep).

The language model computes raw per-residue features (``raw_embeddings``); only a LayerNorm + Linear
projection to ``dim`` is trained. Raw features of a chain are read from ``cache_dir/<name>.npz`` when
``protein-rgdm embed`` wrote them there, and computed on the fly otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from protein_rgdm.artifacts.embeddings import embedding_file, read_embedding
from protein_rgdm.model.embedders.base import SequenceEmbedder, SequenceFeatures
from protein_rgdm.model.packing import Packing

__all__ = ["FrozenLMEmbedder", "length_chunks"]


def length_chunks(lengths: Sequence[int], batch_tokens: int) -> list[list[int]]:
    """Indices of ``lengths`` grouped, shortest first, so each group padded to its longest fits ``batch_tokens``.

    A sequence longer than ``batch_tokens`` gets a group of its own.
    """
    chunks: list[list[int]] = []
    chunk: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        if chunk and (len(chunk) + 1) * lengths[i] > batch_tokens:
            chunks.append(chunk)
            chunk = []
        chunk.append(i)
    if chunk:
        chunks.append(chunk)
    return chunks


class FrozenLMEmbedder(SequenceEmbedder):
    """Frozen language-model features (``lm_dim`` wide) projected to ``cfg.dim`` (no pair features).

    Subclasses implement ``raw_embeddings(sequences, device) -> list of (L_b, lm_dim) float32 arrays``;
    ``cfg`` needs ``dim`` and ``cache_dir``.
    """

    def __init__(self, cfg, lm_dim: int, batch_tokens: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.lm_dim = lm_dim
        self.out_dim = cfg.dim
        self.pair_dim = 0
        self.batch_tokens = batch_tokens
        self.proj = nn.Sequential(nn.LayerNorm(lm_dim), nn.Linear(lm_dim, cfg.dim))

    def raw_embeddings(
        self, sequences: Sequence[str], device: torch.device | str = "cpu"
    ) -> list[np.ndarray]:  # pragma: no cover - interface
        raise NotImplementedError

    def forward(self, sequences: Sequence[str], names: Sequence[str] | None, packing: Packing) -> SequenceFeatures:
        device = packing.batch.device
        arrays: list[np.ndarray | None] = [None] * len(sequences)
        if self.cfg.cache_dir is not None and names is not None:
            for i, (n, s) in enumerate(zip(names, sequences)):
                path = embedding_file(self.cfg.cache_dir, n)
                if path.is_file():
                    arrays[i] = read_embedding(path, n, s, self.lm_dim, None)[0]
        todo = [i for i, a in enumerate(arrays) if a is None]
        if todo:
            for i, a in zip(todo, self.raw_embeddings([sequences[i] for i in todo], device)):
                arrays[i] = a
        dtype = self.proj[1].weight.dtype
        node = torch.cat([torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]).to(device=device, dtype=dtype)
        return SequenceFeatures(node=self.proj(node))
