"""Memorisation: a few CPU minutes on two short real chains, then samples of those chains must
reach TM-score ≥ 0.9 to the truth — data, targets, network and sampler fitting together."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from protein_rgdm.config.train import TrainConfig
from protein_rgdm.structure.read import read_ca_chain
from protein_rgdm.structure.record import ChainRecord
from protein_rgdm.train.checkpoint import load_for_inference
from protein_rgdm.train.data import prepare_chain
from protein_rgdm.train.trainer import Trainer

CHAINS = ("3swy_A", "6mgm_A")  # 46 and 44 residues, complete (no unobserved residues), cgdms train split
TRAIN_S = 110.0  # training wall time; sampling adds ~10 s


def _tm(model: np.ndarray, ref: np.ndarray) -> float:
    """TM-score (normalised by the reference length) after Kabsch superposition on all residues."""
    from protein_rgdm.evaluate import tm_gdt_search

    L = len(ref)
    return float(tm_gdt_search(model, ref, L, L)[0])


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 4): after ~110-150 s on a 2-core CPU samples reach TM ~0.1-0.4, not 0.9; for t >= 0.6 "
    "the network is no better than the trivial sqrt(alpha_bar)-shrinkage predictor, with any target or weighting "
    "tried. strict: this fails loudly the day the test passes, so the marker cannot outlive the fix.",
)
def test_memorise_two_real_chains(shared_data, tmp_path):
    recs = []
    for name in CHAINS:
        ca, seq, ids = read_ca_chain(shared_data / "cgdms" / "structures" / f"{name}.pdb.gz")
        recs.append(ChainRecord(name, seq, ca, np.ones(len(seq), bool), ids))
    cfg = TrainConfig.model_validate(dict(
        model=dict(ns=16, nv=4, layers=3, knn=8, num_rbf=16, time_dim=16, edge_hidden=32,
                   embedder=dict(kind="learned", dim=16, layers=2)),
        optim=dict(lr=3e-3, warmup_steps=20, decay="cosine", min_lr_ratio=0.05),
        data=dict(residue_budget=1000, max_chains=8, min_length=8),
        max_steps=500, max_time_s=TRAIN_S, val_every_epochs=10**6, ema_decay=0.99, checkpoint_every=10**6, device="cpu",
    ))
    chains = [prepare_chain(r, cfg.data) for r in recs] * 4  # 8 chains per batch, each at its own noise level
    t0 = time.perf_counter()
    Trainer(cfg, chains, [], tmp_path, resume=False, progress=False).fit()
    assert time.perf_counter() - t0 < TRAIN_S + 30
    inf = load_for_inference(tmp_path / "last.pt")
    for chain in chains[:2]:
        n, L = 4, chain.length
        mask = torch.ones(n, L, dtype=torch.bool)
        with torch.no_grad():
            res = inf.diffusion.sample(inf.score_fn([chain.sequence] * n, mask), mask, torch.Generator().manual_seed(0))
        tms = [_tm(x.double().numpy(), chain.ca.astype(np.float64)) for x in res.x]
        assert np.median(tms) >= 0.9, (chain.name, tms)
