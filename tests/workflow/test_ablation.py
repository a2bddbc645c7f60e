"""configs/tiny.yaml with a two-variant ablation, for real: each variant trains its own schedule, predicts at
two step budgets (few-step sampling on the trained schedule, and every step), and the comparison holds one row
per run with the NFE the samples report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml


@pytest.mark.slow
def test_tiny_ablation_end_to_end(workdir: Path, smk):
    overlay = workdir / "ablation.yaml"
    overlay.write_text(yaml.safe_dump({"ablation": {
        # a short trained schedule (t32 16: ~13-16 steps at L 20-64) keeps the full-step runs fast
        "variants": {"rg": {"diffusion": {"schedule": {"t32": 16}}},
                     "ddpm": {"diffusion": {"schedule": {"kind": "ddpm", "t32": 16},
                                            "colour": {"kind": "white", "variance": 1.0}}}},
        "steps": [6, "full"],  # 6 evaluations: below what RGDM's DDPM could be re-scheduled to at L ~ 20
    }}))  # fmt: skip
    out = smk(workdir, "--cores", "2", "--configfile", "configs/tiny.yaml", str(overlay), timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    abl = workdir / "results" / "tiny" / "ablation"
    from protein_rgdm.artifacts.checkpoint import config_from_checkpoint, read_checkpoint

    kinds = {v: config_from_checkpoint(read_checkpoint(abl / v / "train" / "checkpoint.pt")).diffusion for v in ("rg", "ddpm")}
    assert kinds["rg"].schedule.kind == "rg" and kinds["ddpm"].schedule.kind == "ddpm"
    assert kinds["ddpm"].colour.kind == "white" and kinds["ddpm"].colour.variance == 1.0
    with open(abl / "compare" / "test" / "comparison.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["variant"], r["steps"]) for r in rows} == {("rg", "6"), ("rg", "full"), ("ddpm", "6"), ("ddpm", "full")}
    for r in rows:
        run = abl / r["variant"] / f"steps_{r['steps']}" / "predict" / "test"
        nfes = [json.loads(p.read_text())["nfe"] for p in run.glob("predictions/*/*_sample_*.json")]
        assert nfes and float(r["nfe"]) == pytest.approx(sum(nfes) / len(nfes))
        assert 0 < float(r["top_ranked.tm_median"]) <= 1
    by = {(r["variant"], r["steps"]): float(r["nfe"]) for r in rows}
    # steps 6 = 6 evaluations on the trained schedule; full = every trained step (> 6); tiny's predict.t32 is dropped
    assert by[("rg", "6")] == by[("ddpm", "6")] == 6
    assert by[("rg", "full")] > 6 and by[("ddpm", "full")] > 6
    assert (abl / "compare" / "test" / "quality_vs_nfe.png").stat().st_size > 0
    again = smk(workdir, "-n", "--configfile", "configs/tiny.yaml", str(overlay))
    assert "Nothing to be done" in again.stdout + again.stderr
