"""DDPM baseline of RGDM's protein experiments: one ᾱ for every mode, RGDM's step count and β rule.

As in kantamasuki/RGDM ``protein_str_pred/diffusion/DDPM_diffusion.py`` (defaults T₃₂ = 80,
τ = 8.174705437759766 from ``utils/DDPM_parsing.py``), for a chain of N residues:

    T_N = T₃₂ + ⌈τ ln(N / N₀)⌉                      (80, 90, 106 steps at N = 32, 100, 709),
    β_s = β₁ + (β_T − β₁) s / (T_N − 1),   ᾱ_s = Π_{r ≤ s} (1 − β_r),   s = 0 … T_N − 1,
    SNR_{T_N−1} = ᾱ / (1 − ᾱ) = γ (N₀ / N)²,

β₁ = ``beta_start`` (1e-4, so the first step's SNR is 9999) and γ the final SNR of the reference
DDPM (``ddpm_reference_snr``: β 1e-4 … 0.02 over 1000 steps, γ = 4.036e-5). β_T is found as RGDM
finds it — bisection from the bracket [0.06, 0.12] (widened while it does not hold the root),
stopped once the final SNR is within 1e-4 of the target, relatively — so ᾱ agrees with RGDM's
to ~1e-7; the exact root would differ by up to 2e-6 in ᾱ. ``steps`` replaces T_N by a fixed count
(β_T then re-solved for the same final SNR).

RGDM's noise is white, N(0, 1 Å²) per coordinate, with the centroid removed: the colour
``{kind: white, variance: 1.0}``. No ᾱ is erased (``erase_below = 0``): at N > 200 the last
ᾱ ≈ γ (32/N)² < 1e-6, and RGDM still takes that step with the network.
"""

from __future__ import annotations

import math

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.constants import RGDM_DDPM_TAU
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.base import NoiseSchedule, check_length, ddpm_reference_snr

__all__ = ["DDPMSchedule", "solve_final_beta"]



def _linear_beta_alpha_bar(beta_start: float, beta_final: float, steps: int) -> np.ndarray:
    """ᾱ_s = Π_{r ≤ s} (1 − β_r) for β linear from ``beta_start`` to ``beta_final``: (steps,) float64."""
    return np.cumprod(1.0 - np.linspace(beta_start, beta_final, steps))


def _final_snr(beta_start: float, beta_final: float, steps: int) -> float:
    ab = _linear_beta_alpha_bar(beta_start, beta_final, steps)[-1]
    return float(ab / (1.0 - ab))


def solve_final_beta(beta_start: float, steps: int, target_snr: float, rel_tol: float = 1e-4) -> float:
    """β_T such that the linear-β DDPM of ``steps`` steps ends at SNR ``target_snr``, by RGDM's bisection.

    Bracket [0.06, 0.12], its top raised by 0.02 while the SNR there is still above the target and its
    bottom halved while the SNR there is below; bisection starts at the top and stops when
    |SNR − target| ≤ ``rel_tol`` · target.
    """
    lo, hi = 0.06, 0.12
    while _final_snr(beta_start, hi, steps) > target_snr:
        hi += 0.02
        if hi >= 1.0:
            raise ConfigError(
                f"schedule: {steps} steps cannot reach the final SNR {target_snr:.3g} with β < 1 (too few steps)"
            )
    while _final_snr(beta_start, lo, steps) < target_snr:
        lo *= 0.5
        if lo < 1e-12:
            raise ConfigError(f"schedule: {steps} steps overshoot the final SNR {target_snr:.3g} at any β_T > 0")
    beta = hi
    snr = _final_snr(beta_start, beta, steps)
    for _ in range(200):
        if abs(snr - target_snr) <= rel_tol * target_snr:
            return beta
        if snr > target_snr:
            lo = beta
        else:
            hi = beta
        beta = 0.5 * (lo + hi)
        snr = _final_snr(beta_start, beta, steps)
    raise ConfigError(f"schedule: bisection for β_T did not reach the final SNR {target_snr:.3g}")  # pragma: no cover


class DDPMSchedule(NoiseSchedule):
    """RGDM's linear-β DDPM baseline, identical for all modes.

    Parameters
    ----------
    t32
        Steps at N = N₀ (RGDM: 80).
    n0
        Reference length N₀ (32).
    tau
        Slope of the step count in ln N (RGDM: 8.174705437759766).
    steps
        Fixed step count instead of T_N (None: RGDM's rule).
    beta_start, beta_end, reference_steps
        β₁ of this DDPM, and the reference DDPM whose final SNR γ sets the target γ (N₀/N)².
    """

    kind = "ddpm"
    erase_below = 0.0

    def __init__(
        self,
        t32: int = 80,
        n0: int = 32,
        tau: float = RGDM_DDPM_TAU,
        steps: int | None = None,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        if int(t32) < 2:
            raise ConfigError(f"schedule.t32: must be at least 2, got {t32}")
        if n0 < 2:
            raise ConfigError(f"schedule.n0: must be at least 2, got {n0}")
        if not (tau >= 0 and math.isfinite(tau)):
            raise ConfigError(f"schedule.tau: must be a non-negative number, got {tau!r}")
        if steps is not None and steps < 2:
            raise ConfigError(f"schedule.steps: need at least 2 steps, got {steps}")
        self.t32, self.n0, self.tau, self.steps = int(t32), int(n0), float(tau), steps
        self.beta_start = float(beta_start)
        self.snr_final_n0 = ddpm_reference_snr(beta_start, beta_end, reference_steps)[1]
        self._beta_final: dict[int, float] = {}

    def num_steps(self, basis: ModeBasis, n: int) -> int:
        return self.steps_for(n)

    def steps_for(self, n: int) -> int:
        """T_N for a chain of n residues (the basis does not enter)."""
        n = check_length(n)
        if self.steps is not None:
            return int(self.steps)
        T = self.t32 + math.ceil(self.tau * math.log(n / self.n0))
        if T < 2:
            raise ConfigError(f"schedule.t32: T_N = {T} < 2 steps for a chain of {n} residues")
        return T

    def final_snr(self, n: int) -> float:
        """Target SNR of the last step, γ (N₀ / n)²."""
        return self.snr_final_n0 * (self.n0 / check_length(n)) ** 2

    def beta_final(self, n: int) -> float:
        """β_T for a chain of n residues (cached)."""
        n = check_length(n)
        if n not in self._beta_final:
            self._beta_final[n] = solve_final_beta(self.beta_start, self.steps_for(n), self.final_snr(n))
        return self._beta_final[n]

    def curve(self, n: int) -> np.ndarray:
        """ᾱ_s for s = 0 … T_N − 1, (T_N,) float64."""
        return _linear_beta_alpha_bar(self.beta_start, self.beta_final(n), self.steps_for(n))

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        return np.repeat(self.curve(n)[:, None], n - 1, axis=1)

    def describe(self) -> dict:
        return {
            "kind": self.kind,
            "t32": self.t32,
            "n0": self.n0,
            "tau": self.tau,
            "steps": self.steps if self.steps is not None else "rgdm",
            "beta_start": self.beta_start,
            "snr_final_n0": self.snr_final_n0,
        }
