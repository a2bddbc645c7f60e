"""The component-wise schedule interface and the DDPM reference signal-to-noise ratios.

A schedule gives, for a chain of n residues in a basis, the number of steps T and the table
ᾱ[s, j] (T, n): the signal retention of mode j after forward step s (s = 0 is the first noising
step; the clean data is "step −1" with ᾱ = 1). Forward marginal per mode:

    X̃_{s,j} = √ᾱ[s, j] X̃_{0,j} + √(1 − ᾱ[s, j]) √S_j ε_j,      ε_j ~ N(0, 1) per coordinate,

with S_j the noise colour (Å²). ᾱ = 1 means "not yet noised", ᾱ = 0 means "at the fixed point"
(erased: the mode is pure colored noise and outside the active shell; values below the schedule's
``erase_below``, by default ``ERASE_THRESHOLD``, are set to 0). Column 0 (the zero mode, the
centroid) is 0 by convention: it is always removed.
"""

from __future__ import annotations

import abc

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import ConfigError, InputError

__all__ = ["ERASE_THRESHOLD", "NoiseSchedule", "check_length", "ddpm_reference_snr", "snr_to_alpha_bar"]

#: ᾱ below this (SNR < 1e-6, far below the reference final SNR γ ≈ 4e-5) counts as the fixed point:
#: it is set to exactly 0, so no update divides by a vanishing √ᾱ.
ERASE_THRESHOLD: float = 1e-6


def ddpm_reference_snr(beta_start: float = 1e-4, beta_end: float = 0.02, steps: int = 1000) -> tuple[float, float]:
    """First-step and final SNR (Γ, γ) of the standard DDPM with linear β from ``beta_start`` to ``beta_end``.

    SNR = ᾱ / (1 − ᾱ) with ᾱ_t = Π_{s ≤ t} (1 − β_s). The defaults give Γ = 9999, γ ≈ 4.036e-5.
    """
    if not (0 < beta_start < beta_end < 1):
        raise ConfigError(
            f"schedule.beta_start/beta_end: need 0 < beta_start < beta_end < 1, got {beta_start}, {beta_end}"
        )
    if steps < 2:
        raise ConfigError(f"schedule.reference_steps: need at least 2, got {steps}")
    betas = np.linspace(beta_start, beta_end, steps)
    log_ab = np.cumsum(np.log1p(-betas))
    one_minus = -np.expm1(log_ab)
    return float(np.exp(log_ab[0]) / one_minus[0]), float(np.exp(log_ab[-1]) / one_minus[-1])


def snr_to_alpha_bar(snr: np.ndarray) -> np.ndarray:
    """ᾱ = SNR / (1 + SNR), elementwise, float64 (∞ → 1)."""
    snr = np.asarray(snr, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        out = snr / (1.0 + snr)
    return np.where(np.isinf(snr), 1.0, out)


def check_length(n: int) -> int:
    """Validate a chain length (≥ 2 residues) and return it as int."""
    if int(n) != n or n < 2:
        raise InputError(f"length: a chain needs at least 2 residues, got {n!r}")
    return int(n)


class NoiseSchedule(abc.ABC):
    """Component-wise schedule: ᾱ per step and mode. Implementations are chosen by name in config."""

    kind: str = "abstract"
    #: ᾱ below this is set to exactly 0 (the mode is at the fixed point); 0 keeps every positive value.
    erase_below: float = ERASE_THRESHOLD

    @abc.abstractmethod
    def num_steps(self, basis: ModeBasis, n: int) -> int:
        """Number of forward steps T (= network evaluations of ancestral sampling) for n residues."""

    @abc.abstractmethod
    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        """ᾱ for modes 1..n-1: (T, n-1) float64."""

    def alpha_bar(self, basis: ModeBasis, n: int) -> np.ndarray:
        """ᾱ[s, j]: (T, n) float64 in [0, 1], column 0 (zero mode) = 0."""
        n = check_length(n)
        body = self._table(basis, n)
        T = self.num_steps(basis, n)
        if body.shape != (T, n - 1):  # pragma: no cover - an implementation bug
            raise AssertionError(f"{self.kind}: table shape {body.shape} != {(T, n - 1)}")
        out = np.zeros((T, n))
        body = np.clip(body, 0.0, 1.0)
        out[:, 1:] = np.where(body < self.erase_below, 0.0, body)
        return out

    def describe(self) -> dict:
        """JSON-serialisable parameters."""
        return {"kind": self.kind}
