"""The TM-score program's superposition search, vectorised over every seed at once.

The search (Zhang & Skolnick, Proteins 57:702, 2004; the ``TMscore8_search`` routine of the
Zhang-lab TMscore/US-align programs) superposes contiguous fragments of the matched pairs of
lengths ``L, L/2, L/4, …`` (at least 4, six lengths at most) at every start position, then
iterates: select the pairs closer than a cut-off, superpose on them, re-select, until the selection
repeats or 20 iterations pass. Every superposition it visits is scored and the best score is kept.

Here all seeds of one pair run together: each step is one batched Kabsch over an (S, N) mask
matrix, and seeds whose selections coincide are merged (their futures are identical), which keeps
the batch small after the first iterations.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from protein_rgdm.evaluate.superpose import PairMoments, kabsch_fragments, kabsch_masks, squared_deviations

__all__ = [
    "MAX_ITERATIONS",
    "seed_lengths",
    "d0_final",
    "d0_search_final",
    "search_parameters",
    "visited_deviations",
]

#: Iterations of the select-superpose loop per seed (``n_it`` of TMscore).
MAX_ITERATIONS = 20
#: Largest (seeds x pairs) block processed at once, bounding memory (~16 MB of float64).
_BLOCK = 2_000_000


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
        starts.append(np.arange(n_pairs - length + 1))
        lengths.append(np.full(n_pairs - length + 1, length))
    return np.concatenate(starts), np.concatenate(lengths)


def _select(d2: np.ndarray, cutoff: float) -> np.ndarray:
    """Pairs closer than ``cutoff`` (Å); rows with fewer than 3 get the cut-off raised in 0.5 Å steps."""
    sel = d2 < cutoff * cutoff
    n_pairs = d2.shape[1]
    if n_pairs <= 3:
        return sel
    short = np.flatnonzero(sel.sum(axis=1) < 3)
    if len(short):
        third = np.sqrt(np.partition(d2[short], 2, axis=1)[:, 2])
        inc = np.maximum(1, np.floor((third - cutoff) / 0.5).astype(np.int64) + 1)
        relaxed = cutoff + 0.5 * inc
        part = d2[short] < (relaxed * relaxed)[:, None]
        # Guard against rounding at the boundary: keep raising until three pairs are in.
        while True:
            lacking = part.sum(axis=1) < 3
            if not lacking.any():
                break
            relaxed[lacking] += 0.5
            part[lacking] = d2[short[lacking]] < (relaxed[lacking] ** 2)[:, None]
        sel[short] = part
    return sel


_HASH_MULT = np.random.default_rng(20240607).integers(1, 2**63, size=(4096, 2), dtype=np.uint64) | np.uint64(1)


def _row_keys(masks: np.ndarray) -> np.ndarray:
    """(S,) uint64 keys of the selection rows (two independent multiplicative hashes mixed)."""
    packed = np.packbits(masks, axis=1)
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    words = packed.view(np.uint64)
    mult = _HASH_MULT[: words.shape[1]]
    with np.errstate(over="ignore"):
        h1 = (words * mult[:, 0]).sum(axis=1, dtype=np.uint64)
        h2 = (words * mult[:, 1]).sum(axis=1, dtype=np.uint64)
        return h1 ^ ((h2 << np.uint64(29)) | (h2 >> np.uint64(35)))


def _iterate(
    moments: PairMoments, seed_d2: np.ndarray, d0_search: float, max_iterations: int
) -> Iterator[np.ndarray]:
    """The select–superpose iterations started from every seed superposition (see module doc).

    A selection already superposed earlier in this search is dropped: all seeds advance in
    lockstep, so the earlier visit had at least as many iterations left and covered everything
    this one would visit. Selections are compared by 64-bit hashes of their bits.
    """
    current = _select(seed_d2, d0_search - 1.0)
    keys = _row_keys(current)
    keys, first = np.unique(keys, return_index=True)
    current = current[first]
    seen = keys
    for _ in range(max_iterations):
        if not len(current):
            return
        rot, trans = kabsch_masks(moments, current)
        d2 = squared_deviations(moments, rot, trans)
        yield d2
        new = _select(d2, d0_search + 1.0)
        keys, first = np.unique(_row_keys(new), return_index=True)
        fresh = ~np.isin(keys, seen, assume_unique=True)
        current = new[first[fresh]]
        seen = np.union1d(seen, keys[fresh])


def visited_deviations(
    moments: PairMoments, d0_searches: tuple[float, ...], max_iterations: int = MAX_ITERATIONS
) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """Every superposition TMscore's search visits, as squared deviations of all matched pairs.

    Parameters
    ----------
    moments
        The matched pair (N pairs).
    d0_searches
        One selection cut-off base (Å) per search to run; the searches share their seeds and
        differ in the iterations: seeds select pairs within ``d0_search − 1``, iterations within
        ``d0_search + 1``.
    max_iterations
        Select-superpose iterations per seed.

    Yields
    ------
    searches
        Indices into ``d0_searches`` of the searches that visit these superpositions.
    d2
        (S, N) float64 squared distances (Å²) after each visited superposition. The union of all
        rows yielded for one search is the set of superpositions TMscore scores in it.
    """
    n = moments.n
    if n == 0:
        return
    starts, lengths = _seeds(n)
    step = max(1, _BLOCK // n)
    every = tuple(range(len(d0_searches)))
    for lo in range(0, len(starts), step):
        rot, trans = kabsch_fragments(moments, starts[lo : lo + step], lengths[lo : lo + step])
        seed_d2 = squared_deviations(moments, rot, trans)
        yield every, seed_d2
        for k, d0_search in enumerate(d0_searches):
            for d2 in _iterate(moments, seed_d2, d0_search, max_iterations):
                yield (k,), d2
