"""What harmonic, sigmoid, soft and sequential share: their step count policy and the reference DDPM's SNR range."""

from __future__ import annotations

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.base import NoiseSchedule, check_length, ddpm_reference_snr
from protein_rgdm.schedules.rg import RGSchedule

__all__ = ["ReferenceSchedule", "StepCount"]


class StepCount:
    """Step count policy shared by the non-RG schedules: a fixed number, or the RG count at ``t32``."""

    def __init__(self, steps: int | None, t32: int = 80) -> None:
        if steps is not None and steps < 2:
            raise ConfigError(f"schedule.steps: need at least 2 steps, got {steps}")
        self.steps = steps
        self.t32 = t32
        self._rg = RGSchedule(t32=t32) if steps is None else None

    def __call__(self, basis: ModeBasis, n: int) -> int:
        n = check_length(n)
        return self.steps if self._rg is None else self._rg.num_steps(basis, n)

    def describe(self) -> dict:
        return {"steps": self.steps} if self.steps is not None else {"steps": "rg", "t32": self.t32}


class ReferenceSchedule(NoiseSchedule):
    """Base of the harmonic, sigmoid, soft and sequential schedules: a :class:`StepCount` and the reference
    DDPM's first-step and final SNRs Γ = ``snr_first``, γ = ``snr_final`` (``ddpm_reference_snr``), which each
    schedule maps onto its modes."""

    def __init__(
        self,
        steps: int | None = None,
        t32: int = 80,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        self.count = StepCount(steps, t32)
        self.snr_first, self.snr_final = ddpm_reference_snr(beta_start, beta_end, reference_steps)

    def num_steps(self, basis: ModeBasis, n: int) -> int:
        return self.count(basis, n)
