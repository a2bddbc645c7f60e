"""The parsed-structure value objects shared by the PDB and mmCIF readers."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = ["AtomTable", "ParsedStructure", "residue_starts"]


@dataclasses.dataclass(frozen=True, eq=False)
class AtomTable:
    """Atoms of the first model, first altloc, in file order (N atoms).

    Attributes
    ----------
    chain_id, ins_code, res_name, atom_name
        (N,) ``str`` arrays (author chain id, insertion code or ``""``, residue and atom names).
    res_id
        (N,) int32 author residue numbers.
    coord
        (N, 3) float32 coordinates in Å.
    hetero
        (N,) bool, True for ``HETATM`` records.
    """

    chain_id: np.ndarray
    res_id: np.ndarray
    ins_code: np.ndarray
    res_name: np.ndarray
    atom_name: np.ndarray
    coord: np.ndarray
    hetero: np.ndarray

    def __len__(self) -> int:
        return int(self.res_id.shape[0])

    def select(self, mask: np.ndarray) -> AtomTable:
        """The atoms where ``mask`` (N,) bool is True."""
        return AtomTable(**{f.name: getattr(self, f.name)[mask] for f in dataclasses.fields(self)})


@dataclasses.dataclass(frozen=True, eq=False)
class ParsedStructure:
    """One structure file as read: atoms plus what the header says.

    Attributes
    ----------
    path
        The file read.
    atoms
        First model, first altloc.
    seqres
        Author chain id → full one-letter sequence from ``entity_poly`` / ``SEQRES`` (polypeptides only).
    polymer_types
        Author chain id → polymer type when the file states it (``"polypeptide(L)"``, ``"polydeoxyribonucleotide"``).
    metadata
        ``pdb_id``, ``method`` (lower case), ``resolution`` (Å, float), ``release_date`` and
        ``deposition_date`` (ISO ``YYYY-MM-DD``) where the file has them.
    """

    path: str
    atoms: AtomTable
    seqres: dict[str, str]
    polymer_types: dict[str, str]
    metadata: dict[str, Any]

    @property
    def chain_ids(self) -> list[str]:
        """Author chain ids in order of first appearance among the atoms."""
        _, first = np.unique(self.atoms.chain_id, return_index=True)
        return [str(self.atoms.chain_id[i]) for i in sorted(first)]


def residue_starts(chain_id: np.ndarray, res_id: np.ndarray, ins_code: np.ndarray, res_name: np.ndarray) -> np.ndarray:
    """(N,) bool: True where a new residue starts (any of chain, number, insertion code, name changes)."""
    n = res_id.shape[0]
    start = np.ones(n, dtype=bool)
    if n > 1:
        start[1:] = (
            (chain_id[1:] != chain_id[:-1])
            | (res_id[1:] != res_id[:-1])
            | (ins_code[1:] != ins_code[:-1])
            | (res_name[1:] != res_name[:-1])
        )
    return start
