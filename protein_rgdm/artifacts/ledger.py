"""Rejection ledger: one shape for the inputs every stage could not use, with the reason.

Columns ``stage, item, file, reason`` (``LEDGER_COLUMNS``): the stage that refused it, the item (chain name,
record id; empty when a whole file was refused), the file it came from (structure file, chain record, split
CSV, input file; empty when unknown) and a one-line reason. The file names users know stay: featurize
``rejected.csv``, bases and train ``skipped.csv``, embed and predict ``failed.tsv``; ``.tsv`` files are
tab-separated, others comma-separated (both through :mod:`csv`, so a reason may hold the delimiter).

:func:`read_ledger` also reads the shapes written before the ledger existed (featurize ``file, chain, name,
reason``; train ``split, name, reason``; bases / embed ``name, reason``; predict ``id, source, reason``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from pathlib import Path

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_write_text

__all__ = ["LEDGER_COLUMNS", "Rejection", "read_ledger", "write_ledger"]

LEDGER_COLUMNS = ("stage", "item", "file", "reason")


@dataclasses.dataclass(frozen=True)
class Rejection:
    """One refused input: stage name, item (chain / record id, may be empty), source file (may be empty), reason."""

    stage: str
    item: str
    file: str
    reason: str


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix == ".tsv" else ","


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def write_ledger(path: str | Path, rows: Sequence[Rejection]) -> None:
    """Write the ledger atomically (header only when ``rows`` is empty); cells are folded to one line."""
    path = Path(path)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=_delimiter(path), lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    writer.writerows([_one_line(getattr(r, c)) for c in LEDGER_COLUMNS] for r in rows)
    atomic_write_text(path, buf.getvalue())


def _from_old(row: dict[str, str], columns: set[str], stage: str) -> Rejection | None:
    """A row of a shape written before the ledger; None for an unknown shape."""
    reason = row.get("reason") or ""
    if {"file", "chain", "name"} <= columns:  # featurize rejected.csv
        return Rejection(stage or "featurize", row["name"] or row["chain"], row["file"], reason)
    if {"split", "name"} <= columns:  # train skipped.csv
        return Rejection(stage or "train", row["name"], row["split"], reason)
    if {"id", "source"} <= columns:  # predict failed.tsv
        return Rejection(stage or "predict", row["id"], row["source"], reason)
    if "name" in columns:  # bases skipped.csv, embed failed.tsv
        return Rejection(stage, row["name"], "", reason)
    return None


def read_ledger(path: str | Path, stage: str = "") -> list[Rejection]:
    """Rows of a ledger file, current or older shape.

    ``stage`` names the stage for old files that do not say it (bases / embed ``name, reason``).

    Raises
    ------
    InputError
        Unreadable file, or a header of no known shape (naming the file).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the ledger ({exc})") from None
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(path))
    columns = set(reader.fieldnames or [])
    if "reason" not in columns:
        raise InputError(f"{path}: not a rejection ledger (columns {reader.fieldnames}, need {list(LEDGER_COLUMNS)})")
    rows = []
    for row in reader:
        if set(LEDGER_COLUMNS) <= columns:
            rows.append(Rejection(*(row[c] or "" for c in LEDGER_COLUMNS)))
            continue
        old = _from_old(row, columns, stage)
        if old is None:
            raise InputError(f"{path}: not a rejection ledger (columns {reader.fieldnames})")
        rows.append(old)
    return rows
