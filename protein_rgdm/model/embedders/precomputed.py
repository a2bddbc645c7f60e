"""Precomputed embeddings read from ``<directory>/<name>.npz`` (EigenFold / RGDM layout).

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

from protein_rgdm.config.model import PrecomputedEmbedderConfig
from protein_rgdm.errors import InputError
from protein_rgdm.model.embedders.base import SequenceEmbedder, SequenceFeatures, pack_pair_blocks
from protein_rgdm.model.packing import Packing

__all__ = ["PrecomputedEmbedder", "read_embedding"]


def read_embedding(
    path: Path, name: str, sequence: str, node_dim: int, edge_dim: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read and check one embedding file → (node (L, node_dim), edge (L, L, edge_dim) or None) float32."""
    if not path.is_file():
        raise InputError(f"record '{name}': embedding file {path} not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            if "node_repr" not in z.files:
                raise InputError(f"record '{name}': {path} lacks array 'node_repr'")
            node = np.asarray(z["node_repr"], dtype=np.float32)
            edge = np.asarray(z["edge_repr"], dtype=np.float32) if edge_dim and "edge_repr" in z.files else None
            seq = str(z["seqres"]) if "seqres" in z.files else None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"record '{name}': {path} is not a readable npz ({type(exc).__name__}: {exc})") from None
    L = len(sequence)
    if seq is not None and seq != sequence:
        raise InputError(f"record '{name}': {path} was computed for a different sequence")
    if node.shape != (L, node_dim):
        raise InputError(f"record '{name}': {path} node_repr has shape {node.shape}, expected ({L}, {node_dim})")
    if edge_dim:
        if edge is None:
            raise InputError(f"record '{name}': {path} lacks array 'edge_repr' (set embedder.use_pair: false)")
        if edge.shape != (L, L, edge_dim):
            raise InputError(
                f"record '{name}': {path} edge_repr has shape {edge.shape}, expected ({L}, {L}, {edge_dim})"
            )
    return node, edge


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
            self.directory / f"{name}.npz", name, sequence, self.cfg.node_dim, self.pair_dim or None
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
