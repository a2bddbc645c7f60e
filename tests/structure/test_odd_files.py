"""Odd structure files: altlocs by occupancy, missing mmCIF coordinates, Latin-1 / BOM text, bombs, special files."""

from __future__ import annotations

import codecs
import gzip
import os

import numpy as np
import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.structure.chain import build_chain_record, protein_chain_ids
from protein_rgdm.structure.read import read_ca_chain, read_structure
from tests.helpers import call_with_timeout

from .conftest import cif_text, helix_pdb, pdb_line

# residue 1: B listed first but less occupied -> A; residue 2: a tie -> the first listed (B);
# residue 3: a point mutation as altlocs (SER 0.4 / THR 0.6) -> THR only; residue 4: no altloc
ALTLOC_ATOMS = [
    ("CA", "ALA", "A", 1, "B", 9.0, 9.0, 9.0, 0.3),
    ("CA", "ALA", "A", 1, "A", 0.0, 0.0, 0.0, 0.7),
    ("CA", "GLY", "A", 2, "B", 3.8, 0.0, 0.0, 0.5),
    ("CA", "GLY", "A", 2, "A", 7.0, 7.0, 7.0, 0.5),
    ("N", "SER", "A", 3, "A", 5.0, 5.0, 5.0, 0.4),
    ("CA", "SER", "A", 3, "A", 6.0, 6.0, 6.0, 0.4),
    ("N", "THR", "A", 3, "B", 7.2, 0.5, 0.0, 0.6),
    ("CA", "THR", "A", 3, "B", 7.6, 0.0, 0.0, 0.6),
    ("CA", "LYS", "A", 4, ".", 11.4, 0.0, 0.0, 1.0),
]
EXPECTED_CA = [[0, 0, 0], [3.8, 0, 0], [7.6, 0, 0], [11.4, 0, 0]]


def _altloc_files(tmp_path):
    lines = [
        pdb_line(i, name, res, chain, num, (x, y, z), altloc=" " if alt == "." else alt, occupancy=occ,
                 element=name[0])  # fmt: skip
        for i, (name, res, chain, num, alt, x, y, z, occ) in enumerate(ALTLOC_ATOMS, 1)
    ]
    pdb = tmp_path / "alt.pdb"
    pdb.write_text("\n".join(lines) + "\nEND\n")
    cif = tmp_path / "alt.cif"
    cif.write_text(cif_text(ALTLOC_ATOMS))
    return pdb, cif


def test_altloc_of_highest_occupancy_per_residue_in_every_reader(tmp_path):
    pdb, cif = _altloc_files(tmp_path)
    for path, backend in ((pdb, "fast"), (pdb, "biotite"), (cif, "fast")):
        parsed = read_structure(path, pdb_backend=backend)
        atoms = parsed.atoms
        ca = atoms.atom_name == "CA"
        np.testing.assert_allclose(atoms.coord[ca], EXPECTED_CA, err_msg=f"{path.name} {backend}")
        assert list(atoms.res_name[ca]) == ["ALA", "GLY", "THR", "LYS"]
        assert list(atoms.res_name[atoms.atom_name == "N"]) == ["THR"]  # one conformation per residue, no mix
    assert read_ca_chain(pdb)[1] == read_ca_chain(cif)[1] == "AGTK"


def test_evaluate_fast_path_defers_altlocs_to_the_full_reader(tmp_path):
    from protein_rgdm.evaluate.io import read_trace

    pdb, _ = _altloc_files(tmp_path)
    trace = read_trace(pdb)
    np.testing.assert_allclose(trace.ca, EXPECTED_CA)


