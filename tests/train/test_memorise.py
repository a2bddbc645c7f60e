"""Memorisation: a few CPU minutes on two short real chains, then samples of those chains must
reach TM-score ≥ 0.9 to the truth — data, targets, network and sampler fitting together."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from protein_rgdm.config.train import TrainConfig
from protein_rgdm.structure.read import read_ca_chain
from protein_rgdm.structure.record import ChainRecord
from protein_rgdm.train.checkpoint import load_for_inference
from protein_rgdm.train.data import prepare_chain
from protein_rgdm.train.trainer import Trainer

# Two short, compact chains of the cgdms train split, complete (no unobserved residues). A single long helix
# (e.g. 3swy_A, tried first) is nearly symmetric about its axis: even the Bayes-optimal equivariant denoiser
# (posterior over rotations of the true chain, computed by brute force) gives samples at TM 0.89-0.98 there,
# against ~1.0 for these two, so it cannot separate a working pipeline from a broken one.
CHAINS = ("1p9g_A", "3odv_A")  # 40 and 38 residues
STEPS = 2000  # ~2-3 min on one core of the 2-core dev box; 1,100 steps gave TM 0.95 / 0.84, 2,800 gave 0.99 / 0.99
# Samples per chain. The trained model draws a poor sample (TM < 0.9) about 1 time in 14 (7 of 104 measured); the
# verdict must not hang on a few draws: with 4 samples, 2 poor ones among them (TM 0.81 and 0.74 for 1p9g_A on a
# 2-core AMD EPYC box, identically on every run) failed the median, although 16 samples of the same model have
# median 0.985. With 16, the median of each chain over 5 training seeds (standing in for another CPU's rounding,
# which changes the trained weights) lies in 0.967-0.99: a margin of >= 0.067 over the threshold.
SAMPLES = 16
THRESHOLD = 0.9


def _tm(model: np.ndarray, ref: np.ndarray) -> float:
    """TM-score (normalised by the reference length) after TMscore's superposition search."""
    from protein_rgdm.evaluate import tm_gdt_search

    L = len(ref)
    return float(tm_gdt_search(model, ref, L, L)[0])


@pytest.mark.slow
def test_memorise_two_real_chains(shared_data, tmp_path):
    """The package defaults for the diffusion (x0 target, prior-error step weighting) and a one-layer network
    with the global vector head; the 16 samples of each chain must reach median TM-score >= 0.9 (a compact chain of
    the right size scores ~0.3)."""
    recs = []
    for name in CHAINS:
        ca, seq, ids = read_ca_chain(shared_data / "cgdms" / "structures" / f"{name}.pdb.gz")
        recs.append(ChainRecord(name, seq, ca, np.ones(len(seq), bool), ids))
    cfg = TrainConfig.model_validate(dict(
        model=dict(ns=16, nv=2, layers=1, knn=8, num_rbf=16, time_dim=16, edge_hidden=32,
                   embedder=dict(kind="learned", dim=16, layers=2)),
        optim=dict(lr=1e-2, warmup_steps=20, decay="cosine", min_lr_ratio=0.05),
        data=dict(residue_budget=1000, max_chains=8, min_length=8),
        max_steps=STEPS, max_time_s=1200, val_every_epochs=10**6, ema_decay=0.99, checkpoint_every=10**6,
        device="cpu",
    ))
    chains = [prepare_chain(r, cfg.data) for r in recs] * 4  # 8 chains per batch, each at its own noise level
    trainer = Trainer(cfg, chains, [], tmp_path, resume=False, progress=False)
    trainer.fit()
    assert trainer.step == STEPS  # not cut short by the wall-time guard
    inf = load_for_inference(tmp_path / "last.pt")
    for chain in chains[:2]:
        n, L = SAMPLES, chain.length
        mask = torch.ones(n, L, dtype=torch.bool)
        with torch.no_grad():
            res = inf.diffusion.sample(inf.score_fn([chain.sequence] * n, mask), mask, torch.Generator().manual_seed(0))
        tms = [_tm(x.double().numpy(), chain.ca.astype(np.float64)) for x in res.x]
        assert np.median(tms) >= THRESHOLD, (chain.name, sorted(tms))
