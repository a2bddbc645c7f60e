"""Per-target aggregations of metrics.csv and their summary over targets.

Each aggregation is named for what it is:

``first_sample``
    The model with the lowest sample index (file order when unknown): what a user gets who draws
    one sample. NaN when that model could not be scored.
``top_ranked``
    The model the predictor itself ranks best (highest ``ranking_score``, ties → lowest sample),
    chosen without any reference. NaN when the predictions carry no ranking.
``mean_over_samples``
    Mean of each metric over the scored models of the target.
``oracle_best_of_n``
    Per metric, the best value over the scored models (max TM/GDT/lDDT, min RMSD). It is selected
    *with the reference* and is an upper bound for a selection method, never a prediction.

The geometry columns (:data:`GEOMETRY_METRICS`, see :mod:`.geometry`) are aggregated alike; those
with a better direction (bond validity and SSE agreement up, bond deviation and clashes down) take
their own best in ``oracle_best_of_n``; the descriptive ones (Rg, Rg ratio, SSE fractions) have no
best and are taken from the model with the best TM-score.
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.evaluate.geometry import GEOMETRY_COLUMNS

__all__ = [
    "METRICS", "GEOMETRY_METRICS", "ALL_METRICS", "HIGHER_IS_BETTER", "AGGREGATIONS", "per_target", "summarize",
    "read_metrics",
]  # fmt: skip

METRICS = ("tm", "rmsd", "gdt_ts", "gdt_ha", "lddt")
GEOMETRY_METRICS = GEOMETRY_COLUMNS
ALL_METRICS = METRICS + GEOMETRY_METRICS
#: Direction of "better" per metric; metrics absent here are descriptive (no best).
HIGHER_IS_BETTER = {
    "tm": True, "rmsd": False, "gdt_ts": True, "gdt_ha": True, "lddt": True,
    "bond_valid": True, "bond_rms_dev": False, "clash": False, "sse_agreement": True,
}  # fmt: skip
AGGREGATIONS = ("first_sample", "top_ranked", "mean_over_samples", "oracle_best_of_n")


def read_metrics(path):
    """metrics.csv as a DataFrame (numeric metric columns, empty error = "")."""
    import pandas as pd

    frame = pd.read_csv(path, dtype={"target": str, "model": str, "error": str}, keep_default_na=False, na_values=[""])
    for col in GEOMETRY_METRICS:  # metrics.csv written before these columns existed
        if col not in frame.columns:
            frame[col] = np.nan
    for col in (*ALL_METRICS, "sample", "rank", "ranking_score", "n_reference", "n_matched", "seq_identity"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame["error"] = frame["error"].fillna("") if "error" in frame.columns else ""
    frame["model"] = frame["model"].fillna("")
    return frame


def _pick(group, index) -> dict:
    if index is None:
        return {m: np.nan for m in ALL_METRICS}
    row = group.loc[index]
    return {m: float(row[m]) if row["error"] == "" else np.nan for m in ALL_METRICS}


def per_target(frame):
    """One row per (target, aggregation) with the metric columns, plus ``n_models``/``n_scored``.

    Parameters
    ----------
    frame
        metrics.csv as read by :func:`read_metrics`.
    """
    import pandas as pd

    records = []
    for target, group in frame.groupby("target", sort=True):
        models = group[group["model"] != ""]
        scored = models[models["error"] == ""]
        base = {"target": target, "n_models": len(models), "n_scored": len(scored),
                "n_reference": float(group["n_reference"].max()) if "n_reference" in group else np.nan}  # fmt: skip
        first = None
        if len(models):
            order = models.assign(_s=models["sample"].fillna(np.inf), _o=np.arange(len(models)))
            first = order.sort_values(["_s", "_o"]).index[0]
        ranked = models[models["ranking_score"].notna()] if "ranking_score" in models else models.iloc[:0]
        top = None
        if len(ranked):
            order = ranked.assign(_r=-ranked["ranking_score"], _s=ranked["sample"].fillna(np.inf), _o=np.arange(len(ranked)))
            top = order.sort_values(["_r", "_s", "_o"]).index[0]
        mean = {m: float(scored[m].mean()) if len(scored) else np.nan for m in ALL_METRICS}
        best_tm = _pick(scored, scored["tm"].idxmax() if scored["tm"].notna().any() else None)
        best = {}
        for m in ALL_METRICS:
            values = scored[m].dropna()
            if m not in HIGHER_IS_BETTER:
                best[m] = best_tm[m]
            else:
                best[m] = np.nan if values.empty else float(values.max() if HIGHER_IS_BETTER[m] else values.min())
        for name, values in (("first_sample", _pick(models, first)), ("top_ranked", _pick(models, top)),
                             ("mean_over_samples", mean), ("oracle_best_of_n", best)):  # fmt: skip
            records.append({**base, "aggregation": name, **values})
    columns = ["target", "aggregation", "n_models", "n_scored", "n_reference", *ALL_METRICS]
    return pd.DataFrame.from_records(records, columns=columns)


def summarize(table):
    """Mean and median over targets of each metric per aggregation (NaN targets left out).

    Returns a DataFrame with columns aggregation, n_targets (targets with a TM value),
    ``<metric>_mean`` and ``<metric>_median`` for every metric.
    """
    import pandas as pd

    rows = []
    for name in AGGREGATIONS:
        part = table[table["aggregation"] == name]
        row = {"aggregation": name, "n_targets": int(part["tm"].notna().sum())}
        for m in ALL_METRICS:  # a column absent from the table counts as NaN
            values = part[m].dropna() if m in part.columns else part["tm"].iloc[:0]
            row[f"{m}_mean"] = float(values.mean()) if len(values) else np.nan
            row[f"{m}_median"] = float(values.median()) if len(values) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
