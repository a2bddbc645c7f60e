"""Split: ``splits/<split>.csv``, one row per chain (the split stage writes, bases / embed / train read).

Columns ``name, seqres, length, cluster, release_date, split`` (``SPLIT_COLUMNS``); readers need only
``name``, so a hand-made CSV with a ``name`` column is a split too.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Sequence
from pathlib import Path

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_open

__all__ = ["SPLITS", "SPLIT_COLUMNS", "SplitRow", "load_split", "write_split"]

SPLITS = ("train", "val", "test")
SPLIT_COLUMNS = ("name", "seqres", "length", "cluster", "release_date", "split")


@dataclasses.dataclass(frozen=True)
class SplitRow:
    """One chain of a split: name, sequence, length (residues), cluster id, release date, split name."""

    name: str
    seqres: str
    length: int
    cluster: str
    release_date: str
    split: str


def write_split(path: str | Path, rows: Sequence[SplitRow]) -> None:
    """Write ``rows`` to ``path`` atomically (columns ``SPLIT_COLUMNS``)."""
    with atomic_open(Path(path), "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(SPLIT_COLUMNS))
        writer.writeheader()
        writer.writerows(dataclasses.asdict(r) for r in rows)


def load_split(path: str | Path) -> list[str]:
    """Chain names from the ``name`` column of a split CSV (empty names skipped).

    Raises
    ------
    InputError
        Missing file or no ``name`` column (naming the file).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: split file not found")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "name" not in reader.fieldnames:
            raise InputError(f"{path}: split CSV needs a 'name' column (has {reader.fieldnames})")
        return [row["name"] for row in reader if row["name"]]
