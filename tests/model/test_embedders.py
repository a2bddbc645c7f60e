"""Precomputed (EigenFold layout) and ESM-2 (local checkpoint, tiny random model) embedders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from protein_rgdm.config.embed import EmbedConfig
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.model import Packing, ScoreNetwork
from protein_rgdm.stages.embed import write_embeddings

SEQS = {"a_A": "MKTAYIAKQR", "b_B": "GSHMLEDPVAC"}


def _write_npz(d, name, seq, node_dim=256, edge_dim=128, seed=0):
    rng = np.random.default_rng(seed)
    L = len(seq)
    np.savez(d / f"{name}.npz", node_repr=rng.normal(size=(L, node_dim)).astype(np.float32),
             edge_repr=rng.normal(size=(L, L, edge_dim)).astype(np.float32))


def test_precomputed_with_pair_features(tmp_path, small_cfg, random_chain):
    for i, (n, s) in enumerate(SEQS.items()):
        _write_npz(tmp_path, n, s, seed=i)
    cfg = small_cfg(embedder={"kind": "precomputed", "directory": str(tmp_path), "dim": 8})
    torch.manual_seed(0)
    model = ScoreNetwork(cfg).eval()
    names, seqs = list(SEQS), list(SEQS.values())
    packing = Packing.from_lengths([len(s) for s in seqs])
    g = torch.Generator().manual_seed(0)
    x = torch.cat([random_chain(len(s), g, torch.float32) for s in seqs])
    t = torch.tensor([0.3, 0.7])
    feats = model.embed(seqs, names, packing)
    assert feats.pair is not None and feats.pair.shape == (sum(len(s) ** 2 for s in seqs), 128)
    out = model(x, t, t, packing, feats)
    # pair features matter: changing one chain's edge_repr changes that chain's output only
    _write_npz(tmp_path, "b_B", SEQS["b_B"], seed=99)
    model.embedder._cache.clear()
    out2 = model(x, t, t, packing, model.embed(seqs, names, packing))
    n0 = len(seqs[0])
    assert torch.allclose(out[:n0], out2[:n0]) and not torch.allclose(out[n0:], out2[n0:])
    with pytest.raises(InputError, match="record 'zz_Z': embedding file .*zz_Z.npz not found"):
        model.embed(["ACD"], ["zz_Z"], Packing.from_lengths([3]))
    np.savez(tmp_path / "w_W.npz", node_repr=np.zeros((4, 256), np.float32))
    with pytest.raises(InputError, match="record 'w_W'.*node_repr has shape \\(4, 256\\), expected \\(3, 256\\)"):
        model.embed(["ACD"], ["w_W"], Packing.from_lengths([3]))


@pytest.fixture
def tiny_esm(tmp_path):
    esm = pytest.importorskip("esm")
    torch.manual_seed(0)
    alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
    model = esm.model.esm2.ESM2(num_layers=2, embed_dim=32, attention_heads=4, alphabet=alphabet)
    state = {f"encoder.sentence_encoder.{k}": v for k, v in model.state_dict().items()}
    path = tmp_path / "esm2_t2_tiny.pt"
    torch.save({"model": state, "cfg": {"model": {"encoder_attention_heads": 4, "token_dropout": True}}}, path)
    return path, model.eval()


def test_esm_embedder_from_local_checkpoint(tmp_path, small_cfg, tiny_esm):
    path, ref_model = tiny_esm
    cfg = small_cfg(embedder={"kind": "esm", "checkpoint": str(path), "dim": 8})
    model = ScoreNetwork(cfg).eval()
    assert not any("_esm" in k for k in model.state_dict())  # frozen LM is not part of the checkpoint
    emb = model.embedder
    raw = emb.raw_embeddings(list(SEQS.values()))
    batch_converter = emb._alphabet.get_batch_converter()
    _, _, toks = batch_converter([("x", SEQS["b_B"])])
    with torch.no_grad():
        ref = ref_model(toks, repr_layers=[2])["representations"][2][0, 1:-1]
    np.testing.assert_allclose(raw[1], ref.numpy(), atol=1e-5)

    # the embed command writes the cache; the embedder then reads it instead of recomputing
    from protein_rgdm.structure.record import ChainRecord

    chains = tmp_path / "chains"
    for n, s in SEQS.items():
        L = len(s)
        ChainRecord(n, s, np.arange(3 * L, dtype=np.float32).reshape(L, 3), np.ones(L, bool), np.arange(L)).save(chains / f"{n}.npz")
    ChainRecord("bad_X", "ACXD", np.zeros((4, 3), np.float32), np.ones(4, bool), np.arange(4)).save(chains / "bad_X.npz")
    ecfg = EmbedConfig.model_validate({"embedder": {"kind": "esm", "checkpoint": str(path)}})
    out = tmp_path / "emb"
    summary = write_embeddings(ecfg, [chains], out, progress=False)
    assert summary == {"chains": 3, "computed": 2, "kept": 0, "failed": 1, "kind": "esm"}
    assert "bad_X" in (out / "failed.tsv").read_text()
    with np.load(out / "a_A.npz") as z:
        np.testing.assert_allclose(z["node_repr"], raw[0], atol=1e-6)
    assert write_embeddings(ecfg, [chains], out, progress=False)["kept"] == 2  # resumable
    cached = small_cfg(embedder={"kind": "esm", "checkpoint": str(path), "cache_dir": str(out), "dim": 8})
    m2 = ScoreNetwork(cached)
    m2.embedder.proj.load_state_dict(emb.proj.state_dict())
    p = Packing.from_lengths([len(s) for s in SEQS.values()])
    torch.testing.assert_close(m2.embed(list(SEQS.values()), list(SEQS), p).node, model.embed(list(SEQS.values()), None, p).node)


def test_esm_missing_checkpoint(small_cfg, tmp_path):
    with pytest.raises(ConfigError, match="embedder.checkpoint.*never downloaded"):
        ScoreNetwork(small_cfg(embedder={"kind": "esm", "checkpoint": str(tmp_path / "none.pt")}))


def test_esm_reads_the_unknown_token_as_its_own_x(small_cfg, tiny_esm):
    path, ref_model = tiny_esm
    emb = ScoreNetwork(small_cfg(embedder={"kind": "esm", "checkpoint": str(path), "dim": 8})).eval().embedder
    _, _, toks = emb._alphabet.get_batch_converter()([("x", "MKXA")])
    assert toks[0, 3].item() == emb._alphabet.get_idx("X") != emb._alphabet.unk_idx
    with torch.no_grad():
        ref = ref_model(toks, repr_layers=[2])["representations"][2][0, 1:-1]
    np.testing.assert_allclose(emb.raw_embeddings(["MKXA"])[0], ref.numpy(), atol=1e-5)
