"""Featurize must agree with the files: every EigenFold structure, against biotite's own read.

For each of the 516 chains: the Cα of observed residues equal biotite's (``PDBFile.get_structure``,
model 1, first altloc, full file), in order; and wherever one residue-number offset places every
observed residue on an identical seqres letter, the record's mapping is exactly that offset.
Split into chunks so ``pytest -n 2`` runs them on both cores.
"""

from __future__ import annotations

import csv
import gzip
import io

import numpy as np
import pytest

N_CHUNKS = 8


def _seqres_table(shared):
    table = {}
    for f in sorted((shared / "eigenfold" / "splits").glob("*.csv")):
        with open(f, newline="") as handle:
            for row in csv.DictReader(handle):
                table[row["name"].removesuffix(".pdb")] = row["seqres"]
    return table


def _consistent_offset(seq: str, numbers: np.ndarray, seqres: str) -> int | None:
    """The offset d with seqres[n + d] == letter for every observed residue, when exactly one exists."""
    ref = np.frombuffer(seqres.encode(), dtype=np.uint8)
    obs = np.frombuffer(seq.encode(), dtype=np.uint8)
    found = []
    for d in range(-int(numbers.max()), len(seqres) - int(numbers.min())):
        idx = numbers + d
        if idx.min() >= 0 and idx.max() < len(seqres) and np.array_equal(ref[idx], obs):
            found.append(d)
    return found[0] if len(found) == 1 else None


@pytest.mark.parametrize("chunk", range(N_CHUNKS))
def test_records_agree_with_biotite(shared_data, chunk):
    from biotite.structure.io import pdb

    from protein_rgdm.structure.chain import build_chain_record, protein_chain_ids
    from protein_rgdm.structure.read import BACKBONE_ATOMS, read_structure
    from protein_rgdm.structure.residues import is_amino_acid, three_to_one

    files = sorted((shared_data / "eigenfold" / "structures").glob("*.pdb.gz"))
    assert len(files) == 516
    table = _seqres_table(shared_data)
    checked_offsets = 0
    for path in files[chunk::N_CHUNKS]:
        name = path.name.removesuffix(".pdb.gz")
        atoms = pdb.PDBFile.read(io.StringIO(gzip.decompress(path.read_bytes()).decode())).get_structure(
            model=1, altloc="first"
        )
        parsed = read_structure(path, atom_names=BACKBONE_ATOMS)
        chain = protein_chain_ids(parsed)[0]
        ca = atoms[
            (atoms.atom_name == "CA") & (atoms.chain_id == chain) & np.array([is_amino_acid(r) for r in atoms.res_name])
        ]
        record = build_chain_record(parsed, chain, name, seqres=table.get(name))
        assert record.observed.sum() == len(ca), name
        np.testing.assert_array_equal(record.ca[record.observed], ca.coord, err_msg=name)
        np.testing.assert_array_equal(record.residue_numbers[record.observed], ca.res_id, err_msg=name)
        offset = _consistent_offset(three_to_one(ca.res_name), ca.res_id, record.seqres)
        if offset is not None:
            np.testing.assert_array_equal(np.flatnonzero(record.observed), ca.res_id + offset, err_msg=name)
            checked_offsets += 1
    assert checked_offsets >= 0.5 * len(files[chunk::N_CHUNKS])  # the rest have gaps in author numbering


def test_fast_and_biotite_pdb_backends_agree(shared_data):
    from protein_rgdm.structure.read import read_structure

    for path in sorted((shared_data / "eigenfold" / "structures").glob("*.pdb.gz"))[::50]:
        fast, slow = read_structure(path), read_structure(path, pdb_backend="biotite")
        np.testing.assert_array_equal(fast.atoms.coord, slow.atoms.coord)
        for key in ("chain_id", "res_id", "ins_code", "res_name", "atom_name", "hetero"):
            assert list(getattr(fast.atoms, key)) == list(getattr(slow.atoms, key)), (path.name, key)
