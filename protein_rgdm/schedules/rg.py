"""The renormalization-group (RG) schedule of RGDM (Masuki & Ashida, arXiv 2501.09064).

Regulator r(x) = e^{−[ln(1+x)]²} / (1 − e^{−[ln(1+x)]²}) (the SNR of a mode at x = k²/Λ²), so
ᾱ_{t,k} = exp(−[ln(1 + k²/Λ_t²)]²) with Λ_t = Λ₀ e^{−t/τ}. With the DDPM reference SNRs Γ (first
step) and γ (final) and N₀ = 32:

    Λ₀ = k_max / √r⁻¹(Γ),   k_max = π(L−1)/L,
    τ = 2(T₃₂ − 1) / ln[(N₀−1)² r⁻¹(γ) / r⁻¹(Γ)],
    T_rg = ⌊T₃₂ − τ ln(N₀−1)⌋,   T_fl = ⌊τ ln(L−1)⌋,   T = T_rg + T_fl.

Discretisation: mode k enters its T_rg-step window o_k = ⌊τ ln(k_max/k)⌋ steps after k_max; inside
it follows k_max's curve, ᾱ = exp(−[ln(1 + r⁻¹(Γ) e^{2j/τ})]²) at local step j = s − o_k ∈ [0, T_rg);
before the window ᾱ = 1 (clean), after it ᾱ = 0 (held at the fixed point, outside the active shell).
At T₃₂ = 80 the totals are 79, 86, 94, 101, 112 for L = 32, 64, 128, 256, 709.
"""

from __future__ import annotations

import math

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.basis.path import PathBasis
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.base import NoiseSchedule, check_length, ddpm_reference_snr

__all__ = ["RGParameters", "RGSchedule", "regulator", "regulator_inverse"]


def regulator(x: np.ndarray) -> np.ndarray:
    """r(x) = e^{−[ln(1+x)]²} / (1 − e^{−[ln(1+x)]²}), x ≥ 0, float64."""
    u = np.log1p(np.asarray(x, dtype=np.float64)) ** 2
    with np.errstate(divide="ignore"):
        return np.exp(-u) / -np.expm1(-u)


def regulator_inverse(snr: float) -> float:
    """x with r(x) = snr: x = exp(√ln(1 + 1/snr)) − 1."""
    if not snr > 0:
        raise ConfigError(f"schedule: SNR must be positive, got {snr}")
    return math.expm1(math.sqrt(math.log1p(1.0 / snr)))


class RGParameters(tuple):
    """(lam0, tau, t_rg, t_fl) for one chain length."""

    __slots__ = ()

    def __new__(cls, lam0: float, tau: float, t_rg: int, t_fl: int):
        return super().__new__(cls, (lam0, tau, t_rg, t_fl))

    lam0 = property(lambda self: self[0])
    tau = property(lambda self: self[1])
    t_rg = property(lambda self: self[2])
    t_fl = property(lambda self: self[3])


class RGSchedule(NoiseSchedule):
    """RGDM's regulator schedule with a per-mode window.

    Parameters
    ----------
    t32
        Total step count of a 32-residue chain (the paper's T₃₂; 80 by default).
    n0
        Reference length N₀ (32).
    beta_start, beta_end, reference_steps
        The DDPM whose first-step and final SNRs (Γ, γ) the schedule reproduces.
    """

    kind = "rg"

    def __init__(
        self, t32: int = 80, n0: int = 32, beta_start: float = 1e-4, beta_end: float = 0.02, reference_steps: int = 1000
    ) -> None:
        if int(t32) < 2:
            raise ConfigError(f"schedule.t32: must be at least 2, got {t32}")
        if n0 < 3:
            raise ConfigError(f"schedule.n0: must be at least 3, got {n0}")
        self.t32, self.n0 = int(t32), int(n0)
        self.beta_start, self.beta_end, self.reference_steps = beta_start, beta_end, reference_steps
        self.snr_first, self.snr_final = ddpm_reference_snr(beta_start, beta_end, reference_steps)
        self.x_first = regulator_inverse(self.snr_first)
        self.x_final = regulator_inverse(self.snr_final)
        self.tau = 2.0 * (self.t32 - 1) / math.log((self.n0 - 1) ** 2 * self.x_final / self.x_first)
        self.t_rg = math.floor(self.t32 - self.tau * math.log(self.n0 - 1))
        if self.t_rg < 1:
            raise ConfigError(f"schedule.t32: {t32} is too small: the RG window T_rg = {self.t_rg} < 1")

    def parameters(self, n: int) -> RGParameters:
        """Λ₀, τ, T_rg, T_fl for a chain of n residues (path-graph wave numbers)."""
        n = check_length(n)
        lam0 = (math.pi * (n - 1) / n) / math.sqrt(self.x_first)
        t_fl = math.floor(self.tau * math.log(n - 1))
        return RGParameters(lam0, self.tau, self.t_rg, t_fl)

    def offsets(self, basis: ModeBasis, n: int) -> np.ndarray:
        """o_j = ⌊τ ln(k_max / k_j)⌋ for modes 1..n-1: (n-1,) int64."""
        j = np.arange(1, n, dtype=np.float64)
        if isinstance(basis, PathBasis):
            ratio = (n - 1) / j  # k_max / k_j exactly
        else:
            k = basis.wavenumbers(n)[1:]
            ratio = k[-1] / k
        return np.floor(self.tau * np.log(ratio)).astype(np.int64)

    def num_steps(self, basis: ModeBasis, n: int) -> int:
        return self.t_rg + int(self.offsets(basis, check_length(n)).max())

    def kmax_curve(self) -> np.ndarray:
        """ᾱ of the top mode over its window, (T_rg,) float64: exp(−[ln(1 + r⁻¹(Γ) e^{2j/τ})]²)."""
        j = np.arange(self.t_rg, dtype=np.float64)
        return np.exp(-(np.log1p(self.x_first * np.exp(2.0 * j / self.tau)) ** 2))

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        off = self.offsets(basis, n)
        T = self.t_rg + int(off.max())
        local = np.arange(T)[:, None] - off[None, :]
        curve = self.kmax_curve()
        inside = (local >= 0) & (local < self.t_rg)
        out = np.where(local < 0, 1.0, 0.0)
        out[inside] = curve[local[inside]]
        return out

    def describe(self) -> dict:
        return {
            "kind": self.kind,
            "t32": self.t32,
            "n0": self.n0,
            "tau": self.tau,
            "t_rg": self.t_rg,
            "snr_first": self.snr_first,
            "snr_final": self.snr_final,
        }
