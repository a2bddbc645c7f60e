"""Path-graph and harmonic-polymer bases: the orthonormal DCT-II, applied with the FFT.

The Laplacian of the path graph (residue i bonded to i+1, unit weights) has eigenvalues
λ_j = 4 sin²(k_j / 2) with k_j = π j / L, and its eigenvectors are the DCT-II basis vectors.
The continuum spectrum is k_j² (what RGDM uses), the lattice spectrum 4 sin²(k_j / 2).
The harmonic polymer of EigenFold is the same graph with spring constant a = 3 / 3.8² Å⁻²:
same eigenvectors, eigenvalues a · 4 sin²(k_j / 2).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.basis.dct import dct2, idct2
from protein_rgdm.constants import HARMONIC_SPRING
from protein_rgdm.errors import ConfigError

__all__ = ["HarmonicBasis", "PathBasis"]


class PathBasis(ModeBasis):
    """Eigenbasis of the path-graph Laplacian with spring constant ``spring`` (O(L log L) transforms).

    Parameters
    ----------
    spring
        Bond weight of the path graph (1 for the plain graph Laplacian; Å⁻² for a harmonic polymer).
    """

    kind = "path"

    def __init__(self, spring: float = 1.0) -> None:
        if not (spring > 0 and math.isfinite(spring)):
            raise ConfigError(f"basis.spring: must be a positive number, got {spring!r}")
        self.spring = float(spring)

    def wavenumbers(self, n: int) -> np.ndarray:
        """k_j = π j / n, (n,) float64."""
        return np.pi * np.arange(n, dtype=np.float64) / n

    def continuum_spectrum(self, n: int) -> np.ndarray:
        """k_j², (n,) float64."""
        return self.wavenumbers(n) ** 2

    def lattice_spectrum(self, n: int) -> np.ndarray:
        """4 sin²(k_j / 2), (n,) float64: the unit-weight path Laplacian's eigenvalues."""
        return 4.0 * np.sin(self.wavenumbers(n) / 2.0) ** 2

    def eigenvalues(self, n: int) -> np.ndarray:
        """spring · 4 sin²(k_j / 2), (n,) float64."""
        return self.spring * self.lattice_spectrum(n)

    def _to_modes_fixed(self, x: torch.Tensor) -> torch.Tensor:
        return dct2(x, dim=1)

    def _from_modes_fixed(self, y: torch.Tensor) -> torch.Tensor:
        return idct2(y, dim=1)

    def describe(self) -> dict:
        return {"kind": self.kind, "spring": self.spring}


class HarmonicBasis(PathBasis):
    """EigenFold's harmonic polymer: the path graph with spring constant a = 3 / 3.8² Å⁻² (eigenvalues in Å⁻²)."""

    kind = "harmonic"

    def __init__(self, spring: float = HARMONIC_SPRING) -> None:
        super().__init__(spring)
