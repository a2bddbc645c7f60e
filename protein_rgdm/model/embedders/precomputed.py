"""Precomputed embeddings read from ``<directory>/<name>.npz`` (EigenFold / RGDM layout, ``artifacts.embeddings``).

Each file holds ``node_repr`` (L, node_dim) and, for pair features, ``edge_repr`` (L, L, edge_dim);
an optional ``seqres`` string is checked against the chain's sequence when present.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from protein_rgdm.artifacts.embeddings import embedding_file, read_embedding
from protein_rgdm.config.model import PrecomputedEmbedderConfig
from protein_rgdm.errors import InputError
from protein_rgdm.model.embedders.base import SequenceEmbedder, SequenceFeatures, pack_pair_blocks
from protein_rgdm.model.packing import Packing

__all__ = ["PrecomputedEmbedder"]


class PrecomputedEmbedder(SequenceEmbedder):
    """Projects precomputed node features to ``dim``; passes pair features on (``pair_dim = edge_dim``)."""

    def __init__(self, cfg: PrecomputedEmbedderConfig, cache_size: int = 256) -> None:
        super().__init__()
        self.cfg = cfg
        self.directory = Path(cfg.directory)
        self.out_dim = cfg.dim
        self.pair_dim = cfg.edge_dim if cfg.use_pair and cfg.edge_dim > 0 else 0
        self.proj = nn.Sequential(nn.LayerNorm(cfg.node_dim), nn.Linear(cfg.node_dim, cfg.dim))
        self._cache: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray | None]] = OrderedDict()
        self._cache_size = cache_size

    def _get(self, name: str, sequence: str) -> tuple[np.ndarray, np.ndarray | None]:
        key = (name, sequence)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = read_embedding(
            embedding_file(self.directory, name), name, sequence, self.cfg.node_dim, self.pair_dim or None
        )
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value

    def forward(self, sequences: Sequence[str], names: Sequence[str] | None, packing: Packing) -> SequenceFeatures:
        if names is None:
            raise InputError("the precomputed embedder needs chain names to find <directory>/<name>.npz")
        device = packing.batch.device
        dtype = self.proj[1].weight.dtype
        loaded = [self._get(n, s) for n, s in zip(names, sequences)]
        node = torch.cat([torch.from_numpy(a) for a, _ in loaded]).to(device=device, dtype=dtype)
        feats = SequenceFeatures(node=self.proj(node))
        if self.pair_dim:
            blocks = [torch.from_numpy(e).to(device=device, dtype=dtype) for _, e in loaded]
            feats.pair, feats.pair_offsets = pack_pair_blocks(blocks)
        return feats
