"""Packed (concatenated) chains: the bridge between padded batches and the graph network."""

from __future__ import annotations

import dataclasses

import torch

from protein_rgdm.errors import InputError

__all__ = ["Packing"]


@dataclasses.dataclass(frozen=True)
class Packing:
    """Where each residue of a packed batch sits.

    Attributes
    ----------
    lengths
        (B,) long, residues per chain.
    batch
        (N,) long, chain index of every packed residue, N = lengths.sum().
    position
        (N,) long, residue index within its chain, 0..L_b-1.
    offsets
        (B,) long, index of each chain's first residue in the packed order.
    """

    lengths: torch.Tensor
    batch: torch.Tensor
    position: torch.Tensor
    offsets: torch.Tensor

    @property
    def num_chains(self) -> int:
        return int(self.lengths.numel())

    @property
    def num_nodes(self) -> int:
        return int(self.batch.numel())

    @classmethod
    def from_lengths(cls, lengths: torch.Tensor | list[int], device: torch.device | str | None = None) -> "Packing":
        """Packing of chains with the given lengths, concatenated in order."""
        lengths = torch.as_tensor(lengths, dtype=torch.long, device=device)
        if lengths.ndim != 1 or (lengths <= 0).any():
            raise InputError(f"chain lengths must be positive, got {lengths.tolist()}")
        offsets = torch.cumsum(lengths, 0) - lengths
        batch = torch.repeat_interleave(torch.arange(len(lengths), device=lengths.device), lengths)
        position = torch.arange(batch.numel(), device=lengths.device) - offsets[batch]
        return cls(lengths, batch, position, offsets)

    @classmethod
    def from_mask(cls, mask: torch.Tensor) -> "Packing":
        """Packing of a padded (B, Lmax) bool mask whose rows are prefixes (True then False)."""
        if mask.ndim != 2 or mask.dtype != torch.bool:
            raise InputError(f"mask must be a (B, L) bool tensor, got {tuple(mask.shape)} {mask.dtype}")
        lengths = mask.sum(1)
        ar = torch.arange(mask.shape[1], device=mask.device)
        if not torch.equal(mask, ar[None, :] < lengths[:, None]):
            raise InputError("mask rows must be prefixes: residues first, padding after")
        return cls.from_lengths(lengths)

    def pack(self, x: torch.Tensor) -> torch.Tensor:
        """(B, Lmax, ...) padded → (N, ...) packed."""
        return x[self.batch, self.position]

    def unpack(self, y: torch.Tensor, max_length: int | None = None) -> torch.Tensor:
        """(N, ...) packed → (B, Lmax, ...) padded with zeros."""
        lmax = int(self.lengths.max()) if max_length is None else max_length
        out = y.new_zeros((self.num_chains, lmax) + tuple(y.shape[1:]))
        out[self.batch, self.position] = y
        return out
