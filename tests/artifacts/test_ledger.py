"""Rejection ledger: one shape for every stage; the shapes written before it still read."""

from __future__ import annotations

import pytest

from protein_rgdm.artifacts.ledger import LEDGER_COLUMNS, Rejection, read_ledger, write_ledger
from protein_rgdm.errors import InputError

ROWS = [
    Rejection("predict", "b.fasta", "in/b.fasta", "not UTF-8, byte 0xe9 at offset 3"),
    Rejection("featurize", "", "raw/x.cif", 'parser: "odd", line 2\tcolumn\n4'),  # delimiters, quotes, newline
]


@pytest.mark.parametrize("name", ["failed.tsv", "rejected.csv"])
def test_round_trip_in_both_delimiters(tmp_path, name):
    path = tmp_path / name
    write_ledger(path, ROWS)
    text = path.read_text()
    assert text.splitlines()[0] == ("\t" if name.endswith(".tsv") else ",").join(LEDGER_COLUMNS)
    assert len(text.splitlines()) == 3  # one line per row: reasons are folded to one line
    got = read_ledger(path)
    assert got[0] == ROWS[0] and got[1] == Rejection("featurize", "", "raw/x.cif", 'parser: "odd", line 2 column 4')
    write_ledger(path, [])
    assert read_ledger(path) == []


@pytest.mark.parametrize(
    "name, text, stage, expected",
    [
        ("rejected.csv", "file,chain,name,reason\nraw/a.cif,A,a_A,too short\nraw/b.pdb,,,empty file\n", "",
         [Rejection("featurize", "a_A", "raw/a.cif", "too short"),
          Rejection("featurize", "", "raw/b.pdb", "empty file")]),
        ("skipped.csv", "split,name,reason\nval,c_A,\"length 900 outside [8, 512]\"\n", "",
         [Rejection("train", "c_A", "val", "length 900 outside [8, 512]")]),
        ("skipped.csv", "name,reason\nzz_bad,not a zip\n", "bases", [Rejection("bases", "zz_bad", "", "not a zip")]),
        ("failed.tsv", "name\treason\nbad_X\tnot amino-acid letters\n", "embed",
         [Rejection("embed", "bad_X", "", "not amino-acid letters")]),
        ("failed.tsv", "id\tsource\treason\nlong\tin.fasta\tlength 2000 exceeds max_length 1024\n", "",
         [Rejection("predict", "long", "in.fasta", "length 2000 exceeds max_length 1024")]),
    ],
)  # fmt: skip
def test_old_shapes_read(tmp_path, name, text, stage, expected):
    (tmp_path / name).write_text(text)
    assert read_ledger(tmp_path / name, stage) == expected


def test_not_a_ledger(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="x.csv: not a rejection ledger"):
        read_ledger(tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("what,reason\n1,2\n")
    with pytest.raises(InputError, match="y.csv: not a rejection ledger"):
        read_ledger(tmp_path / "y.csv")
