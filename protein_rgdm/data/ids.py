"""Identifiers: read them from an id list, a CSV or a FASTA file, and validate them as safe names."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from protein_rgdm.errors import InputError

__all__ = ["PDB_ENTRY", "SAFE_NAME", "check_name", "entry_id", "read_id_list"]

#: Names usable as file names: no path separators, no leading dot, no "..", at most 64 characters.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
#: Classic 4-character PDB ids and extended ``pdb_0000xxxx`` ids, optionally followed by ``.``/``_`` + chain or suffix.
PDB_ENTRY = re.compile(r"^(?P<id>[0-9][A-Za-z0-9]{3}|pdb_[0-9A-Za-z]{8})(?:[._].*)?$")


def check_name(name: str, what: str = "id") -> str:
    """Return ``name`` stripped if it is a safe file-name-like identifier, else raise ``InputError``."""
    name = name.strip()
    if not SAFE_NAME.match(name) or ".." in name:
        raise InputError(
            f"invalid {what} {name!r}: use letters, digits, '.', '_', '-' (no paths, at most 64 characters)"
        )
    return name


def entry_id(name: str) -> str:
    """The PDB entry id in a name such as ``7skh.B.pdb`` or ``3swy_A`` (lower case); ``InputError`` otherwise."""
    name = check_name(name)
    m = PDB_ENTRY.match(name)
    if not m:
        raise InputError(f"{name!r} is not a PDB id (expected e.g. 1abc, 1abc_A, pdb_00001abc)")
    return m.group("id").lower()


def read_id_list(path: str | Path, column: str = "name") -> list[str]:
    """Raw identifiers from a file, in order (duplicates kept; validate with :func:`check_name`).

    Parameters
    ----------
    path
        ``.csv`` (the ``column`` column, else ``id``), ``.fasta`` / ``.fa`` / ``.faa`` (first word of each
        header), or a plain list (whitespace or comma separated, ``#`` starts a comment).
    column
        CSV column holding the ids.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not part of the first id
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read id list ({exc})") from None
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        reader = csv.DictReader(text.splitlines(), delimiter="," if suffix == ".csv" else "\t")
        fields = reader.fieldnames or []
        col = column if column in fields else "id" if "id" in fields else None
        if col is None:
            raise InputError(f"{path}: no column {column!r} (columns: {', '.join(fields)})")
        return [row[col].strip() for row in reader if (row.get(col) or "").strip()]
    if suffix in (".fasta", ".fa", ".faa"):
        ids = [line[1:].split()[0] for line in text.splitlines() if line.startswith(">") and line[1:].split()]
        if not ids:
            raise InputError(f"{path}: no FASTA headers")
        return ids
    ids = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        ids.extend(tok for tok in re.split(r"[\s,]+", line) if tok)
    return ids
