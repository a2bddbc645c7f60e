"""Physical constants shared by every stage. Defined once; import them, never re-type them."""

import math

__all__ = [
    "CA_CA_DISTANCE",
    "CHAIN_BREAK_DISTANCE",
    "HARMONIC_SPRING",
    "PRIOR_C",
    "PRIOR_MASS",
    "RGDM_DDPM_TAU",
    "AMINO_ACIDS",
]

#: Mean distance between consecutive Cα atoms of a trans peptide, in Å.
CA_CA_DISTANCE: float = 3.8

#: Consecutive observed Cα atoms farther apart than this (Å) mark a chain break.
CHAIN_BREAK_DISTANCE: float = 4.2

#: EigenFold harmonic polymer spring constant a = 3 / 3.8² in Å⁻².
HARMONIC_SPRING: float = 3.0 / CA_CA_DISTANCE**2

#: RGDM free-theory amplitude c = 3.8² / 2.3211 in Å² (power spectrum c / (k² + m²)).
PRIOR_C: float = CA_CA_DISTANCE**2 / 2.3211

#: RGDM free-theory mass m = π / 100 (dimensionless wave number).
PRIOR_MASS: float = math.pi / 100.0

#: τ of RGDM's DDPM step count T_N = T₃₂ + ⌈τ ln(N/N₀)⌉ (``--tau`` default in RGDM's ``utils/DDPM_parsing.py``).
RGDM_DDPM_TAU: float = 8.174705437759766

#: The 20 standard amino acids, one-letter codes, in alphabetical order of their letters.
AMINO_ACIDS: str = "ACDEFGHIKLMNPQRSTVWY"
