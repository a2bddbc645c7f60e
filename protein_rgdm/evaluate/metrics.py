"""Scores of one model against one reference: RMSD, TM-score, GDT-TS, GDT-HA and Cα-lDDT.

The numbers follow the Zhang-lab TM-score program (``TMscore -seq``, C++ version of 2022):

* **RMSD** over all matched Cα pairs after their optimal superposition.
* **TM-score** = max over the superpositions of the search in :mod:`.tmsearch` of
  Σ 1/(1 + (dᵢ/d0)²) / L_ref, with d0 = 1.24·∛(L_ref − 15) − 1.8 (≥ 0.5, 0.5 for L_ref ≤ 21),
  selection cut-off base d0_search = d0 clipped to [4.5, 8] Å, L_ref the number of reference Cα.
* **GDT-TS / GDT-HA**: for each cut-off (1, 2, 4, 8 Å / 0.5, 1, 2, 4 Å) the largest number of
  pairs closer than it over the superpositions of TMscore's *first* search (its
  ``parameter_set4search``: d0_search from d0 + 0.8 with L = min(L_model, L_ref)), each divided
  by L_ref, then averaged over the four cut-offs. This is how TMscore computes them; it is a
  search-based GDT, close to but not identical with LGA's.
* **Cα-lDDT** (:mod:`.lddt`), no superposition.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from protein_rgdm.evaluate.lddt import lddt_ca
from protein_rgdm.evaluate.tmsearch import (
    MAX_ITERATIONS,
    d0_final,
    d0_search_final,
    search_parameters,
    search_scores,
)

__all__ = ["PairScores", "GDT_CUTOFFS", "score_matched", "tm_gdt_search", "tm_score"]

#: Distance cut-offs (Å) counted by the GDT search; TS uses the last four, HA the first four.
GDT_CUTOFFS = (0.5, 1.0, 2.0, 4.0, 8.0)


@dataclasses.dataclass(frozen=True)
class PairScores:
    """Scores of one model–reference pair (fractions in [0, 1], RMSD in Å)."""

    n_matched: int
    rmsd: float
    tm: float
    gdt_ts: float
    gdt_ha: float
    lddt: float


def tm_gdt_search(
    x: np.ndarray, y: np.ndarray, reference_length: int, model_length: int, max_iterations: int = MAX_ITERATIONS
) -> tuple[float, np.ndarray]:
    """TM-score and GDT counts of matched traces by TMscore's superposition searches.

    Parameters
    ----------
    x, y
        (K, 3) matched model / reference Cα coordinates in Å.
    reference_length
        Number of reference Cα (normalisation length L_ref).
    model_length
        Number of model Cα (enters the GDT search's d0 through min(L_model, L_ref)).
    max_iterations
        Iterations per seed (20 in TMscore).

    Returns
    -------
    tm
        TM-score normalised by ``reference_length``.
    gdt_counts
        (5,) int: the most pairs within 0.5, 1, 2, 4, 8 Å over the GDT search.
    """
    tm, counts, _ = _search(x, y, reference_length, model_length, max_iterations)
    return tm, counts


def tm_score(x: np.ndarray, y: np.ndarray, max_iterations: int = MAX_ITERATIONS) -> float:
    """TM-score of two traces of the same L residues, residue i matched to residue i, normalised by L.

    The TM-score search of :func:`tm_gdt_search` alone (d0 and d0_search of L; no GDT search): the
    value ``TMscore`` gives for two files of the same residues. The search is symmetric (superposing
    ``x`` on ``y`` over a selection gives the same distances as ``y`` on ``x``), so
    ``tm_score(x, y) == tm_score(y, x)`` up to rounding. Sample ranking (:mod:`protein_rgdm.predict.ranking`)
    scores its sample pairs with it.

    Parameters
    ----------
    x, y
        (L, 3) float Cα coordinates in Å, L ≥ 1.
    max_iterations
        Iterations per seed (20 in TMscore).

    Returns
    -------
    float
        TM-score in (0, 1].
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2 or x.shape[1] != 3 or len(x) == 0:
        raise ValueError(f"matched traces must both be (L, 3) with L >= 1, got {x.shape} and {y.shape}")
    length = len(y)
    tm_sum, _, _ = search_scores(x, y, d0_final(length), (d0_search_final(length),), 0, GDT_CUTOFFS, max_iterations)
    return tm_sum / length


def _search(
    x: np.ndarray, y: np.ndarray, reference_length: int, model_length: int, max_iterations: int
) -> tuple[float, np.ndarray, float]:
    """(TM-score, GDT counts, RMSD) of :func:`tm_gdt_search`, the RMSD from the search's first fit."""
    d0 = d0_final(reference_length)
    searches = (d0_search_final(reference_length), search_parameters(model_length, reference_length))
    gdt_search = 0 if searches[0] == searches[1] else 1
    if gdt_search == 0:
        searches = searches[:1]
    tm_sum, counts, rmsd = search_scores(x, y, d0, searches, gdt_search, GDT_CUTOFFS, max_iterations)
    return tm_sum / reference_length, counts, rmsd


def score_matched(
    model_ca: np.ndarray,
    reference_ca: np.ndarray,
    model_index: np.ndarray,
    reference_index: np.ndarray,
    max_iterations: int = MAX_ITERATIONS,
) -> PairScores:
    """All scores of a model against a reference given matched residue indices.

    Parameters
    ----------
    model_ca
        (N_model, 3) model Cα coordinates, Å.
    reference_ca
        (N_ref, 3) observed reference Cα coordinates, Å; TM-score and GDT are normalised by N_ref.
    model_index, reference_index
        (K,) matched positions (K ≥ 1).
    """
    x = np.asarray(model_ca, dtype=np.float64)[model_index]
    y = np.asarray(reference_ca, dtype=np.float64)[reference_index]
    n_ref = len(reference_ca)
    tm, counts, rmsd = _search(x, y, n_ref, len(model_ca), max_iterations)
    placed = np.full((n_ref, 3), np.nan)
    placed[reference_index] = x
    return PairScores(
        n_matched=len(x),
        rmsd=rmsd,
        tm=tm,
        gdt_ts=float(counts[1:].sum()) / (4 * n_ref),
        gdt_ha=float(counts[:4].sum()) / (4 * n_ref),
        lddt=lddt_ca(placed, reference_ca),
    )
