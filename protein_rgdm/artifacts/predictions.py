"""Prediction set: predict's sample names, ``summary.csv`` rows and per-sample JSON, as evaluate reads them.

Layout written by ``predict.runner`` (read by ``evaluate.batch``)::

    predictions/<id>/<id>_sample_<k>.pdb|.cif   one model per sample k = 0..N-1  (:func:`sample_stem`)
    predictions/<id>/<id>_sample_<k>.json       per-sample facts; evaluate reads ``sample``, ``rank``,
                                                ``ranking_score`` (:class:`SampleRanking`)
    summary.csv                                 one :class:`SummaryRow` per sample (``SUMMARY_COLUMNS``)

Versions: per-sample JSON carries ``format`` / ``format_version`` (files without them are version 1);
``summary.csv`` is versioned by its header (files from before ``rank_tied`` / ``confidence`` existed load
with those cells empty). A malformed file or row is an ``InputError`` naming the file (and line), never
skipped in silence.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_write_json, atomic_write_text

__all__ = [
    "SAMPLE_FORMAT",
    "SAMPLE_VERSION",
    "SUMMARY_COLUMNS",
    "SampleRanking",
    "SummaryRow",
    "load_sample_ranking",
    "parse_sample_stem",
    "read_summary",
    "sample_glob",
    "sample_stem",
    "save_sample_json",
    "write_summary",
]

SAMPLE_FORMAT = "protein_rgdm.sample"
SAMPLE_VERSION = 1
SUMMARY_COLUMNS = ("id", "sample", "rank", "ranking_score", "rank_tied", "path", "confidence")
_REQUIRED_COLUMNS = ("id", "sample", "rank", "ranking_score", "path")  # summaries before rank_tied / confidence
_STEM = re.compile(r"^(?P<id>.+)_sample_(?P<k>\d+)$")


def sample_stem(record_id: str, k: int) -> str:
    """File stem of sample ``k`` of record ``record_id``: ``<id>_sample_<k>``."""
    return f"{record_id}_sample_{int(k)}"


def sample_glob(record_id: str) -> str:
    """Glob pattern of every file of every sample of ``record_id`` (``<id>_sample_*``)."""
    return f"{record_id}_sample_*"


def parse_sample_stem(stem: str) -> tuple[str, int] | None:
    """(record id, sample index) of a :func:`sample_stem`, or None for a stem not named that way."""
    match = _STEM.match(stem)
    return (match["id"], int(match["k"])) if match else None


@dataclasses.dataclass(frozen=True)
class SummaryRow:
    """One sample in ``summary.csv``: record id, sample index, rank (1 = best), ranking score (None: no score),
    whether the rank is tied, model path relative to the prediction folder, mean confidence 0-100 (None: one
    sample)."""

    id: str
    sample: int
    rank: int
    ranking_score: float | None
    rank_tied: bool
    path: str
    confidence: float | None

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> SummaryRow:
        """From the dict form kept in completion markers (``rank_tied`` / ``confidence`` may be absent)."""
        return cls(row["id"], row["sample"], row["rank"], row["ranking_score"], bool(row.get("rank_tied", False)),
                   row["path"], row.get("confidence"))  # fmt: skip

    def cells(self) -> list[str]:
        """The CSV cells: score with 6 decimals, confidence with 2, empty when None; tie as true/false."""
        score = "" if self.ranking_score is None else f"{self.ranking_score:.6f}"
        conf = "" if self.confidence is None else f"{self.confidence:.2f}"
        tied = "true" if self.rank_tied else "false"
        return [self.id, str(self.sample), str(self.rank), score, tied, self.path, conf]


def write_summary(path: str | Path, rows: Sequence[SummaryRow]) -> None:
    """Write ``summary.csv`` atomically (columns ``SUMMARY_COLUMNS``)."""
    lines = [",".join(SUMMARY_COLUMNS)] + [",".join(row.cells()) for row in rows]
    atomic_write_text(Path(path), "\n".join(lines) + "\n")


def _number(text: str, where: str, key: str) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {key} {text!r} is not a number") from None
    return value if math.isfinite(value) else None


def _integer(text: str, where: str, key: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{where}: {key} {text!r} is not an integer") from None


def read_summary(path: str | Path) -> list[SummaryRow]:
    """Rows of a ``summary.csv``.

    Raises
    ------
    InputError
        Unreadable file, missing columns, or a row with an empty id / path or a bad number (naming file:line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read summary ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}: summary.csv lacks column(s) {missing}")
    rows = []
    try:
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if not row["id"] or not row["path"]:
                raise InputError(f"{where}: empty id or path")
            tied = (row.get("rank_tied") or "false").strip().lower()
            if tied not in ("true", "false"):
                raise InputError(f"{where}: rank_tied {tied!r} is not true/false")
            rows.append(SummaryRow(
                row["id"], _integer(row["sample"], where, "sample"), _integer(row["rank"], where, "rank"),
                _number(row["ranking_score"], where, "ranking_score"), tied == "true", row["path"],
                _number(row.get("confidence") or "", where, "confidence"),
            ))  # fmt: skip
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None
    return rows


def save_sample_json(path: str | Path, payload: dict[str, Any]) -> None:
    """Write a per-sample JSON atomically, tagged with ``format`` / ``format_version``.

    ``payload`` must hold ``id``, ``sample``, ``rank`` and ``ranking_score`` (what :func:`load_sample_ranking` reads).
    """
    missing = [k for k in ("id", "sample", "rank", "ranking_score") if k not in payload]
    if missing:
        raise ValueError(f"per-sample JSON payload lacks {missing}")
    atomic_write_json(Path(path), {"format": SAMPLE_FORMAT, "format_version": SAMPLE_VERSION, **payload})


@dataclasses.dataclass(frozen=True)
class SampleRanking:
    """What evaluate knows of one model without a reference: sample index, rank, ranking score (NaN: none)."""

    sample: int | None
    rank: int | None
    ranking_score: float


def _json_int(data: dict, key: str, path: Path) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{path}: {key} {value!r} is not an integer")
    return value


def load_sample_ranking(path: str | Path) -> SampleRanking | None:
    """Sample index, rank and ranking score from a per-sample JSON; None when the JSON is not a sample's (it has
    neither ``sample`` nor ``ranking_score``: e.g. a user's own file beside a model).

    The sample index falls back to the file name (:func:`parse_sample_stem`) when the JSON has none.

    Raises
    ------
    InputError
        Not JSON, a newer or foreign format, or a key of the wrong type (naming the file).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: per-sample JSON is unreadable ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(data, dict) or ("ranking_score" not in data and "sample" not in data):
        return None
    if data.get("format", SAMPLE_FORMAT) != SAMPLE_FORMAT:
        raise InputError(f"{path}: format {data.get('format')!r} is not {SAMPLE_FORMAT!r}")
    version = data.get("format_version", 1)
    if not isinstance(version, int) or version > SAMPLE_VERSION:
        raise InputError(f"{path}: per-sample format version {version!r} is newer than this code's ({SAMPLE_VERSION})")
    sample = _json_int(data, "sample", path)
    if sample is None:
        parsed = parse_sample_stem(path.stem)
        sample = parsed[1] if parsed else None
    score = data.get("ranking_score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise InputError(f"{path}: ranking_score {score!r} is not a number")
    score = math.nan if score is None or not math.isfinite(score) else float(score)
    return SampleRanking(sample, _json_int(data, "rank", path), score)
