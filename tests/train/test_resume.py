"""Exact resume: a run stopped after step n and resumed reproduces the uninterrupted run's losses."""

from __future__ import annotations

import csv
from pathlib import Path

import torch

from protein_rgdm.artifacts.chains import index_chain_files
from protein_rgdm.artifacts.split import load_split
from protein_rgdm.train.data import load_chains
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


def test_spent_time_budget_writes_the_final_checkpoint_and_stays_resumable(tmp_path, chains_dir, tiny_cfg):
    """max_time_s ends the stage like max_steps (checkpoint.pt of the step reached); a later run
    without the budget continues from last.pt and ends where an unbudgeted run ends."""
    cfg = tiny_cfg(max_steps=6, log_every=1)
    index = index_chain_files([chains_dir])
    train, _ = load_chains(load_split(tmp_path / "train.csv"), index, cfg.data)
    val, _ = load_chains(load_split(tmp_path / "val.csv"), index, cfg.data)

    budget = Trainer(cfg.model_copy(update={"max_time_s": 1e-9}), train, val, tmp_path / "b", progress=False)
    out = budget.fit()
    assert out["timed_out"] and not out["finished"] and out["step"] == 1  # out of time after the first step
    final = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)
    last = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert final["step"] == last["step"] == 1
    for k, v in last["ema"]["shadow"].items():
        torch.testing.assert_close(final["ema"]["shadow"][k], v, rtol=0, atol=0)

    torch.manual_seed(99)
    more = Trainer(cfg, train, val, tmp_path / "b", progress=False).fit()
    assert more["start_step"] == 1 and more["finished"] and not more["timed_out"]
    full = Trainer(cfg, train, val, tmp_path / "full", resume=False, progress=False).fit()
    assert full["start_step"] == 0 and full["step"] == more["step"] == 6
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)
    for k, v in a["ema"]["shadow"].items():
        torch.testing.assert_close(b["ema"]["shadow"][k], v, rtol=0, atol=1e-6)
