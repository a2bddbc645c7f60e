"""The sequence-embedder interface: sequences of a packed batch → per-residue and optional pair features."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import nn

from protein_rgdm.model.packing import Packing

__all__ = ["SequenceFeatures", "SequenceEmbedder"]


@dataclasses.dataclass
class SequenceFeatures:
    """Embeddings of the chains of one packed batch.

    Attributes
    ----------
    node
        (N, out_dim) float, one row per packed residue.
    pair
        (P, pair_dim) float or None: each chain's (L_b, L_b, pair_dim) block flattened row-major
        (entry [i, j] at ``pair_offsets[b] + i * L_b + j``) and concatenated.
    pair_offsets
        (B,) long, start of each chain's block in ``pair``; None with ``pair``.
    """

    node: torch.Tensor
    pair: torch.Tensor | None = None
    pair_offsets: torch.Tensor | None = None

    def pair_on_edges(self, packing: Packing, src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        """(E, pair_dim) pair features of edges src → dst, entry [dst, src] of the chain's block."""
        assert self.pair is not None and self.pair_offsets is not None
        b = packing.batch[dst]
        idx = self.pair_offsets[b] + packing.position[dst] * packing.lengths[b] + packing.position[src]
        return self.pair[idx]


    @staticmethod
    def concat(parts: Sequence[SequenceFeatures]) -> SequenceFeatures:
        """Features of consecutive packed batches as one batch (their chains in order)."""
        node = torch.cat([p.node for p in parts])
        if parts[0].pair is None:
            return SequenceFeatures(node=node)
        starts = torch.cumsum(torch.tensor([0] + [p.pair.shape[0] for p in parts[:-1]]), 0).tolist()
        offsets = torch.cat([p.pair_offsets + start for p, start in zip(parts, starts)])
        return SequenceFeatures(node=node, pair=torch.cat([p.pair for p in parts]), pair_offsets=offsets)


class SequenceEmbedder(nn.Module):
    """Base class. Subclasses set ``out_dim`` and ``pair_dim`` (0 when they give no pair features).

    ``forward(sequences, names, packing)`` returns :class:`SequenceFeatures` for sequences already
    validated (20 upper-case amino acids), in the packing's order.
    """

    out_dim: int
    pair_dim: int = 0

    def forward(
        self, sequences: Sequence[str], names: Sequence[str] | None, packing: Packing
    ) -> SequenceFeatures:  # pragma: no cover - interface
        raise NotImplementedError


def pack_pair_blocks(blocks: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Flatten (L_b, L_b, P) blocks into one (ΣL_b², P) tensor and their (B,) start offsets."""
    sizes = torch.tensor([b.shape[0] * b.shape[1] for b in blocks], dtype=torch.long, device=blocks[0].device)
    offsets = torch.cumsum(sizes, 0) - sizes
    return torch.cat([b.reshape(-1, b.shape[-1]) for b in blocks], dim=0), offsets
