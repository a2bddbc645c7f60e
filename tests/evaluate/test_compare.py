"""compare: per (variant, steps) medians over targets, NFE from the sample JSONs, table and plot."""

from __future__ import annotations

import csv
import json
import math

import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.evaluate.batch import METRIC_COLUMNS
from protein_rgdm.evaluate.compare import ComparisonRun, compare_runs, write_comparison


def _run(tmp_path, name: str, nfe: int, tms: dict[str, list[float]]):
    """A metrics.csv whose targets have the given per-sample TMs (rank 1 = sample 0), JSONs with ``nfe``."""
    folder = tmp_path / name
    folder.mkdir()
    rows = []
    for target, values in tms.items():
        for k, tm in enumerate(values):
            model = folder / f"{target}_sample_{k}.pdb"
            model.write_text("")
            model.with_suffix(".json").write_text(json.dumps({"nfe": nfe}))
            row = {c: "" for c in METRIC_COLUMNS}
            row.update(target=target, model=model.name, sample=k, rank=k + 1, ranking_score=1.0 - 0.1 * k, n_model=50,
                       n_reference=50, n_matched=50, seq_identity=1.0, rmsd=10 * (1 - tm), tm=tm, gdt_ts=tm,
                       gdt_ha=tm / 2, lddt=tm, model_path=str(model))  # fmt: skip
            rows.append(row)
    path = folder / "metrics.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METRIC_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_medians_nfe_and_order(tmp_path):
    runs = [
        ComparisonRun("rg", "full", _run(tmp_path, "rg_full", 80, {"a": [0.5, 0.1], "b": [0.7, 0.9], "c": [0.3, 0.3]})),
        ComparisonRun("rg", "10", _run(tmp_path, "rg_10", 10, {"a": [0.4, 0.2], "b": [0.6, 0.2], "c": [0.2, 0.8]})),
        ComparisonRun("ddpm", "10", _run(tmp_path, "ddpm_10", 12, {"a": [0.1, 0.1], "b": [0.2, 0.2], "c": [0.3, 0.3]})),
    ]
    table = compare_runs(runs)
    # variants in the order given, runs of one variant by NFE
    assert list(zip(table["variant"], table["steps"], strict=True)) == [("rg", "10"), ("rg", "full"), ("ddpm", "10")]
    assert list(table["nfe"]) == [10.0, 80.0, 12.0] and set(table["n_targets"]) == {3}
    rg_full = table[(table["variant"] == "rg") & (table["steps"] == "full")].iloc[0]
    assert rg_full["top_ranked.tm_median"] == pytest.approx(0.5)  # sample 0 of a, b, c: 0.5, 0.7, 0.3
    assert rg_full["top_ranked.tm_mean"] == pytest.approx(0.5)
    assert rg_full["first_sample.rmsd_median"] == pytest.approx(5.0)
    rg_10 = table[(table["variant"] == "rg") & (table["steps"] == "10")].iloc[0]
    assert rg_10["top_ranked.tm_median"] == pytest.approx(0.4)  # 0.4, 0.6, 0.2

    files = write_comparison(runs, tmp_path / "out", title="T")
    md = files["comparison.md"].read_text()
    assert md.startswith("# T") and "| rg | full | 80.0 | 3 | 0.500 |" in md
    assert files["quality_vs_nfe.png"].read_bytes()[:4] == b"\x89PNG"
    with open(files["comparison.csv"], newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 3


def test_missing_json_gives_nan_nfe_and_errors_name_the_file(tmp_path):
    path = _run(tmp_path, "x", 5, {"a": [0.5]})
    for js in (tmp_path / "x").glob("*.json"):
        js.unlink()
    assert math.isnan(compare_runs([ComparisonRun("v", "full", path)])["nfe"].iloc[0])
    with pytest.raises(InputError, match="given twice"):
        compare_runs([ComparisonRun("v", "1", path), ComparisonRun("v", "1", path)])
    with pytest.raises(InputError, match="nowhere.csv"):
        compare_runs([ComparisonRun("v", "1", tmp_path / "nowhere.csv")])
    with pytest.raises(InputError, match="no runs"):
        compare_runs([])


def test_cli(tmp_path, capsys):
    from protein_rgdm.cli import main

    a = _run(tmp_path, "a", 10, {"t": [0.5, 0.4]})
    b = _run(tmp_path, "b", 20, {"t": [0.6, 0.4]})
    argv = ["compare", "--run", "rg", "10", str(a), "--run", "rg", "20", str(b), "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    assert "2 runs" in capsys.readouterr().out and (tmp_path / "o" / "comparison.md").is_file()
