"""configs/tiny.yaml through the whole workflow for real: every output exists and parses, the
report's numbers equal a recomputation from metrics.csv, and a re-run has nothing to do."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest

STAGES = ("fetch", "featurize", "split", "embed", "bases", "train", "predict", "evaluate", "report")
METRICS = (("tm", 3, max), ("rmsd", 2, min), ("gdt_ts", 3, max), ("gdt_ha", 3, max), ("lddt", 3, max))


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _recompute(metrics: list[dict[str, str]]) -> dict[str, dict[str, tuple[float, float]]]:
    """{aggregation: {metric: (mean, median) over targets}}, computed here from metrics.csv alone."""
    by_target: dict[str, list[dict[str, str]]] = {}
    for row in metrics:
        if not row["error"]:
            by_target.setdefault(row["target"], []).append(row)
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for agg in ("first_sample", "top_ranked", "mean_over_samples", "oracle_best_of_n"):
        table = {}
        for name, _, best in METRICS:
            per_target = []
            for rows in by_target.values():
                values = [float(r[name]) for r in rows]
                if agg == "first_sample":
                    per_target.append(float(min(rows, key=lambda r: int(r["sample"]))[name]))
                elif agg == "top_ranked":
                    per_target.append(float(min(rows, key=lambda r: (int(r["rank"]), int(r["sample"])))[name]))
                elif agg == "mean_over_samples":
                    per_target.append(statistics.fmean(values))
                else:
                    per_target.append(best(values))
            table[name] = (statistics.fmean(per_target), statistics.median(per_target))
        out[agg] = table
    return out


def _report_table(report_md: str) -> dict[str, list[str]]:
    """The aggregate table of report.md: {aggregation: [cells...]}."""
    lines = report_md.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| aggregation"))
    table = {}
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break
        cells = [c.strip() for c in ln.strip("|").split("|")]
        table[cells[0]] = cells[1:]
    return table


@pytest.mark.slow
def test_tiny_workflow_end_to_end(workdir: Path, smk):
    out = smk(workdir, "--cores", "2", "--configfile", "configs/tiny.yaml", "--rerun-incomplete", timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    res = workdir / "results" / "tiny"
    expected = (
        "raw/fetch_manifest.csv", "featurize/manifest.csv", "featurize/rejected.csv", "splits/train.csv",
        "splits/val.csv", "splits/test.csv", "embeddings/manifest.csv", "bases/spectrum.json", "train/checkpoint.pt",
        "train/losses.csv", "predict/summary.csv", "predict/failed.tsv", "evaluate/metrics.csv", "report/report.md",
        "report/report.html", "report/aggregate.csv", "report/tm_distribution.png", "report/rmsd_vs_length.png",
        "report/first_vs_best.png",
    )  # fmt: skip
    for rel in expected:
        assert (res / rel).is_file() and (res / rel).stat().st_size > 0, rel
    for stage in STAGES:
        assert (workdir / "logs" / "tiny" / f"{stage}.log").is_file(), stage

    # Data stages: ten chains fetched and featurized, split three ways without overlap.
    assert len(_rows(res / "raw/fetch_manifest.csv")) == 10
    chains = {r["name"] for r in _rows(res / "featurize/manifest.csv")}
    assert len(chains) == 10 and all((res / "featurize/chains" / f"{n}.npz").is_file() for n in chains)
    splits = {s: [r["name"] for r in _rows(res / f"splits/{s}.csv")] for s in ("train", "val", "test")}
    assert set().union(*splits.values()) == chains and sum(map(len, splits.values())) == 10 and splits["test"]
    spectrum = json.loads((res / "bases/spectrum.json").read_text())
    assert spectrum["fit"]["c"] > 0

    # Training: a real checkpoint of the configured steps, loadable for inference.
    from protein_rgdm.train.checkpoint import read_checkpoint

    assert int(read_checkpoint(res / "train/checkpoint.pt")["step"]) == 6
    assert len(_rows(res / "train/losses.csv")) >= 1

    # Prediction: two samples of every test chain, PDB + mmCIF, each with its JSON.
    from biotite.structure.io import load_structure

    seqres = {r["name"]: r["seqres"] for r in _rows(res / "splits/test.csv")}
    summary = _rows(res / "predict/summary.csv")
    assert {r["id"] for r in summary} == set(splits["test"]) and len(summary) == 2 * len(splits["test"])
    assert _rows(res / "predict/failed.tsv", "\t") == []
    for row in summary:
        path = res / "predict" / row["path"]
        for suffix in (".pdb", ".cif"):  # the full backbone N, CA, C, O (predict's default)
            atoms, length = load_structure(path.with_suffix(suffix)), len(seqres[row["id"]])
            assert (atoms.atom_name == "CA").sum() == length and len(atoms) == 4 * length
        info = json.loads(path.with_suffix(".json").read_text())
        assert info["sequence"] == seqres[row["id"]] and info["schedule"]["t32"] == 8

    # Evaluation: one row per sample although each sample has two files; every row scored.
    metrics = _rows(res / "evaluate/metrics.csv")
    assert len(metrics) == len(summary) and all(not r["error"] for r in metrics)
    assert {r["model"] for r in metrics} == {Path(r["path"]).name for r in summary}
    for r in metrics:
        assert 0 < float(r["tm"]) <= 1 and float(r["rmsd"]) >= 0 and int(r["n_matched"]) == len(seqres[r["target"]])

    # Report: its numbers are what metrics.csv gives when recomputed here.
    want = _recompute(metrics)
    table = _report_table((res / "report/report.md").read_text())
    assert set(table) == set(want)
    for agg, cells in table.items():
        assert int(cells[0]) == len(splits["test"])
        for (name, digits, _), cell in zip(METRICS, cells[1:], strict=True):
            mean, median = (float(x) for x in cell.split(" / "))
            # printed rounded to `digits`: within half a unit of the last digit of the recomputed value
            assert abs(mean - want[agg][name][0]) <= 0.5 * 10**-digits + 1e-9, (agg, name, mean, want[agg][name])
            assert abs(median - want[agg][name][1]) <= 0.5 * 10**-digits + 1e-9, (agg, name, median, want[agg][name])
    for row in _rows(res / "report/aggregate.csv"):
        for name, _, _ in METRICS:
            assert float(row[f"{name}_mean"]) == pytest.approx(want[row["aggregation"]][name][0], rel=1e-4)
            assert float(row[f"{name}_median"]) == pytest.approx(want[row["aggregation"]][name][1], rel=1e-4)

    again = smk(workdir, "-n", "--configfile", "configs/tiny.yaml")
    assert "Nothing to be done" in again.stdout + again.stderr
