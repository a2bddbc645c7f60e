"""Guarded input reading: only regular files, a size bound that holds through gzip, strict UTF-8 with a BOM allowed."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import remove_temp_files
from protein_rgdm.fileread import csv_field_limit, decode_text, read_limited_bytes, read_text_file
from tests.helpers import call_with_timeout


def test_gzip_bomb_is_refused_after_reading_the_limit(tmp_path: Path):
    bomb = tmp_path / "bomb.pdb.gz"
    bomb.write_bytes(gzip.compress(b"\0" * 4_000_000, compresslevel=9))  # ~4 kB that inflate to 4 MB
    assert bomb.stat().st_size < 20_000
    with pytest.raises(InputError, match=r"bomb\.pdb\.gz: decompresses to more than 1,000,000 bytes"):
        read_limited_bytes(bomb, max_bytes=1_000_000)
    assert len(read_limited_bytes(bomb, max_bytes=4_000_000)) == 4_000_000  # exactly at the limit is fine
    big = tmp_path / "big.cif"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(InputError, match="holds more than 4,999 bytes"):
        read_limited_bytes(big, max_bytes=4999)


def test_multi_member_gzip_and_corrupt_gzip(tmp_path: Path):
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(b"first ") + gzip.compress(b"second") + b"\x00" * 8)  # zero padding allowed
    assert read_limited_bytes(path) == b"first second"
    path.write_bytes(gzip.compress(b"a" * 500) + gzip.compress(b"b" * 500))
    assert len(read_limited_bytes(path, max_bytes=1000)) == 1000
    with pytest.raises(InputError, match="decompresses to more than 600 bytes"):  # the bound spans the members
        read_limited_bytes(path, max_bytes=600)
    path.write_bytes(gzip.compress(b"first ") + b"garbage after the member")
    with pytest.raises(InputError, match="corrupt gzip"):
        read_limited_bytes(path)
    path.write_bytes(gzip.compress(os.urandom(1000))[:-30])
    with pytest.raises(InputError, match="truncated or corrupt gzip"):
        read_limited_bytes(path)


def test_special_files_are_refused_without_hanging(tmp_path: Path):
    fifo = tmp_path / "pipe.pdb"
    os.mkfifo(fifo)  # opened for reading with no writer, a blocking open would wait forever
    with pytest.raises(InputError, match=r"pipe\.pdb: is a FIFO"):
        call_with_timeout(read_limited_bytes, fifo, timeout=10)
    (tmp_path / "dir.pdb").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        read_limited_bytes(tmp_path / "dir.pdb")
    (tmp_path / "dangling.pdb").symlink_to(tmp_path / "nowhere.pdb")
    with pytest.raises(InputError, match="dangling symlink"):
        read_limited_bytes(tmp_path / "dangling.pdb")
    (tmp_path / "loop_a.pdb").symlink_to(tmp_path / "loop_b.pdb")
    (tmp_path / "loop_b.pdb").symlink_to(tmp_path / "loop_a.pdb")
    with pytest.raises(InputError, match="symlink loop"):
        read_limited_bytes(tmp_path / "loop_a.pdb")
    if Path("/dev/zero").exists():  # endless: would exhaust memory if read to the end
        with pytest.raises(InputError, match="character device"):
            call_with_timeout(read_limited_bytes, "/dev/zero", timeout=10)
    real = tmp_path / "real.pdb"
    real.write_text("ATOM\n")
    (tmp_path / "link.pdb").symlink_to(real)
    assert read_limited_bytes(tmp_path / "link.pdb") == b"ATOM\n"


def test_text_is_strict_utf8_and_a_bom_is_dropped(tmp_path: Path):
    assert decode_text("\ufeff>a\nMKV\n".encode("utf-8"), "x") == ">a\nMKV\n"
    assert decode_text(">café\n".encode("utf-8"), "x") == ">café\n"
    with pytest.raises(InputError, match=r"f\.fa: not UTF-8 text \(byte 0xe9 at offset 8, line 2\)"):
        decode_text(b">ok\n>caf\xe9\nMKV\n", "f.fa")
    with pytest.raises(InputError, match="UTF-16"):
        decode_text(">a\nMKV\n".encode("utf-16"), "x")
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,sequence\na,MK\x00V\n")
    with pytest.raises(InputError, match="NUL"):
        read_text_file(path)
    path.write_bytes(os.urandom(64) + b"\xff\xfe\xfd")
    with pytest.raises(InputError, match="not UTF-8"):
        read_text_file(path)


def test_csv_field_limit_is_raised_only_inside_the_block():
    old = csv.field_size_limit()
    with csv_field_limit(10 * old):
        assert csv.field_size_limit() == 10 * old
    assert csv.field_size_limit() == old


def test_remove_temp_files_deletes_only_atomic_leftovers(tmp_path: Path):
    import tempfile

    keep = [tmp_path / "a.pdb", tmp_path / ".hidden", tmp_path / ".x.tmp", tmp_path / "b.12345678.tmp"]
    for p in keep:
        p.write_text("x")
    # what a process killed inside fileio.atomic_path leaves: the same mkstemp call
    fd, left = tempfile.mkstemp(prefix=".x_sample_0.pdb.", suffix=".tmp", dir=tmp_path)
    os.close(fd)
    removed = remove_temp_files(tmp_path)
    assert removed == [Path(left)] and not Path(left).exists()
    assert all(p.exists() for p in keep)
