"""The Cα fast path of evaluation reading equals the full structure reader, or declines."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from protein_rgdm.evaluate.io import read_trace
from protein_rgdm.evaluate.pdb_ca import read_ca_chain_fast
from protein_rgdm.structure.read import read_bytes, read_ca_chain


def _assert_same(fast, slow) -> None:
    assert fast is not None
    assert fast[0].dtype == slow[0].dtype and np.array_equal(fast[0], slow[0])
    assert fast[1] == slow[1]
    assert fast[2].dtype == slow[2].dtype and np.array_equal(fast[2], slow[2])


def test_fast_path_equals_full_reader_on_shared_files(shared_data, tmscore_fixture):
    files = (
        sorted((tmscore_fixture / "references").glob("*.pdb"))
        + sorted((tmscore_fixture / "samples").glob("*.pdb"))[:40]
    )
    files += sorted((shared_data / "eigenfold" / "structures").glob("*.pdb.gz"))[::4]
    assert len(files) > 100
    handled = 0
    for path in files:
        fast = read_ca_chain_fast(path, read_bytes(path))
        if fast is not None:  # declined files (e.g. lettered altlocs) go to the full reader
            _assert_same(fast, read_ca_chain(path))
            handled += 1
    assert handled > 0.8 * len(files)


def _atom(serial, name, alt, res, chain, num, xyz, rec="ATOM  "):
    return (
        f"{rec}{serial:5d} {name:^4s}{alt}{res:>3s} {chain}{num:4d}    "
        f"{xyz[0]:8.3f}{xyz[1]:8.3f}{xyz[2]:8.3f}  1.00  0.00           C"
    )


def test_chain_order_counts_calcium_like_full_reader(tmp_path):
    lines = [
        _atom(1, "CA", " ", "CA", "B", 1, (9, 9, 9), rec="HETATM"),
        _atom(2, "CA", " ", "GLY", "A", 1, (0, 0, 0)),
        _atom(3, "CA", " ", "ALA", "B", 2, (3.8, 0, 0)),
        _atom(4, "CA", " ", "MSE", "B", 3, (7.6, 0, 0), rec="HETATM"),
    ]
    path = tmp_path / "m.pdb.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\nEND\n").encode()))
    fast = read_ca_chain_fast(path, read_bytes(path))
    _assert_same(fast, read_ca_chain(path))
    assert fast[1] == "AM"


@pytest.mark.parametrize(
    "text",
    [
        _atom(1, "CA", "A", "GLY", "A", 1, (0, 0, 0)) + "\n" + _atom(2, "CA", "B", "GLY", "A", 1, (1, 0, 0)),
        _atom(1, "CA", " ", "GLY", "A", 1, (0, 0, 0)) + "\r\n",
        _atom(1, "CA", " ", "GLY", "A", 1, (0, 0, 0))[:40],
    ],
    ids=["altloc", "crlf", "truncated"],
)
def test_declines_what_it_does_not_handle(tmp_path, text):
    path = tmp_path / "x.pdb"
    path.write_text(text + "\nEND\n")
    assert read_ca_chain_fast(path, read_bytes(path)) is None


def test_read_trace_still_reports_bad_records(tmp_path):
    from protein_rgdm.errors import InputError

    path = tmp_path / "bad.pdb"
    path.write_text(_atom(1, "CA", " ", "GLY", "A", 1, (0, 0, 0))[:40] + "\nEND\n")
    with pytest.raises(InputError, match="bad.pdb"):
        read_trace(path)
