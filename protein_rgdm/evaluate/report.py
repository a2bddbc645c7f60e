"""Markdown + HTML report of metrics.csv: aggregate table, per-target table and PNG plots.

Files written to the output folder (each atomically)::

    report.md, report.html        the tables and the plots
    aggregate.csv                 mean / median per metric per aggregation (over targets)
    per_target.csv                every target x aggregation with its metric values
    tm_distribution.png           TM-score histogram: all samples vs first sample per target
    rmsd_vs_length.png            RMSD (Å) against reference length (residues)
    first_vs_best.png             per-target TM: first sample vs oracle best of n
    geometry.png                  per sample: virtual bonds within 3.8 ± 0.2 Å, clash fraction, and
                                  P-SEA helix / strand fractions against the reference's
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from protein_rgdm.config.evaluate import ReportConfig
from protein_rgdm.errors import InputError
from protein_rgdm.evaluate.aggregate import (
    AGGREGATIONS,
    GEOMETRY_METRICS,
    METRICS,
    per_target,
    read_metrics,
    summarize,
)
from protein_rgdm.fileio import atomic_path, atomic_write_text

__all__ = ["write_report", "PLOTS"]

PLOTS = ("tm_distribution.png", "rmsd_vs_length.png", "first_vs_best.png", "geometry.png")
_LABEL = {"tm": "TM-score", "rmsd": "RMSD (Å)", "gdt_ts": "GDT-TS", "gdt_ha": "GDT-HA", "lddt": "Cα-lDDT",
          "bond_valid": "bonds 3.8 ± 0.2 Å", "bond_rms_dev": "bond RMS dev (Å)", "clash": "clashes",
          "rg": "Rg (Å)", "rg_ratio": "Rg / Rg ref", "sse_helix": "helix", "sse_strand": "strand",
          "sse_coil": "coil", "ref_sse_helix": "ref helix", "ref_sse_strand": "ref strand",
          "ref_sse_coil": "ref coil", "sse_agreement": "SSE agreement"}  # fmt: skip
#: Decimals printed per metric (3 when absent).
_DIGITS = {"rmsd": 2, "rg": 2, "bond_rms_dev": 2, "clash": 4}


def _fmt(value, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _aggregate_rows(summary) -> tuple[list[str], list[list[str]]]:
    header = ["aggregation", "targets"] + [f"{_LABEL[m]} mean / median" for m in METRICS]
    rows = []
    for rec in summary.to_dict("records"):
        digits = {m: 2 if m == "rmsd" else 3 for m in METRICS}
        cells = [f"{_fmt(rec[f'{m}_mean'], digits[m])} / {_fmt(rec[f'{m}_median'], digits[m])}" for m in METRICS]
        rows.append([rec["aggregation"], str(rec["n_targets"]), *cells])
    return header, rows


def _geometry_rows(summary) -> tuple[list[str], list[list[str]]]:
    """Medians over targets of the geometry / P-SEA columns, one row per aggregation."""
    header = ["aggregation"] + [_LABEL[m] for m in GEOMETRY_METRICS]
    rows = [[rec["aggregation"], *[_fmt(rec[f"{m}_median"], _DIGITS.get(m, 3)) for m in GEOMETRY_METRICS]]
            for rec in summary.to_dict("records")]  # fmt: skip
    return header, rows


def _target_rows(table, limit: int) -> tuple[list[str], list[list[str]]]:
    wide = table.pivot(index="target", columns="aggregation", values="tm")
    counts = table.drop_duplicates("target").set_index("target")
    first_rmsd = table[table["aggregation"] == "first_sample"].set_index("target")["rmsd"]
    header = ["target", "length", "models (scored)", "TM first", "TM top-ranked", "TM mean", "TM oracle best", "RMSD first (Å)"]
    rows = []
    for target in list(wide.index)[:limit]:
        c = counts.loc[target]
        length = "–" if math.isnan(c["n_reference"]) else str(int(c["n_reference"]))
        rows.append([str(target), length, f"{int(c['n_models'])} ({int(c['n_scored'])})",
                     *[_fmt(wide.loc[target].get(a)) for a in AGGREGATIONS], _fmt(first_rmsd.get(target), 2)])  # fmt: skip
    return header, rows


def _published_rows(summary, published) -> tuple[list[str], list[list[str]]]:
    """Rows 'ours' and 'published' per entry of ``published``: medians over targets of the same aggregation."""
    header = ["source", "aggregation"] + [f"{_LABEL[m]} median" for m in METRICS]
    rows = []
    by_agg = {rec["aggregation"]: rec for rec in summary.to_dict("records")}
    for pub in published:
        ours = by_agg.get(pub.aggregation, {})
        digits = {m: 2 if m == "rmsd" else 3 for m in METRICS}
        rows.append(["protein_rgdm (this run)", pub.aggregation,
                     *[_fmt(ours.get(f"{m}_median"), digits[m]) for m in METRICS]])  # fmt: skip
        rows.append([pub.name, pub.aggregation,
                     *[_fmt(pub.median.get(m, float("nan")), digits[m]) for m in METRICS]])  # fmt: skip
    return header, rows


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _save(fig, path: Path, dpi: int) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight")


def _plots(frame, table, out: Path, dpi: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    scored = frame[(frame["error"] == "") & (frame["model"] != "")]
    first = table[table["aggregation"] == "first_sample"]
    best = table[table["aggregation"] == "oracle_best_of_n"].set_index("target")

    fig, ax = plt.subplots(figsize=(6, 4))
    bins = np.linspace(0, 1, 21)
    ax.hist(scored["tm"].dropna(), bins=bins, alpha=0.5, color="tab:gray", label=f"all samples (n={scored['tm'].notna().sum()})")
    ax.hist(first["tm"].dropna(), bins=bins, histtype="step", lw=2, color="tab:blue", label=f"first sample per target (n={first['tm'].notna().sum()})")
    ax.axvline(0.5, ls="--", color="k", lw=1, label="TM = 0.5 (same fold)")
    ax.set(xlabel="TM-score (normalised by reference length)", ylabel="count", title="TM-score distribution", xlim=(0, 1))
    ax.legend(fontsize=8)
    _save(fig, out / PLOTS[0], dpi)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(scored["n_reference"], scored["rmsd"], s=10, alpha=0.4, color="tab:gray", label="all samples")
    ax.scatter(first["n_reference"], first["rmsd"], s=18, color="tab:blue", label="first sample per target")
    ax.set(xlabel="reference length (observed Cα, residues)", ylabel="Cα RMSD after superposition (Å)", title="RMSD vs chain length")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    _save(fig, out / PLOTS[1], dpi)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 5))
    f = first.set_index("target")["tm"]
    both = f.to_frame("first").join(best["tm"].rename("best")).dropna()
    ax.plot([0, 1], [0, 1], ls="--", color="k", lw=1, label="y = x (no gain from n samples)")
    ax.scatter(both["first"], both["best"], s=18, color="tab:orange", label=f"targets (n={len(both)})")
    ax.set(xlabel="TM-score of first sample", ylabel="TM-score of oracle best of n (uses reference)",
           title="Per target: first vs best sample", xlim=(0, 1), ylim=(0, 1))  # fmt: skip
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower right")
    _save(fig, out / PLOTS[2], dpi)
    plt.close(fig)
    _geometry_plot(plt, scored, out / PLOTS[3], dpi)


def _geometry_plot(plt, scored, path: Path, dpi: int) -> None:
    """Bond validity and clash histograms over samples; P-SEA fractions of each sample vs its reference."""
    import numpy as np

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    bonds, clash = scored["bond_valid"].dropna(), scored["clash"].dropna()
    axes[0].hist(bonds, bins=np.linspace(0, 1, 21), color="tab:blue")
    axes[0].set(xlabel="fraction of Cα–Cα virtual bonds within 3.8 ± 0.2 Å", ylabel="samples",
                title=f"Virtual bonds (n={len(bonds)})", xlim=(0, 1))  # fmt: skip
    top = max(0.01, float(clash.max()) if len(clash) else 0.0)
    axes[1].hist(clash, bins=np.linspace(0, top, 21), color="tab:red")
    axes[1].set(xlabel="fraction of Cα pairs |i−j| ≥ 3 closer than 3.0 Å", ylabel="samples",
                title=f"Clashes (n={len(clash)})", xlim=(0, top))  # fmt: skip
    ax = axes[2]
    ax.plot([0, 1], [0, 1], ls="--", color="k", lw=1, label="y = x")
    for kind, colour in (("helix", "tab:purple"), ("strand", "tab:green")):
        ax.scatter(scored[f"ref_sse_{kind}"], scored[f"sse_{kind}"], s=12, alpha=0.6, color=colour, label=kind)
    ax.set(xlabel="reference fraction (P-SEA)", ylabel="sample fraction (P-SEA)",
           title="Secondary structure from Cα", xlim=(0, 1), ylim=(0, 1))  # fmt: skip
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    _save(fig, path, dpi)
    plt.close(fig)


def write_report(metrics_csv: str | Path, out_dir: str | Path, config: ReportConfig) -> dict[str, Path]:
    """Build the report of one metrics.csv in ``out_dir``; returns the written files by name."""
    metrics_csv, out = Path(metrics_csv), Path(out_dir)
    if not metrics_csv.is_file():
        raise InputError(f"{metrics_csv}: metrics file not found")
    try:
        frame = read_metrics(metrics_csv)
    except Exception as exc:
        raise InputError(f"{metrics_csv}: cannot read metrics CSV ({type(exc).__name__}: {exc})") from None
    missing = {"target", "model", "error", *METRICS} - set(frame.columns)
    if missing:
        raise InputError(f"{metrics_csv}: missing columns {sorted(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    table = per_target(frame)
    summary = summarize(table)
    files = {"aggregate.csv": out / "aggregate.csv", "per_target.csv": out / "per_target.csv"}
    atomic_write_text(files["aggregate.csv"], summary.to_csv(index=False, float_format="%.6g"))
    atomic_write_text(files["per_target.csv"], table.to_csv(index=False, float_format="%.6g"))
    _plots(frame, table, out, config.dpi)
    files.update({p: out / p for p in PLOTS})

    n_models = int((frame["model"] != "").sum())
    n_failed = int((frame["error"] != "").sum())
    agg_h, agg_r = _aggregate_rows(summary)
    geo_h, geo_r = _geometry_rows(summary)
    tgt_h, tgt_r = _target_rows(table, config.max_target_rows)
    intro = (f"Source: `{metrics_csv.name}` — {table['target'].nunique()} targets, {n_models} model files, "
             f"{n_failed} rows with errors (see the `error` column).")  # fmt: skip
    note = ("`first_sample`: lowest sample index; `top_ranked`: the predictor's own ranking score (no reference); "
            "`mean_over_samples`: mean over scored samples; `oracle_best_of_n`: best value per metric chosen "
            "*with the reference* — an upper bound, not a prediction. TM-score and GDT are normalised by the number "
            "of reference Cα; RMSD in Å over all matched Cα.")  # fmt: skip
    geo_note = ("Geometry of each sample (no reference needed): fraction of Cα–Cα virtual bonds within 3.8 ± 0.2 Å "
                "and their RMS deviation from 3.8 Å, fraction of Cα pairs |i−j| ≥ 3 closer than 3.0 Å, radius of "
                "gyration; P-SEA secondary structure from Cα (biotite `annotate_sse`) as helix / strand / coil "
                "fractions. With the reference: Rg ratio over matched residues, the reference's P-SEA fractions and "
                "the per-residue label agreement over matched pairs. `oracle_best_of_n` takes bonds, clashes and "
                "agreement at their best, the descriptive columns from the best-TM sample.")  # fmt: skip
    md = [f"# {config.title}", "", intro, "", "## Aggregate (mean / median over targets)", "",
          _markdown_table(agg_h, agg_r), "", note, "", "## Geometry and secondary structure (median over targets)",
          "", _markdown_table(geo_h, geo_r), "", geo_note, "", "## Plots", ""]  # fmt: skip
    if config.published:
        pub_h, pub_r = _published_rows(summary, config.published)
        md[md.index("## Plots"):md.index("## Plots")] = ["## Beside published results (medians over targets)", "",
                                                         _markdown_table(pub_h, pub_r), ""]  # fmt: skip
    md += [f"![{p}]({p})" for p in PLOTS]
    md += ["", "## Per target", "", _markdown_table(tgt_h, tgt_r)]
    if len(tgt_r) < table["target"].nunique():
        md += ["", f"(first {len(tgt_r)} targets; all in per_target.csv)"]
    files["report.md"] = out / "report.md"
    atomic_write_text(files["report.md"], "\n".join(md) + "\n")
    style = "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 6px;text-align:right}"
    page = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(config.title)}</title><style>{style}</style></head><body>",
            f"<h1>{html.escape(config.title)}</h1><p>{html.escape(intro)}</p>", "<h2>Aggregate (mean / median over targets)</h2>",
            _html_table(agg_h, agg_r), f"<p>{html.escape(note)}</p>",
            "<h2>Geometry and secondary structure (median over targets)</h2>", _html_table(geo_h, geo_r),
            f"<p>{html.escape(geo_note)}</p>",
            *(["<h2>Beside published results (medians over targets)</h2>",
               _html_table(*_published_rows(summary, config.published))] if config.published else []),
            "<h2>Plots</h2>",
            *[f"<img src='{p}' alt='{p}' style='max-width:{'100%' if p == PLOTS[3] else '32%'}'>" for p in PLOTS],
            "<h2>Per target</h2>", _html_table(tgt_h, tgt_r), "</body></html>"]  # fmt: skip
    files["report.html"] = out / "report.html"
    atomic_write_text(files["report.html"], "\n".join(page) + "\n")
    return files
