"""Reference-free ranking of the samples of one sequence: sample-ensemble consistency.

The ranking score of sample i is its mean TM-score to the other samples of the same sequence,
``s_i = 1/(N-1) Σ_{j≠i} TM(x_i, x_j)``. A sample near the centre of the ensemble (the mode the
model returns to most often) scores high; an outlier scores low. It uses nothing but the
model's own samples, so it is a prediction-time ranking, never an oracle. With one sample the
score is undefined (NaN) and the rank is 1.

With two samples both scores are the same number, TM(x_1, x_2) (the pair TM-score is symmetrised),
so the ranking cannot separate them; more generally any samples whose scores are equal are not
ranked by the score. Such ranks keep sample order (deterministic) and :func:`tied_ranks` marks
them, so that the outputs say the order is uninformative instead of implying a preference.

TM-score here compares two traces of the same sequence (residue i ↔ residue i), normalised by
L, with the TM-score program's superposition search: seeds from fragments of length L, L/2,
L/4, ... (≥ 4 residues), each refined by re-superposing on the residues closer than
``d0_search``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ensemble_consistency", "rank_descending", "tied_ranks", "tm_score_aligned"]


def _d0(length: int) -> float:
    """TM-score distance scale d0(L) in Å (Zhang & Skolnick 2004), at least 0.5 Å."""
    return max(1.24 * np.cbrt(max(length - 15, 0)) - 1.8, 0.5) if length > 15 else 0.5


def _kabsch(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation R and translation t minimising |a R + t - b|; a, b (n, 3)."""
    ca, cb = a.mean(0), b.mean(0)
    h = (a - ca).T @ (b - cb)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u @ vt))
    r = u @ np.diag([1.0, 1.0, d]) @ vt
    return r, cb - ca @ r


def tm_score_aligned(x: np.ndarray, y: np.ndarray, *, max_iter: int = 20) -> float:
    """TM-score of trace ``x`` against ``y`` with residue i matched to residue i.

    Parameters
    ----------
    x, y
        (L, 3) float Cα coordinates in Å, same L.
    max_iter
        Refinement iterations per seed fragment.

    Returns
    -------
    float
        TM-score in (0, 1], normalised by L.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    L = len(x)
    if L < 3:
        raise ValueError(f"TM-score needs at least 3 residues, got {L}")
    d0 = _d0(L)
    d0_search = float(np.clip(d0, 4.5, 8.0))
    best = 0.0
    frag = L
    while True:
        step = max(frag // 2, 1)
        starts = range(0, L - frag + 1, step)
        for s in starts:
            sel = np.zeros(L, dtype=bool)
            sel[s : s + frag] = True
            previous = None
            for _ in range(max_iter):
                r, t = _kabsch(x[sel], y[sel])
                dist = np.linalg.norm(x @ r + t - y, axis=1)
                best = max(best, float(np.mean(1.0 / (1.0 + (dist / d0) ** 2))))
                cut = d0_search
                new = dist < cut
                while new.sum() < 3:
                    cut += 0.5
                    new = dist < cut
                if previous is not None and np.array_equal(new, previous):
                    break
                previous, sel = new, new
        if frag <= 4:
            break
        frag = max(frag // 2, 4)
    return best


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
            # The TM-score search is asymmetric only through the seeds; average both directions.
            tm[i, j] = tm[j, i] = 0.5 * (
                tm_score_aligned(samples[i], samples[j]) + tm_score_aligned(samples[j], samples[i])
            )
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
