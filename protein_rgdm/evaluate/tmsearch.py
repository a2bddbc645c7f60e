"""The TM-score program's superposition search, vectorised over every seed at once.

The search (Zhang & Skolnick, Proteins 57:702, 2004; the ``TMscore8_search`` routine of the
Zhang-lab TMscore/US-align programs) superposes contiguous fragments of the matched pairs of
lengths ``L, L/2, L/4, …`` (at least 4, six lengths at most) at every start position, then
iterates: select the pairs closer than a cut-off, superpose on them, re-select, until the selection
repeats or 20 iterations pass. Every superposition it visits is scored and the best score is kept.

The loop itself is compiled (:func:`._kernels.search_kernel`): one seed chain at a time, every
superposition scored on the fly, and a selection already superposed at the same or an earlier
iteration is not followed again (its future is identical), so coinciding seeds cost one chain.
"""

from __future__ import annotations

import functools

import numpy as np

from protein_rgdm.evaluate._kernels import search_kernel

__all__ = [
    "MAX_ITERATIONS",
    "d0_final",
    "d0_search_final",
    "search_parameters",
    "search_scores",
    "seed_lengths",
]

#: Iterations of the select-superpose loop per seed (``n_it`` of TMscore).
MAX_ITERATIONS = 20


def d0_final(length: int) -> float:
    """TM-score distance scale d0 (Å) for normalisation length L: 1.24·∛(L−15) − 1.8, at least 0.5."""
    if length <= 21:
        return 0.5
    return max(0.5, 1.24 * (length - 15.0) ** (1.0 / 3.0) - 1.8)


def _clip_search(d0: float) -> float:
    return min(8.0, max(4.5, d0))


def d0_search_final(length: int) -> float:
    """Selection cut-off base (Å) of the final TM-score search: d0 clipped to [4.5, 8]."""
    return _clip_search(d0_final(length))


def search_parameters(model_length: int, reference_length: int) -> float:
    """d0_search (Å) of TMscore's first, GDT-collecting search (``parameter_set4search``).

    That search uses L = min(model, reference length), d0 = 1.24·∛(L−15) − 1.8 + 0.8 (0.168 + 0.8
    for L ≤ 19), clipped to [4.5, 8].
    """
    length = min(model_length, reference_length)
    d0 = 0.168 if length <= 19 else 1.24 * (length - 15.0) ** (1.0 / 3.0) - 1.8
    return _clip_search(d0 + 0.8)


def seed_lengths(n_pairs: int) -> list[int]:
    """Fragment lengths of the seeds: n, n/2, n/4, … (integer division), floor 4, six at most."""
    floor = min(4, n_pairs)
    lengths: list[int] = []
    for i in range(5):
        length = int(n_pairs / 2.0**i)
        if length <= floor:
            lengths.append(floor)
            return lengths
        lengths.append(length)
    lengths.append(floor)
    return lengths


def _seeds(n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """Start positions and lengths of every seed fragment, in TMscore's order (step 1)."""
    starts, lengths = [], []
    for length in seed_lengths(n_pairs):
        starts.append(np.arange(n_pairs - length + 1, dtype=np.int64))
        lengths.append(np.full(n_pairs - length + 1, length, dtype=np.int64))
    return np.concatenate(starts), np.concatenate(lengths)


@functools.lru_cache(maxsize=16)
def _selection_hashes(n_pairs: int) -> np.ndarray:
    """(2, N) int64 random words; a selection's key is their wrapping sum over its pair indices."""
    rng = np.random.default_rng(20240607)
    info = np.iinfo(np.int64)
    return rng.integers(info.min, info.max, size=(2, n_pairs), dtype=np.int64, endpoint=True)


def search_scores(
    x: np.ndarray,
    y: np.ndarray,
    d0: float,
    d0_searches: tuple[float, ...],
    gdt_search: int,
    gdt_cutoffs: tuple[float, ...],
    max_iterations: int = MAX_ITERATIONS,
) -> tuple[float, np.ndarray, float]:
    """Best TM sum and GDT counts over every superposition TMscore's searches visit, and the RMSD.

    Parameters
    ----------
    x, y
        (N, 3) matched model / reference coordinates, Å.
    d0
        TM-score distance scale (Å).
    d0_searches
        One selection cut-off base (Å) per search; the searches share their seeds and differ in the
        iterations: seeds select pairs within ``d0_search − 1``, iterations within
        ``d0_search + 1``. Search 0 is the one the TM-score is taken from.
    gdt_search
        Index into ``d0_searches`` of the search the GDT counts are taken from.
    gdt_cutoffs
        Five ascending GDT distance cut-offs (Å).
    max_iterations
        Superpositions per seed chain (``n_it`` of TMscore).

    Returns
    -------
    tm_sum
        max over search 0 of Σ 1/(1 + (dᵢ/d0)²) (0 for N = 0).
    gdt_counts
        (5,) int64: the most pairs closer than each cut-off over the GDT search.
    rmsd
        RMSD (Å) after the optimal superposition of all N pairs (NaN for N = 0); the search's
        first seed is that superposition.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(x)
    if n == 0:
        return 0.0, np.zeros(len(gdt_cutoffs), dtype=np.int64), float("nan")
    shift = y.mean(axis=0)  # centre on the reference centroid: smaller moment sums
    starts, lengths = _seeds(n)
    tm_sum, counts, rmsd = search_kernel(
        np.ascontiguousarray(x - shift),
        np.ascontiguousarray(y - shift),
        starts,
        lengths,
        float(d0),
        np.asarray(d0_searches, dtype=np.float64),
        int(gdt_search),
        np.square(np.asarray(gdt_cutoffs, dtype=np.float64)),
        int(max_iterations),
        _selection_hashes(n),
    )
    return float(tm_sum), counts, float(rmsd)
