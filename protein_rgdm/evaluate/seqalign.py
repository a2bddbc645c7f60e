"""Align a model's sequence to a reference's observed residues, with the residue numbering as a tie-break.

``TMscore -seq`` matches residues by a Needleman–Wunsch alignment: BLOSUM62, a gap of k residues
costs 11 + (k − 1), end gaps are free. Where the reference lacks residues, several alignments often
share the best score: a missing loop whose first residue equals the residue after it can be placed
one position earlier or later (``…GSGSG…`` missing ``SG`` has four placements). The placements pair
different Cα atoms, so TM-score and RMSD depend on the choice.

The reference's author numbering says where the residues are missing: it jumps there. This module
maximises, in this order,

1. the alignment score (exactly the score ``TMscore -seq`` maximises, so the matched set is always
   one of its optimal alignments);
2. the number of *agreements*: consecutive reference residues j−1, j, both matched, whose placement
   the numbering confirms — matched to model residues i−1, i whose numbers step like theirs
   (Δ model number = Δ reference number), or separated by skipped model residues where the
   reference numbering jumps (Δ reference number > 1);
3. remaining ties: gaps as far towards the C terminus as possible (the traceback order of the
   TM-score programs' Gotoh code: gap before match, extension before opening).

Where the numbering says nothing (no jump, insertion codes repeating a number, negative steps) no
alignment earns an agreement there, and the alignment score and rule 3 decide.

One integer dynamic programme does all three: each cell holds ``score * K + agreements`` with
K = N + 1 larger than any agreement count, so one maximum is the lexicographic one. It is a
three-state Gotoh recursion, vectorised over the reference positions of a model row (the
horizontal-gap recursion of a row is a running maximum).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["GAP_OPEN", "GAP_EXTEND", "align_residues"]

#: Cost of a gap's first residue and of each further residue (TMscore -seq's BLOSUM62 setting).
GAP_OPEN, GAP_EXTEND = -11, -1
_NEG = -(1 << 60)
# Predecessor codes in the traceback tables.
_BEGIN, _M, _X, _Y = 0, 1, 2, 3


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


def alignment_score(model_seq: str, ref_seq: str, model_index: np.ndarray, ref_index: np.ndarray) -> int:
    """The ``TMscore -seq`` score of a matching (pairs' BLOSUM62 plus internal gap costs; end gaps free)."""
    _, matrix = _blosum62()
    i, j = np.asarray(model_index), np.asarray(ref_index)
    score = int(matrix[_codes(model_seq)[i], _codes(ref_seq)[j]].sum())
    for steps in (np.diff(i) - 1, np.diff(j) - 1):
        gaps = steps[steps > 0]
        score += int(len(gaps) * GAP_OPEN + (gaps - 1).sum() * GAP_EXTEND)
    return score


def _agreement_tables(model_numbers, ref_numbers, L: int, N: int) -> tuple[np.ndarray, np.ndarray]:
    """(L+1, N+1) bonus of a match following a match, (N+1,) bonus of a match following skipped model residues."""
    after_match = np.zeros((L + 1, N + 1), dtype=np.int64)
    after_skip = np.zeros(N + 1, dtype=np.int64)
    if model_numbers is None or ref_numbers is None or L < 2 or N < 2:
        return after_match, after_skip
    dm = np.diff(np.asarray(model_numbers, dtype=np.int64))
    dr = np.diff(np.asarray(ref_numbers, dtype=np.int64))
    after_match[2:, 2:] = dm[:, None] == dr[None, :]
    after_skip[2:] = dr > 1
    return after_match, after_skip


def align_residues(
    model_seq: str,
    ref_seq: str,
    model_numbers: np.ndarray | None = None,
    ref_numbers: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Matched (model, reference) positions of the best alignment, numbering as tie-break (module doc).

    Parameters
    ----------
    model_seq, ref_seq
        One-letter sequences, lengths L and N (letters outside BLOSUM62's alphabet score as ``X``).
    model_numbers, ref_numbers
        (L,) and (N,) int residue numbers; None (either) leaves only rules 1 and 3.

    Returns
    -------
    (model_index, ref_index)
        (K,) int64 each, both strictly increasing.
    """
    L, N = len(model_seq), len(ref_seq)
    empty = np.zeros(0, dtype=np.int64)
    if L == 0 or N == 0:
        return empty, empty
    if model_numbers is not None and len(model_numbers) != L or ref_numbers is not None and len(ref_numbers) != N:
        raise ValueError("residue numbers must have one entry per residue")
    _, matrix = _blosum62()
    K = N + 1
    sub = matrix[_codes(model_seq)[:, None], _codes(ref_seq)[None, :]] * K  # (L, N)
    after_match, after_skip = _agreement_tables(model_numbers, ref_numbers, L, N)
    go, ge = GAP_OPEN * K, GAP_EXTEND * K
    ptr_m = np.zeros((L + 1, N + 1), dtype=np.int8)
    ptr_x = np.zeros((L + 1, N + 1), dtype=np.int8)
    ptr_y = np.zeros((L + 1, N + 1), dtype=np.int8)
    last_col = np.full((L + 1, 3), _NEG, dtype=np.int64)  # M, X, Y at (i, N)
    cols = np.arange(N + 1, dtype=np.int64)
    # Row 0: nothing aligned yet; "begin" (value 0) is available on row 0 and column 0 (free end gaps).
    m = np.full(N + 1, _NEG, dtype=np.int64)
    x = m.copy()
    y = m.copy()
    begin_row0 = np.zeros(N + 1, dtype=np.int64)
    begin_col0 = np.full(N + 1, _NEG, dtype=np.int64)
    begin_col0[0] = 0
    for i in range(1, L + 1):
        begin_prev = begin_row0 if i == 1 else begin_col0
        # M: match (i, j); predecessors at (i-1, j-1), preference Y > X > M > begin on equal values.
        cand = np.stack([begin_prev[:-1], m[:-1] + after_match[i, 1:], x[:-1] + after_skip[1:], y[:-1]])
        pick = 3 - np.argmax(cand[::-1], axis=0)  # last maximum in the order begin, M, X, Y
        new_m = np.empty(N + 1, dtype=np.int64)
        new_m[0] = _NEG
        new_m[1:] = cand[pick, cols[1:] - 1] + sub[i - 1]
        ptr_m[i, 1:] = pick
        # X: model residue i unmatched after (i-1, j); extension X preferred, then opening from Y, M, begin.
        cand = np.stack([begin_prev + go, m + go, y + go, x + ge])
        order = np.array([_BEGIN, _M, _Y, _X], dtype=np.int8)
        pick = 3 - np.argmax(cand[::-1], axis=0)
        new_x = cand[pick, cols]
        new_x[0] = _NEG
        ptr_x[i] = order[pick]
        # Y: reference residue j unmatched after (i, j-1): Y[j] = max(open[j], Y[j-1] + ge), a running maximum.
        begin_here = begin_col0  # (i, 0) is on column 0
        src = np.stack([begin_here, new_m, new_x])
        src_pick = 2 - np.argmax(src[::-1], axis=0)  # X > M > begin on equal values
        opened = np.full(N + 1, _NEG, dtype=np.int64)
        opened[1:] = src[src_pick[:-1], cols[:-1]] + go
        new_y = np.maximum.accumulate(opened - ge * cols) + ge * cols
        new_y[0] = _NEG
        extend = np.zeros(N + 1, dtype=bool)
        extend[2:] = new_y[2:] == new_y[1:-1] + ge
        ptr_y[i, 1:] = np.where(extend[1:], _Y, np.array([_BEGIN, _M, _X], dtype=np.int8)[src_pick[:-1]])
        m, x, y = new_m, new_x, new_y
        last_col[i] = (m[N], x[N], y[N])
    # End anywhere on the last row or column (free trailing gaps); prefer cells near (L, N), state Y > X > M.
    best, end = _NEG, None
    cells = [(i, N, last_col[i]) for i in range(L, 0, -1)] + [(L, j, (m[j], x[j], y[j])) for j in range(N - 1, 0, -1)]
    for i, j, values in cells:
        for state in (_Y, _X, _M):
            if values[state - 1] > best:
                best, end = values[state - 1], (i, j, state)
    return _traceback(end, ptr_m, ptr_x, ptr_y)


def _traceback(end, ptr_m, ptr_x, ptr_y) -> tuple[np.ndarray, np.ndarray]:
    i, j, state = end
    mi, rj = [], []
    while state != _BEGIN and i > 0 and j > 0:
        if state == _M:
            mi.append(i - 1)
            rj.append(j - 1)
            state = int(ptr_m[i, j])
            i, j = i - 1, j - 1
        elif state == _X:
            state = int(ptr_x[i, j])
            i -= 1
        else:
            state = int(ptr_y[i, j])
            j -= 1
    return np.array(mi[::-1], dtype=np.int64), np.array(rj[::-1], dtype=np.int64)
