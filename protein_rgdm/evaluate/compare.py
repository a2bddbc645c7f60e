"""Comparison of diffusion variants and step counts: quality against network evaluations (NFE).

An ablation predicts the same targets with several models (one per diffusion setting: ``rg``,
``ddpm``, ``harmonic``, ...) at several step budgets, and evaluates each run into a metrics.csv.
This module aggregates every run the way the report does (:mod:`protein_rgdm.evaluate.aggregate`)
and puts them side by side: one row per (variant, steps) with the mean NFE per sample (read from
each sample's JSON beside its model file) and the medians over targets, and one plot of each
quality metric against NFE with one line per variant.

Files written (atomically)::

    comparison.csv      variant, steps, nfe, n_targets, <metric>_median / _mean per aggregation
    comparison.md       the table (top-ranked and first-sample medians)
    quality_vs_nfe.png  median metric (top-ranked sample) vs mean NFE, one line per variant
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path

from protein_rgdm.errors import InputError
from protein_rgdm.evaluate.aggregate import ALL_METRICS, HIGHER_IS_BETTER, per_target, read_metrics, summarize
from protein_rgdm.fileio import atomic_path, atomic_write_text

__all__ = ["ComparisonRun", "PLOT_METRICS", "compare_runs", "run_nfe", "write_comparison"]

#: Metrics plotted against NFE, in this order.
PLOT_METRICS = ("tm", "lddt", "bond_valid", "clash", "sse_agreement")
#: Metrics in the markdown table (all of them are in comparison.csv).
TABLE_METRICS = ("tm", "rmsd", "gdt_ts", "lddt", "bond_valid", "clash", "sse_agreement")
#: Aggregations shown in the comparison (the model's own pick, and one sample drawn).
SHOWN = ("top_ranked", "first_sample")


@dataclasses.dataclass(frozen=True)
class ComparisonRun:
    """One evaluated prediction run.

    Attributes
    ----------
    variant
        Name of the diffusion setting (the model), e.g. ``rg``.
    steps
        The step budget as configured (``"20"``, or ``"full"`` for the checkpoint's own).
    metrics
        Its metrics.csv (with ``model_path`` pointing at each sample's structure file).
    """

    variant: str
    steps: str
    metrics: Path


def run_nfe(frame) -> float:
    """Mean network evaluations per sample over the models of ``frame`` (NaN when no JSON gives one).

    Each sample's JSON (``<model stem>.json`` beside its structure file, written by predict) holds ``nfe``.
    """
    values = []
    for path in frame.get("model_path", []):
        if not isinstance(path, str) or not path:
            continue
        meta = Path(path).with_suffix(".json")
        try:
            values.append(float(json.loads(meta.read_text())["nfe"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return float(sum(values) / len(values)) if values else math.nan


def compare_runs(runs: Sequence[ComparisonRun]):
    """One row per run: variant, steps, nfe, n_targets and ``<aggregation>.<metric>_median|_mean``.

    Raises
    ------
    InputError
        No run, a duplicate (variant, steps), or an unreadable metrics.csv (naming the file).
    """
    import pandas as pd

    if not runs:
        raise InputError("compare: no runs given")
    seen = set()
    rows = []
    for run in runs:
        key = (run.variant, run.steps)
        if key in seen:
            raise InputError(f"compare: run {run.variant} / {run.steps} given twice")
        seen.add(key)
        if not Path(run.metrics).is_file():
            raise InputError(f"{run.metrics}: metrics file not found")
        try:
            frame = read_metrics(run.metrics)
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            raise InputError(f"{run.metrics}: not a metrics.csv ({exc})") from None
        summary = summarize(per_target(frame)).set_index("aggregation")
        row = {"variant": run.variant, "steps": run.steps, "nfe": run_nfe(frame),
               "n_targets": int(summary.loc["top_ranked", "n_targets"])}  # fmt: skip
        for agg in SHOWN:
            for m in ALL_METRICS:
                row[f"{agg}.{m}_median"] = float(summary.loc[agg, f"{m}_median"])
                row[f"{agg}.{m}_mean"] = float(summary.loc[agg, f"{m}_mean"])
        rows.append(row)
    table = pd.DataFrame(rows)
    order = {v: i for i, v in enumerate(dict.fromkeys(r.variant for r in runs))}
    table["_v"] = table["variant"].map(order)
    return table.sort_values(["_v", "nfe"]).drop(columns="_v").reset_index(drop=True)


def _fmt(value: float, digits: int) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _markdown(table, title: str) -> str:
    metrics = [m for m in TABLE_METRICS if f"{SHOWN[0]}.{m}_median" in table.columns]
    lines = [f"# {title}", "", "Medians over targets; NFE = network evaluations per sample (mean).", ""]
    for agg in SHOWN:
        lines += [f"## {agg.replace('_', ' ')} sample", ""]
        header = ["variant", "steps", "NFE", "targets", *metrics]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for rec in table.to_dict("records"):
            cells = [rec["variant"], str(rec["steps"]), _fmt(rec["nfe"], 1), str(rec["n_targets"])]
            cells += [_fmt(rec[f"{agg}.{m}_median"], {"rmsd": 2, "clash": 4}.get(m, 3)) for m in metrics]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["![quality vs NFE](quality_vs_nfe.png)", ""]
    return "\n".join(lines)


def _plot(table, path: Path, dpi: int = 110) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in PLOT_METRICS if table[f"top_ranked.{m}_median"].notna().any()] or ["tm"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.4), squeeze=False)
    for ax, m in zip(axes[0], metrics, strict=True):
        for variant, part in table.groupby("variant", sort=False):
            part = part.sort_values("nfe")
            ax.plot(part["nfe"], part[f"top_ranked.{m}_median"], marker="o", label=variant)
        ax.set_xscale("log")
        ax.set_xlabel("network evaluations per sample")
        arrow = "higher is better" if HIGHER_IS_BETTER.get(m, True) else "lower is better"
        ax.set_ylabel(f"median {m} (top-ranked)")
        ax.set_title(f"{m} ({arrow})", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight")
    plt.close(fig)


def write_comparison(runs: Sequence[ComparisonRun], out_dir: str | Path, title: str = "Diffusion variants") -> dict[str, Path]:
    """Write comparison.csv / .md / quality_vs_nfe.png for ``runs`` into ``out_dir``; return name → path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = compare_runs(runs)
    files = {"comparison.csv": out / "comparison.csv", "comparison.md": out / "comparison.md",
             "quality_vs_nfe.png": out / "quality_vs_nfe.png"}  # fmt: skip
    atomic_write_text(files["comparison.csv"], table.to_csv(index=False))
    _plot(table, files["quality_vs_nfe.png"])
    atomic_write_text(files["comparison.md"], _markdown(table, title))
    return files
