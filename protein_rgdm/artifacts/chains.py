"""Chain index: the one finder of featurize's chain record files (``chains/<name>.npz``).

A chain source is a featurize output folder (holding ``chains/``), a ``chains/`` folder itself, or a
manifest: a CSV with a ``path`` column, or a ``name`` column resolved to ``<manifest folder>/chains/<name>.npz``
(featurize's ``manifest.csv``), or a text file with one path per line. Loading a record is the reader's
business (``structure.record.ChainRecord.load``); this module only says where the files are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from protein_rgdm.errors import InputError

__all__ = [
    "chain_folder",
    "chain_path",
    "find_chain_files",
    "index_chain_files",
    "named_chain_files",
    "output_chain_folder",
    "record_file",
]


def output_chain_folder(out_dir: str | Path) -> Path:
    """Where featurize writes the records of output folder ``out_dir``: ``out_dir/chains``."""
    return Path(out_dir) / "chains"


def record_file(folder: str | Path, name: str) -> Path:
    """The record file of chain ``name`` in a chain folder: ``folder/<name>.npz``."""
    return Path(folder) / f"{name}.npz"


def chain_folder(source: str | Path) -> Path:
    """``source/chains`` when it exists (a featurize output), else ``source``."""
    src = Path(source)
    return output_chain_folder(src) if output_chain_folder(src).is_dir() else src


def chain_path(chain_dir: str | Path, name: str) -> Path:
    """``<chain folder>/<name>.npz``; ``chain_dir`` may be the featurize output folder or its ``chains/``."""
    return record_file(chain_folder(chain_dir), name)


def _manifest_files(src: Path) -> list[Path]:
    text = src.read_text(encoding="utf-8")
    if src.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "path" in rows[0]:
            return [Path(r["path"]) if Path(r["path"]).is_absolute() else src.parent / r["path"] for r in rows]
        if rows and "name" in rows[0]:
            return [record_file(output_chain_folder(src.parent), r["name"]) for r in rows]
        if rows:
            raise InputError(f"{src}: manifest needs a 'path' or 'name' column")
        return []
    files = [Path(line.strip()) for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [f if f.is_absolute() else src.parent / f for f in files]


def find_chain_files(source: str | Path) -> list[Path]:
    """Chain record files of one source (a folder's ``*.npz`` sorted by name, or a manifest's list in order).

    Raises
    ------
    InputError
        The source is neither a folder nor a file, or lists no chains (naming it).
    """
    src = Path(source)
    if src.is_dir():
        files = sorted(chain_folder(src).glob("*.npz"))
        if not files:
            raise InputError(f"{src}: no chain records (*.npz) found")
        return files
    if not src.is_file():
        raise InputError(f"{src}: --chains is neither a folder nor a manifest file")
    files = _manifest_files(src)
    if not files:
        raise InputError(f"{src}: manifest lists no chains")
    return files


def index_chain_files(dirs: Iterable[str | Path]) -> dict[str, Path]:
    """``name → path`` of every ``<name>.npz`` in the given folders, searched recursively (first one wins)."""
    index: dict[str, Path] = {}
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            raise InputError(f"{d}: chains folder not found")
        for p in sorted(d.rglob("*.npz")):
            index.setdefault(p.stem, p)
    return index


def named_chain_files(chain_dir: str | Path, names: Sequence[str] | None = None) -> list[Path]:
    """Files of the named records of one featurize output (None: every ``*.npz``, sorted by name).

    Raises
    ------
    InputError
        A missing folder, or listed names without their file (naming the folder and a few names).
    """
    folder = chain_folder(chain_dir)
    if not folder.is_dir():
        raise InputError(f"{chain_dir}: chain folder not found")
    if names is None:
        return sorted(folder.glob("*.npz"))
    paths = [record_file(folder, n) for n in names]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"{folder}: {len(missing)} listed chains have no record, e.g. {missing[:3]}")
    return paths
