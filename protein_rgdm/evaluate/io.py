"""Read the Cα trace and sequence of a model or reference file for evaluation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.evaluate.pdb_ca import read_ca_chain_fast
from protein_rgdm.structure.formats import structure_stem
from protein_rgdm.structure.read import read_bytes, read_ca_chain

__all__ = [
    "CA_STEP_RANGE",
    "CaTrace",
    "check_ca_geometry",
    "read_trace",
    "is_structure_file",
]


@dataclasses.dataclass(frozen=True)
class CaTrace:
    """Observed amino-acid Cα atoms of one chain.

    Attributes
    ----------
    ca
        (N, 3) float64 coordinates in Å, file order.
    sequence
        One-letter codes, length N (modified residues as their parent, unknown as ``X``).
    residue_numbers
        (N,) int author residue numbers.
    """

    ca: np.ndarray
    sequence: str
    residue_numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.sequence)


def is_structure_file(path: str | Path) -> bool:
    """True for a regular file named like a structure (:mod:`protein_rgdm.structure.formats`), gzipped or not."""
    return Path(path).is_file() and structure_stem(Path(path).name) is not None


def read_trace(path: str | Path, chain: str | None = None) -> CaTrace:
    """Cα trace of the first protein chain (or ``chain``) of a PDB/mmCIF file, gz or not.

    Parsing goes through :mod:`protein_rgdm.structure.read` (biotite for mmCIF, first model,
    first altloc); plain PDB files take the equivalent Cα-only shortcut of :mod:`.pdb_ca` first.
    Raises :class:`InputError` naming the file when it is unreadable or holds no amino-acid Cα
    atoms.
    """
    try:
        fast = read_ca_chain_fast(path, read_bytes(path), chain)
        ca, sequence, numbers = fast if fast is not None else read_ca_chain(path, chain)
    except InputError:
        raise
    except Exception as exc:  # a parser failure on malformed content
        raise InputError(f"{path}: cannot read structure ({type(exc).__name__}: {exc})") from None
    ca = np.asarray(ca, dtype=np.float64)
    if not np.isfinite(ca).all():
        raise InputError(f"{path}: non-finite Cα coordinates")
    numbers = np.asarray(numbers)
    check_ca_geometry(path, ca, numbers)
    return CaTrace(ca=ca, sequence=str(sequence), residue_numbers=numbers)


#: Accepted range (Å) of the median distance between consecutive Cα atoms (3.8 Å in a real chain). Wide on
#: purpose: it catches unit errors (nm: 0.38 Å; ×10: 38 Å; ×10⁵), while a weak model's collapsed or stretched
#: chain (median 1–10 Å) is a real prediction and is scored: refusing it would drop the worst samples from the
#: aggregates and flatter the model.
CA_STEP_RANGE = (0.5, 20.0)


def check_ca_geometry(path: str | Path, ca: np.ndarray, residue_numbers: np.ndarray) -> None:
    """Refuse a trace whose Cα atoms are not spaced like a chain (coordinates scaled, in nm, exploded).

    The median distance between Cα atoms of consecutively numbered residues (all neighbours in
    file order when no two are numbered consecutively) must lie in :data:`CA_STEP_RANGE`; real
    chains give 3.8 Å, a model scaled by 10⁵ gives 3.8·10⁵ Å and would otherwise be scored with
    empty or meaningless metrics.

    Parameters
    ----------
    ca
        (N, 3) float Cα coordinates, Å.
    residue_numbers
        (N,) int author residue numbers.
    """
    if len(ca) < 2:
        return
    steps = np.linalg.norm(np.diff(ca, axis=0), axis=1)
    consecutive = np.diff(residue_numbers.astype(np.int64)) == 1
    median = float(np.median(steps[consecutive] if consecutive.any() else steps))
    lo, hi = CA_STEP_RANGE
    if not lo <= median <= hi:
        raise InputError(
            f"{path}: absurd Cα coordinates: median distance between consecutive Cα atoms {median:.4g} Å, "
            f"not near 3.8 Å (outside {lo}-{hi} Å; coordinates scaled or not in Å?)"
        )
