"""Cα-trace writers: what is written reads back (through our reader and biotite)."""

import numpy as np
import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.structure.chain import build_chain_record
from protein_rgdm.structure.read import read_ca_chain, read_structure
from protein_rgdm.structure.write import write_ca_structure


@pytest.mark.parametrize("fmt", ["pdb", "cif"])
def test_roundtrip(tmp_path, fmt):
    rng = np.random.default_rng(0)
    seq = "MKVLAAGGHHWYXACDEFGHIKLMNPQRST"
    ca = np.cumsum(rng.normal(size=(len(seq), 3)) * 2.0, axis=0)
    ca[5] = np.nan
    path = tmp_path / f"model.{fmt}"
    write_ca_structure(path, ca, seq, fmt=fmt, b_factors=np.linspace(0, 1, len(seq)))
    parsed = read_structure(path)
    assert parsed.seqres["A"] == seq
    rec = build_chain_record(parsed, "A", "model")
    assert rec.seqres == seq and rec.observed.sum() == len(seq) - 1 and not rec.observed[5]
    np.testing.assert_allclose(rec.ca[rec.observed], ca[rec.observed], atol=1e-3 if fmt == "pdb" else 1e-5)
    _, letters, ids = read_ca_chain(path)
    assert letters == seq[:5] + seq[6:] and ids[5] == 7


def test_writer_rejects_bad_shapes(tmp_path):
    with pytest.raises(InputError, match="shape"):
        write_ca_structure(tmp_path / "x.pdb", np.zeros((3, 3)), "AAAA")
    with pytest.raises(InputError, match="format"):
        write_ca_structure(tmp_path / "x.xyz", np.zeros((4, 3)), "AAAA", fmt="xyz")
