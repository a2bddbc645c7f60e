"""The predictor's own sample ranking, read from per-sample JSON files or ``summary.csv``.

Both are read through the prediction-set record (``artifacts.predictions``): the JSON beside a model wins,
then a ``summary.csv`` row (in the predictions folder, its parent or a target folder); without either a
model's sample index comes from a ``<id>_sample_<k>`` file name and it has no ranking score (top-ranked
aggregation = NaN). A malformed summary or JSON is an ``InputError`` naming the file (and line).
"""

from __future__ import annotations

import math
from pathlib import Path

from protein_rgdm.artifacts.predictions import SampleRanking, load_sample_ranking, parse_sample_stem, read_summary

__all__ = ["load_summaries", "sample_info"]


def load_summaries(pred_dir: Path) -> dict[tuple[str, str], SampleRanking]:
    """Rows of every ``summary.csv`` in ``pred_dir``, its parent and its target folders.

    Returns a map (target id, model file name) → :class:`SampleRanking`.

    Raises
    ------
    InputError
        A summary that cannot be read or has a malformed row (naming file and line).
    """
    found: dict[tuple[str, str], SampleRanking] = {}
    candidates = [pred_dir.parent / "summary.csv", pred_dir / "summary.csv"]
    candidates += sorted(pred_dir.glob("*/summary.csv"))
    for path in candidates:
        if not path.is_file():
            continue
        for row in read_summary(path):
            score = math.nan if row.ranking_score is None else row.ranking_score
            found[(row.id, Path(row.path).name)] = SampleRanking(row.sample, row.rank, score)
    return found


def sample_info(model: Path, stem: str, target: str, summaries: dict[tuple[str, str], SampleRanking]) -> SampleRanking:
    """Sample index, rank and ranking score of one model file (JSON beside it wins over summary.csv).

    Raises
    ------
    InputError
        The JSON beside the model is malformed (naming it).
    """
    side = model.with_name(stem + ".json")
    if side.is_file():
        info = load_sample_ranking(side)
        if info is not None:
            return info
    info = summaries.get((target, model.name))
    if info is not None:
        return info
    parsed = parse_sample_stem(stem)
    return SampleRanking(parsed[1] if parsed else None, None, math.nan)
