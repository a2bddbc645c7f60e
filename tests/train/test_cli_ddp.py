"""The ``train`` command: single process, and DDP over 2 CPU processes with gloo via torchrun."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import yaml

from protein_rgdm.cli.app import main
from protein_rgdm.predict.checkpoint import load_for_inference


def _config(tmp_path, tiny_cfg, **kw):
    cfg = tiny_cfg(**kw)
    path = tmp_path / "workflow.yaml"
    path.write_text(yaml.safe_dump({"train": cfg.model_dump(mode="json"), "predict": {"other": 1}}))
    return path


def _train_rows(path):
    with open(path, newline="") as h:
        return [r for r in csv.DictReader(h) if r["kind"] == "train"]


def test_train_command_single_process(tmp_path, chains_dir, tiny_cfg, capsys):
    cfg = _config(tmp_path, tiny_cfg, max_steps=3)
    out = tmp_path / "out"
    args = ["train", "--config", str(cfg), str(chains_dir), "--train", str(tmp_path / "train.csv"),
            "--val", str(tmp_path / "val.csv"), "--out-dir", str(out), "--device", "cpu", "--no-progress"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["step"] == 3 and summary["train_chains"] == 10 and summary["world_size"] == 1
    for name in ("checkpoint.pt", "last.pt", "losses.csv", "config.yaml", "skipped.csv", "summary.json"):
        assert (out / name).is_file(), name
    assert len(_train_rows(out / "losses.csv")) == 3
    # running again resumes from last.pt: nothing left to do, same step
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["step"] == 3
    # bad device and a config key that does not exist: one-line errors
    assert main(args[:-3] + ["--device", "cuda:7", "--no-progress"]) == 2
    assert "device" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("train: {optim: {lr: 1e-3, lrr: 2}}\n")
    assert main(["train", "--config", str(tmp_path / "bad.yaml")] + args[3:]) == 2
    assert "unknown key 'optim.lrr'" in capsys.readouterr().err


def test_torchrun_ddp_gloo_two_processes(tmp_path, chains_dir, tiny_cfg):
    cfg = _config(tmp_path, tiny_cfg, max_steps=4, data={"residue_budget": 60})
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "protein_rgdm", "train", "--config", str(cfg), str(chains_dir), "--train", str(tmp_path / "train.csv"),
           "--out-dir", str(out), "--device", "cpu", "--no-progress"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=170, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["step"] == 4
    inf = load_for_inference(out / "checkpoint.pt")
    assert inf.metadata["world_size"] == 2
    assert len(_train_rows(out / "losses.csv")) == 4
