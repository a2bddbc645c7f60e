"""Structure-file names: which suffixes are read as PDB, mmCIF or BinaryCIF, written once.

A structure file is named ``<stem><suffix>`` or ``<stem><suffix>.gz`` with one of
:data:`STRUCTURE_SUFFIXES` (compared case-insensitively). The table's order is the preference
when one stem has several files (a prediction folder with ``x.pdb`` and ``x.cif``; a reference
folder searched for ``<target>.pdb``, ``.ent``, ``.cif``, …): PDB first. Every reader, folder scan
and id clean-up of the package (featurize, predict's ids, evaluate's model and reference lookup)
asks this module; the content is still checked against the name when a file is parsed
(:func:`protein_rgdm.structure.read.detect_format`).
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "GZIP_SUFFIX",
    "STRUCTURE_FORMATS",
    "STRUCTURE_SUFFIXES",
    "format_preference",
    "strip_structure_suffix",
    "structure_format",
    "structure_stem",
]

#: Suffix (lower case) → format read from it (``"pdb"``, ``"cif"`` or ``"bcif"``), most preferred first.
STRUCTURE_FORMATS = MappingProxyType({".pdb": "pdb", ".ent": "pdb", ".cif": "cif", ".mmcif": "cif", ".bcif": "bcif"})
#: The structure suffixes in order of preference.
STRUCTURE_SUFFIXES: tuple[str, ...] = tuple(STRUCTURE_FORMATS)
#: Optional compression suffix after a structure suffix.
GZIP_SUFFIX = ".gz"


def _without_gzip(name: str) -> str:
    return name[: -len(GZIP_SUFFIX)] if name.lower().endswith(GZIP_SUFFIX) else name


def _split(name: str) -> tuple[str, str] | None:
    """(stem, lower-case structure suffix) of a file name, ``.gz`` removed; None without a structure suffix."""
    plain = _without_gzip(name)
    low = plain.lower()
    for suffix in STRUCTURE_SUFFIXES:
        if low.endswith(suffix):
            return plain[: -len(suffix)], suffix
    return None


def structure_stem(name: str) -> str | None:
    """The name without its structure suffix and ``.gz``; None when it has no structure suffix.

    ``7skh.B.pdb.gz`` → ``7skh.B``; ``3swy_A.CIF`` → ``3swy_A``; ``notes.txt`` and ``x.gz`` → None.
    ``name`` is a file name (or id), not a path: nothing before a ``/`` is removed.
    """
    split = _split(name)
    return None if split is None else split[0]


def strip_structure_suffix(name: str) -> str:
    """The name without a trailing ``.gz`` and then a structure suffix, each removed where present.

    ``7skh.B.pdb.gz`` → ``7skh.B``; ``plain.B`` → ``plain.B``; ``x.gz`` → ``x`` (a gzipped file
    whose format only its content tells).
    """
    split = _split(name)
    return _without_gzip(name) if split is None else split[0]


def structure_format(name: str) -> str | None:
    """``"pdb"``, ``"cif"`` or ``"bcif"`` from the file name's suffix (``.gz`` ignored); None when it has none."""
    split = _split(name)
    return None if split is None else STRUCTURE_FORMATS[split[1]]


def format_preference(name: str) -> int:
    """Rank of the name's structure suffix in :data:`STRUCTURE_SUFFIXES` (0 best); their count when it has none."""
    split = _split(name)
    return len(STRUCTURE_SUFFIXES) if split is None else STRUCTURE_SUFFIXES.index(split[1])
