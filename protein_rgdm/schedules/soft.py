"""Soft-conditioning linear schedule of GUD (Gerdes, Welling & Cheng, arXiv 2410.02667, eq. 13).

GUD writes the schedule in γ_i = −ln SNR_i, linear in time with one slope for all components:

    γ_i(t) = γ_min,i + t Δγ,   γ_min,i = γ̃_denoise + ln Σ_i + a (l_i − l_max),
    Δγ = γ̃_noise − γ̃_denoise + a (l_max − l_min),   t ∈ [0, 1],

with ordering labels l_i (higher = noised earlier, generated later), a = 1 / softness, and Σ_i the
data variance of component i (its SNR is Σ_i e^{−γ_i} against unit noise). Here the noise of mode i
has the colour's power S_i, and ᾱ/(1 − ᾱ) is the SNR against that noise; the ln Σ_i term is carried
by the colour (exactly when S_i = Σ_i, as for the free or fitted colour). With γ̃_denoise = −ln Γ and
γ̃_noise = −ln γ (the reference DDPM's first-step and final SNRs) and labels scaled to [0, 1]:

    ln SNR_i(t_s) = ln Γ + a (1 − l_i) − t_s [ln(Γ/γ) + a],   t_s = s / (T − 1),   ᾱ = σ(ln SNR),

so the earliest-noised mode starts at SNR Γ, the last-noised mode ends at γ, and every mode's log-SNR
falls at the same rate. softness → ∞ (a → 0) is standard diffusion (one schedule for all modes);
softness → 0 generates the modes one after another (autoregressive in the basis). Nothing is
clipped: a mode is never clean (ᾱ < 1, up to rounding where SNR > 1e16) and is set to the fixed
point only where ᾱ < 1e-6.
Labels (``ordering``): ``"log"`` l = ln(k/k_min) / ln(k_max/k_min) (fine scales first, RG-like),
``"linear"`` l = (k − k_min)/(k_max − k_min). GUD's clipped sequential schedule is
:class:`~protein_rgdm.schedules.sequential.SequentialSchedule`.
"""

from __future__ import annotations

import math

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.steps import ReferenceSchedule

__all__ = ["ORDERINGS", "SoftConditioningSchedule", "ordering_labels"]

ORDERINGS = ("log", "linear")


def ordering_labels(basis: ModeBasis, n: int, ordering: str) -> np.ndarray:
    """Labels l_i ∈ [0, 1] of modes 1..n-1, (n-1,) float64: 1 for k_max (noised first), 0 for k_min."""
    if ordering not in ORDERINGS:
        raise ConfigError(f"schedule.ordering: must be one of {', '.join(ORDERINGS)}, got {ordering!r}")
    k = basis.wavenumbers(n)[1:]
    if k.max() <= k.min():
        return np.ones_like(k)
    if ordering == "log":
        return np.log(k / k.min()) / np.log(k.max() / k.min())
    return (k - k.min()) / (k.max() - k.min())


class SoftConditioningSchedule(ReferenceSchedule):
    """GUD eq. 13: log-SNR linear in time, one slope, per-mode offsets a (1 − l_i), a = 1/softness."""

    kind = "soft"

    def __init__(
        self,
        softness: float = 0.05,
        ordering: str = "log",
        steps: int | None = None,
        t32: int = 80,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        if not (softness > 0 and not math.isnan(softness)):
            raise ConfigError(f"schedule.softness: must be positive (inf = standard diffusion), got {softness}")
        if ordering not in ORDERINGS:
            raise ConfigError(f"schedule.ordering: must be one of {', '.join(ORDERINGS)}, got {ordering!r}")
        self.softness, self.ordering = float(softness), ordering
        super().__init__(steps, t32, beta_start, beta_end, reference_steps)

    def labels(self, basis: ModeBasis, n: int) -> np.ndarray:
        """Ordering labels l_i of modes 1..n-1, (n-1,) float64 in [0, 1] (1 = noised first)."""
        return ordering_labels(basis, n, self.ordering)

    def log_snr(self, basis: ModeBasis, n: int) -> np.ndarray:
        """ln SNR[s, j] = −γ_j(t_s) for modes 1..n-1, (T, n-1) float64."""
        T = self.num_steps(basis, n)
        t = np.arange(T, dtype=np.float64)[:, None] / (T - 1)
        a = 1.0 / self.softness
        ln_g1, ln_g0 = math.log(self.snr_first), math.log(self.snr_final)
        offset = a * (1.0 - self.labels(basis, n))[None, :]
        return ln_g1 + offset - t * (ln_g1 - ln_g0 + a)

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        # σ(x) = exp(−ln(1 + e^{−x})), stable for large |x|
        return np.exp(-np.logaddexp(0.0, -self.log_snr(basis, n)))

    def describe(self) -> dict:
        return {"kind": self.kind, "softness": self.softness, "ordering": self.ordering, **self.count.describe()}
