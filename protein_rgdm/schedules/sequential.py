"""GUD's clipped sequential schedule (Gerdes, Welling & Cheng, arXiv 2410.02667; the offset schedules
behind its row / column orderings): each mode waits, traverses the reference log-SNR range in a window
of width w, then holds.

With ordering labels l_i ∈ [0, 1] (1 = noised first; see :func:`~protein_rgdm.schedules.soft.ordering_labels`),
the window of mode i starts at (1 − l_i)(1 − w), and

    ln SNR_i(u) = ln Γ − ln(Γ/γ) · clip((u − (1 − l_i)(1 − w)) / w, 0, 1),   u_s = (s + 1) / T,

ᾱ = σ(ln SNR). Before its window a mode is clean (ᾱ = 1; GUD holds it at SNR Γ instead), after it
the mode stays at SNR γ. w = 1 is standard diffusion, w → 0 autoregressive in the basis. In GUD's
``sequential_offsets`` parametrisation, softness s ≥ 1 gives w = 1 − 1/s. This is not eq. 13 (the
unclipped linear schedule, :class:`~protein_rgdm.schedules.soft.SoftConditioningSchedule`).
"""

from __future__ import annotations

import math

import numpy as np

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.soft import ORDERINGS, ordering_labels
from protein_rgdm.schedules.steps import ReferenceSchedule

__all__ = ["SequentialSchedule"]


class SequentialSchedule(ReferenceSchedule):
    """Per-mode log-SNR ramp over a window of width ``window`` ∈ (0, 1], clipped on both sides."""

    kind = "sequential"

    def __init__(
        self,
        window: float = 0.3,
        ordering: str = "log",
        steps: int | None = None,
        t32: int = 80,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        reference_steps: int = 1000,
    ) -> None:
        if not 0 < window <= 1:
            raise ConfigError(f"schedule.window: must be in (0, 1], got {window}")
        if ordering not in ORDERINGS:
            raise ConfigError(f"schedule.ordering: must be one of {', '.join(ORDERINGS)}, got {ordering!r}")
        self.window, self.ordering = float(window), ordering
        super().__init__(steps, t32, beta_start, beta_end, reference_steps)

    def labels(self, basis: ModeBasis, n: int) -> np.ndarray:
        """Ordering labels l_i of modes 1..n-1, (n-1,) float64 in [0, 1] (1 = noised first)."""
        return ordering_labels(basis, n, self.ordering)

    def _table(self, basis: ModeBasis, n: int) -> np.ndarray:
        T = self.num_steps(basis, n)
        u = np.arange(1, T + 1, dtype=np.float64)[:, None] / T
        w = self.window
        start = (1.0 - self.labels(basis, n))[None, :] * (1.0 - w)
        frac = (u - start) / w
        ln_g1, ln_g0 = math.log(self.snr_first), math.log(self.snr_final)
        log_snr = ln_g1 - (ln_g1 - ln_g0) * np.clip(frac, 0.0, 1.0)
        ab = 1.0 / (1.0 + np.exp(-log_snr))
        return np.where(frac <= 0.0, 1.0, ab)

    def describe(self) -> dict:
        return {"kind": self.kind, "window": self.window, "ordering": self.ordering, **self.count.describe()}
