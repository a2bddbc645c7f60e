from pathlib import Path

import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.predict.inputs import read_sequences, sanitize_id


def test_sanitize_never_yields_a_path():
    for raw in ["../../etc/passwd", "/abs/path x", "a/b\\c", "..", ".", "  ", "sp|P12345|NAME_HUMAN desc"]:
        out = sanitize_id(raw, "fallback")
        assert "/" not in out and "\\" not in out and out not in {".", ".."} and not out.startswith(".")
    assert sanitize_id("sp|P12345|NAME_HUMAN some description", "f") == "sp_P12345_NAME_HUMAN"
    assert sanitize_id("..", "fb") == "fb"


def test_fasta_multiline_and_duplicates(tmp_path: Path):
    fasta = tmp_path / "in.fasta"
    fasta.write_text(">a first\nACDE\nFGH\n\n>a\nkkk\n>a_2\nMM\n>../x\nAA\n")
    recs = read_sequences(fasta)
    assert [r.id for r in recs] == ["a", "a_2", "a_2_2", "x"]
    assert recs[0].sequence == "ACDEFGH" and recs[1].sequence == "KKK"
    assert recs[0].raw_id == "a first" and recs[0].source.endswith(":1")


def test_csv_and_folder(tmp_path: Path):
    (tmp_path / "b.csv").write_text("id,sequence\np1,ACD\np2, ef g\n")
    (tmp_path / "a.fa").write_text(">q\nAAA\n")
    (tmp_path / "notes.txt").write_text("ignored")
    recs = read_sequences(tmp_path)
    assert [(r.id, r.sequence) for r in recs] == [("q", "AAA"), ("p1", "ACD"), ("p2", "EFG")]


def test_bad_inputs(tmp_path: Path):
    with pytest.raises(InputError, match="not found"):
        read_sequences(tmp_path / "missing.fa")
    (tmp_path / "bad.csv").write_text("name,seq\nx,AAA\n")
    with pytest.raises(InputError, match="'id' and 'sequence'"):
        read_sequences(tmp_path / "bad.csv")
    (tmp_path / "nohead.fa").write_text("ACDE\n")
    with pytest.raises(InputError, match="before the first"):
        read_sequences(tmp_path / "nohead.fa")
    (tmp_path / "empty.fa").write_text("")
    with pytest.raises(InputError, match="no sequence records"):
        read_sequences(tmp_path / "empty.fa")


def test_split_table_columns_are_accepted(tmp_path: Path):
    (tmp_path / "test.csv").write_text("name,file,seqres,seqlen\n7skh.B,x.pdb,MKV,3\n")
    recs = read_sequences(tmp_path / "test.csv")
    assert [(r.id, r.sequence) for r in recs] == [("7skh.B", "MKV")]


def test_structure_file_suffix_is_dropped_from_ids():
    assert sanitize_id("7vrf.A.pdb", "f") == "7vrf.A"
    assert sanitize_id("1abc_A.cif.gz", "f") == "1abc_A"
    assert sanitize_id("plain.B", "f") == "plain.B"
