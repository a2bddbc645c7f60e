"""Sigmoid cut-off schedule: a Polchinski-style smooth cutoff K_Λ(k) = σ(·) turned into per-mode ᾱ.

The cutoff is a sigmoid in the scale variable ln(k²/Λ²) (scale invariant, like RG's regulator):

    ᾱ_{s,k} = σ(−ln(k²/Λ_s²) / w) = 1 / (1 + (k²/Λ_s²)^{1/w}),   i.e. SNR = (Λ_s²/k²)^{1/w},
    Λ_s = Λ₀ e^{−s/τ},

with width w (``width``; smaller = sharper cutoff). Λ₀ = k_max Γ^{w/2} gives the top mode SNR Γ at
step 0, and τ puts the lowest mode at SNR γ at the last step. Modes with SNR > Γ are held clean
(ᾱ = 1) and modes with SNR < γ at the fixed point (ᾱ = 0), giving an active shell as in RG.
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.steps import ReferenceSchedule

__all__ = ["SigmoidSchedule"]


class SigmoidSchedule(ReferenceSchedule):
    """Smooth sigmoid cutoff sweeping from k_max down to k_min on a log scale."""

    kind = "sigmoid"

    def __init__(
        self,
        width: float = 1.0,
        steps: int | None = None,
        t32: int = 80,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        if not width > 0:
            raise ConfigError(f"schedule.width: must be positive, got {width}")
        self.width = float(width)
        super().__init__(steps, t32, beta_start, beta_end, reference_steps)

    def log_snr(self, basis: ModeBasis, n: int) -> np.ndarray:
        """ln SNR[s, j] for modes 1..n-1, (T, n-1) float64 (before the clean / fixed-point clamps)."""
        k = basis.wavenumbers(n)[1:]
        T = self.num_steps(basis, n)
        w = self.width
        ln_g1, ln_g0 = np.log(self.snr_first), np.log(self.snr_final)
        ln_lam0 = np.log(k.max()) + 0.5 * w * ln_g1
        ln_span = w * (ln_g1 - ln_g0) + 2.0 * np.log(k.max() / k.min())
        tau = 2.0 * (T - 1) / ln_span if T > 1 else 1.0
        ln_lam = ln_lam0 - np.arange(T) / tau
        return (2.0 * ln_lam[:, None] - 2.0 * np.log(k)[None, :]) / w

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        ls = self.log_snr(basis, n)
        ab = 1.0 / (1.0 + np.exp(-ls))
        tol = 1e-9
        ab = np.where(ls > np.log(self.snr_first) + tol, 1.0, ab)
        return np.where(ls < np.log(self.snr_final) - tol, 0.0, ab)

    def describe(self) -> dict:
        return {"kind": self.kind, "width": self.width, **self.count.describe()}
