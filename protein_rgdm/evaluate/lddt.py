"""Cα-lDDT: the fraction of reference Cα–Cα distances a model preserves (Mariani et al. 2013)."""

from __future__ import annotations

import numpy as np

__all__ = ["LDDT_RADIUS", "LDDT_THRESHOLDS", "lddt_ca"]

#: Inclusion radius (Å): only pairs closer than this in the reference are scored.
LDDT_RADIUS = 15.0
#: Tolerances (Å) on |d_model − d_reference|; the score averages over them.
LDDT_THRESHOLDS = (0.5, 1.0, 2.0, 4.0)


def lddt_ca(
    model: np.ndarray,
    reference: np.ndarray,
    radius: float = LDDT_RADIUS,
    thresholds: tuple[float, ...] = LDDT_THRESHOLDS,
) -> float:
    """Global Cα-lDDT of a model against a reference, superposition free.

    Parameters
    ----------
    model
        (M, 3) model Cα coordinates in Å placed on the reference residues: row ``i`` is the model
        residue matched to reference residue ``i``; NaN rows mark reference residues the model
        does not cover (their pairs count as not preserved).
    reference
        (M, 3) observed reference Cα coordinates in Å.
    radius
        Pairs (i ≠ j) with reference distance < ``radius`` are scored.
    thresholds
        A pair is preserved at tolerance t when |d_model − d_ref| < t.

    Returns
    -------
    float
        Preserved fraction averaged over the tolerances and all scored pairs (the "global"
        lDDT of the TM-score/EigenFold evaluations, not a mean of per-residue scores); NaN when
        no pair lies within the radius.
    """
    reference = np.asarray(reference, dtype=np.float64)
    model = np.asarray(model, dtype=np.float64)
    from scipy.spatial.distance import cdist

    d_ref = cdist(reference, reference)
    # Each unordered pair once (the distances are symmetric, so the fraction is unchanged).
    scored = np.triu(d_ref < radius, k=1)
    i, j = np.nonzero(scored)
    total = len(i)
    if total == 0:
        return float("nan")
    diff = model[i] - model[j]
    d_mod = np.sqrt((diff * diff).sum(axis=1))  # NaN where a residue is uncovered
    dev = np.abs(d_mod - d_ref[i, j])  # NaN compares False: not preserved
    kept = sum(int(np.count_nonzero(dev < t)) for t in thresholds)
    return kept / (len(thresholds) * total)
