"""Geometry and secondary structure of a Cα trace, and their agreement with a reference.

What Cα generative-model papers report when no folding model is at hand (e.g. FoldingDiff's P-SEA
counts and clashes): how many virtual bonds have the length of a trans peptide, how many
non-neighbouring Cα pairs overlap, the radius of gyration, and the secondary-structure composition
from Cα alone (biotite's P-SEA, :func:`biotite.structure.annotate_sse`).

Sequence adjacency comes from residue numbers: residues ``i`` and ``i + 1`` of a trace are bonded
only when their numbers differ by exactly 1 (a gap in the numbering is a chain break; a model from
``predict`` is numbered 1..L and has none). Without numbers, consecutive Cα are adjacent. Sequence
separations |i − j| of the clash count are differences of residue numbers as well.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from protein_rgdm.constants import CA_CA_DISTANCE

__all__ = [
    "GEOMETRY_COLUMNS",
    "BOND_TOLERANCE",
    "CLASH_DISTANCE",
    "CLASH_MIN_SEPARATION",
    "TraceGeometry",
    "virtual_bond_lengths",
    "bond_statistics",
    "clash_fraction",
    "radius_of_gyration",
    "sse_labels",
    "sse_composition",
    "sse_agreement",
    "trace_geometry",
    "compare_geometry",
]

#: A virtual bond is valid when its length is within CA_CA_DISTANCE ± this, Å.
BOND_TOLERANCE: float = 0.2
#: Cα pairs closer than this clash, Å.
CLASH_DISTANCE: float = 3.0
#: Only pairs at least this far apart in sequence can clash.
CLASH_MIN_SEPARATION: int = 3
_SSE = {"helix": "a", "strand": "b", "coil": "c"}
#: Columns these metrics add to metrics.csv: the model's own (reference-free), then those that need the reference.
GEOMETRY_COLUMNS = (
    "bond_valid", "bond_rms_dev", "clash", "rg", "sse_helix", "sse_strand", "sse_coil",
    "rg_ratio", "ref_sse_helix", "ref_sse_strand", "ref_sse_coil", "sse_agreement",
)  # fmt: skip


def _positions(n: int, residue_numbers: np.ndarray | None) -> np.ndarray:
    """(N,) int64 sequence positions: the residue numbers, or 0..N-1."""
    if residue_numbers is None:
        return np.arange(n, dtype=np.int64)
    pos = np.asarray(residue_numbers, dtype=np.int64)
    if pos.shape != (n,):
        raise ValueError(f"residue_numbers has shape {pos.shape}, expected ({n},)")
    return pos


def virtual_bond_lengths(ca: np.ndarray, residue_numbers: np.ndarray | None = None) -> np.ndarray:
    """Lengths of the Cα–Cα virtual bonds between residues adjacent in sequence.

    Parameters
    ----------
    ca
        (N, 3) float Cα coordinates in Å, observed residues in chain order.
    residue_numbers
        (N,) int residue numbers; pairs whose numbers differ by other than 1 are not bonded.

    Returns
    -------
    (M,) float64 bond lengths in Å, M ≤ N − 1.
    """
    x = np.asarray(ca, dtype=np.float64)
    pos = _positions(len(x), residue_numbers)
    bonded = np.diff(pos) == 1
    return np.linalg.norm(x[1:][bonded] - x[:-1][bonded], axis=-1)


def bond_statistics(
    lengths: np.ndarray, ideal: float = CA_CA_DISTANCE, tolerance: float = BOND_TOLERANCE
) -> tuple[float, float]:
    """Fraction of bonds with |d − ideal| ≤ tolerance and the RMS deviation √mean((d − ideal)²) in Å.

    Both are NaN without bonds.
    """
    d = np.asarray(lengths, dtype=np.float64)
    if d.size == 0:
        return float("nan"), float("nan")
    dev = d - ideal
    return float(np.mean(np.abs(dev) <= tolerance)), float(np.sqrt(np.mean(dev**2)))


def clash_fraction(
    ca: np.ndarray,
    residue_numbers: np.ndarray | None = None,
    distance: float = CLASH_DISTANCE,
    min_separation: int = CLASH_MIN_SEPARATION,
) -> float:
    """Fraction of Cα pairs with sequence separation ≥ ``min_separation`` closer than ``distance`` Å.

    Parameters
    ----------
    ca
        (N, 3) float Cα coordinates in Å.
    residue_numbers
        (N,) int residue numbers giving the separations (default 0..N-1).

    Returns
    -------
    float
        Clashing pairs / pairs considered; NaN when no pair is far enough apart in sequence.
    """
    from scipy.spatial import cKDTree

    x = np.asarray(ca, dtype=np.float64)
    n = len(x)
    pos = _positions(n, residue_numbers)
    # pairs considered: all pairs minus those fewer than min_separation apart (counted on sorted positions)
    order = np.sort(pos)
    near = np.searchsorted(order, order + min_separation, side="left") - np.arange(1, n + 1)
    total = n * (n - 1) // 2 - int(near.sum())
    if total <= 0:
        return float("nan")
    pairs = cKDTree(x).query_pairs(distance, output_type="ndarray")  # d ≤ distance, each pair once
    i, j = pairs[:, 0], pairs[:, 1]
    d2 = np.sum((x[i] - x[j]) ** 2, axis=-1)
    close = int(np.sum((d2 < distance**2) & (np.abs(pos[i] - pos[j]) >= min_separation)))
    return close / total


def radius_of_gyration(ca: np.ndarray) -> float:
    """√(mean |x − x̄|²) of (N, 3) Cα coordinates in Å (NaN for N = 0)."""
    x = np.asarray(ca, dtype=np.float64)
    if len(x) == 0:
        return float("nan")
    return float(np.sqrt(np.mean(np.sum((x - x.mean(axis=0)) ** 2, axis=-1))))


def sse_labels(ca: np.ndarray, residue_numbers: np.ndarray | None = None) -> np.ndarray:
    """P-SEA secondary structure from Cα only (biotite ``annotate_sse``): 'a' helix, 'b' strand, 'c' coil.

    Parameters
    ----------
    ca
        (N, 3) float Cα coordinates in Å.
    residue_numbers
        (N,) int residue numbers; P-SEA measures no distance or angle across a numbering gap.

    Returns
    -------
    (N,) ``<U1`` labels; chains of ≤ 5 residues are all coil (P-SEA needs i ± 2..4 neighbours).
    """
    import biotite.structure as struc

    x = np.asarray(ca, dtype=np.float32)
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype="<U1")
    # strictly increasing res_id that keeps exactly the breaks (non-adjacent neighbours differ by 2)
    steps = np.where(np.diff(_positions(n, residue_numbers)) == 1, 1, 2)
    atoms = struc.AtomArray(n)
    atoms.coord = x
    atoms.chain_id[:] = "A"
    atoms.res_id[:] = np.concatenate([[1], 1 + np.cumsum(steps)])
    atoms.res_name[:] = "ALA"
    atoms.atom_name[:] = "CA"
    atoms.element[:] = "C"
    with np.errstate(invalid="ignore", divide="ignore"):  # collinear Cα: an undefined dihedral is simply no match
        return np.asarray(struc.annotate_sse(atoms), dtype="<U1")


def sse_composition(labels: np.ndarray) -> dict[str, float]:
    """Fractions ``{'helix', 'strand', 'coil'}`` of the labelled residues ('a' / 'b' / 'c'); NaN when none."""
    lab = np.asarray(labels)
    lab = lab[lab != ""]
    return {name: float(np.mean(lab == code)) if lab.size else float("nan") for name, code in _SSE.items()}


def sse_agreement(model_labels: np.ndarray, reference_labels: np.ndarray) -> float:
    """Fraction of matched residue pairs with the same P-SEA label ((K,) arrays, pair k = position k)."""
    a, b = np.asarray(model_labels), np.asarray(reference_labels)
    if a.shape != b.shape:
        raise ValueError(f"label arrays differ in shape: {a.shape} vs {b.shape}")
    return float(np.mean(a == b)) if a.size else float("nan")


@dataclasses.dataclass(frozen=True)
class TraceGeometry:
    """Reference-free geometry of one Cα trace.

    Attributes
    ----------
    bond_valid
        Fraction of virtual bonds within CA_CA_DISTANCE ± BOND_TOLERANCE (3.8 ± 0.2 Å).
    bond_rms_dev
        RMS deviation of the bond lengths from 3.8 Å, in Å.
    clash
        Fraction of pairs |i − j| ≥ 3 closer than 3.0 Å.
    rg
        Radius of gyration in Å.
    sse
        (N,) ``<U1`` P-SEA labels.
    """

    bond_valid: float
    bond_rms_dev: float
    clash: float
    rg: float
    sse: np.ndarray

    def values(self) -> dict[str, float]:
        """The scalar metrics by column name: bond_valid, bond_rms_dev, clash, rg, sse_helix/strand/coil."""
        comp = sse_composition(self.sse)
        return {"bond_valid": self.bond_valid, "bond_rms_dev": self.bond_rms_dev, "clash": self.clash,
                "rg": self.rg, **{f"sse_{k}": v for k, v in comp.items()}}  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        """:meth:`values` (NaN as None) plus the label string ``sse`` (one letter per residue)."""
        out: dict[str, Any] = {k: None if np.isnan(v) else round(v, 6) for k, v in self.values().items()}
        out["sse"] = "".join(self.sse.tolist())
        return out


def trace_geometry(ca: np.ndarray, residue_numbers: np.ndarray | None = None) -> TraceGeometry:
    """All reference-free metrics of an (N, 3) Cα trace in Å (see :class:`TraceGeometry`)."""
    valid, rms = bond_statistics(virtual_bond_lengths(ca, residue_numbers))
    return TraceGeometry(
        bond_valid=valid, bond_rms_dev=rms, clash=clash_fraction(ca, residue_numbers),
        rg=radius_of_gyration(ca), sse=sse_labels(ca, residue_numbers),
    )  # fmt: skip


def compare_geometry(
    model: TraceGeometry,
    model_ca: np.ndarray,
    reference: TraceGeometry,
    reference_ca: np.ndarray,
    model_index: np.ndarray,
    reference_index: np.ndarray,
) -> dict[str, float]:
    """Model geometry against the reference's over matched residues.

    Parameters
    ----------
    model, reference
        :func:`trace_geometry` of the whole model / observed reference.
    model_ca, reference_ca
        (N_model, 3) / (N_ref, 3) Cα coordinates in Å.
    model_index, reference_index
        (K,) matched positions.

    Returns
    -------
    dict
        ``rg_ratio`` = Rg(model's matched Cα) / Rg(reference's matched Cα) (the same residues on both
        sides); ``sse_agreement``: fraction of matched pairs with equal P-SEA labels (each trace
        labelled whole); ``ref_sse_helix`` / ``ref_sse_strand`` / ``ref_sse_coil``: the reference's
        composition over its observed residues.
    """
    mi, ri = np.asarray(model_index), np.asarray(reference_index)
    ref_rg = radius_of_gyration(np.asarray(reference_ca)[ri])
    ratio = radius_of_gyration(np.asarray(model_ca)[mi]) / ref_rg if ref_rg > 0 else float("nan")
    comp = sse_composition(reference.sse)
    return {"rg_ratio": ratio, "sse_agreement": sse_agreement(model.sse[mi], reference.sse[ri]),
            **{f"ref_sse_{k}": v for k, v in comp.items()}}  # fmt: skip
