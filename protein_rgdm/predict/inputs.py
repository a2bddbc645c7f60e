"""Read sequences to predict from FASTA, CSV (``id,sequence`` or ``name,seqres``) or a folder of such files.

Identifiers are sanitised here, once: only ``[A-Za-z0-9._-]`` survives, so a FASTA header can
never name a path outside the output folder; duplicates get a ``_2``, ``_3``, ... suffix.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

from protein_rgdm.errors import InputError

__all__ = ["SequenceRecord", "read_sequences", "sanitize_id"]

_FASTA_SUFFIXES = {".fasta", ".fa", ".faa", ".fas", ".fna", ".seq"}
_CSV_SUFFIXES = {".csv"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_ID = 100
#: A structure-file extension ending an id (EigenFold split tables name targets ``7skh.B.pdb``).
_STRUCTURE_SUFFIX = re.compile(r"\.(pdb|cif|ent|mmcif)(\.gz)?$", re.IGNORECASE)
#: Accepted CSV column names, first match wins: ``id,sequence``, or a split / manifest table's ``name,seqres``.
_ID_COLUMNS = ("id", "name")
_SEQUENCE_COLUMNS = ("sequence", "seqres")


@dataclasses.dataclass(frozen=True)
class SequenceRecord:
    """One sequence to predict.

    Attributes
    ----------
    id
        Sanitised identifier, safe as a file and folder name.
    sequence
        One-letter amino-acid sequence as read (upper-cased, whitespace removed; not yet validated).
    source
        ``file:line`` where the record was read, for error messages.
    raw_id
        The identifier as written in the input file.
    """

    id: str
    sequence: str
    source: str
    raw_id: str


def sanitize_id(raw: str, fallback: str) -> str:
    """A file-name-safe identifier from a FASTA header or CSV id.

    The first whitespace-separated word is kept; runs of characters outside ``[A-Za-z0-9._-]``
    become ``_``; leading dots and underscores are dropped (no hidden files, no ``..``); at most
    100 characters. A trailing structure-file extension (``.pdb``, ``.cif.gz``, ...) is removed,
    so a target named after its reference file keeps the reference's stem. An empty result
    gives ``fallback``.
    """
    words = raw.strip().split()
    text = _STRUCTURE_SUFFIX.sub("", words[0] if words else "")
    text = _UNSAFE.sub("_", text)
    text = text.lstrip("._-")[:_MAX_ID].rstrip(".")
    return text or fallback


def _read_fasta(path: Path) -> list[tuple[str, str, str]]:
    records: list[tuple[str, str, str]] = []
    header: str | None = None
    start = 0
    chunks: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            if line.startswith(">"):
                if header is not None:
                    records.append((header, "".join(chunks), f"{path}:{start}"))
                header, start, chunks = line[1:], lineno, []
            elif header is None:
                raise InputError(f"{path}:{lineno}: sequence data before the first '>' header; not a FASTA file")
            else:
                chunks.append("".join(line.split()))
    if header is not None:
        records.append((header, "".join(chunks), f"{path}:{start}"))
    return records


def _read_csv(path: Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        id_col = next((c for c in _ID_COLUMNS if c in fields), None)
        seq_col = next((c for c in _SEQUENCE_COLUMNS if c in fields), None)
        if id_col is None or seq_col is None:
            raise InputError(f"{path}: CSV needs columns 'id' and 'sequence', found {reader.fieldnames}")
        reader.fieldnames = fields
        return [
            ((row.get(id_col) or "").strip(), "".join((row.get(seq_col) or "").split()), f"{path}:{n}")
            for n, row in enumerate(reader, 2)
        ]


def _input_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _FASTA_SUFFIXES | _CSV_SUFFIXES)
        if not files:
            raise InputError(f"{path}: folder holds no FASTA (.fasta/.fa/.faa) or .csv files")
        return files
    raise InputError(f"{path}: input not found")


def read_sequences(path: str | Path) -> list[SequenceRecord]:
    """All records of a FASTA file, an ``id,sequence`` CSV, or a folder of them (sorted by file name).

    Parameters
    ----------
    path
        File or folder. ``.csv`` files are read as CSV, anything else as FASTA.

    Returns
    -------
    list of SequenceRecord
        In input order, ids sanitised and made unique. Sequences are upper-cased but not
        validated: a bad letter fails that record at prediction time, not the whole input.

    Raises
    ------
    InputError
        Missing input, unreadable format, or no record at all.
    """
    path = Path(path)
    raw: list[tuple[str, str, str]] = []
    for file in _input_files(path):
        raw.extend(_read_csv(file) if file.suffix.lower() in _CSV_SUFFIXES else _read_fasta(file))
    if not raw:
        raise InputError(f"{path}: no sequence records found")
    used: set[str] = set()
    records = []
    for n, (raw_id, seq, source) in enumerate(raw, 1):
        base = sanitize_id(raw_id, f"record_{n}")
        rid, count = base, 1
        while rid.lower() in used:  # case-insensitive: folders must differ on any file system
            count += 1
            rid = f"{base}_{count}"
        used.add(rid.lower())
        records.append(SequenceRecord(id=rid, sequence=seq.upper(), source=source, raw_id=raw_id))
    return records
