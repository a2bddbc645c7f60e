"""Align two protein sequences (Gotoh, BLOSUM62, free end gaps), with residue numbering as a tie-break.

The project's one sequence alignment. Its users differ only in the gap costs:

* ``evaluate``'s model ↔ reference matching (:mod:`protein_rgdm.evaluate.matching`) uses
  ``TMscore -seq``'s: BLOSUM62, a gap of k residues costs 11 + (k − 1), end gaps are free
  (:data:`GAP_OPEN`, :data:`GAP_EXTEND`, the defaults);
* the observed-residue ↔ seqres mapping (:func:`protein_rgdm.structure.seqres_map.map_to_seqres`) uses
  10 + (k − 1).

Where one sequence lacks residues, several alignments often share the best score: a missing loop
whose first residue equals the residue after it can be placed one position earlier or later
(``…GSGSG…`` missing ``SG`` has four placements). The placements pair different residues (for the
evaluator: different Cα atoms, so TM-score and RMSD depend on the choice).

The author numbering says where the residues are missing: it jumps there. This module maximises,
in this order,

1. the alignment score (with the TMscore costs exactly the score ``TMscore -seq`` maximises, so the
   matched set is always one of its optimal alignments);
2. the number of *agreements*: consecutive matched pairs (i', j'), (i, j) — residues of only one
   sequence skipped between them — whose numbers step alike: Δ model number = Δ reference number.
   Inside a run of consecutive numbers both steps are 1; across a gap, the number of skipped
   residues must equal the jump in the other structure's numbering (residues missing from it);
3. remaining ties: gaps as far towards the C terminus as possible (the preference of the Gotoh
   traceback in US-align's ``NWalign.h``: gap before match, extension before opening; alone it
   finds the numbered placement for 76 of 84 EigenFold references with internal gaps, biotite's
   ``align_optimal`` for 71), the alignment ending as early as possible (long free trailing gaps).

Where the numbering cannot confirm a placement (no numbers given, numbers running on across a gap,
insertion codes repeating a number, negative steps) no alignment earns an agreement there, and the
alignment score and rule 3 decide.

One integer dynamic programme does all three: each cell holds ``score * K + agreements`` with
K = N + 1 larger than any agreement count, so one maximum is the lexicographic one. It is a
three-state Gotoh recursion (match, model residue skipped, reference residue skipped), compiled
with numba (``cache=True``); a gap whose length the numbering confirms is one extra transition
from the match before it (found by binary search on the numbers, which must be strictly
increasing for that: insertion codes repeat a number).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

__all__ = ["GAP_OPEN", "GAP_EXTEND", "align_residues", "alignment_score"]

#: Score of a gap's first residue and of each further residue (TMscore -seq's BLOSUM62 setting).
GAP_OPEN, GAP_EXTEND = -11, -1


@functools.lru_cache(maxsize=1)
def _blosum62() -> tuple[np.ndarray, np.ndarray]:
    """(256,) uint8 letter → matrix index, (K, K) int64 BLOSUM62 scores."""
    from biotite.sequence import align

    matrix = align.SubstitutionMatrix.std_protein_matrix()
    alphabet = matrix.get_alphabet1()
    lookup = np.full(256, alphabet.encode("X"), dtype=np.uint8)
    for letter in alphabet.get_symbols():
        lookup[ord(letter)] = alphabet.encode(letter)
    return lookup, matrix.score_matrix().astype(np.int64)


def _codes(seq: str) -> np.ndarray:
    lookup, _ = _blosum62()
    return lookup[np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)]


def alignment_score(
    model_seq: str,
    ref_seq: str,
    model_index: np.ndarray,
    ref_index: np.ndarray,
    *,
    gap_open: int = GAP_OPEN,
    gap_extend: int = GAP_EXTEND,
) -> int:
    """Score of a matching: pairs' BLOSUM62 plus internal gap scores, end gaps free (``TMscore -seq``'s by default)."""
    _, matrix = _blosum62()
    i, j = np.asarray(model_index), np.asarray(ref_index)
    score = int(matrix[_codes(model_seq)[i], _codes(ref_seq)[j]].sum())
    for steps in (np.diff(i) - 1, np.diff(j) - 1):
        gaps = steps[steps > 0]
        score += int(len(gaps) * gap_open + (gaps - 1).sum() * gap_extend)
    return score


def align_residues(
    model_seq: str,
    ref_seq: str,
    model_numbers: np.ndarray | None = None,
    ref_numbers: np.ndarray | None = None,
    *,
    gap_open: int = GAP_OPEN,
    gap_extend: int = GAP_EXTEND,
) -> tuple[np.ndarray, np.ndarray]:
    """Matched (model, reference) positions of the best alignment, numbering as tie-break (module doc).

    Parameters
    ----------
    model_seq, ref_seq
        Upper-case one-letter sequences, lengths L and N (other characters score as ``X``).
    model_numbers, ref_numbers
        (L,) and (N,) int residue numbers; None (either) leaves only rules 1 and 3.
    gap_open, gap_extend
        Score (≤ 0) of a gap's first residue and of each further one; end gaps are free.

    Returns
    -------
    (model_index, ref_index)
        (K,) int64 each, both strictly increasing.
    """
    L, N = len(model_seq), len(ref_seq)
    if L == 0 or N == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if model_numbers is not None and len(model_numbers) != L or ref_numbers is not None and len(ref_numbers) != N:
        raise ValueError("residue numbers must have one entry per residue")
    _, matrix = _blosum62()
    K = N + 1  # more than the largest agreement count (N - 1)
    use = model_numbers is not None and ref_numbers is not None
    num_m = np.asarray(model_numbers if use else np.arange(L), dtype=np.int64)
    num_r = np.asarray(ref_numbers if use else np.arange(N), dtype=np.int64)
    # a number → position lookup (binary search) needs strictly increasing numbers (no insertion-code repeats)
    lookup_m = use and bool(np.all(np.diff(num_m) > 0))
    lookup_r = use and bool(np.all(np.diff(num_r) > 0))
    codes_m, codes_r = _codes(model_seq).astype(np.int64), _codes(ref_seq).astype(np.int64)
    return _gotoh(codes_m, codes_r, matrix * K, num_m, num_r, use, lookup_m, lookup_r, gap_open * K, gap_extend * K)


@njit(cache=True)
def _skip_origin(numbers, pos, step):  # pragma: no cover - compiled
    """Position k ≤ pos - 2 with numbers[k] = numbers[pos] - step (strictly increasing numbers), else -1."""
    if step < 2:
        return -1
    target = numbers[pos] - step
    k = np.searchsorted(numbers, target)
    if k < pos - 1 and numbers[k] == target:
        return k
    return -1


@njit(cache=True)
def _gotoh(codes_m, codes_r, scores, num_m, num_r, use_numbers, lookup_m, lookup_r, go, ge):  # pragma: no cover
    """Lexicographic Gotoh DP and traceback (compiled).

    ``codes_m`` (L,), ``codes_r`` (N,) matrix indices; ``scores`` the scaled substitution matrix;
    ``num_m`` (L,), ``num_r`` (N,) residue numbers; ``go``/``ge`` scaled gap costs (all int64).
    Match predecessors: 0 begin, 1 match, 2 model skip, 3 reference skip, 4 / 5 a match before
    model / reference residues skipped exactly as the numbering says (an agreement across a gap).
    """
    L, N = len(codes_m), len(codes_r)
    neg = -(1 << 60)
    begin, s_m, s_x, s_y, jump_x, jump_y = 0, 1, 2, 3, 4, 5
    ptr = np.zeros((3, L + 1, N + 1), dtype=np.int8)  # predecessor state of M, X, Y
    mm = np.full((L + 1, N + 1), neg, dtype=np.int64)  # all match values: a gap may close on any earlier match
    x_prev = np.full(N + 1, neg, dtype=np.int64)
    y_prev = np.full(N + 1, neg, dtype=np.int64)
    x_row = np.full(N + 1, neg, dtype=np.int64)
    y_row = np.full(N + 1, neg, dtype=np.int64)
    best, end_i, end_j, end_s = neg, 0, 0, 0
    for i in range(1, L + 1):
        for j in range(1, N + 1):
            # match (i, j); equal values go to the later candidate
            v, p = neg, begin
            if i == 1 or j == 1:
                v = 0
            c = mm[i - 1, j - 1]
            if use_numbers and i >= 2 and j >= 2 and num_m[i - 1] - num_m[i - 2] == num_r[j - 1] - num_r[j - 2]:
                c += 1  # consecutive in both, numbers stepping alike
            if c >= v:
                v, p = c, s_m
            if x_prev[j - 1] >= v:
                v, p = x_prev[j - 1], s_x
            if y_prev[j - 1] >= v:
                v, p = y_prev[j - 1], s_y
            if lookup_m and j >= 2:  # model residues skipped between reference residues j-1, j as numbered
                k = _skip_origin(num_m, i - 1, num_r[j - 1] - num_r[j - 2])
                if k >= 0:
                    c = mm[k + 1, j - 1] + go + ge * (i - k - 3) + 1
                    if c >= v:
                        v, p = c, jump_x
            if lookup_r and i >= 2:  # reference residues skipped between model residues i-1, i as numbered
                k = _skip_origin(num_r, j - 1, num_m[i - 1] - num_m[i - 2])
                if k >= 0:
                    c = mm[i - 1, k + 1] + go + ge * (j - k - 3) + 1
                    if c >= v:
                        v, p = c, jump_y
            mm[i, j] = v + scores[codes_m[i - 1], codes_r[j - 1]]
            ptr[0, i, j] = p
            # model residue i skipped after (i-1, j)
            v, p = (go, begin) if i == 1 else (neg, begin)
            if mm[i - 1, j] + go >= v:
                v, p = mm[i - 1, j] + go, s_m
            if y_prev[j] + go >= v:
                v, p = y_prev[j] + go, s_y
            if x_prev[j] + ge >= v:
                v, p = x_prev[j] + ge, s_x
            x_row[j] = v
            ptr[1, i, j] = p
            # reference residue j skipped after (i, j-1)
            v, p = (go, begin) if j == 1 else (neg, begin)
            if mm[i, j - 1] + go >= v:
                v, p = mm[i, j - 1] + go, s_m
            if x_row[j - 1] + go >= v:
                v, p = x_row[j - 1] + go, s_x
            if y_row[j - 1] + ge >= v:
                v, p = y_row[j - 1] + ge, s_y
            y_row[j] = v
            ptr[2, i, j] = p
        # free trailing gaps: the alignment may end on the last column (any i) or the last row (any j)
        for s, val in ((s_y, y_row[N]), (s_x, x_row[N]), (s_m, mm[i, N])):
            if val > best:
                best, end_i, end_j, end_s = val, i, N, s
        x_prev, x_row = x_row, x_prev
        y_prev, y_row = y_row, y_prev
    for j in range(1, N):  # last row, j < N (x_prev, y_prev now hold row L)
        for s, val in ((s_y, y_prev[j]), (s_x, x_prev[j]), (s_m, mm[L, j])):
            if val > best:
                best, end_i, end_j, end_s = val, L, j, s
    mi = np.empty(min(L, N), dtype=np.int64)
    rj = np.empty(min(L, N), dtype=np.int64)
    k, i, j, s = 0, end_i, end_j, end_s
    while s != begin and i > 0 and j > 0:
        nxt = ptr[s - 1, i, j]
        if s == s_m:
            mi[k], rj[k] = i - 1, j - 1
            k += 1
            if nxt == jump_x:
                i, j, nxt = _skip_origin(num_m, i - 1, num_r[j - 1] - num_r[j - 2]) + 1, j - 1, s_m
            elif nxt == jump_y:
                i, j, nxt = i - 1, _skip_origin(num_r, j - 1, num_m[i - 1] - num_m[i - 2]) + 1, s_m
            else:
                i, j = i - 1, j - 1
        elif s == s_x:
            i -= 1
        else:
            j -= 1
        s = nxt
    return mi[:k][::-1].copy(), rj[:k][::-1].copy()
