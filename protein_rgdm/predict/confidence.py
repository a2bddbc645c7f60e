"""Per-residue confidence of a prediction from the agreement of the samples of one sequence.

The model gives no error estimate of its own, but its samples of one sequence spread where it is
unsure. Two reference-free estimates are computed from the samples alone:

- **ensemble lDDT** (used for the output): the confidence of residue i of sample k is 100 × the
  mean over the other samples j of the per-residue Cα-lDDT of sample k scored against sample j as
  if j were the reference (15 Å radius, tolerances 0.5 / 1 / 2 / 4 Å). It lies on the scale of
  the Cα-lDDT against the true structure that it estimates (0–100, higher is better, like
  AlphaFold's pLDDT), needs no superposition (a floppy terminus does not spoil the rest), and is
  the residue-level form of the ensemble consistency that ranks the samples.
- **superposed spread**: RMS distance of residue i over the other samples after optimal (Kabsch)
  superposition of each onto sample k, mapped to 100 / (1 + (d / 2 Å)²).

``bench/bench_confidence.py`` measures how well each predicts the per-residue Cα-lDDT of a
sample against its reference (Spearman correlation; the README has the figures). With one
sample there is no spread to measure: :func:`residue_confidence` returns None and the writers
put 0 in the B-factor column (documented as "no estimate").
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.evaluate.superpose import kabsch

__all__ = [
    "CONFIDENCE_METHOD",
    "LDDT_RADIUS",
    "SPREAD_D0",
    "ensemble_lddt",
    "residue_confidence",
    "residue_lddt",
    "superposed_spread",
]

#: Inclusion radius (Å) and tolerances (Å) of the Cα-lDDT (Mariani et al. 2013).
LDDT_RADIUS = 15.0
LDDT_THRESHOLDS = (0.5, 1.0, 2.0, 4.0)
#: How the written confidence was computed (recorded in every per-sample JSON).
CONFIDENCE_METHOD = (
    "ensemble lDDT: 100 x mean over the other samples of the per-residue Ca-lDDT of this sample against them"
)
#: Partners per sample in the ensemble lDDT (all others up to this many).
MAX_PARTNERS = 10
#: Spread (Å) at which the spread-based confidence is 50.
SPREAD_D0 = 2.0


def residue_lddt(model: np.ndarray, reference: np.ndarray, radius: float = LDDT_RADIUS) -> np.ndarray:
    """Per-residue Cα-lDDT of ``model`` against ``reference``, residue i ↔ residue i.

    Parameters
    ----------
    model, reference
        (L, 3) float Cα coordinates in Å; NaN rows in ``model`` count as not preserved, NaN rows
        in ``reference`` are not scored.
    radius
        Pairs (i, j ≠ i) closer than this in the reference are scored.

    Returns
    -------
    numpy.ndarray
        (L,) float64 in [0, 1]: for each residue the preserved fraction of its scored pairs,
        averaged over the tolerances 0.5, 1, 2, 4 Å; NaN for a residue with no scored pair.
    """
    ref = np.asarray(reference, dtype=np.float64)
    mod = np.asarray(model, dtype=np.float64)
    d_ref = np.linalg.norm(ref[:, None] - ref[None], axis=-1)
    d_mod = np.linalg.norm(mod[:, None] - mod[None], axis=-1)
    with np.errstate(invalid="ignore"):
        scored = (d_ref < radius) & ~np.eye(len(ref), dtype=bool)
        dev = np.abs(d_mod - d_ref)
        kept = sum((dev < t) & scored for t in LDDT_THRESHOLDS) / len(LDDT_THRESHOLDS)
        return kept.sum(1) / np.where(scored.any(1), scored.sum(1), np.nan)


def ensemble_lddt(samples: np.ndarray, max_partners: int = MAX_PARTNERS) -> np.ndarray | None:
    """Ensemble-lDDT confidence (0–100) of every residue of every sample.

    Parameters
    ----------
    samples
        (N, L, 3) float Cα coordinates in Å of N samples of one sequence.
    max_partners
        Each sample is compared with at most this many others (the next ones, cyclically), so
        the cost stays O(N · L²) for large N.

    Returns
    -------
    numpy.ndarray or None
        (N, L) float64: 100 × mean over partners j of ``residue_lddt(samples[k], samples[j])``
        (a residue with no neighbour within 15 Å in a partner counts 0 for it); None when N < 2.
    """
    x = np.asarray(samples, dtype=np.float64)
    n = len(x)
    if n < 2:
        return None
    out = np.zeros(x.shape[:2])
    for k in range(n):
        partners = [(k + s) % n for s in range(1, min(n - 1, max_partners) + 1)]
        scores = np.stack([residue_lddt(x[k], x[j]) for j in partners])
        out[k] = 100.0 * np.nan_to_num(scores, nan=0.0).mean(0)
    return out


def _kabsch_onto(mobile: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``mobile`` (L, 3) moved by the proper rotation + translation minimising its RMSD to ``target``."""
    rot, trans = kabsch(mobile, target)
    return mobile @ rot.T + trans


def superposed_spread(samples: np.ndarray, d0: float = SPREAD_D0) -> np.ndarray | None:
    """Spread-based confidence (0–100): 100 / (1 + (d / d0)²), d the per-residue RMS deviation.

    Parameters
    ----------
    samples
        (N, L, 3) float Cα coordinates in Å.
    d0
        Deviation (Å) that maps to 50.

    Returns
    -------
    numpy.ndarray or None
        (N, L) float64; for sample k, d is the RMS over j ≠ k of |x_j,i − x_k,i| after
        superposing sample j onto sample k on all residues; None when N < 2.
    """
    x = np.asarray(samples, dtype=np.float64)
    n = len(x)
    if n < 2:
        return None
    out = np.zeros(x.shape[:2])
    for k in range(n):
        sq = np.stack([np.sum((_kabsch_onto(x[j], x[k]) - x[k]) ** 2, -1) for j in range(n) if j != k])
        out[k] = 100.0 / (1.0 + sq.mean(0) / d0**2)
    return out


def residue_confidence(samples: np.ndarray) -> np.ndarray | None:
    """The confidence written with predictions: :func:`ensemble_lddt` ((N, L) 0–100, None when N < 2)."""
    return ensemble_lddt(samples)
