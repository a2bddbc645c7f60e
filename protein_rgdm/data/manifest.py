"""Per-chain statistics for ``manifest.csv`` and the featurize filters that act on them."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from protein_rgdm.config.data import FeaturizeFilters
from protein_rgdm.constants import CHAIN_BREAK_DISTANCE
from protein_rgdm.structure.record import ChainRecord

__all__ = [
    "MANIFEST_COLUMNS",
    "chain_breaks",
    "filter_reason",
    "manifest_row",
    "radius_of_gyration",
]

MANIFEST_COLUMNS = [
    "name", "length", "n_observed", "observed_fraction", "chain_breaks", "radius_of_gyration",
    "resolution", "method", "release_date", "seqres_source", "mapping", "file", "chain", "seqres",
]  # fmt: skip


def chain_breaks(ca: np.ndarray, observed: np.ndarray, threshold: float = CHAIN_BREAK_DISTANCE) -> int:
    """Number of consecutive observed Cα pairs farther apart than ``threshold`` Å.

    Parameters
    ----------
    ca
        (L, 3) float Cα coordinates in Å (NaN where unobserved).
    observed
        (L,) bool mask.
    """
    xyz = ca[observed]
    if len(xyz) < 2:
        return 0
    return int((np.linalg.norm(np.diff(xyz, axis=0), axis=1) > threshold).sum())


def radius_of_gyration(ca: np.ndarray, observed: np.ndarray) -> float:
    """Radius of gyration (Å) of the observed Cα atoms (equal masses)."""
    xyz = ca[observed].astype(np.float64)
    if len(xyz) == 0:
        return float("nan")
    return float(np.sqrt(((xyz - xyz.mean(axis=0)) ** 2).sum(axis=1).mean()))


def manifest_row(record: ChainRecord) -> dict[str, Any]:
    """One ``manifest.csv`` row describing ``record``."""
    meta = record.metadata
    return {
        "name": record.name,
        "length": record.length,
        "n_observed": int(record.observed.sum()),
        "observed_fraction": round(record.observed_fraction, 4),
        "chain_breaks": chain_breaks(record.ca, record.observed),
        "radius_of_gyration": round(radius_of_gyration(record.ca, record.observed), 3),
        "resolution": meta.get("resolution"),
        "method": meta.get("method"),
        "release_date": meta.get("release_date"),
        "seqres_source": meta.get("seqres_source"),
        "mapping": meta.get("mapping"),
        "file": meta.get("source_file"),
        "chain": meta.get("chain_id"),
        "seqres": record.seqres,
    }


def _date(value: Any) -> _dt.date | None:
    if value in (None, ""):
        return None
    try:
        return _dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def filter_reason(record: ChainRecord, f: FeaturizeFilters) -> str | None:
    """Why ``record`` fails the filters (first failing rule), or None when it passes."""
    L = record.length
    if L < f.min_length:
        return f"length {L} < min_length {f.min_length}"
    if f.max_length is not None and L > f.max_length:
        return f"length {L} > max_length {f.max_length}"
    missing = 1.0 - record.observed_fraction
    if missing > f.max_missing_fraction:
        return f"missing fraction {missing:.3f} > max_missing_fraction {f.max_missing_fraction}"
    meta = record.metadata
    if f.max_resolution is not None:
        res = meta.get("resolution")
        if res in (None, ""):
            if not f.allow_missing_metadata:
                return "resolution unknown and allow_missing_metadata is false"
        elif float(res) > f.max_resolution:
            return f"resolution {float(res)} Å > max_resolution {f.max_resolution}"
    if f.methods is not None:
        method = (meta.get("method") or "").lower()
        if not method:
            if not f.allow_missing_metadata:
                return "method unknown and allow_missing_metadata is false"
        elif method not in [m.lower() for m in f.methods]:
            return f"method {method!r} not in methods {f.methods}"
    if f.release_date_min is not None or f.release_date_max is not None:
        date = _date(meta.get("release_date"))
        if date is None:
            if not f.allow_missing_metadata:
                return "release date unknown and allow_missing_metadata is false"
        elif f.release_date_min is not None and date < f.release_date_min:
            return f"release date {date} < release_date_min {f.release_date_min}"
        elif f.release_date_max is not None and date > f.release_date_max:
            return f"release date {date} > release_date_max {f.release_date_max}"
    return None
