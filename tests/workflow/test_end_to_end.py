"""configs/tiny.yaml through the whole workflow: every output exists and parses; a re-run does nothing."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

STAGE_COMMANDS = ("fetch", "featurize", "split", "embed", "bases", "train", "predict", "evaluate", "report")


def _missing_commands() -> list[str]:
    out = subprocess.run([str(Path(sys.executable).with_name("protein-rgdm")), "--help"], capture_output=True, text=True)
    return [c for c in STAGE_COMMANDS if f"  {c} " not in out.stdout]


@pytest.mark.slow
def test_tiny_workflow_end_to_end(workdir: Path, smk):
    missing = _missing_commands()
    if missing:
        pytest.skip(f"stage commands not in this checkout yet: {missing}")
    out = smk(workdir, "--cores", "2", "--configfile", "configs/tiny.yaml", "--rerun-incomplete", timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    res = workdir / "results" / "tiny"
    for rel in ("raw/fetch_manifest.csv", "featurize/manifest.csv", "splits/train.csv", "splits/test.csv",
                "bases/spectrum.json", "train/checkpoint.pt", "predict/summary.csv", "predict/failed.tsv",
                "evaluate/metrics.csv", "report/report.md"):  # fmt: skip
        assert (res / rel).is_file() and (res / rel).stat().st_size > 0, rel
    json.loads((res / "bases/spectrum.json").read_text())
    test_ids = [r["name"] for r in csv.DictReader(open(res / "splits/test.csv"))]
    summary = list(csv.DictReader(open(res / "predict/summary.csv")))
    assert {r["id"] for r in summary} == set(test_ids) and len(summary) == 2 * len(test_ids)
    from biotite.structure.io import load_structure

    for row in summary:
        atoms = load_structure(res / "predict" / row["path"])
        assert len(atoms) == len(next(r for r in csv.DictReader(open(res / "splits/test.csv")) if r["name"] == row["id"])["seqres"])
    metrics = list(csv.DictReader(open(res / "evaluate/metrics.csv")))
    assert len(metrics) >= len(summary)
    for log in (workdir / "logs" / "tiny").rglob("*.log"):
        assert log.is_file()
    again = smk(workdir, "-n", "--configfile", "configs/tiny.yaml")
    assert "Nothing to be done" in again.stdout + again.stderr
