"""Write Cα traces (optionally with N, C, O) as PDB or mmCIF, atomically, with the sequence in SEQRES / entity_poly."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_write_text

__all__ = ["MAIN_CHAIN", "ONE_TO_THREE", "write_ca_cif", "write_ca_pdb", "write_ca_structure"]

ONE_TO_THREE = {
    "A": "ALA", "R": "ARG", "N": "ASN", "D": "ASP", "C": "CYS", "Q": "GLN", "E": "GLU", "G": "GLY",
    "H": "HIS", "I": "ILE", "L": "LEU", "K": "LYS", "M": "MET", "F": "PHE", "P": "PRO", "S": "SER",
    "T": "THR", "W": "TRP", "Y": "TYR", "V": "VAL", "U": "SEC", "O": "PYL", "B": "ASX", "Z": "GLX",
}  # fmt: skip
# Any other letter (X, J) is written as UNK.

#: Main-chain atom names in the order they are written per residue.
MAIN_CHAIN = ("N", "CA", "C", "O")


def _atom_array(
    ca: np.ndarray,
    seqres: str,
    chain_id: str,
    observed: np.ndarray | None,
    b_factors: np.ndarray | None,
    backbone: Mapping[str, np.ndarray] | None = None,
    residue_numbers: np.ndarray | None = None,
):
    """(AtomArray of the observed residues: Cα, or N, CA, C, O with ``backbone``; (n_atoms,) seqres index of each)."""
    import biotite.structure as struc

    ca = np.asarray(ca, dtype=np.float64)
    L = len(seqres)
    if ca.shape != (L, 3):
        raise InputError(f"ca has shape {ca.shape}, expected ({L}, 3) for a seqres of length {L}")
    mask = np.isfinite(ca).all(axis=1) if observed is None else np.asarray(observed, bool) & np.isfinite(ca).all(axis=1)
    if np.abs(ca[mask]).max(initial=0.0) >= 10000:
        raise InputError("Cα coordinates beyond ±9999 Å cannot be written")
    idx = np.flatnonzero(mask)
    coords = {"CA": ca}
    if backbone is not None:
        coords = {name: np.asarray(backbone[name], dtype=np.float64) if name != "CA" else ca for name in MAIN_CHAIN}
        for name, arr in coords.items():
            if arr.shape != (L, 3):
                raise InputError(f"backbone atom {name} has shape {arr.shape}, expected ({L}, 3)")
    names = list(coords)
    # residue-major order (N, CA, C, O of residue 1, then residue 2, ...); atoms with NaN are left out
    xyz = np.stack([coords[a][idx] for a in names], axis=1).reshape(-1, 3)
    res = np.repeat(idx, len(names))
    atom_name = np.tile(names, len(idx))
    keep = np.isfinite(xyz).all(axis=1)
    xyz, res, atom_name = xyz[keep], res[keep], atom_name[keep]
    atoms = struc.AtomArray(len(res))
    atoms.coord = xyz
    atoms.chain_id[:] = chain_id
    atoms.res_id = res + 1 if residue_numbers is None else np.asarray(residue_numbers, dtype=int)[res]
    atoms.res_name = np.array([ONE_TO_THREE.get(seqres[i].upper(), "UNK") for i in res])
    atoms.atom_name = atom_name
    atoms.element = np.array([name[0] for name in atom_name])
    atoms.hetero[:] = False
    b = np.zeros(L) if b_factors is None else np.asarray(b_factors, float)
    atoms.add_annotation("b_factor", dtype=float)
    atoms.b_factor = b[res]
    atoms.add_annotation("occupancy", dtype=float)
    atoms.occupancy[:] = 1.0
    return atoms, res


def write_ca_pdb(
    path: str | Path,
    ca: np.ndarray,
    seqres: str,
    *,
    chain_id: str = "A",
    observed: np.ndarray | None = None,
    b_factors: np.ndarray | None = None,
    remarks: list[str] | None = None,
    backbone: Mapping[str, np.ndarray] | None = None,
    residue_numbers: np.ndarray | None = None,
) -> None:
    """Write a Cα (or, with ``backbone``, N-CA-C-O) PDB file with SEQRES records, atomically.

    Parameters
    ----------
    path
        Output file.
    ca
        (L, 3) Cα coordinates in Å; rows with NaN (or ``observed == False``) are not written.
    seqres
        One-letter sequence of length L; residue i is numbered i + 1.
    chain_id
        One-character chain id.
    observed
        Optional (L,) bool mask of residues to write.
    b_factors
        Optional (L,) values for the B-factor column of every atom of the residue (e.g. per-residue
        confidence).
    remarks
        Lines written as ``REMARK 250`` records (e.g. model provenance).
    backbone
        Optional ``{"N", "C", "O"}`` → (L, 3) Å (e.g. ``rebuild_backbone(ca).as_dict()``): each
        residue is written as N, CA, C, O (``ca`` always gives the CA; atoms with NaN are left out).
    residue_numbers
        Optional (L,) int residue numbers written instead of 1..L (e.g. a source file's).
    """
    from biotite.structure.io import pdb

    if len(chain_id) != 1:
        raise InputError(f"PDB chain ids are one character, got {chain_id!r}")
    atoms, _ = _atom_array(ca, seqres, chain_id, observed, b_factors, backbone, residue_numbers)
    handle = pdb.PDBFile()
    handle.set_structure(atoms)
    buf = io.StringIO()
    handle.write(buf)
    names = [ONE_TO_THREE.get(c.upper(), "UNK") for c in seqres]
    # A HEADER record first: DSSP (mkdssp 4) takes a file without one for mmCIF and refuses it.
    header = ["HEADER    PROTEIN_RGDM MODEL".ljust(80)] + [f"REMARK 250 {r}"[:80] for r in (remarks or [])]
    for k in range(0, len(names), 13):
        header.append(f"SEQRES {k // 13 + 1:>3} {chain_id} {len(names):>4}  " + " ".join(names[k : k + 13]))
    atomic_write_text(path, "\n".join(header) + "\n" + buf.getvalue())


def write_ca_cif(
    path: str | Path,
    ca: np.ndarray,
    seqres: str,
    *,
    chain_id: str = "A",
    observed: np.ndarray | None = None,
    b_factors: np.ndarray | None = None,
    entry_id: str = "MODEL",
    backbone: Mapping[str, np.ndarray] | None = None,
    residue_numbers: np.ndarray | None = None,
) -> None:
    """Write a Cα (or N-CA-C-O) mmCIF file with ``entity_poly`` holding the full sequence, atomically.

    Parameters are those of :func:`write_ca_pdb`; ``entry_id`` names the data block.
    """
    from biotite.structure.io import pdbx

    atoms, seq_index = _atom_array(ca, seqres, chain_id, observed, b_factors, backbone, residue_numbers)
    handle = pdbx.CIFFile()
    pdbx.set_structure(handle, atoms, data_block=entry_id)
    block = handle.block
    if residue_numbers is not None:  # label_seq_id counts along seqres, auth_seq_id keeps the given numbers
        block["atom_site"]["label_seq_id"] = pdbx.CIFColumn((seq_index + 1).astype(str))
    block["entity_poly"] = pdbx.CIFCategory(
        {
            "entity_id": ["1"],
            "type": ["polypeptide(L)"],
            "pdbx_seq_one_letter_code_can": [seqres],
            "pdbx_strand_id": [chain_id],
        }
    )
    _add_sequence_scheme(block, seqres, chain_id, observed, ca, residue_numbers)
    buf = io.StringIO()
    handle.write(buf)
    atomic_write_text(path, buf.getvalue())


def _add_sequence_scheme(block, seqres, chain_id, observed, ca, residue_numbers) -> None:
    """``entity``, ``struct_asym``, ``entity_poly_seq`` and ``pdbx_poly_seq_scheme``: DSSP (mkdssp 4)
    finds no residue in an mmCIF file without the last one."""
    from biotite.structure.io import pdbx

    L = len(seqres)
    names = [ONE_TO_THREE.get(c.upper(), "UNK") for c in seqres]
    seq_ids = [str(i + 1) for i in range(L)]
    shown = np.isfinite(np.asarray(ca, float)).all(axis=1) & (True if observed is None else np.asarray(observed, bool))
    numbers = np.arange(1, L + 1) if residue_numbers is None else np.asarray(residue_numbers, dtype=int)
    auth = [str(n) if ok else "?" for n, ok in zip(numbers, shown)]
    block["entity"] = pdbx.CIFCategory({"id": ["1"], "type": ["polymer"]})
    block["struct_asym"] = pdbx.CIFCategory({"id": [chain_id], "entity_id": ["1"]})
    block["entity_poly_seq"] = pdbx.CIFCategory(
        {"entity_id": ["1"] * L, "num": seq_ids, "mon_id": names, "hetero": ["n"] * L}
    )
    block["pdbx_poly_seq_scheme"] = pdbx.CIFCategory(
        {
            "asym_id": [chain_id] * L, "entity_id": ["1"] * L, "seq_id": seq_ids, "mon_id": names,
            "pdb_seq_num": auth, "auth_seq_num": auth, "pdb_mon_id": names, "auth_mon_id": names,
            "pdb_strand_id": [chain_id] * L, "pdb_ins_code": ["."] * L, "hetero": ["n"] * L,
        }
    )  # fmt: skip


def write_ca_structure(path: str | Path, ca: np.ndarray, seqres: str, fmt: str = "pdb", **kwargs) -> None:
    """Write a Cα trace as ``fmt`` = ``"pdb"`` or ``"cif"``; keyword arguments as :func:`write_ca_pdb`."""
    if fmt == "pdb":
        write_ca_pdb(path, ca, seqres, **kwargs)
    elif fmt in ("cif", "mmcif"):
        kwargs.pop("remarks", None)
        write_ca_cif(path, ca, seqres, **kwargs)
    else:
        raise InputError(f"unknown structure format {fmt!r} (use 'pdb' or 'cif')")
