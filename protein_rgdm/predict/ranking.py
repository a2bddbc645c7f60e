"""Reference-free ranking of the samples of one sequence: sample-ensemble consistency.

The ranking score of sample i is its mean TM-score to the other samples of the same sequence,
``s_i = 1/(N-1) Σ_{j≠i} TM(x_i, x_j)``. A sample near the centre of the ensemble (the mode the
model returns to most often) scores high; an outlier scores low. It uses nothing but the
model's own samples, so it is a prediction-time ranking, never an oracle. With one sample the
score is undefined (NaN) and the rank is 1.

With two samples both scores are the same number, TM(x_1, x_2) (the pair TM-score is symmetric),
so the ranking cannot separate them; more generally any samples whose scores are equal are not
ranked by the score. Such ranks keep sample order (deterministic) and :func:`tied_ranks` marks
them, so that the outputs say the order is uninformative instead of implying a preference.

TM-score here compares two traces of the same sequence (residue i ↔ residue i), normalised by
L: :func:`protein_rgdm.evaluate.metrics.tm_score`, the evaluator's TM-score search (the one tested
against the TM-score program), so a sample pair gets the number ``TMscore`` would give it. That
search is symmetric, so each pair is scored once.
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.evaluate.metrics import tm_score

__all__ = ["ensemble_consistency", "rank_descending", "tied_ranks"]


def ensemble_consistency(samples: np.ndarray) -> np.ndarray:
    """Mean TM-score of each sample to the others.

    Parameters
    ----------
    samples
        (N, L, 3) float coordinates in Å of N samples of one sequence.

    Returns
    -------
    numpy.ndarray
        (N,) float64 scores in (0, 1]; all NaN when N == 1.
    """
    n = len(samples)
    if n < 2:
        return np.full(n, np.nan)
    tm = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            tm[i, j] = tm[j, i] = tm_score(samples[i], samples[j])
    return (tm.sum(1) - 1.0) / (n - 1)


def rank_descending(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, highest score first; ties and NaN keep sample order (NaN ranks last)."""
    scores = np.asarray(scores, dtype=np.float64)
    key = np.where(np.isnan(scores), -np.inf, scores)
    order = np.lexsort((np.arange(len(key)), -key))
    ranks = np.empty(len(key), dtype=np.int64)
    ranks[order] = np.arange(1, len(key) + 1)
    return ranks


def tied_ranks(scores: np.ndarray) -> np.ndarray:
    """(N,) bool: True where a sample's score equals another sample's, so that its rank (from
    :func:`rank_descending`) only reflects sample order. NaN scores (one sample, or too short to
    score) are undefined rather than tied: False.
    """
    scores = np.asarray(scores, dtype=np.float64)
    same = scores[:, None] == scores[None, :]  # NaN compares False
    np.fill_diagonal(same, False)
    return same.any(axis=1)
