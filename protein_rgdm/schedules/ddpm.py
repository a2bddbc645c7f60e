"""DDPM baseline: the same ᾱ for every mode, with a length-dependent step count.

The standard linear-β DDPM (β from 1e-4 to 0.02 over T_ref = 1000 steps) in continuous time:
ln ᾱ(u) = −T_ref [β₁ u + (β_T − β₁) u² / 2], u ∈ (0, 1], sampled at u_s = (s + 1) / T. The step
count T equals the RG schedule's for the same length (``steps=None``) or a fixed number.
Used with white noise it is the classic baseline (centroid removed); any colour can be combined.
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.steps import ReferenceSchedule

__all__ = ["DDPMSchedule"]


class DDPMSchedule(ReferenceSchedule):
    """Linear-β DDPM in continuous time, identical for all modes."""

    kind = "ddpm"

    def __init__(
        self,
        steps: int | None = None,
        t32: int = 80,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        if not (0 < beta_start < beta_end < 1):
            raise ConfigError(
                f"schedule.beta_start/beta_end: need 0 < beta_start < beta_end < 1, got {beta_start}, {beta_end}"
            )
        super().__init__(steps, t32, beta_start, beta_end, reference_steps)
        self.beta_start, self.beta_end, self.reference_steps = beta_start, beta_end, reference_steps

    def curve(self, T: int) -> np.ndarray:
        """ᾱ at u_s = (s+1)/T, (T,) float64."""
        u = np.arange(1, T + 1, dtype=np.float64) / T
        b0, b1 = self.beta_start, self.beta_end
        return np.exp(-self.reference_steps * (b0 * u + 0.5 * (b1 - b0) * u**2))

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        T = self.num_steps(basis, n)
        return np.repeat(self.curve(T)[:, None], n - 1, axis=1)

    def describe(self) -> dict:
        return {"kind": self.kind, **self.count.describe(), "beta_start": self.beta_start, "beta_end": self.beta_end}
