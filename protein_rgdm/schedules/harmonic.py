"""Harmonic diffusion (EigenFold): ᾱ_k(t) = e^{−λ_k t} per mode, coarse modes last.

λ_k are the basis eigenvalues (harmonic polymer: a · 4 sin²(k/2), a = 3/3.8² Å⁻²). Times are
geometric between t_min, where the top mode's first-step SNR is Γ, and t_max, where the lowest
mode's final SNR is γ (Γ, γ of the reference DDPM): e^{−λ t} = SNR / (1 + SNR).
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.schedules.steps import ReferenceSchedule

__all__ = ["HarmonicSchedule"]


class HarmonicSchedule(ReferenceSchedule):
    """Per-mode exponential decay e^{−λ_k t} on a geometric time grid."""

    kind = "harmonic"

    def __init__(
        self,
        steps: int | None = None,
        t32: int = 80,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        super().__init__(steps, t32, beta_start, beta_end, reference_steps)

    def times(self, basis: ModeBasis, n: int) -> np.ndarray:
        """Forward times t_s, (T,) float64, in units of 1/eigenvalue."""
        lam = basis.eigenvalues(n)[1:]
        t_min = np.log1p(1.0 / self.snr_first) / lam.max()
        t_max = np.log1p(1.0 / self.snr_final) / lam.min()
        T = self.num_steps(basis, n)
        return t_min * (t_max / t_min) ** (np.arange(T) / max(T - 1, 1))

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        lam = basis.eigenvalues(n)[1:]
        return np.exp(-self.times(basis, n)[:, None] * lam[None, :])

    def describe(self) -> dict:
        return {"kind": self.kind, **self.count.describe()}
