"""Atomic file output: write to a temporary file in the target folder, then rename.

A reader (or a Snakemake job restarted after a crash) therefore sees either the old
file or the complete new one, never a half-written file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator

__all__ = [
    "atomic_path",
    "atomic_open",
    "atomic_write_text",
    "atomic_write_bytes",
    "atomic_write_json",
    "remove_temp_files",
    "sha256_file",
]

#: Names of the temporary files :func:`atomic_path` creates: ``.<name>.<8 random characters>.tmp``.
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    Use when a library (numpy, torch, pandas) insists on writing to a path itself.
    On any exception the temporary file is removed and ``path`` is left untouched.

    Parameters
    ----------
    path
        Final destination.
    overwrite
        When False and ``path`` exists, raise ``FileExistsError`` before writing.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path}: exists and overwrite is off")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike, mode: str = "w", *, overwrite: bool = True, fsync: bool = True, **kwargs: Any
) -> Iterator[IO]:
    """Open a temporary file for writing; it replaces ``path`` only when the block succeeds.

    ``fsync=False`` skips flushing to disk before the rename: still atomic against a crashed
    process (readers see the old or the whole new file), not against power loss. Bulk writers of
    many small files (featurize's chain records) use it; a per-file fsync costs ~5 ms.
    """
    if not any(m in mode for m in "wx"):
        raise ValueError(f"atomic_open is for writing, got mode {mode!r}")
    mode = mode.replace("x", "w")
    with atomic_path(path, overwrite=overwrite) as tmp:
        with open(tmp, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())


def atomic_write_text(path: str | os.PathLike, text: str, *, overwrite: bool = True) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w", overwrite=overwrite, encoding="utf-8") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = True, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (``fsync`` as in :func:`atomic_open`)."""
    with atomic_open(path, "wb", overwrite=overwrite, fsync=fsync) as handle:
        handle.write(data)


def atomic_write_json(path: str | os.PathLike, obj: Any, *, overwrite: bool = True) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n", overwrite=overwrite)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def remove_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files a killed writer left in ``folder`` (not recursive); returns them.

    Only names of the form :func:`atomic_path` gives (``.<name>.<8 characters>.tmp``) are touched.
    Call it before a stage writes into a folder that no other process writes into at the same time.
    """
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        if _TEMP_NAME.match(path.name) and path.is_file() and not path.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed
