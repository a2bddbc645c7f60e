"""Embedding files: the embed stage's writer and the embedders' reader agree; bad files name record and file."""

from __future__ import annotations

import numpy as np
import pytest

from protein_rgdm.artifacts.embeddings import embedding_file, read_embedding, save_embedding
from protein_rgdm.errors import InputError


def test_round_trip(tmp_path):
    node = np.random.default_rng(0).normal(size=(5, 4))
    path = embedding_file(tmp_path, "a_A")
    assert path == tmp_path / "a_A.npz"
    save_embedding(path, node, "MKVLA")
    got, edge = read_embedding(path, "a_A", "MKVLA", 4, None, need_sequence=True)
    assert got.dtype == np.float32 and edge is None and np.allclose(got, node, atol=1e-6)


def test_published_layout_without_seqres_and_with_pairs(tmp_path):
    """EigenFold / RGDM files: node_repr + edge_repr, no seqres (accepted unless the sequence is required)."""
    path = tmp_path / "b_B.npz"
    np.savez(path, node_repr=np.ones((3, 2)), edge_repr=np.zeros((3, 3, 6)))
    node, edge = read_embedding(path, "b_B", "GGG", 2, 6)
    assert node.shape == (3, 2) and edge.shape == (3, 3, 6)
    with pytest.raises(InputError, match="lacks 'seqres'"):
        read_embedding(path, "b_B", "GGG", 2, None, need_sequence=True)


@pytest.mark.parametrize(
    "sequence, node_dim, edge_dim, pattern",
    [
        ("MKVLG", 4, None, "different sequence"),
        ("MKVLA", 8, None, r"node_repr has shape \(5, 4\), expected \(5, 8\)"),
        ("MKVLA", 4, 6, "lacks array 'edge_repr'"),
    ],
)
def test_mismatches_name_record_and_file(tmp_path, sequence, node_dim, edge_dim, pattern):
    path = embedding_file(tmp_path, "a_A")
    save_embedding(path, np.zeros((5, 4)), "MKVLA")
    with pytest.raises(InputError, match=pattern) as info:
        read_embedding(path, "a_A", sequence, node_dim, edge_dim)
    assert "record 'a_A'" in str(info.value) and str(path) in str(info.value)
    (tmp_path / "cut.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match="not a readable npz"):
        read_embedding(tmp_path / "cut.npz", "cut", "MKVLA", 4, None)
    with pytest.raises(InputError, match="not found"):
        read_embedding(tmp_path / "none.npz", "none", "MKVLA", 4, None)
