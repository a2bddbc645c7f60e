"""Guards on the sampler's clean-chain estimate x̂₀, chosen by ``diffusion.sampler.x0_guard``.

At a reverse step the sampler turns the network's output into x̂₀ = (X̃_t − N̂)/√ᾱ per mode. Early
in the process √ᾱ is small, so a poor network's error is amplified by 1/√ᾱ and compounds into
chains hundreds of Å across. A guard bounds x̂₀ — and must leave every real chain alone, and keep
the sampler rotation-equivariant. Both follow from acting on the norm of each mode's 3-vector:

**chain_extent.** For a basis orthogonal to the constant vector (every non-zero mode), write a
chain through its steps b_j = x_{j+1} − x_j. Then X_k = Σ_i u_k(i) x_i = Σ_j T_k(j) b_j with the
tail sums T_k(j) = Σ_{i>j} u_k(i), so over all chains whose steps satisfy |b_j| ≤ b

    max |X_k| = b · Σ_j |T_k(j)|                                                   (exact),

attained by the chain whose steps all point along ±e with the sign of T_k(j). No chain with
Cα–Cα steps ≤ b has a larger mode; the guard shrinks X̂₀,k along itself to that bound. Real chains
have steps ≤ 4.2 Å (continuous) — the default b = 7.6 Å (2 × 3.8 Å) also covers the long steps of
observed traces with a few missing residues (measured: ``bench/oracle_sampler.py``).

**none.** x̂₀ is used as the network gives it.

The previous guard clamped each Cartesian coordinate of a mode to ±4√P_k: real chains exceed that
(helix periodicity, coarse modes of elongated chains), and a per-axis clamp depends on the chain's
orientation, i.e. broke equivariance.
"""

from __future__ import annotations

import abc

import numpy as np
import torch

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.basis.path import PathBasis
from protein_rgdm.config.diffusion import X0GuardConfig
from protein_rgdm.errors import ConfigError

__all__ = ["ChainExtentGuard", "CleanEstimateGuard", "NoGuard", "build_guard", "chain_extent_unit", "required_step"]


def chain_extent_unit(basis: ModeBasis, n: int) -> np.ndarray:
    """Σ_j |T_k(j)| for the modes of an n-residue chain: the largest |X_k| (Å) of a chain with unit steps.

    For the path graph (DCT-II, u_k(i) = √(2/n) cos(πk(i+½)/n)) the tail sums are closed-form,
    T_k(j) = −√(2/n) sin(πk(j+1)/n) / (2 sin(πk/2n)); other bases take the modes of the n − 1 step chains.

    Returns
    -------
    (n,) float64; entry 0 (the centroid mode, not bounded) is +inf.
    """
    n = int(n)
    out = np.full(n, np.inf)
    if isinstance(basis, PathBasis):
        k = np.arange(1, n, dtype=np.float64)
        theta = np.pi * k / n
        out[1:] = np.sqrt(2.0 / n) / (2.0 * np.sin(theta / 2)) * np.abs(np.sin(np.outer(theta, k))).sum(1)
        return out
    # row j is the step chain x_i = [i > j]; its modes are T_k(j) (mode 0 aside, the centroid drops out)
    steps = torch.triu(torch.ones(n - 1, n, dtype=torch.float64), diagonal=1)
    tails = basis.to_modes(steps.unsqueeze(-1).expand(-1, -1, 3).contiguous(), torch.ones(n - 1, n, dtype=torch.bool))
    out[1:] = tails[:, 1:, 0].abs().sum(0).numpy()
    return out


def required_step(basis: ModeBasis, ca: np.ndarray) -> float:
    """The smallest ``max_step`` (Å) whose chain_extent guard leaves the chain ``ca`` untouched.

    max_k |X_k| / Σ_j |T_k(j)| over the non-zero modes; ≤ the chain's longest Cα–Cα step (often far less).

    Parameters
    ----------
    ca
        (n, 3) float Cα coordinates, Å (n ≥ 2, all finite).
    """
    n = len(ca)
    x = torch.as_tensor(np.asarray(ca, dtype=np.float64))[None]
    modes = basis.to_modes(x, torch.ones(1, n, dtype=torch.bool))[0, 1:].norm(dim=-1).numpy()
    return float((modes / chain_extent_unit(basis, n)[1:]).max())


class CleanEstimateGuard(abc.ABC):
    """Strategy: a per-mode bound on |X̂₀,k| (Å) and the radial shrink that enforces it."""

    kind: str = "abstract"

    @abc.abstractmethod
    def bounds(self, basis: ModeBasis, n: int) -> np.ndarray:
        """(n,) float64 Å: the largest allowed |X̂₀,k| per mode of an n-residue chain (+inf: unbounded).

        O(n² log n); :meth:`Diffusion.tables <protein_rgdm.diffusion.process.Diffusion.tables>` caches it per length.
        """

    @property
    def active(self) -> bool:
        """False when the guard never changes anything (the sampler then skips it)."""
        return True

    @staticmethod
    def shrink(x0_hat: torch.Tensor, bound: torch.Tensor) -> torch.Tensor:
        """Scale each mode's 3-vector to norm ≤ ``bound``: ``x0_hat`` (B, L, 3), ``bound`` (B, L) Å (may be inf)."""
        norm = x0_hat.norm(dim=-1)
        factor = torch.where(norm > bound, bound / torch.where(norm > 0, norm, torch.ones_like(norm)), 1.0)
        return x0_hat * factor.unsqueeze(-1)

    def describe(self) -> dict:
        return {"kind": self.kind}


class NoGuard(CleanEstimateGuard):
    """x̂₀ unchanged."""

    kind = "none"

    def bounds(self, basis: ModeBasis, n: int) -> np.ndarray:
        return np.full(n, np.inf)

    @property
    def active(self) -> bool:
        return False


class ChainExtentGuard(CleanEstimateGuard):
    """|X̂₀,k| ≤ ``max_step`` · Σ_j |T_k(j)|: the largest mode of any chain with steps ≤ ``max_step`` Å.

    Parameters
    ----------
    max_step
        Largest Cα–Cα step, Å, that a guarded estimate may imply (7.6 = 2 × 3.8 by default).
    """

    kind = "chain_extent"

    def __init__(self, max_step: float = 7.6) -> None:
        if not max_step > 0:
            raise ConfigError(f"x0_guard.max_step: must be positive, got {max_step}")
        self.max_step = float(max_step)

    def bounds(self, basis: ModeBasis, n: int) -> np.ndarray:
        return self.max_step * chain_extent_unit(basis, int(n))

    def describe(self) -> dict:
        return {"kind": self.kind, "max_step": self.max_step}


def build_guard(cfg: X0GuardConfig) -> CleanEstimateGuard:
    """``none`` → :class:`NoGuard`, ``chain_extent`` → :class:`ChainExtentGuard`."""
    if cfg.kind == "none":
        return NoGuard()
    if cfg.kind == "chain_extent":
        return ChainExtentGuard(cfg.max_step)
    raise ConfigError(f"x0_guard.kind: unknown guard {cfg.kind!r}")  # pragma: no cover - pydantic guards
