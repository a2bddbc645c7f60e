"""Which model residue corresponds to which reference residue.

By default residues are matched like ``TMscore -seq``: a Needleman–Wunsch alignment of the model's
sequence to the reference's observed residues with BLOSUM62, gap opening −11, extension −1, and
free end gaps on both sequences; among equally scoring alignments the residue numbers of both
structures decide where a gap goes (:mod:`protein_rgdm.structure.seqalign`). ``numbering`` matches equal residue numbers
(plain ``TMscore``); an explicit list of (model number, reference number) pairs overrides both.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.structure.seqalign import align_residues

__all__ = ["ResidueMatch", "MATCH_METHODS", "match_by_sequence", "match_by_numbering", "match_explicit"]

MATCH_METHODS = ("sequence", "numbering")
_LETTERS = set("ACDEFGHIKLMNPQRSTVWYBZX")


@dataclasses.dataclass(frozen=True)
class ResidueMatch:
    """Matched residue pairs, both index arrays increasing.

    Attributes
    ----------
    model_index, reference_index
        (K,) int64 positions in the model / reference traces.
    identity
        Fraction of matched pairs with the same residue letter (NaN when K = 0).
    method
        ``"sequence"``, ``"numbering"`` or ``"explicit"``.
    """

    model_index: np.ndarray
    reference_index: np.ndarray
    identity: float
    method: str

    def __len__(self) -> int:
        return len(self.model_index)


def _identity(model_seq: str, ref_seq: str, i: np.ndarray, j: np.ndarray) -> float:
    if len(i) == 0:
        return float("nan")
    a = np.frombuffer(model_seq.encode(), dtype=np.uint8)[i]
    b = np.frombuffer(ref_seq.encode(), dtype=np.uint8)[j]
    return float((a == b).mean())


def _clean(seq: str) -> str:
    return "".join(c if c in _LETTERS else "X" for c in seq.upper())


def match_by_sequence(
    model_seq: str, ref_seq: str, model_numbers: np.ndarray | None = None, ref_numbers: np.ndarray | None = None
) -> ResidueMatch:
    """Align the sequences (``TMscore -seq`` rules) and pair the aligned positions.

    Parameters
    ----------
    model_seq, ref_seq
        One-letter sequences, lengths L and N.
    model_numbers, ref_numbers
        (L,) and (N,) int residue numbers, optional: among alignments with the best score, the one
        that agrees most with the numbering is taken (:func:`protein_rgdm.structure.seqalign.align_residues`).
    """
    m, r = _clean(model_seq), _clean(ref_seq)
    if not m or not r:
        return ResidueMatch(np.zeros(0, np.int64), np.zeros(0, np.int64), float("nan"), "sequence")
    start = m.find(r)
    if start >= 0 and m.find(r, start + 1) < 0:  # reference is a unique contiguous piece of the model: the alignment is the identity
        i = np.arange(start, start + len(r), dtype=np.int64)
        j = np.arange(len(r), dtype=np.int64)
    else:
        i, j = align_residues(m, r, model_numbers, ref_numbers)
    return ResidueMatch(i, j, _identity(m, r, i, j), "sequence")


def match_by_numbering(model_numbers: np.ndarray, ref_numbers: np.ndarray, model_seq: str, ref_seq: str) -> ResidueMatch:
    """Pair residues with equal residue numbers (the first occurrence of a repeated number)."""
    ref_pos: dict[int, int] = {}
    for k, n in enumerate(np.asarray(ref_numbers).tolist()):
        ref_pos.setdefault(int(n), k)
    pairs, used = [], set()
    for k, n in enumerate(np.asarray(model_numbers).tolist()):
        j = ref_pos.get(int(n))
        if j is not None and j not in used:
            used.add(j)
            pairs.append((k, j))
    i = np.array([p[0] for p in pairs], dtype=np.int64)
    j = np.array([p[1] for p in pairs], dtype=np.int64)
    if len(j) and np.any(np.diff(j) <= 0):
        raise InputError("residue numbering of model and reference runs in different orders")
    return ResidueMatch(i, j, _identity(_clean(model_seq), _clean(ref_seq), i, j), "numbering")


def match_explicit(
    pairs: list[tuple[int, int]], model_numbers: np.ndarray, ref_numbers: np.ndarray, model_seq: str, ref_seq: str
) -> ResidueMatch:
    """Pair residues from a list of (model residue number, reference residue number).

    Raises :class:`InputError` when a number is absent from its structure.
    """
    mpos = {int(n): k for k, n in reversed(list(enumerate(np.asarray(model_numbers).tolist())))}
    rpos = {int(n): k for k, n in reversed(list(enumerate(np.asarray(ref_numbers).tolist())))}
    i, j = [], []
    for a, b in sorted(pairs, key=lambda p: p[1]):
        if a not in mpos:
            raise InputError(f"mapping names model residue {a}, which has no Cα in the model")
        if b not in rpos:
            raise InputError(f"mapping names reference residue {b}, which has no Cα in the reference")
        i.append(mpos[a])
        j.append(rpos[b])
    ii, jj = np.array(i, dtype=np.int64), np.array(j, dtype=np.int64)
    if len(set(i)) != len(i) or len(set(j)) != len(j):
        raise InputError("mapping pairs a residue more than once")
    return ResidueMatch(ii, jj, _identity(_clean(model_seq), _clean(ref_seq), ii, jj), "explicit")
