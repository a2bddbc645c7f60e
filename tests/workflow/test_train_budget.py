"""A time-budgeted training finishes its workflow stage, and a larger budget continues it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml


def _budget(folder: Path, seconds: float) -> str:
    path = folder / f"budget_{seconds:g}.yaml"
    path.write_text(yaml.safe_dump({"train": {"max_time_s": seconds}}))  # merged over configs/tiny.yaml
    return str(path)


@pytest.mark.slow
def test_time_budget_ends_the_train_stage_and_a_larger_one_resumes(workdir: Path, smk):
    target = "results/tiny/train/checkpoint.pt"
    train = workdir / "results" / "tiny" / "train"
    out = smk(workdir, target, "--cores", "2", "--configfile", "configs/tiny.yaml", _budget(workdir, 1e-6), timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]  # before: MissingOutputException for checkpoint.pt
    first = json.loads((train / "summary.json").read_text())
    assert first["timed_out"] and not first["finished"] and first["step"] == 1
    assert (train / "checkpoint.pt").is_file() and (train / "last.pt").is_file()
    key = (train / "resume.key").read_text()

    out = smk(workdir, target, "--cores", "2", "--configfile", "configs/tiny.yaml", _budget(workdir, 600), timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    second = json.loads((train / "summary.json").read_text())
    assert second["start_step"] == 1 and second["finished"] and second["step"] == 6  # continued from last.pt
    assert (train / "resume.key").read_text() == key

    from protein_rgdm.artifacts.checkpoint import read_checkpoint

    assert int(read_checkpoint(train / "checkpoint.pt")["step"]) == 6
