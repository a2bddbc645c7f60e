"""Read sequences to predict from FASTA, CSV (``id,sequence`` or ``name,seqres``) or a folder of such files.

Identifiers are sanitised here, once: only ``[A-Za-z0-9._-]`` survives, so a FASTA header can
never name a path outside the output folder; duplicates get a ``_2``, ``_3``, ... suffix.

Files are read by :mod:`protein_rgdm.fileread`: regular files only, at most ``max_bytes``, strict
UTF-8 (a leading byte-order mark is dropped). Only ASCII letters are upper-cased (``ß`` must not
become ``SS``); the letters are checked and mapped to the model's at prediction time
(:mod:`protein_rgdm.letters`), so one bad record fails alone. In a folder, a file that cannot be
read becomes an :class:`InputFailure` (a row of ``failed.tsv``) and the other files are read.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

from protein_rgdm.errors import InputError
from protein_rgdm.fileread import DEFAULT_MAX_BYTES, check_regular_file, csv_field_limit, read_text_file
from protein_rgdm.letters import MappedSequence, map_letters
from protein_rgdm.structure.formats import structure_stem

__all__ = ["InputFailure", "SequenceRecord", "read_sequences", "sanitize_id"]

_FASTA_SUFFIXES = {".fasta", ".fa", ".faa", ".fas", ".fna", ".seq"}
_CSV_SUFFIXES = {".csv"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_ID = 100
#: Accepted CSV column names, first match wins: ``id,sequence``, or a split / manifest table's ``name,seqres``.
_ID_COLUMNS = ("id", "name")
_SEQUENCE_COLUMNS = ("sequence", "seqres")
#: Upper-casing of ASCII letters only: ``str.upper`` would turn ``ß`` into ``SS`` and ``ı`` into ``I``.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclasses.dataclass(frozen=True)
class SequenceRecord:
    """One sequence to predict.

    Attributes
    ----------
    id
        Sanitised identifier, safe as a file and folder name.
    sequence
        One-letter sequence as read (ASCII letters upper-cased, whitespace removed; not yet validated).
    source
        ``file:line`` where the record was read, for error messages.
    raw_id
        The identifier as written in the input file.
    """

    id: str
    sequence: str
    source: str
    raw_id: str

    def mapped(self) -> MappedSequence:
        """The sequence in model letters (U → C, O → K, B/Z/J/X → X) and what changed.

        Raises
        ------
        InputError
            Naming the record, for characters that are not ASCII letters.
        """
        try:
            return map_letters(self.sequence)
        except ValueError as exc:
            raise InputError(f"{self.id} ({self.source}): {exc}") from None

    @property
    def model_sequence(self) -> str:
        """The letters the model is given (see :meth:`mapped`)."""
        return self.mapped().sequence


@dataclasses.dataclass(frozen=True)
class InputFailure:
    """An input file of a folder that could not be read: one row of ``failed.tsv`` (id = file name)."""

    id: str
    source: str
    reason: str

    def as_row(self) -> dict[str, str]:
        """The failure as the runner keeps it: id, source, reason (``failed.tsv`` columns item, file, reason)."""
        return dataclasses.asdict(self)


def sanitize_id(raw: str, fallback: str) -> str:
    """A file-name-safe identifier from a FASTA header or CSV id.

    The first whitespace-separated word is kept; runs of characters outside ``[A-Za-z0-9._-]``
    become ``_``; leading dots and underscores are dropped (no hidden files, no ``..``); at most
    100 characters. A trailing structure-file extension (``.pdb``, ``.cif.gz``, ...) is removed,
    so a target named after its reference file keeps the reference's stem. An empty result
    gives ``fallback``.
    """
    words = raw.strip().split()
    first = words[0] if words else ""
    stem = structure_stem(first)  # EigenFold split tables name targets ``7skh.B.pdb``
    text = first if stem is None else stem
    text = _UNSAFE.sub("_", text)
    text = text.lstrip("._-")[:_MAX_ID].rstrip(".")
    return text or fallback


def _read_fasta(path: Path, text: str) -> list[tuple[str, str, str]]:
    records: list[tuple[str, str, str]] = []
    header: str | None = None
    start = 0
    chunks: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
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


def _read_csv(path: Path, text: str) -> list[tuple[str, str, str]]:
    with csv_field_limit(len(text)):
        try:
            reader = csv.DictReader(io.StringIO(text, newline=""))
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
        except csv.Error as exc:
            raise InputError(f"{path}: malformed CSV ({exc})") from None


def _read_file(path: Path, max_bytes: int) -> list[tuple[str, str, str]]:
    text = read_text_file(path, max_bytes)
    return _read_csv(path, text) if path.suffix.lower() in _CSV_SUFFIXES else _read_fasta(path, text)


def _input_files(path: Path) -> list[Path]:
    """The file itself, or a folder's entries with a FASTA / CSV suffix (whatever they are: checked on reading)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _FASTA_SUFFIXES | _CSV_SUFFIXES)
        if not files:
            raise InputError(f"{path}: folder holds no FASTA (.fasta/.fa/.faa) or .csv files")
        return files
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{path}: input not found")
    check_regular_file(path)
    return [path]


def read_sequences(
    path: str | Path, failures: list[InputFailure] | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[SequenceRecord]:
    """All records of a FASTA file, an ``id,sequence`` CSV, or a folder of them (sorted by file name).

    Parameters
    ----------
    path
        File or folder. ``.csv`` files are read as CSV, anything else as FASTA.
    failures
        For a folder: when given, each file that cannot be read (not UTF-8, malformed, not a
        regular file, too large) is appended here and the other files are read; when None the
        first such file raises. A single file always raises.
    max_bytes
        Largest file read (see :mod:`protein_rgdm.fileread`).

    Returns
    -------
    list of SequenceRecord
        In input order, ids sanitised and made unique. ASCII letters are upper-cased, nothing
        else is validated: a bad letter fails that record at prediction time, not the whole input.

    Raises
    ------
    InputError
        Missing input, an unreadable file, or no record at all.
    """
    path = Path(path)
    raw: list[tuple[str, str, str]] = []
    for file in _input_files(path):
        try:
            raw.extend(_read_file(file, max_bytes))
        except InputError as exc:
            if failures is None or file == path:
                raise
            failures.append(InputFailure(id=file.name, source=str(file), reason=str(exc)))
    if not raw:
        why = f" ({len(failures)} unreadable file(s), first: {failures[0].reason})" if failures else ""
        raise InputError(f"{path}: no sequence records found{why}")
    used: set[str] = set()
    records = []
    for n, (raw_id, seq, source) in enumerate(raw, 1):
        base = sanitize_id(raw_id, f"record_{n}")
        rid, count = base, 1
        while rid.lower() in used:  # case-insensitive: folders must differ on any file system
            count += 1
            rid = f"{base}_{count}"
        used.add(rid.lower())
        records.append(SequenceRecord(id=rid, sequence=seq.translate(_ASCII_UPPER), source=source, raw_id=raw_id))
    return records
