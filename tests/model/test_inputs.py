"""Bad sequences give one clear error naming the record; the graph is sparse and chain-local."""

from __future__ import annotations

import pytest
import torch

from protein_rgdm.errors import InputError
from protein_rgdm.model import Packing, ScoreNetwork, make_score_fn, validate_sequences
from protein_rgdm.model.graph import build_edges


@pytest.mark.parametrize("bad", ["ACDXE", "ACBDE", "ACZ", "AUC", "OAC", "acde", "AC-DE", "AC DE", "AC*"])
def test_letters_outside_the_20_amino_acids(bad):
    with pytest.raises(InputError, match=r"record 'seq2'.*outside the 20 standard amino acids"):
        validate_sequences(["ACDE", "MKV", bad], ["seq0", "seq1", "seq2"])


def test_empty_and_too_long(small_cfg):
    with pytest.raises(InputError, match="record 'e': empty sequence"):
        validate_sequences(["ACD", ""], ["a", "e"])
    model = ScoreNetwork(small_cfg(max_length=12))
    mask = torch.ones(1, 13, dtype=torch.bool)
    with pytest.raises(InputError, match="record 'long': length 13 exceeds the configured maximum 12"):
        make_score_fn(model, ["A" * 13], mask, ["long"])
    with pytest.raises(InputError, match="differ from the mask"):
        make_score_fn(model, ["A" * 11], mask, ["short"])


def test_graph_is_sparse_and_within_chains(random_chain):
    g = torch.Generator().manual_seed(0)
    lengths = [5, 40, 17]
    packing = Packing.from_lengths(lengths)
    x = torch.cat([random_chain(L, g) for L in lengths])
    k, w = 6, 2
    src, dst = build_edges(x, packing, k, w, block=7)
    assert (packing.batch[src] == packing.batch[dst]).all()
    assert not (src == dst).any()
    pairs = set(zip(src.tolist(), dst.tolist()))
    assert len(pairs) == len(src)  # no duplicates
    deg = torch.bincount(dst, minlength=packing.num_nodes)
    for b, L in enumerate(lengths):
        nodes = (packing.batch == b).nonzero().flatten()
        pos = packing.position[nodes]
        seq_deg = torch.clamp(pos, max=w) + torch.clamp(L - 1 - pos, max=w)
        expect = seq_deg + torch.clamp(L - 1 - seq_deg, max=k)
        assert torch.equal(deg[nodes], expect)
    # the k spatial neighbours are the nearest ones outside the sequence window
    i = int(packing.offsets[1]) + 20
    d = (x - x[i]).norm(dim=-1)
    cand = [j for j in range(int(packing.offsets[1]), int(packing.offsets[1]) + 40) if abs(j - i) > w]
    nearest = sorted(cand, key=lambda j: float(d[j]))[:k]
    got = {s for s, t in pairs if t == i and abs(s - i) > w}
    assert got == set(nearest)


def test_the_unknown_token_is_accepted_only_where_allowed():
    assert validate_sequences(["ACXD"], ["u"], allow_unknown=True) == ["ACXD"]
    with pytest.raises(InputError, match=r"record 'u'.*or the unknown token X"):
        validate_sequences(["ACBD"], ["u"], allow_unknown=True)  # B is mapped to X before the model, never passed
    from protein_rgdm.model.tokens import tokenize

    assert tokenize(["ACX", "Y"]).tolist() == [0, 1, 20, 19]


def test_learned_embedder_gives_x_the_mean_residue_embedding(small_cfg):
    import copy

    model = ScoreNetwork(small_cfg()).eval()
    emb = model.embedder
    with torch.no_grad():
        emb.tokens.weight.normal_(generator=torch.Generator().manual_seed(0))
    twin = copy.deepcopy(emb)
    with torch.no_grad():  # the twin's A is the mean of the 20 rows: its "AAAA" must equal the original's "XXXX"
        twin.tokens.weight[0] = emb.tokens.weight.mean(0)
    packing = Packing.from_lengths([4])
    with torch.no_grad():
        got = model.embed(["XXXX"], None, packing).node
        want = twin(["AAAA"], None, packing).node
        other = emb(["AAAA"], None, packing).node
    torch.testing.assert_close(got, want)
    assert not torch.allclose(got, other)
    assert sum(p.numel() for p in emb.tokens.parameters()) == 20 * emb.out_dim  # no new parameter: checkpoints load
