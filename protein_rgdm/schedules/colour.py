"""Noise colour: the power S_j (Å²) of the Gaussian fixed point in each mode.

The reverse process starts from X̃_j = √S_j ε_j (ε ~ N(0, 1) per coordinate), and the forward
process adds √((1 − ᾱ) S_j) ε_j. Zero mode: S_0 = 0 (centroid removed).

* ``WhiteColour``: S_j = σ² for every mode (default σ² = 3.8² Å², one Cα–Cα bond per coordinate).
* ``FreeTheoryColour``: S_j = c / (k_j² + m²), RGDM's free theory with c = 3.8²/2.3211 Å² and
  m = π/100; k_j² is the continuum spectrum (default) or the lattice spectrum 4 sin²(k_j/2).
  The "fitted" colour is the same form with c, m read from the ``bases`` stage's spectrum.json.
* ``HarmonicColour``: S_j = 1 / (a λ_j), the stationary variance of EigenFold's harmonic polymer
  (a = 3/3.8² Å⁻², λ_j the unit-weight path Laplacian's eigenvalues).
"""

from __future__ import annotations

import abc
import math
from pathlib import Path

import numpy as np

from protein_rgdm.artifacts.spectrum import load_spectrum
from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.constants import CA_CA_DISTANCE, HARMONIC_SPRING, PRIOR_C, PRIOR_MASS
from protein_rgdm.errors import ConfigError

__all__ = ["FreeTheoryColour", "HarmonicColour", "NoiseColour", "WhiteColour", "load_fitted_colour"]


class NoiseColour(abc.ABC):
    """Per-mode noise power of the fixed point."""

    kind: str = "abstract"

    @abc.abstractmethod
    def _power(self, basis: ModeBasis, n: int) -> np.ndarray:
        """S_j for modes 1..n-1, (n-1,) float64, Å²."""

    def power(self, basis: ModeBasis, n: int) -> np.ndarray:
        """S_j, (n,) float64, Å², with S_0 = 0."""
        out = np.zeros(n)
        out[1:] = self._power(basis, n)
        if not np.all(np.isfinite(out)) or (out[1:] <= 0).any():
            raise ConfigError(f"colour.{self.kind}: non-positive or non-finite power for n = {n}")
        return out

    def describe(self) -> dict:
        return {"kind": self.kind}


class WhiteColour(NoiseColour):
    """S_j = variance (Å²) for every non-zero mode."""

    kind = "white"

    def __init__(self, variance: float = CA_CA_DISTANCE**2) -> None:
        if not (variance > 0 and math.isfinite(variance)):
            raise ConfigError(f"colour.variance: must be a positive number (Å²), got {variance!r}")
        self.variance = float(variance)

    def _power(self, basis: ModeBasis, n: int) -> np.ndarray:
        return np.full(n - 1, self.variance)

    def describe(self) -> dict:
        return {"kind": self.kind, "variance": self.variance}


class FreeTheoryColour(NoiseColour):
    """S_j = c / (k_j² + m²) (Å²): the Gaussian fixed point p ∝ exp(−½ ∫ [(∇φ)² + m² φ²] / c)."""

    kind = "free"

    def __init__(self, c: float = PRIOR_C, m: float = PRIOR_MASS, spectrum: str = "continuum") -> None:
        if not (c > 0 and math.isfinite(c)):
            raise ConfigError(f"colour.c: must be a positive number (Å²), got {c!r}")
        if not (m >= 0 and math.isfinite(m)):
            raise ConfigError(f"colour.m: must be a non-negative number, got {m!r}")
        if spectrum not in ("continuum", "lattice"):
            raise ConfigError(f"colour.spectrum: must be 'continuum' or 'lattice', got {spectrum!r}")
        self.c, self.m, self.spectrum = float(c), float(m), spectrum

    def _power(self, basis: ModeBasis, n: int) -> np.ndarray:
        k = basis.wavenumbers(n)[1:]
        k2 = k**2 if self.spectrum == "continuum" else 4.0 * np.sin(k / 2.0) ** 2
        return self.c / (k2 + self.m**2)

    def describe(self) -> dict:
        return {"kind": self.kind, "c": self.c, "m": self.m, "spectrum": self.spectrum}


class HarmonicColour(NoiseColour):
    """S_j = 1 / (a λ_j): stationary variance of the harmonic polymer with spring a (Å⁻²)."""

    kind = "harmonic"

    def __init__(self, spring: float = HARMONIC_SPRING) -> None:
        if not spring > 0:
            raise ConfigError(f"colour.spring: must be positive (Å⁻²), got {spring!r}")
        self.spring = float(spring)

    def _power(self, basis: ModeBasis, n: int) -> np.ndarray:
        unit = basis.eigenvalues(n)[1:] / getattr(basis, "spring", 1.0)
        return 1.0 / (self.spring * unit)

    def describe(self) -> dict:
        return {"kind": self.kind, "spring": self.spring}


def load_fitted_colour(path: str | Path, spectrum: str = "continuum") -> FreeTheoryColour:
    """Free-theory colour with c, m from a ``bases`` stage ``spectrum.json`` (``artifacts.spectrum``)."""
    record = load_spectrum(path)
    colour = FreeTheoryColour(c=record.c, m=record.m, spectrum=spectrum)
    colour.kind = "fitted"
    colour.source = str(path)
    return colour
