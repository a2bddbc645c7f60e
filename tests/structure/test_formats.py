"""The structure-suffix table: names round-trip through it, and every reader decides by it."""

from __future__ import annotations

import gzip

import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.structure.formats import (
    STRUCTURE_FORMATS,
    STRUCTURE_SUFFIXES,
    format_preference,
    strip_structure_suffix,
    structure_format,
    structure_stem,
)
from protein_rgdm.structure.read import detect_format

STEMS = ("7skh.B", "3swy_A", "x", "model.pdb.0", "a.cif.b", "")


@pytest.mark.parametrize("suffix", STRUCTURE_SUFFIXES)
@pytest.mark.parametrize("gz", ["", ".gz", ".GZ"])
def test_names_round_trip(suffix, gz):
    for stem in STEMS:
        for written in (suffix, suffix.upper()):
            name = stem + written + gz
            assert structure_stem(name) == stem, name
            assert strip_structure_suffix(name) == stem, name
            assert structure_format(name) == STRUCTURE_FORMATS[suffix], name
            assert format_preference(name) == STRUCTURE_SUFFIXES.index(suffix)


def test_the_table():
    assert STRUCTURE_SUFFIXES == (".pdb", ".ent", ".cif", ".mmcif", ".bcif")  # preference order: PDB first
    assert dict(STRUCTURE_FORMATS) == {".pdb": "pdb", ".ent": "pdb", ".cif": "cif", ".mmcif": "cif", ".bcif": "bcif"}
    with pytest.raises(TypeError):
        STRUCTURE_FORMATS[".xyz"] = "pdb"  # read-only


@pytest.mark.parametrize("name", ["notes.txt", "x.gz", "x.pdb.txt", "x.pdbx", "xpdb", "x.cif.gz.bak", "x.gz.pdb.gz"])
def test_other_names_are_not_structures(name):
    if name == "x.gz.pdb.gz":  # only the last structure suffix (and one .gz) is removed
        assert structure_stem(name) == "x.gz" and structure_format(name) == "pdb"
        return
    assert structure_stem(name) is None and structure_format(name) is None
    assert format_preference(name) == len(STRUCTURE_SUFFIXES)
    # featurize's record names drop a .gz even when only the content says the format
    assert strip_structure_suffix(name) == (name[:-3] if name.endswith(".gz") else name)


def test_names_are_not_paths():
    assert structure_stem("dir.pdb/sub/7skh.B.pdb") == "dir.pdb/sub/7skh.B"


def test_preference_orders_pdb_first():
    names = ["m.bcif", "m.cif.gz", "m.ent", "m.mmcif", "m.PDB.gz"]
    assert sorted(names, key=format_preference) == ["m.PDB.gz", "m.ent", "m.cif.gz", "m.mmcif", "m.bcif"]


_CONTENT = {
    "pdb": b"ATOM      1  CA  ALA A   1       0.000   0.000   0.000  1.00  0.00           C\nEND\n",
    "cif": b"data_x\n#\n_entry.id x\n",
    "bcif": bytes([0x83, 0xA7]) + b"encoder\x00\x01\x02" * 20,
}


@pytest.mark.parametrize("suffix", STRUCTURE_SUFFIXES)
def test_the_reader_decides_by_the_table(tmp_path, suffix):
    fmt = STRUCTURE_FORMATS[suffix]
    for gz in ("", ".gz"):
        path = tmp_path / f"x{suffix}{gz}"
        path.write_bytes(gzip.compress(_CONTENT[fmt]) if gz else _CONTENT[fmt])
        assert detect_format(path, _CONTENT[fmt]) == fmt
    # the name wins over content of another format: an mmCIF-named PDB file is an error, not a guess
    other = "bcif" if fmt == "pdb" else "pdb"
    with pytest.raises(InputError, match="not"):
        detect_format(tmp_path / f"y{suffix}", _CONTENT[other])
