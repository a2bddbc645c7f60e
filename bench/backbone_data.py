"""Chains with native main-chain atoms for the backbone-rebuild scripts (fit and bench).

``cgdms_chains(split)`` reads ``../shared/data/cgdms`` (N, CA, C; no O) by the split column of
``chains.csv``; ``eigenfold_chains()`` reads the EigenFold structures (all atoms, O included).
Both return chain records indexed along seqres (NaN where a residue or atom is absent); files
that do not parse are skipped and counted.
"""

from __future__ import annotations

import csv
from pathlib import Path

from protein_rgdm.errors import InputError
from protein_rgdm.structure.chain import build_chain_record, protein_chain_ids
from protein_rgdm.structure.read import BACKBONE_ATOMS, read_structure
from protein_rgdm.structure.record import ChainRecord

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def read_chain(path: Path, name: str, chain: str | None = None) -> ChainRecord:
    """The first protein chain (or ``chain``) of ``path`` with N / CA / C / O; the biotite PDB reader as fallback."""
    try:
        parsed = read_structure(path, atom_names=BACKBONE_ATOMS)
    except InputError:
        parsed = read_structure(path, atom_names=BACKBONE_ATOMS, pdb_backend="biotite")
    return build_chain_record(parsed, chain or protein_chain_ids(parsed)[0], name)


def cgdms_chains(split: str, root: Path = SHARED / "cgdms") -> tuple[list[ChainRecord], int]:
    """(records, skipped) of the cgdms chains whose ``split`` column equals ``split``."""
    out, skipped = [], 0
    with open(root / "chains.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["split"] != split:
                continue
            try:
                out.append(read_chain(root / row["file"], row["name"]))
            except InputError:
                skipped += 1
    return out, skipped


def eigenfold_chains(root: Path = SHARED / "eigenfold" / "structures", exclude: set[str] = frozenset(),
                     limit: int | None = None) -> tuple[list[ChainRecord], int]:  # fmt: skip
    """(records, skipped) of EigenFold chains (``7skh.B.pdb.gz`` → chain B) whose PDB id_chain is not in ``exclude``."""
    out, skipped = [], 0
    for path in sorted(root.glob("*.pdb*")):
        pdb_id, chain = path.name.split(".")[:2]
        if f"{pdb_id.lower()}_{chain}" in exclude:
            continue
        try:
            out.append(read_chain(path, f"{pdb_id}.{chain}", chain))
        except InputError:
            skipped += 1
        if limit is not None and len(out) >= limit:
            break
    return out, skipped
