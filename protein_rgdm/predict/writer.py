"""Write predicted Cα traces as PDB / mmCIF files (biotite), one chain ``A`` numbered 1..L.

A predicted structure has exactly one Cα per residue of its sequence, so it needs none of the
observed-mask bookkeeping of ``structure``'s reference readers; this is the small writer for it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from protein_rgdm.fileio import atomic_path

__all__ = ["ca_atoms", "write_ca_pdb", "write_ca_cif", "ONE_TO_THREE"]

#: One-letter to three-letter residue names of the 20 standard amino acids.
ONE_TO_THREE: dict[str, str] = {
    "A": "ALA", "C": "CYS", "D": "ASP", "E": "GLU", "F": "PHE", "G": "GLY", "H": "HIS", "I": "ILE",
    "K": "LYS", "L": "LEU", "M": "MET", "N": "ASN", "P": "PRO", "Q": "GLN", "R": "ARG", "S": "SER",
    "T": "THR", "V": "VAL", "W": "TRP", "Y": "TYR",
}  # fmt: skip


def ca_atoms(sequence: str, coords: np.ndarray):
    """A biotite ``AtomArray`` (or ``AtomArrayStack`` for a trajectory) of Cα atoms.

    Parameters
    ----------
    sequence
        One-letter sequence of length L (unknown letters become ``UNK``).
    coords
        (L, 3) or (T, L, 3) float coordinates in Å.
    """
    import biotite.structure as struc

    coords = np.asarray(coords, dtype=np.float32)
    L = len(sequence)
    if coords.shape[-2:] != (L, 3):
        raise ValueError(f"coords shape {coords.shape} does not match sequence length {L}")
    stack = coords.ndim == 3
    atoms = struc.AtomArrayStack(coords.shape[0], L) if stack else struc.AtomArray(L)
    atoms.coord = coords
    atoms.chain_id[:] = "A"
    atoms.res_id[:] = np.arange(1, L + 1)
    atoms.res_name[:] = [ONE_TO_THREE.get(a, "UNK") for a in sequence]
    atoms.atom_name[:] = "CA"
    atoms.element[:] = "C"
    atoms.hetero[:] = False
    return atoms


def write_ca_pdb(path: str | Path, sequence: str, coords: np.ndarray) -> None:
    """Write a Cα-only PDB file atomically; ``coords`` (T, L, 3) writes T models."""
    from biotite.structure.io.pdb import PDBFile

    pdb = PDBFile()
    pdb.set_structure(ca_atoms(sequence, coords))
    with atomic_path(path) as tmp:
        pdb.write(str(tmp))


def write_ca_cif(path: str | Path, sequence: str, coords: np.ndarray, *, name: str = "prediction") -> None:
    """Write a Cα-only mmCIF file atomically (data block ``name``)."""
    from biotite.structure.io import pdbx

    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, ca_atoms(sequence, coords), data_block=name)
    with atomic_path(path) as tmp:
        cif.write(str(tmp))
