"""Write a reverse-diffusion trajectory as one multi-model Cα PDB file (one MODEL per step).

Single predicted structures are written with ``protein_rgdm.structure.write``; this module adds
only what that writer does not do: many models of one chain in one file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from protein_rgdm.fileio import atomic_path
from protein_rgdm.structure.write import ONE_TO_THREE

__all__ = ["write_trajectory_pdb"]


def write_trajectory_pdb(path: str | Path, sequence: str, frames: np.ndarray) -> None:
    """Write ``frames`` (T, L, 3) float Å as T models of chain A, residues 1..L, atomically."""
    import biotite.structure as struc
    from biotite.structure.io.pdb import PDBFile

    frames = np.asarray(frames, dtype=np.float32)
    L = len(sequence)
    if frames.ndim != 3 or frames.shape[1:] != (L, 3):
        raise ValueError(f"trajectory shape {frames.shape} does not match (T, {L}, 3)")
    atoms = struc.AtomArrayStack(frames.shape[0], L)
    atoms.coord = frames
    atoms.chain_id[:] = "A"
    atoms.res_id[:] = np.arange(1, L + 1)
    atoms.res_name[:] = [ONE_TO_THREE.get(a, "UNK") for a in sequence]
    atoms.atom_name[:] = "CA"
    atoms.element[:] = "C"
    atoms.hetero[:] = False
    pdb = PDBFile()
    pdb.set_structure(atoms)
    with atomic_path(path) as tmp:
        pdb.write(str(tmp))
