"""Load the chain records written by featurize (the interface the bases and training stages use)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from protein_rgdm.errors import InputError
from protein_rgdm.structure.record import ChainRecord

__all__ = ["chain_path", "load_chain_dir"]


def chain_path(chain_dir: str | Path, name: str) -> Path:
    """``chain_dir/<name>.npz``; ``chain_dir`` may be the featurize output folder or its ``chains/``."""
    chain_dir = Path(chain_dir)
    if (chain_dir / "chains").is_dir():
        chain_dir = chain_dir / "chains"
    return chain_dir / f"{name}.npz"


def load_chain_dir(chain_dir: str | Path, names: Iterable[str] | None = None) -> list[ChainRecord]:
    """Chain records from a featurize output.

    Parameters
    ----------
    chain_dir
        The featurize ``out_dir`` (holding ``chains/``) or the ``chains/`` folder itself.
    names
        Records to load, in this order (e.g. the ``name`` column of ``splits/train.csv``);
        None loads every ``*.npz``, sorted by name.

    Raises
    ------
    InputError
        A missing folder, a listed name without its file, or an unreadable record (naming it).
    """
    root = Path(chain_dir)
    folder = root / "chains" if (root / "chains").is_dir() else root
    if not folder.is_dir():
        raise InputError(f"{chain_dir}: chain folder not found")
    if names is None:
        paths = sorted(folder.glob("*.npz"))
    else:
        paths = [folder / f"{n}.npz" for n in names]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise InputError(f"{folder}: {len(missing)} listed chains have no record, e.g. {missing[:3]}")
    return [ChainRecord.load(p) for p in paths]
