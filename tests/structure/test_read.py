"""Reading PDB / mmCIF / BinaryCIF (gz or not), first model, first altloc, seqres and metadata."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.structure.chain import build_chain_record, protein_chain_ids
from protein_rgdm.structure.read import BACKBONE_ATOMS, read_ca_chain, read_structure
from protein_rgdm.structure.residues import one_letter

from .conftest import helix_pdb, pdb_line


def test_all_formats_give_the_same_backbone(converted):
    ref = read_structure(converted["pdb"], atom_names=BACKBONE_ATOMS)
    assert len(ref.atoms) > 200
    for key, path in converted.items():
        parsed = read_structure(path, atom_names=BACKBONE_ATOMS)
        assert parsed.metadata["format"] == key.split(".")[0]
        np.testing.assert_allclose(parsed.atoms.coord, ref.atoms.coord, atol=1e-3, err_msg=key)
        assert list(parsed.atoms.res_id) == list(ref.atoms.res_id)
        assert list(parsed.atoms.atom_name) == list(ref.atoms.atom_name)


def test_mmcif_entity_poly_and_metadata(converted):
    parsed = read_structure(converted["cif.gz"])
    assert parsed.seqres["A"].startswith("GSHMASM")
    assert parsed.metadata["method"] == "x-ray diffraction"
    assert parsed.metadata["resolution"] == pytest.approx(1.70)
    assert parsed.metadata["release_date"] == "2022-10-26"
    rec = build_chain_record(parsed, "A", "7vrf.A", min_identity=0.0)
    assert rec.metadata["seqres_source"] == "entity_poly"


def test_pdb_header_seqres_and_dates(tmp_path):
    text = (
        "HEADER    TRANSPORT PROTEIN                       03-FEB-21   7ABC              \n"
        "EXPDTA    SOLUTION NMR                                                          \n"
        "REVDAT   2   01-MAR-23 7ABC    1       JRNL                                     \n"
        "REVDAT   1   26-OCT-22 7ABC    0                                                \n"
        "REMARK   2 RESOLUTION.    2.27 ANGSTROMS.                                       \n"
    ) + helix_pdb(["ALA", "GLY", "MSE", "LYS"], start=3, with_seqres=["MET", "SER", "ALA", "GLY", "MSE", "LYS", "HIS"])
    path = tmp_path / "7abc.pdb"
    path.write_text(text)
    parsed = read_structure(path)
    assert parsed.seqres == {"A": "MSAGMKH"}
    assert parsed.metadata["release_date"] == "2022-10-26"
    assert parsed.metadata["deposition_date"] == "2021-02-03"
    assert parsed.metadata["method"] == "solution nmr"
    assert parsed.metadata["resolution"] == pytest.approx(2.27)
    rec = build_chain_record(parsed, "A", "7abc.A")
    # residues 3..6 sit at seqres 2..5: numbering offset -1, MSE read as M
    assert rec.seqres == "MSAGMKH"
    assert list(np.flatnonzero(rec.observed)) == [2, 3, 4, 5]
    assert list(rec.residue_numbers[rec.observed]) == [3, 4, 5, 6]
    assert rec.metadata["seqres_source"] == "SEQRES"


def test_first_model_and_first_altloc(tmp_path):
    lines = ["MODEL        1"]
    lines.append(pdb_line(1, "N", "ALA", "A", 1, (0, 0, 0), element="N"))
    lines.append(pdb_line(2, "CA", "ALA", "A", 1, (1, 0, 0), altloc="A"))
    lines.append(pdb_line(3, "CA", "ALA", "A", 1, (9, 9, 9), altloc="B"))
    lines.append(pdb_line(4, "CA", "GLY", "A", 2, (4.8, 0, 0), altloc="B"))
    lines.append(pdb_line(5, "CA", "GLY", "A", 2, (7, 7, 7), altloc="C"))
    lines += ["ENDMDL", "MODEL        2", pdb_line(6, "CA", "ALA", "A", 1, (50, 50, 50)), "ENDMDL", "END"]
    path = tmp_path / "alt.pdb"
    path.write_text("\n".join(lines) + "\n")
    fast = read_structure(path)
    slow = read_structure(path, pdb_backend="biotite")
    for parsed in (fast, slow):
        ca = parsed.atoms.coord[parsed.atoms.atom_name == "CA"]
        np.testing.assert_allclose(ca, [[1, 0, 0], [4.8, 0, 0]])


def test_modified_and_unknown_residue_names():
    assert one_letter("MSE") == "M"
    assert one_letter("SEP") == "S"
    assert one_letter("ALA") == "A"
    assert one_letter("UNK") == "X"
    assert one_letter("ZZZ9") == "X"


def test_unknown_residue_names_become_x(tmp_path):
    path = tmp_path / "unk.pdb"
    path.write_text(helix_pdb(["ALA", "QQQ", "GLY", "UNK", "LYS"]))
    parsed = read_structure(path)
    # QQQ is not a CCD component: not an amino acid, so not part of the chain; UNK is kept as X
    _, seq, ids = read_ca_chain(path)
    assert seq == "AGXK" and list(ids) == [1, 3, 4, 5]
    rec = build_chain_record(parsed, "A", "unk")
    assert rec.seqres == "AGXK"


def test_read_ca_chain_demo(cameo_pdb):
    ca, seq, ids = read_ca_chain(cameo_pdb)
    assert ca.shape == (len(seq), 3) and ca.dtype == np.float32
    assert len(ids) == len(seq) and np.all(np.diff(ids) > 0)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.pdb", b"", "empty file"),
        ("blank.cif", b"\n  \n", "empty file"),
        ("page.cif", b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>", "HTML"),
        ("page.cif.gz", gzip.compress(b"<html><body>Not Found</body></html>", mtime=0), "HTML"),
        ("text.bcif", b"data_x\n", "not BinaryCIF"),
        ("nodata.cif", b"loop_\n_atom_site.id\n1\n", "not mmCIF"),
    ],
    ids=["empty", "blank", "html", "html-gz", "text-as-bcif", "no-data-block"],
)
def test_bad_files_fail_with_one_clear_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        read_structure(path)
    assert name in str(err.value) and "\n" not in str(err.value)


def test_truncated_gzip(tmp_path, cameo_pdb):
    data = cameo_pdb.read_bytes()
    path = tmp_path / "cut.pdb.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt gzip"):
        read_structure(path)


def test_shifted_columns_are_reported(tmp_path):
    path = tmp_path / "shift.pdb"
    path.write_text("ATOM      1  N   ALA AAA   1      14.369   7.758  10.123  1.00  0.00           N\n")
    with pytest.raises(InputError, match="malformed ATOM"):
        read_structure(path)


def test_chain_level_errors(tmp_path):
    path = tmp_path / "two.pdb"
    text = helix_pdb(["ALA", "GLY", "LYS"], chain="A")
    dna = "\n".join(pdb_line(20 + i, "P", "DA", "B", i + 1, (i * 6.0, 3, 3), element="P") for i in range(3))
    noca = pdb_line(40, "N", "ALA", "C", 1, (0, 5, 5), element="N")
    nan = pdb_line(41, "CA", "ALA", "D", 1, (0, 0, 0)).replace("   0.000   0.000   0.000", "     nan   1.000   1.000")
    path.write_text(text.replace("END\n", "") + "\n".join([dna, noca, nan]) + "\nEND\n")
    parsed = read_structure(path)
    assert protein_chain_ids(parsed) == ["A", "D"]
    assert build_chain_record(parsed, "A", "ok").length == 3
    with pytest.raises(InputError, match="chain 'Z' not found"):
        build_chain_record(parsed, "Z", "x")
    with pytest.raises(InputError, match="DNA/RNA"):
        build_chain_record(parsed, "B", "x")
    with pytest.raises(InputError, match="no Cα"):
        build_chain_record(parsed, "C", "x")
    with pytest.raises(InputError, match="non-finite or absurd"):
        build_chain_record(parsed, "D", "x")


def test_absurd_coordinates(tmp_path):
    from protein_rgdm.structure.atoms import AtomTable, ParsedStructure

    parsed = read_structure(_write(tmp_path, helix_pdb(["ALA", "GLY"])))
    coord = parsed.atoms.coord.copy()
    coord[1] = [1e6, 0, 0]
    atoms = AtomTable(
        **{
            **{
                k: getattr(parsed.atoms, k)
                for k in ("chain_id", "res_id", "ins_code", "res_name", "atom_name", "hetero")
            },
            "coord": coord,
        }
    )
    with pytest.raises(InputError, match="absurd"):
        build_chain_record(ParsedStructure("x", atoms, {}, {}, {}), "A", "x")


def test_wrong_seqres_is_rejected(tmp_path):
    parsed = read_structure(_write(tmp_path, helix_pdb(["ALA", "GLY", "LYS", "TRP", "HIS"])))
    with pytest.raises(InputError, match="identity"):
        build_chain_record(parsed, "A", "x", seqres="PPPPPPPPPP")


def _write(tmp_path, text):
    path = tmp_path / "s.pdb"
    path.write_text(text)
    return path
