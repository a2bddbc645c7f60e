"""bench/device_check.py --smoke: the GPU check's code paths run on CPU, so the script cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def test_device_check_smoke(tmp_path):
    out = tmp_path / "figures.json"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, str(REPO / "bench" / "device_check.py"), "--smoke", "--no-compile", "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(out.read_text())
    assert res["info"]["smoke"] and res["info"]["network_parameters"] > 0
    # same seed, same batch, same generator: on CPU autocast is off, so both runs are the same arithmetic
    p = res["parity"]
    assert not p["bf16_active"] and p["relative_difference"] == 0.0 and np.isfinite(p["fp32_mean_loss"])
    assert {r["L"] for r in res["train"]} == {24, 40}
    for r in res["train"] + res["compile"]:
        assert r["finite"] and r["residues_per_s"] > 0 and len(r["losses"]) >= 3
    # the sampler ran the schedule's full step count for L = 48 (RG, t32 = 6) with one evaluation per step
    from protein_rgdm.config.diffusion import DiffusionConfig
    from protein_rgdm.diffusion import Diffusion

    steps = Diffusion.from_config(DiffusionConfig.model_validate({"schedule": {"kind": "rg", "t32": 6}})).num_steps(48)
    s = res["sample"]
    assert s["finite"] and s["L"] == 48 and s["nfe"] == steps
    assert "loss parity" in proc.stdout and "sample L=48" in proc.stdout
