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


def _kabsch(x: np.ndarray, y: np.ndarray, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per seed s: rotation R_s and translation t_s minimising |x R + t − y| over the residues ``sel[s]``.

    x, y (L, 3); sel (S, L) bool → R (S, 3, 3), t (S, 3).
    """
    w = sel.astype(np.float64)
    n = w.sum(1, keepdims=True)
    cx, cy = (w @ x) / n, (w @ y) / n
    # Σ_l w_l (x_l − c_x)(y_l − c_y)ᵀ = Σ_l w_l x_l y_lᵀ − n c_x c_yᵀ: one matrix product for all seeds
    outer = (x[:, :, None] * y[:, None, :]).reshape(len(x), 9)
    h = (w @ outer).reshape(-1, 3, 3) - n[:, :, None] * cx[:, :, None] * cy[:, None, :]
    u, _, vt = np.linalg.svd(h)
    u[:, :, 2] *= np.sign(np.linalg.det(u @ vt))[:, None]  # u diag(1, 1, d): a rotation, not a reflection
    r = u @ vt
    return r, cy - np.einsum("si,sij->sj", cx, r)


def _seeds(L: int) -> np.ndarray:
    """(S, L) bool: the TM-score program's seed fragments of length L, L/2, L/4, ... (≥ 4), half-overlapping."""
    seeds = []
    frag = L
    while True:
        for s in range(0, L - frag + 1, max(frag // 2, 1)):
            sel = np.zeros(L, dtype=bool)
            sel[s : s + frag] = True
            seeds.append(sel)
        if frag <= 4:
            break
        frag = max(frag // 2, 4)
    return np.array(seeds)


def tm_score_aligned(x: np.ndarray, y: np.ndarray, *, max_iter: int = 20) -> float:
    """TM-score of trace ``x`` against ``y`` with residue i matched to residue i.

    All seeds are refined together (one batched superposition per iteration); a seed stops when its
    residue selection no longer changes.

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
    sel = _seeds(L)
    live = np.arange(len(sel))
    best = 0.0
    for it in range(max_iter):
        r, t = _kabsch(x, y, sel[live])
        dist = np.sqrt((((x @ r) + t[:, None] - y) ** 2).sum(-1))  # (S, L) Å
        best = max(best, float(np.mean(1.0 / (1.0 + (dist / d0) ** 2), axis=1).max()))
        cut = np.full(len(live), d0_search)
        new = dist < cut[:, None]
        while (few := new.sum(1) < 3).any():
            cut[few] += 0.5
            new[few] = dist[few] < cut[few, None]
        moved = np.ones(len(live), dtype=bool) if it == 0 else (new != sel[live]).any(1)
        sel[live] = new
        live = live[moved]
        if not len(live):
            break
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
