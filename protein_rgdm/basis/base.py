"""The mode basis: one value object that knows the eigenvectors of a chain's graph Laplacian.

A basis maps per-residue vectors x (L, 3) to mode coefficients X̃ = Uᵀ x, where the columns of U
are the orthonormal eigenvectors of a graph Laplacian over the residues, sorted by ascending
eigenvalue. Mode 0 is the zero mode (the constant vector 1/√L), i.e. √L times the centroid; the
diffusion process keeps it at zero (chains centred).

Batches are padded: ``x`` (B, Lmax, 3), ``mask`` (B, Lmax) bool. Each chain's residues are the
positions where its mask is True, taken in order (holes are closed up), so a chain of n valid
residues uses the length-n basis. Mode tensors have the same (B, Lmax, 3) layout with the n modes
of chain b in ``[b, :n]`` and zeros after. Chains are grouped by length, so the transform is exact
for any mix of lengths.
"""

from __future__ import annotations

import abc

import numpy as np
import torch

from protein_rgdm.errors import InputError

__all__ = ["ModeBasis", "chain_lengths", "compact_index"]


def chain_lengths(mask: torch.Tensor, *, name: str = "mask", min_length: int = 2) -> torch.Tensor:
    """Number of valid residues per chain, (B,) long; raises ``InputError`` for chains shorter than ``min_length``."""
    if mask.dim() != 2 or mask.dtype != torch.bool:
        raise InputError(f"{name}: expected a (B, L) bool tensor, got {tuple(mask.shape)} {mask.dtype}")
    lengths = mask.sum(dim=1)
    bad = torch.nonzero(lengths < min_length).flatten().tolist()
    if bad:
        b = bad[0]
        raise InputError(
            f"{name}: chain {b} has {int(lengths[b])} valid residue(s); at least {min_length} are needed"
            + (" (all-masked chain)" if int(lengths[b]) == 0 else "")
        )
    return lengths


def compact_index(mask: torch.Tensor) -> torch.Tensor:
    """(B, Lmax) long: for each chain, the positions of its valid residues first (in order), then the padding."""
    key = (~mask).to(torch.int8)
    return torch.argsort(key, dim=1, stable=True)


class ModeBasis(abc.ABC):
    """Orthonormal eigenbasis of a graph Laplacian over the residues of a chain.

    Subclasses implement the fixed-length transforms and the spectrum; this class handles padded,
    variable-length batches.
    """

    #: Name used in configs and artifacts.
    kind: str = "abstract"

    # ----- per-length spectrum -------------------------------------------------------------
    @abc.abstractmethod
    def eigenvalues(self, n: int) -> np.ndarray:
        """Laplacian eigenvalues λ_j, (n,) float64, ascending, λ_0 = 0 (units of the graph weights)."""

    @abc.abstractmethod
    def wavenumbers(self, n: int) -> np.ndarray:
        """Wave number k_j of each mode, (n,) float64 (dimensionless, per residue), k_0 = 0, ascending."""

    # ----- fixed-length transforms ------------------------------------------------------------
    @abc.abstractmethod
    def _to_modes_fixed(self, x: torch.Tensor) -> torch.Tensor:
        """(b, n, 3) real-space vectors of n-residue chains → (b, n, 3) mode coefficients."""

    @abc.abstractmethod
    def _from_modes_fixed(self, y: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`_to_modes_fixed`."""

    # ----- batched, masked ----------------------------------------------------------------------
    def _apply(self, x: torch.Tensor, mask: torch.Tensor, forward: bool) -> torch.Tensor:
        if x.dim() != 3 or x.shape[:2] != mask.shape:
            raise InputError(f"x: expected shape (B, L, 3) matching mask {tuple(mask.shape)}, got {tuple(x.shape)}")
        lengths = chain_lengths(mask)
        n0 = int(lengths[0])
        if bool((lengths == n0).all()) and bool(mask[:, :n0].all()):  # fast path: one length, no holes
            fn = self._to_modes_fixed if forward else self._from_modes_fixed
            out = torch.zeros_like(x)
            out[:, :n0] = fn(x[:, :n0])
            return out
        idx = compact_index(mask)
        idx3 = idx.unsqueeze(-1).expand(-1, -1, x.shape[-1])
        # real space: compact first; mode space: already compact
        src = torch.gather(x, 1, idx3) if forward else x
        out = torch.zeros_like(src)
        fn = self._to_modes_fixed if forward else self._from_modes_fixed
        for n in torch.unique(lengths).tolist():
            rows = torch.nonzero(lengths == n).flatten()
            out[rows, :n] = fn(src[rows, :n])
        if forward:
            return out
        res = torch.zeros_like(out)
        return res.scatter_(1, idx3, out)

    def to_modes(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mode coefficients of a padded batch.

        Parameters
        ----------
        x
            (B, Lmax, 3) float, Å. Values at masked positions are ignored.
        mask
            (B, Lmax) bool, True for residues of the chain.

        Returns
        -------
        (B, Lmax, 3) float, Å: chain b's n_b modes in ``[b, :n_b]`` (mode 0 = √n_b × centroid), zeros after.
        """
        return self._apply(x, mask, True)

    def from_modes(self, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`to_modes`: (B, Lmax, 3) modes → (B, Lmax, 3) vectors in Å, padding 0."""
        return self._apply(y, mask, False)

    # ----- helpers --------------------------------------------------------------------------------
    @staticmethod
    def mode_mask(mask: torch.Tensor) -> torch.Tensor:
        """(B, Lmax) bool: True for the non-zero modes 1..n_b-1 of each chain in mode layout."""
        lengths = mask.sum(dim=1, keepdim=True)
        j = torch.arange(mask.shape[1], device=mask.device)[None, :]
        return (j >= 1) & (j < lengths)

    def project(self, y: torch.Tensor, k_min: torch.Tensor, k_max: torch.Tensor) -> torch.Tensor:
        """Keep modes with index in [k_min, k_max) per chain (mode layout), zero the rest.

        Parameters
        ----------
        y
            (B, Lmax, 3) mode coefficients.
        k_min, k_max
            (B,) long mode indices.
        """
        j = torch.arange(y.shape[1], device=y.device)[None, :]
        keep = (j >= k_min[:, None]) & (j < k_max[:, None])
        return y * keep.unsqueeze(-1).to(y.dtype)

    def centre(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Remove each chain's centroid over its valid residues; padding set to 0. (B, Lmax, 3) Å."""
        m = mask.unsqueeze(-1).to(x.dtype)
        x = torch.where(mask.unsqueeze(-1), x, torch.zeros_like(x))
        centroid = (x * m).sum(1, keepdim=True) / m.sum(1, keepdim=True).clamp_min(1.0)
        return (x - centroid) * m

    def describe(self) -> dict:
        """JSON-serialisable description (kind and parameters)."""
        return {"kind": self.kind}
