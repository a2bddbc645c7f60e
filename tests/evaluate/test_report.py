"""Aggregations and the report: its numbers equal a recomputation from metrics.csv."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from protein_rgdm.cli.app import main
from protein_rgdm.evaluate.aggregate import GEOMETRY_METRICS, METRICS, per_target, read_metrics, summarize
from protein_rgdm.evaluate.batch import METRIC_COLUMNS

RNG = np.random.default_rng(7)


def _metrics(tmp_path):
    rows = []
    for t in range(6):
        for k in range(4):
            row = {c: "" for c in METRIC_COLUMNS}
            row.update(target=f"t{t}", model=f"t{t}_sample_{k}.pdb", sample=k, n_reference=50 + 20 * t,
                       ranking_score=RNG.uniform() if t < 4 else "")  # fmt: skip
            for m in (*METRICS, *GEOMETRY_METRICS):
                row[m] = RNG.uniform(0.5, 10) if m in ("rmsd", "rg") else RNG.uniform()
            rows.append(row)
    rows[1]["error"] = "unreadable"  # t0 sample 1 failed
    for m in (*METRICS, *GEOMETRY_METRICS):
        rows[1][m] = ""
    path = tmp_path / "metrics.csv"
    pd.DataFrame(rows, columns=METRIC_COLUMNS).to_csv(path, index=False)
    return path


def test_aggregations_are_what_their_names_say(tmp_path):
    frame = read_metrics(_metrics(tmp_path))
    table = per_target(frame).set_index(["target", "aggregation"])
    t0 = frame[(frame.target == "t0") & (frame.error == "")]
    assert table.loc[("t0", "first_sample"), "tm"] == t0[t0["sample"] == 0]["tm"].item()
    assert table.loc[("t0", "mean_over_samples"), "tm"] == pytest.approx(t0["tm"].mean())
    assert table.loc[("t0", "oracle_best_of_n"), "tm"] == t0["tm"].max()
    assert table.loc[("t0", "oracle_best_of_n"), "rmsd"] == t0["rmsd"].min()
    ranked = frame[frame.target == "t2"].sort_values("ranking_score", ascending=False).iloc[0]
    assert table.loc[("t2", "top_ranked"), "tm"] == ranked["tm"]
    assert math.isnan(table.loc[("t5", "top_ranked"), "tm"])  # no ranking -> not available
    # geometry: directional columns at their own best, descriptive ones from the best-TM sample
    best = table.loc[("t0", "oracle_best_of_n")]
    assert best["bond_valid"] == t0["bond_valid"].max() and best["sse_agreement"] == t0["sse_agreement"].max()
    assert best["clash"] == t0["clash"].min() and best["bond_rms_dev"] == t0["bond_rms_dev"].min()
    by_tm = t0.loc[t0["tm"].idxmax()]
    for m in ("rg", "rg_ratio", "sse_helix", "sse_strand", "sse_coil", "ref_sse_helix"):
        assert best[m] == by_tm[m], m
    assert table.loc[("t0", "mean_over_samples"), "clash"] == pytest.approx(t0["clash"].mean())
    assert table.loc[("t2", "top_ranked"), "sse_helix"] == ranked["sse_helix"]


def test_report_numbers_equal_recomputation_from_metrics_csv(tmp_path):
    metrics = _metrics(tmp_path)
    out = tmp_path / "report"
    assert main(["report", str(metrics), "--out", str(out), "--title", "Test run"]) == 0
    for name in ("report.md", "report.html", "aggregate.csv", "per_target.csv",
                 "tm_distribution.png", "rmsd_vs_length.png", "first_vs_best.png"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    # independent recomputation with pandas
    raw = pd.read_csv(metrics)
    ok = raw[raw["error"].isna()]
    first = raw.sort_values("sample").groupby("target").head(1).set_index("target")
    best_tm = ok.groupby("target")["tm"].max()
    mean_tm = ok.groupby("target")["tm"].mean()
    top = raw.dropna(subset=["ranking_score"]).sort_values("ranking_score", ascending=False).groupby("target").head(1)
    expected = {
        "first_sample": first["tm"].dropna(), "mean_over_samples": mean_tm,
        "oracle_best_of_n": best_tm, "top_ranked": top["tm"],
    }  # fmt: skip
    written = pd.read_csv(out / "aggregate.csv").set_index("aggregation")
    md = (out / "report.md").read_text()
    for name, values in expected.items():
        assert written.loc[name, "tm_mean"] == pytest.approx(values.mean(), rel=1e-5)
        assert written.loc[name, "tm_median"] == pytest.approx(values.median(), rel=1e-5)
        assert written.loc[name, "n_targets"] == len(values)
        assert f"| {name} | {len(values)} | {values.mean():.3f} / {values.median():.3f} |" in md
    assert written.loc["oracle_best_of_n", "rmsd_mean"] == pytest.approx(ok.groupby("target")["rmsd"].min().mean(), rel=1e-5)
    assert "<table>" in (out / "report.html").read_text() and "Test run" in md
    # geometry table: medians over targets, recomputed here (first sample and mean over samples)
    geo = {"first_sample": first, "mean_over_samples": ok.groupby("target")[list(GEOMETRY_METRICS)].mean()}
    lines = md.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("## Geometry"))
    header = [c.strip() for c in lines[start + 2].strip("|").split("|")]
    assert header[0] == "aggregation" and len(header) == 1 + len(GEOMETRY_METRICS)
    cells = [[x.strip() for x in ln.strip("|").split("|")] for ln in lines[start + 4 : start + 8]]
    printed = {c[0]: c[1:] for c in cells}
    for name, frame in geo.items():
        for m, cell in zip(GEOMETRY_METRICS, printed[name], strict=True):
            digits = {"rg": 2, "bond_rms_dev": 2, "clash": 4}.get(m, 3)
            want = frame[m].dropna().median()
            assert written.loc[name, f"{m}_median"] == pytest.approx(want, rel=1e-5)
            assert abs(float(cell) - want) <= 0.5 * 10**-digits + 1e-9, (name, m, cell, want)
    assert (out / "geometry.png").stat().st_size > 0


def test_report_of_metrics_without_geometry_columns(tmp_path):
    """A metrics.csv from before the geometry columns still gives a report, with '–' for them."""
    path = _metrics(tmp_path)
    frame = pd.read_csv(path).drop(columns=list(GEOMETRY_METRICS))
    frame.to_csv(path, index=False)
    out = tmp_path / "report"
    assert main(["report", str(path), "--out", str(out)]) == 0
    written = pd.read_csv(out / "aggregate.csv").set_index("aggregation")
    assert math.isnan(written.loc["first_sample", "clash_median"]) and written.loc["first_sample", "tm_median"] > 0
    assert (out / "geometry.png").is_file()


def test_summary_ignores_targets_without_values():
    table = pd.DataFrame({"target": ["a", "b"], "aggregation": ["top_ranked"] * 2, "n_models": 1, "n_scored": 1,
                          "n_reference": 10, **{m: [0.4, np.nan] for m in METRICS}})  # fmt: skip
    s = summarize(table).set_index("aggregation")
    assert s.loc["top_ranked", "n_targets"] == 1 and s.loc["top_ranked", "tm_mean"] == 0.4
    assert s.loc["first_sample", "n_targets"] == 0 and math.isnan(s.loc["first_sample", "tm_mean"])


def test_report_of_missing_file_is_a_clean_error(tmp_path):
    assert main(["report", str(tmp_path / "none.csv"), "--out", str(tmp_path / "r")]) == 2


def test_published_results_stand_beside_ours(tmp_path):
    """A configured published result appears in a table next to our median of the same aggregation."""
    import yaml

    metrics = _metrics(tmp_path)
    cfg = tmp_path / "report.yaml"
    cfg.write_text(yaml.safe_dump({"report": {"published": [
        {"name": "EigenFold (published)", "aggregation": "top_ranked",
         "median": {"tm": 0.84, "rmsd": 3.50, "gdt_ts": 0.79, "lddt": 0.85}}]}}))  # fmt: skip
    out = tmp_path / "report"
    assert main(["report", str(metrics), "--out", str(out), "--config", str(cfg)]) == 0
    md = (out / "report.md").read_text()
    raw = pd.read_csv(metrics)
    top = raw.dropna(subset=["ranking_score"]).sort_values("ranking_score", ascending=False).groupby("target").head(1)
    ours = f"| protein_rgdm (this run) | top_ranked | {top['tm'].median():.3f} | {top['rmsd'].median():.2f} |"
    assert ours in md
    assert "| EigenFold (published) | top_ranked | 0.840 | 3.50 | 0.790 | – | 0.850 |" in md
    assert "EigenFold (published)" in (out / "report.html").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"report": {"published": [{"name": "x", "median": {"tmscore": 0.8}}]}}))
    assert main(["report", str(metrics), "--out", str(tmp_path / "r2"), "--config", str(bad)]) == 2
