"""The chain record: the typed, frozen artifact that ``featurize`` writes and every later stage reads."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_write_bytes

__all__ = ["ChainRecord"]

_ATOMS = ("n", "ca", "c", "o")
_FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True, eq=False)
class ChainRecord:
    """One protein chain indexed along its seqres, residues 0..L-1.

    Attributes
    ----------
    name
        Identifier, e.g. ``"7skh.B"`` or ``"3swy_A"``; safe as a file name.
    seqres
        Full construct sequence, one-letter codes, length L (modified residues mapped to parents).
    ca
        (L, 3) float32, Cα coordinates in Å; NaN where the residue is not observed.
    observed
        (L,) bool, True where the residue has a Cα in the structure.
    residue_numbers
        (L,) int32, author residue number of each observed residue, -1 where unobserved.
    n, c, o
        (L, 3) float32 backbone N / C / O in Å (NaN where absent), or None when the file has none.
    metadata
        JSON-serialisable facts: source file, chain id, resolution (Å), method, release date, ...
    """

    name: str
    seqres: str
    ca: np.ndarray
    observed: np.ndarray
    residue_numbers: np.ndarray
    n: np.ndarray | None = None
    c: np.ndarray | None = None
    o: np.ndarray | None = None
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        L = len(self.seqres)
        ca = np.asarray(self.ca, dtype=np.float32)
        obs = np.asarray(self.observed, dtype=bool)
        num = np.asarray(self.residue_numbers, dtype=np.int32)
        if ca.shape != (L, 3):
            raise InputError(f"{self.name}: ca has shape {ca.shape}, expected ({L}, 3) for seqres length {L}")
        if obs.shape != (L,) or num.shape != (L,):
            raise InputError(f"{self.name}: observed/residue_numbers must have shape ({L},)")
        if not np.isfinite(ca[obs]).all():
            raise InputError(f"{self.name}: non-finite Cα coordinates at observed residues")
        object.__setattr__(self, "ca", ca)
        object.__setattr__(self, "observed", obs)
        object.__setattr__(self, "residue_numbers", num)
        for atom in ("n", "c", "o"):
            arr = getattr(self, atom)
            if arr is not None:
                arr = np.asarray(arr, dtype=np.float32)
                if arr.shape != (L, 3):
                    raise InputError(f"{self.name}: {atom} has shape {arr.shape}, expected ({L}, 3)")
                object.__setattr__(self, atom, arr)

    @property
    def length(self) -> int:
        """Number of residues L in seqres."""
        return len(self.seqres)

    @property
    def observed_fraction(self) -> float:
        """Fraction of seqres residues with a Cα."""
        return float(self.observed.mean()) if self.length else 0.0

    def save(self, path: str | Path, *, fsync: bool = True) -> None:
        """Write the record as a compressed ``.npz``, atomically (``fsync=False``: see ``atomic_open``)."""
        arrays: dict[str, Any] = {
            "format_version": np.int32(_FORMAT_VERSION),
            "name": np.str_(self.name),
            "seqres": np.str_(self.seqres),
            "ca": self.ca,
            "observed": self.observed,
            "residue_numbers": self.residue_numbers,
            "metadata": np.str_(json.dumps(self.metadata, default=str)),
        }
        for atom in ("n", "c", "o"):
            arr = getattr(self, atom)
            if arr is not None:
                arrays[atom] = arr
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        atomic_write_bytes(path, buf.getvalue(), fsync=fsync)

    @classmethod
    def load(cls, path: str | Path) -> "ChainRecord":
        """Read a record written by :meth:`save`; a broken file raises ``InputError`` naming it."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                kw = {k: z[k] for k in z.files}
        except Exception as exc:  # zipfile / OSError / ValueError all mean the same to the user
            raise InputError(f"{path}: not a readable chain record ({type(exc).__name__}: {exc})") from None
        try:
            return cls(
                name=str(kw["name"]),
                seqres=str(kw["seqres"]),
                ca=kw["ca"],
                observed=kw["observed"],
                residue_numbers=kw["residue_numbers"],
                n=kw.get("n"),
                c=kw.get("c"),
                o=kw.get("o"),
                metadata=json.loads(str(kw.get("metadata", "{}"))),
            )
        except KeyError as exc:
            raise InputError(f"{path}: chain record lacks field {exc.args[0]!r}") from None