def test_missing_mmcif_coordinates_are_never_zeros(tmp_path):
    atoms = [("CA", "ALA", "A", i, ".", f"{3.8 * i:.3f}", "0.0", "0.0", "1.0") for i in range(1, 6)]
    none = tmp_path / "none.cif"
    none.write_text(cif_text([(n, r, c, i, a, "?", "?", "?", o) for n, r, c, i, a, _, _, _, o in atoms]))
    parsed = read_structure(none)
    assert len(parsed.atoms) == 0 and parsed.metadata["atoms_without_coordinates"] == 5
    assert protein_chain_ids(parsed) == []
    with pytest.raises(InputError, match="no protein chain with Cα"):
        read_ca_chain(none)
    some = tmp_path / "some.cif"
    some.write_text(cif_text([a if a[3] != 3 else (*a[:5], "?", ".", "0.0", "1.0") for a in atoms]))
    parsed = read_structure(some)
    rec = build_chain_record(parsed, "A", "some", seqres="AAAAA")
    assert list(rec.observed) == [True, True, False, True, True]  # the residue without coordinates is unobserved
    assert np.isfinite(rec.ca[rec.observed]).all() and not np.any(np.all(rec.ca[rec.observed] == 0, axis=1))


def test_binary_cif_missing_coordinates_are_dropped(tmp_path):
    from biotite.structure.io import pdbx

    src = pdbx.CIFFile.read(str(_altloc_files(tmp_path)[1]))
    bcif = pdbx.BinaryCIFFile()
    block = pdbx.BinaryCIFBlock()
    category = pdbx.BinaryCIFCategory()
    for key, column in src.block["atom_site"].items():
        values = column.as_array()
        if key == "Cartn_y":  # the first atom's y is missing
            mask = np.zeros(len(values), np.uint8)
            mask[0] = 1  # 1 = '.', 2 = '?' in BinaryCIF masks
            category[key] = pdbx.BinaryCIFColumn(
                pdbx.BinaryCIFData(column.as_array(np.float64)), pdbx.BinaryCIFData(mask)
            )
        else:
            category[key] = values
    block["atom_site"] = category
    bcif["TEST"] = block
    path = tmp_path / "alt.bcif"
    bcif.write(str(path))
    parsed = read_structure(path)
    assert parsed.metadata["atoms_without_coordinates"] == 1
    assert np.isfinite(parsed.atoms.coord).all()


def test_latin1_remark_and_byte_order_mark_are_text(tmp_path):
    body = helix_pdb(["ALA", "GLY", "LYS", "LEU"])
    ref = read_structure(_write(tmp_path / "plain.pdb", body.encode()))
    for name, data in (
        ("latin1.pdb", b"REMARK   1 AUTHOR  J. M\xfcller, Universit\xe9\n" + body.encode()),
        ("bom.pdb", codecs.BOM_UTF8 + body.encode()),
        ("latin1.pdb.gz", gzip.compress(b"REMARK   1 \xe9\xe8\n" + body.encode())),
    ):
        parsed = read_structure(_write(tmp_path / name, data))
        np.testing.assert_array_equal(parsed.atoms.coord, ref.atoms.coord, err_msg=name)
    cif = cif_text([("CA", "ALA", "A", i, ".", f"{3.8 * i:.3f}", "0.0", "0.0", "1.0") for i in range(1, 4)])
    parsed = read_structure(_write(tmp_path / "bom.cif", codecs.BOM_UTF8 + cif.encode()))
    assert len(parsed.atoms) == 3
    with pytest.raises(InputError, match="binary content"):  # real binary is still refused
        read_structure(_write(tmp_path / "bin.pdb", b"ATOM  \x00\x01\x02\x03" * 40))


def test_size_bomb_and_special_files_are_one_line_errors(tmp_path):
    bomb = _write(tmp_path / "bomb.cif.gz", gzip.compress(b"data_x\n" + b" " * 3_000_000))
    with pytest.raises(InputError, match=r"bomb\.cif\.gz: decompresses to more than 100,000 bytes"):
        read_structure(bomb, max_bytes=100_000)
    os.mkfifo(tmp_path / "fifo.pdb")
    with pytest.raises(InputError, match="FIFO"):
        call_with_timeout(read_structure, tmp_path / "fifo.pdb", timeout=10)
    (tmp_path / "folder.pdb").mkdir()
    with pytest.raises(InputError, match="folder"):
        read_structure(tmp_path / "folder.pdb")


def _write(path, data: bytes):
    path.write_bytes(data)
    return path
