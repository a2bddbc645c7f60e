"""Soft-conditioning schedule (Gerdes, Welling & Cheng, arXiv 2410.02667, eq. 13).

Each mode i has an ordering label l_i ∈ [0, 1] (0 = noised first) and its log-SNR falls linearly
in time over a window of width w (the softness) that starts at l_i (1 − w):

    γ_i(u) = ln Γ − Δγ · clip((u − l_i (1 − w)) / w, 0, 1),   Δγ = ln Γ − ln γ,   u_s = (s+1)/T,

and ᾱ = σ(γ_i). Before its window a mode is clean (ᾱ = 1). w = 1 is standard diffusion (one
schedule for all modes); w → 0 generates the modes one after another (autoregressive in the basis).
Labels: ``"log"`` l = ln(k_max/k) / ln(k_max/k_min) (fine scales first, RG-like), ``"linear"`` in k.
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.steps import ReferenceSchedule

__all__ = ["SoftConditioningSchedule"]


class SoftConditioningSchedule(ReferenceSchedule):
    """Linear log-SNR per mode with an ordering label and a softness in (0, 1]."""

    kind = "soft"

    def __init__(
        self,
        softness: float = 0.3,
        ordering: str = "log",
        steps: int | None = None,
        t32: int = 80,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        if not 0 < softness <= 1:
            raise ConfigError(f"schedule.softness: must be in (0, 1], got {softness}")
        if ordering not in ("log", "linear"):
            raise ConfigError(f"schedule.ordering: must be 'log' or 'linear', got {ordering!r}")
        self.softness, self.ordering = float(softness), ordering
        super().__init__(steps, t32, beta_start, beta_end, reference_steps)

    def labels(self, basis: ModeBasis, n: int) -> np.ndarray:
        """Ordering labels l_i of modes 1..n-1, (n-1,) float64 in [0, 1]."""
        k = basis.wavenumbers(n)[1:]
        if k.max() <= k.min():
            return np.zeros_like(k)
        if self.ordering == "log":
            return np.log(k.max() / k) / np.log(k.max() / k.min())
        return (k.max() - k) / (k.max() - k.min())

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        T = self.num_steps(basis, n)
        u = np.arange(1, T + 1, dtype=np.float64)[:, None] / T
        w = self.softness
        start = self.labels(basis, n)[None, :] * (1.0 - w)
        frac = (u - start) / w
        ln_g1, ln_g0 = np.log(self.snr_first), np.log(self.snr_final)
        log_snr = ln_g1 - (ln_g1 - ln_g0) * np.clip(frac, 0.0, 1.0)
        ab = 1.0 / (1.0 + np.exp(-log_snr))
        return np.where(frac <= 0.0, 1.0, ab)

    def describe(self) -> dict:
        return {"kind": self.kind, "softness": self.softness, "ordering": self.ordering, **self.count.describe()}
