"""Exact resume: a run stopped after step n and resumed reproduces the uninterrupted run's losses."""

from __future__ import annotations

import csv
from pathlib import Path

import torch

from protein_rgdm.train.data import index_chain_files, load_chains, load_split
from protein_rgdm.train.trainer import Trainer


def _losses(path: Path) -> dict[tuple[str, int], float]:
    with open(path, newline="") as handle:
        return {(r["kind"], int(r["step"])): float(r["loss"]) for r in csv.DictReader(handle)}


def test_resume_reproduces_losses(tmp_path, chains_dir, tiny_cfg):
    cfg = tiny_cfg(max_steps=9, checkpoint_every=3, log_every=1)
    index = index_chain_files([chains_dir])
    train, _ = load_chains(load_split(tmp_path / "train.csv"), index, cfg.data)
    val, _ = load_chains(load_split(tmp_path / "val.csv"), index, cfg.data)

    full = Trainer(cfg, train, val, tmp_path / "full", resume=False, progress=False)
    assert full.fit()["finished"]
    ref = _losses(tmp_path / "full" / "losses.csv")
    assert len([k for k in ref if k[0] == "train"]) == 9 and any(k[0] == "val" for k in ref)

    # "killed" after step 5: the last checkpoint is from step 3, the CSV already holds steps 4-5
    part = Trainer(cfg, train, val, tmp_path / "part", resume=False, progress=False)
    part.fit(stop_after=5, save_on_stop=False)
    assert not (tmp_path / "part" / "checkpoint.pt").exists()
    torch.manual_seed(1234)  # a new process would start with other global RNG state
    resumed = Trainer(cfg, train, val, tmp_path / "part", resume=True, progress=False)
    assert 0 < resumed.step < 5  # last periodic or end-of-epoch checkpoint before the "kill"
    assert resumed.fit()["finished"]
    got = _losses(tmp_path / "part" / "losses.csv")
    assert got.keys() == ref.keys()
    for key, value in ref.items():
        assert abs(got[key] - value) <= 1e-6 * max(1.0, abs(value)), (key, got[key], value)
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=True)
    b = torch.load(tmp_path / "part" / "checkpoint.pt", weights_only=True)
    for k, v in a["ema"]["shadow"].items():
        torch.testing.assert_close(b["ema"]["shadow"][k], v, rtol=0, atol=1e-6)
