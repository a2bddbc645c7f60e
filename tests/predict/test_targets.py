"""Target selection: length bounds, ids as predict reads them, errors, and the `targets` command."""

from __future__ import annotations

import csv

import pytest

from protein_rgdm.cli import main
from protein_rgdm.errors import InputError
from protein_rgdm.predict.targets import select_targets


def _fasta(tmp_path, records):
    path = tmp_path / "in.fasta"
    path.write_text("".join(f">{rid}\n{seq}\n" for rid, seq in records))
    return path


def _read(path):
    with open(path, newline="") as handle:
        return [(r["id"], r["sequence"]) for r in csv.DictReader(handle)]


def test_bounds_are_inclusive_and_order_is_kept(tmp_path):
    src = _fasta(tmp_path, [("a", "M" * 20), ("b", "K" * 100), ("c", "A" * 101), ("d", "G" * 19), ("e", "W" * 50)])
    sel = select_targets(src, tmp_path / "out.csv", min_length=20, max_length=100)
    assert _read(tmp_path / "out.csv") == [("a", "M" * 20), ("b", "K" * 100), ("e", "W" * 50)]
    assert [r.id for r in sel.kept] == ["a", "b", "e"]
    assert {r.id: why for r, why in sel.excluded} == {"c": "length 101 > max_length 100", "d": "length 19 < min_length 20"}
    select_targets(src, tmp_path / "all.csv")
    assert len(_read(tmp_path / "all.csv")) == 5


def test_split_table_ids_are_sanitised_like_predict(tmp_path):
    table = tmp_path / "cameo.csv"
    table.write_text("name,seqres,seqlen\n7vrf.A.pdb,MKV,3\n8abc.B.pdb,MKVLA,5\n")
    select_targets(table, tmp_path / "out.csv", max_length=4)
    assert _read(tmp_path / "out.csv") == [("7vrf.A", "MKV")]  # the reference file's stem


def test_nothing_left_or_bad_bounds_is_an_error_and_writes_nothing(tmp_path):
    src = _fasta(tmp_path, [("a", "M" * 30)])
    with pytest.raises(InputError, match="no record of length"):
        select_targets(src, tmp_path / "out.csv", max_length=10)
    with pytest.raises(InputError, match="min_length 50 > max_length 10"):
        select_targets(src, tmp_path / "out.csv", min_length=50, max_length=10)
    assert not (tmp_path / "out.csv").exists()


def test_cli(tmp_path, capsys):
    src = _fasta(tmp_path, [("a", "M" * 30), ("b", "K" * 200)])
    assert main(["targets", str(src), "--out", str(tmp_path / "t.csv"), "--max-length", "100"]) == 0
    out = capsys.readouterr().out
    assert "kept 1 of 2" in out and "excluded b: length 200 > max_length 100" in out
    assert _read(tmp_path / "t.csv") == [("a", "M" * 30)]
    assert main(["targets", str(tmp_path / "missing.fasta"), "--out", str(tmp_path / "u.csv")]) == 2
    assert "missing.fasta" in capsys.readouterr().err
