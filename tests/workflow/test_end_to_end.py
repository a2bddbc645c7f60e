"""configs/tiny.yaml through the whole workflow for real: every output exists and parses, the
report's numbers equal a recomputation from metrics.csv, and a re-run has nothing to do."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest

STAGES = ("fetch", "featurize", "split", "embed", "bases", "train")  # logs/tiny/<stage>.log
SET_STAGES = ("targets", "predict", "evaluate", "report")  # logs/tiny/<stage>/test.log: one per target set
METRICS = (("tm", 3, max), ("rmsd", 2, min), ("gdt_ts", 3, max), ("gdt_ha", 3, max), ("lddt", 3, max))
# geometry columns as the report prints them (median only); best None: taken from the best-TM sample
GEOMETRY = (
    ("bond_valid", 3, max), ("bond_rms_dev", 2, min), ("clash", 4, min), ("rg", 2, None), ("sse_helix", 3, None),
    ("sse_strand", 3, None), ("sse_coil", 3, None), ("rg_ratio", 3, None), ("ref_sse_helix", 3, None),
    ("ref_sse_strand", 3, None), ("ref_sse_coil", 3, None), ("sse_agreement", 3, max),
)  # fmt: skip


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
        for name, _, best in METRICS + GEOMETRY:
            per_target = []
            for rows in by_target.values():
                values = [float(r[name]) for r in rows]
                if agg == "first_sample":
                    per_target.append(float(min(rows, key=lambda r: int(r["sample"]))[name]))
                elif agg == "top_ranked":
                    per_target.append(float(min(rows, key=lambda r: (int(r["rank"]), int(r["sample"])))[name]))
                elif agg == "mean_over_samples":
                    per_target.append(statistics.fmean(values))
                elif best is None:  # descriptive: the oracle's best-TM sample
                    per_target.append(float(max(rows, key=lambda r: float(r["tm"]))[name]))
                else:
                    per_target.append(best(values))
            table[name] = (statistics.fmean(per_target), statistics.median(per_target))
        out[agg] = table
    return out


def _report_table(report_md: str, heading: str = "## Aggregate") -> dict[str, list[str]]:
    """The first table after ``heading`` in report.md: {aggregation: [cells...]}."""
    lines = report_md.splitlines()
    after = next(i for i, ln in enumerate(lines) if ln.startswith(heading))
    start = next(i for i, ln in enumerate(lines) if i > after and ln.startswith("| aggregation"))
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
        "train/losses.csv", "targets/test.csv", "predict/test/summary.csv", "predict/test/failed.tsv",
        "evaluate/test/metrics.csv", "report/test/report.md", "report/test/report.html", "report/test/aggregate.csv",
        "report/test/tm_distribution.png", "report/test/rmsd_vs_length.png", "report/test/first_vs_best.png",
        "report/test/geometry.png",
    )  # fmt: skip
    for rel in expected:
        assert (res / rel).is_file() and (res / rel).stat().st_size > 0, rel
    for stage in STAGES:
        assert (workdir / "logs" / "tiny" / f"{stage}.log").is_file(), stage
    for stage in SET_STAGES:
        assert (workdir / "logs" / "tiny" / stage / "test.log").is_file(), stage

    # Data stages: ten chains fetched and featurized, split three ways without overlap.
    assert len(_rows(res / "raw/fetch_manifest.csv")) == 10
    chains = {r["name"] for r in _rows(res / "featurize/manifest.csv")}
    assert len(chains) == 10 and all((res / "featurize/chains" / f"{n}.npz").is_file() for n in chains)
    splits = {s: [r["name"] for r in _rows(res / f"splits/{s}.csv")] for s in ("train", "val", "test")}
    assert set().union(*splits.values()) == chains and sum(map(len, splits.values())) == 10 and splits["test"]
    spectrum = json.loads((res / "bases/spectrum.json").read_text())
    assert spectrum["fit"]["c"] > 0

    # Training: a real checkpoint of the configured steps, loadable for inference.
    from protein_rgdm.artifacts.checkpoint import read_checkpoint

    assert int(read_checkpoint(res / "train/checkpoint.pt")["step"]) == 6
    assert len(_rows(res / "train/losses.csv")) >= 1

    # Target selection: the test split's chains, as id,sequence.
    assert {r["id"] for r in _rows(res / "targets/test.csv")} == set(splits["test"])

    # Prediction: two samples of every test chain, PDB + mmCIF, each with its JSON.
    from biotite.structure.io import load_structure

    seqres = {r["name"]: r["seqres"] for r in _rows(res / "splits/test.csv")}
    summary = _rows(res / "predict/test/summary.csv")
    assert {r["id"] for r in summary} == set(splits["test"]) and len(summary) == 2 * len(splits["test"])
    assert _rows(res / "predict/test/failed.tsv", "\t") == []
    for row in summary:
        path = res / "predict" / "test" / row["path"]
        for suffix in (".pdb", ".cif"):  # the full backbone N, CA, C, O (predict's default)
            atoms, length = load_structure(path.with_suffix(suffix)), len(seqres[row["id"]])
            assert (atoms.atom_name == "CA").sum() == length and len(atoms) == 4 * length
        info = json.loads(path.with_suffix(".json").read_text())
        assert info["sequence"] == seqres[row["id"]] and info["schedule"]["t32"] == 8
        geometry = info["geometry"]  # reference-free metrics of the sample
        assert len(geometry["sse"]) == len(seqres[row["id"]]) and 0 <= geometry["bond_valid"] <= 1

    # Evaluation: one row per sample although each sample has two files; every row scored.
    metrics = _rows(res / "evaluate/test/metrics.csv")
    assert len(metrics) == len(summary) and all(not r["error"] for r in metrics)
    assert {r["model"] for r in metrics} == {Path(r["path"]).name for r in summary}
    for r in metrics:
        assert 0 < float(r["tm"]) <= 1 and float(r["rmsd"]) >= 0 and int(r["n_matched"]) == len(seqres[r["target"]])
        fractions = [float(r[c]) for c in ("bond_valid", "clash", "sse_helix", "sse_strand", "sse_agreement")]
        assert all(0 <= f <= 1 for f in fractions) and float(r["rg"]) > 0 and float(r["rg_ratio"]) > 0
        assert float(r["sse_helix"]) + float(r["sse_strand"]) + float(r["sse_coil"]) == pytest.approx(1, abs=1e-5)

    # Report: its numbers are what metrics.csv gives when recomputed here.
    want = _recompute(metrics)
    table = _report_table((res / "report/test/report.md").read_text())
    assert set(table) == set(want)
    for agg, cells in table.items():
        assert int(cells[0]) == len(splits["test"])
        for (name, digits, _), cell in zip(METRICS, cells[1:], strict=True):
            mean, median = (float(x) for x in cell.split(" / "))
            # printed rounded to `digits`: within half a unit of the last digit of the recomputed value
            assert abs(mean - want[agg][name][0]) <= 0.5 * 10**-digits + 1e-9, (agg, name, mean, want[agg][name])
            assert abs(median - want[agg][name][1]) <= 0.5 * 10**-digits + 1e-9, (agg, name, median, want[agg][name])
    geometry = _report_table((res / "report/test/report.md").read_text(), "## Geometry")
    assert set(geometry) == set(want)
    for agg, cells in geometry.items():
        for (name, digits, _), cell in zip(GEOMETRY, cells, strict=True):
            median = want[agg][name][1]
            assert abs(float(cell) - median) <= 0.5 * 10**-digits + 1e-9, (agg, name, cell, want[agg][name])
    for row in _rows(res / "report/test/aggregate.csv"):
        for name, _, _ in METRICS + GEOMETRY:
            assert float(row[f"{name}_mean"]) == pytest.approx(want[row["aggregation"]][name][0], rel=1e-4)
            assert float(row[f"{name}_median"]) == pytest.approx(want[row["aggregation"]][name][1], rel=1e-4)

    again = smk(workdir, "-n", "--configfile", "configs/tiny.yaml")
    assert "Nothing to be done" in again.stdout + again.stderr
