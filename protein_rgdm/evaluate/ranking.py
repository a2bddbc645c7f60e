"""The predictor's own sample ranking, read from per-sample JSON files or ``summary.csv``.

The predict stage writes ``<id>_sample_<k>.json`` (keys ``sample``, ``ranking_score``, higher is
better) beside each model and a ``summary.csv`` (columns id, sample, rank, ranking_score, path)
in its output folder. Either is used; without them a model's sample index comes from a
``_sample_<k>`` file name and it has no ranking score (top-ranked aggregation = NaN).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from pathlib import Path

__all__ = ["SampleInfo", "sample_info", "load_summaries"]

_SAMPLE_RE = re.compile(r"_sample_(\d+)$")


@dataclasses.dataclass(frozen=True)
class SampleInfo:
    """What is known of one model file without looking at any reference."""

    sample: int | None
    rank: int | None
    ranking_score: float


def _float(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def load_summaries(pred_dir: Path) -> dict[tuple[str, str], SampleInfo]:
    """Rows of every ``summary.csv`` in ``pred_dir``, its parent and its target folders.

    Returns a map (target id, model file name) → :class:`SampleInfo`. Unreadable summaries are
    ignored (the per-sample JSON or file name still give the sample index).
    """
    found: dict[tuple[str, str], SampleInfo] = {}
    candidates = [pred_dir.parent / "summary.csv", pred_dir / "summary.csv"]
    candidates += sorted(pred_dir.glob("*/summary.csv"))
    for path in candidates:
        if not path.is_file():
            continue
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    target, file = row.get("id"), row.get("path")
                    if not target or not file:
                        continue
                    info = SampleInfo(_int(row.get("sample")), _int(row.get("rank")), _float(row.get("ranking_score")))
                    found[(target, Path(file).name)] = info
        except (OSError, csv.Error, UnicodeDecodeError):
            continue
    return found


def sample_info(model: Path, stem: str, target: str, summaries: dict[tuple[str, str], SampleInfo]) -> SampleInfo:
    """Sample index, rank and ranking score of one model file (JSON beside it wins over summary.csv)."""
    side = model.with_name(stem + ".json")
    if side.is_file():
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
            if isinstance(data, dict) and ("ranking_score" in data or "sample" in data):
                match = _SAMPLE_RE.search(stem)
                sample = _int(data.get("sample"))
                if sample is None and match:
                    sample = int(match.group(1))
                return SampleInfo(sample, _int(data.get("rank")), _float(data.get("ranking_score")))
        except (OSError, ValueError):
            pass
    info = summaries.get((target, model.name))
    if info is not None:
        return info
    match = _SAMPLE_RE.search(stem)
    return SampleInfo(int(match.group(1)) if match else None, None, math.nan)
