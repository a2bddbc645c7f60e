"""General weighted graphs: dense eigendecomposition of the Laplacian, cached per graph.

Use for contact or k-nearest-neighbour graphs, or to check the FFT path basis against a dense
``eigh``. The graph for a chain of n residues comes from a callable ``weights(n)`` returning the
(n, n) symmetric non-negative weight matrix; the decomposition is cached per n (the callable must
be deterministic in n). Wave numbers are k_j = √λ_j (the continuum convention).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import InputError

__all__ = ["DenseGraphBasis", "graph_laplacian", "path_weights"]


def graph_laplacian(weights: np.ndarray) -> np.ndarray:
    """L = D − W for a symmetric weight matrix W (n, n) float64; raises ``InputError`` if W is invalid."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise InputError(f"weights: expected a square matrix, got shape {w.shape}")
    if not np.all(np.isfinite(w)) or (w < 0).any() or not np.allclose(w, w.T):
        raise InputError("weights: must be finite, non-negative and symmetric")
    w = w.copy()
    np.fill_diagonal(w, 0.0)
    return np.diag(w.sum(axis=1)) - w


def path_weights(n: int, spring: float = 1.0) -> np.ndarray:
    """(n, n) weight matrix of the path graph i — i+1 with weight ``spring``."""
    w = np.zeros((n, n))
    i = np.arange(n - 1)
    w[i, i + 1] = w[i + 1, i] = spring
    return w


class DenseGraphBasis(ModeBasis):
    """Eigenbasis of a weighted graph's Laplacian by dense ``eigh`` (O(n³) once per n, O(n²) per transform).

    Parameters
    ----------
    weights
        Callable n → (n, n) symmetric weight matrix of a connected graph.
    name
        Label stored in :meth:`describe`.
    """

    kind = "graph"

    def __init__(self, weights: Callable[[int], np.ndarray], name: str = "graph") -> None:
        self._weights = weights
        self.name = name
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._tensors: dict[tuple[int, torch.dtype, torch.device], torch.Tensor] = {}

    def _decompose(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n not in self._cache:
            lap = graph_laplacian(self._weights(n))
            lam, vec = np.linalg.eigh(lap)
            if n > 1 and lam[1] < 1e-10 * max(lam[-1], 1.0):
                raise InputError(f"{self.name}: graph of {n} residues is not connected (second eigenvalue ≈ 0)")
            lam[0] = 0.0
            vec[:, 0] = 1.0 / np.sqrt(n)  # the exact zero mode, positive sign
            vec[:, 1:] *= np.where(vec[:1, 1:] < 0, -1.0, 1.0)  # deterministic signs: first entry ≥ 0
            self._cache[n] = (lam, vec)
        return self._cache[n]

    def eigenvectors(self, n: int) -> np.ndarray:
        """(n, n) float64, columns = orthonormal eigenvectors, ascending eigenvalue."""
        return self._decompose(n)[1]

    def eigenvalues(self, n: int) -> np.ndarray:
        return self._decompose(n)[0].copy()

    def wavenumbers(self, n: int) -> np.ndarray:
        return np.sqrt(np.clip(self.eigenvalues(n), 0.0, None))

    def _matrix(self, n: int, like: torch.Tensor) -> torch.Tensor:
        key = (n, like.dtype, like.device)
        if key not in self._tensors:
            self._tensors[key] = torch.as_tensor(self.eigenvectors(n), dtype=like.dtype, device=like.device)
        return self._tensors[key]

    def _to_modes_fixed(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ik,bic->bkc", self._matrix(x.shape[1], x), x)

    def _from_modes_fixed(self, y: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ik,bkc->bic", self._matrix(y.shape[1], y), y)

    def describe(self) -> dict:
        return {"kind": self.kind, "name": self.name}
