import os
import re
from pathlib import Path

import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.predict.inputs import read_sequences, sanitize_id
from tests.helpers import call_with_timeout


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
    # the suffixes are the readers' (structure.formats): every one of them, in any case, and only those
    assert sanitize_id("2xyz.C.BCIF", "f") == sanitize_id("2xyz.C.ent.gz", "f") == "2xyz.C"
    assert sanitize_id("x.gz", "f") == "x.gz" and sanitize_id("x.pdbx", "f") == "x.pdbx"
    assert sanitize_id(".pdb", "f") == "f"


# --- odd inputs: encodings, byte-order marks, huge fields, special files, case folding ---------------------------


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("latin1.fasta", b">caf\xe9\nMKV\n", r"not UTF-8 text \(byte 0xe9 at offset 4, line 1\)"),
        ("utf16.fasta", ">a\nMKV\n".encode("utf-16"), "UTF-16"),
        ("random.csv", bytes(range(256)) * 4, "not UTF-8|NUL"),
        ("utf16.csv", "id,sequence\na,MKV\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_undecodable_file_is_one_error_naming_it(tmp_path: Path, name, data, match):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError, match=rf"{re.escape(name)}: .*({match})"):
        read_sequences(tmp_path / name)


def test_a_bad_file_in_a_folder_is_recorded_and_the_rest_read(tmp_path: Path):
    (tmp_path / "a.fasta").write_text(">good\nMKV\n")
    (tmp_path / "b.fasta").write_bytes(b">caf\xe9\nMKV\n")
    (tmp_path / "c.csv").write_bytes("id,sequence\nx,AC\n".encode("utf-16"))
    (tmp_path / "d.fasta").mkdir()
    os.mkfifo(tmp_path / "e.fa")  # a FIFO must be refused, not waited on
    (tmp_path / "f.csv").write_text("id,sequence\nlast,GGG\n")
    failures: list = []
    recs = call_with_timeout(read_sequences, tmp_path, failures, timeout=15)
    assert [(r.id, r.sequence) for r in recs] == [("good", "MKV"), ("last", "GGG")]
    reasons = {f.id: f.reason for f in failures}
    assert set(reasons) == {"b.fasta", "c.csv", "d.fasta", "e.fa"}
    assert "not UTF-8" in reasons["b.fasta"] and "UTF-16" in reasons["c.csv"]
    assert "folder" in reasons["d.fasta"] and "FIFO" in reasons["e.fa"]
    with pytest.raises(InputError, match="b.fasta"):  # without a failures list, the first bad file raises
        read_sequences(tmp_path)
    for p in ("a.fasta", "f.csv"):
        (tmp_path / p).unlink()
    with pytest.raises(InputError, match=r"no sequence records found \(4 unreadable file\(s\), first: .*b.fasta"):
        read_sequences(tmp_path, [])


def test_byte_order_mark_is_not_data(tmp_path: Path):
    (tmp_path / "bom.fasta").write_bytes(b"\xef\xbb\xbf>a\nMKV\n")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfid,sequence\nb,GGA\n")
    assert [(r.id, r.sequence) for r in read_sequences(tmp_path)] == [("b", "GGA"), ("a", "MKV")]


def test_a_200000_letter_csv_field_is_read(tmp_path: Path):
    seq = "ACDEFGHIKL" * 20_000
    (tmp_path / "long.csv").write_text(f"id,sequence\nhuge,{seq}\nsmall,MKV\n")
    recs = read_sequences(tmp_path / "long.csv")
    assert [len(r.sequence) for r in recs] == [200_000, 3]  # refused later for its length, alone


def test_only_ascii_letters_are_upper_cased(tmp_path: Path):
    (tmp_path / "u.fasta").write_text(">a\nmkßv\n>b\nmﬀ\n>c\nMKıV\n>d\nmkv\n")
    recs = read_sequences(tmp_path / "u.fasta")
    assert [r.sequence for r in recs] == ["MKßV", "Mﬀ", "MKıV", "MKV"]  # never "MKSSV", "MFF", "MKIV"
    for rec in recs[:3]:
        with pytest.raises(InputError, match=rf"{rec.id} .*not amino-acid letters"):
            rec.mapped()


def test_a_special_file_given_directly_is_one_error(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.fasta")
    with pytest.raises(InputError, match="FIFO"):
        call_with_timeout(read_sequences, tmp_path / "pipe.fasta", timeout=10)
    (tmp_path / "gone.fasta").symlink_to(tmp_path / "nowhere.fasta")
    with pytest.raises(InputError, match="dangling symlink"):
        read_sequences(tmp_path / "gone.fasta")


@pytest.mark.parametrize(
    ("name", "data"),
    [("l1.fasta", b">caf\xe9\nMKV\n"), ("r.csv", bytes(range(128, 256)) * 8), ("u16.fa", ">a\nMKV\n".encode("utf-16"))],
)
def test_cli_reports_an_undecodable_input_in_one_line(tmp_path: Path, capsys, name, data):
    from protein_rgdm.cli.app import main

    (tmp_path / name).write_bytes(data)
    code = main(["predict", str(tmp_path / name), "-c", str(tmp_path / "ckpt.pt"), "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: {tmp_path / name}: ") and err.count("\n") == 1
