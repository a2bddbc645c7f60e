"""Map observed residues onto seqres: author numbering when it is consistent, else sequence alignment."""

from __future__ import annotations

import dataclasses

import numpy as np

from protein_rgdm.structure.seqalign import align_residues

__all__ = ["SeqresMapping", "map_to_seqres"]

_ALPHABET = set("ACDEFGHIKLMNPQRSTVWYBZXUO")


@dataclasses.dataclass(frozen=True)
class SeqresMapping:
    """Where each observed residue sits in seqres.

    Attributes
    ----------
    index
        (N,) int64 seqres position (0-based) of each observed residue, -1 when it aligns to no
        seqres position; strictly increasing over the mapped residues.
    method
        ``"identical"`` (observed == seqres), ``"substring"`` (contiguous exact match),
        ``"numbering"`` (seqres index = residue number + constant offset, letters agree) or
        ``"alignment"`` (:func:`.seqalign.align_residues`: BLOSUM62, affine gaps, free end gaps).
    identity
        Fraction of observed residues mapped to an identical seqres letter.
    offset
        The constant ``index - residue_number`` when ``method == "numbering"``, else None.
    """

    index: np.ndarray
    method: str
    identity: float
    offset: int | None = None


def _clean(seq: str) -> str:
    return "".join(c if c in _ALPHABET else "X" for c in seq.upper())


def _identity(observed: str, seqres: str, index: np.ndarray) -> float:
    if len(observed) == 0:
        return 0.0
    ok = index >= 0
    same = sum(observed[i] == seqres[j] for i, j in zip(np.flatnonzero(ok), index[ok]))
    return same / len(observed)


def _numbering(observed: str, seqres: str, numbers: np.ndarray, offset: int) -> np.ndarray | None:
    """Index = number + offset when that is in range, increasing, and every letter agrees (X matches anything)."""
    index = numbers.astype(np.int64) + offset
    if index.min() < 0 or index.max() >= len(seqres) or np.any(np.diff(index) <= 0):
        return None
    for i, j in enumerate(index):
        a, b = observed[i], seqres[j]
        if a != b and a != "X" and b != "X":
            return None
    return index


def map_to_seqres(
    observed: str,
    seqres: str,
    residue_numbers: np.ndarray | None = None,
    *,
    has_insertion_codes: bool = False,
    gap_open: int = -10,
    gap_extend: int = -1,
) -> SeqresMapping:
    """Place N observed residues on the L seqres positions.

    Parameters
    ----------
    observed
        One-letter codes of the observed residues in chain order, length N.
    seqres
        Full one-letter construct sequence, length L.
    residue_numbers
        (N,) author residue numbers; when given (and no insertion codes), a mapping
        ``index = number + offset`` that fits every letter wins over the alignment.
    has_insertion_codes
        Author numbering with insertion codes is not a linear index; skip the numbering path.
    gap_open, gap_extend
        Score of a gap's first residue and of each further one in the alignment (end gaps are
        free); letters outside BLOSUM62's alphabet (U, O) score as X there.
    """
    obs, ref = _clean(observed), _clean(seqres)
    n = len(obs)
    if n == 0:
        return SeqresMapping(np.zeros(0, np.int64), "identical", 0.0)
    if obs == ref:
        return SeqresMapping(np.arange(n, dtype=np.int64), "identical", 1.0)
    numbers = None if residue_numbers is None or has_insertion_codes else np.asarray(residue_numbers)
    pos = ref.find(obs)
    if pos >= 0 and ref.find(obs, pos + 1) < 0:
        index = np.arange(pos, pos + n, dtype=np.int64)
        contiguous = numbers is None or bool(np.all(np.diff(numbers) == 1))
        if contiguous:
            off = None if numbers is None else int(pos - numbers[0])
            return SeqresMapping(index, "substring", 1.0, off)
    index = _align(obs, ref, gap_open, gap_extend)
    if numbers is not None and len(numbers) == n:
        mapped = index >= 0
        if mapped.any():
            # every offset the alignment suggests, most frequent first (a score-only alignment may
            # misplace a gap among repeats; the author numbering settles it when it fits every letter)
            offsets, counts = np.unique(index[mapped] - numbers[mapped], return_counts=True)
            for offset in offsets[np.argsort(-counts, kind="stable")][:8]:
                by_number = _numbering(obs, ref, numbers, int(offset))
                if by_number is not None:
                    return SeqresMapping(by_number, "numbering", _identity(obs, ref, by_number), int(offset))
    return SeqresMapping(index, "alignment", _identity(obs, ref, index))


def _align(obs: str, ref: str, gap_open: int, gap_extend: int) -> np.ndarray:
    """(N,) seqres position of each observed residue by sequence alignment alone, -1 where unaligned."""
    obs_index, ref_index = align_residues(obs, ref, gap_open=gap_open, gap_extend=gap_extend)
    index = np.full(len(obs), -1, dtype=np.int64)
    index[obs_index] = ref_index
    return index
