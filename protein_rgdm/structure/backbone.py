"""Rebuild the main chain N, C, O of every residue from a Cα trace; the Cα are never moved.

Each peptide between Cα_i and Cα_{i+1} is placed from the local Cα geometry with the fitted
lookup tables of :mod:`protein_rgdm.structure.backbone_table`: interior peptides from the
window network over Cα i-2..i+3 (or the table over (θ_i, τ_i, θ_{i+1}) next to the ends), the
first and last peptide of a segment from the one virtual angle and dihedral they have. The
predicted mean C_i, N_{i+1}, O_i are then replaced by the rigid ideal trans peptide (Engh & Huber
geometry, ω = 180°) rotated about the Cα–Cα axis to fit them best, so bond lengths and angles are
ideal at Cα–Cα = 3.80 Å. When a trace's Cα–Cα distance differs, the unit is stretched along the
Cα–Cα axis, sharing the strain among the Cα–C, C–N and N–Cα bonds. The terminal N_0 and C_{L-1}
depend on torsions the trace does not fix (~1.3 Å off): they take the ideal bond length and
N–Cα–C angle in the direction of the end tables' mean position; the last O is placed with a
virtual N from the table.

Chain breaks (consecutive Cα farther apart than ``CHAIN_BREAK_DISTANCE``, 4.2 Å) and residues
without a Cα (NaN) split the chain into segments rebuilt independently. Segments of one to three
residues are extended with virtual Cα (3.8 Å, virtual angle 110°, τ = 180°) to four, so their
atoms have ideal bond geometry but an orientation that the trace does not determine.

Measured accuracy: ``bench/bench_backbone.py`` and the README.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from protein_rgdm.constants import CHAIN_BREAK_DISTANCE
from protein_rgdm.errors import InputError
from protein_rgdm.structure.backbone_geometry import (
    IDEAL,
    closest_on_cone,
    fit_ideal_peptide,
    frames,
    ideal_peptide,
    from_frame,
    place_oxygen,
    virtual_angles,
    virtual_dihedrals,
)
from protein_rgdm.structure.backbone_table import BackboneTable, default_table, window_features

__all__ = ["BackboneAtoms", "rebuild_backbone", "segments"]

#: Virtual angle (degrees) at which segments shorter than four residues are extended.
PAD_ANGLE = 110.0
#: Segments shorter than this are extended with virtual Cα (the tables need four).
MIN_SEGMENT = 4


@dataclasses.dataclass(frozen=True, eq=False)
class BackboneAtoms:
    """Main-chain atoms of one chain, residues 0..L-1, float64 Å; NaN where the Cα is NaN.

    Attributes
    ----------
    n, ca, c, o
        (L, 3) coordinates; ``ca`` is the input array itself (same object, never modified).
    """

    n: np.ndarray
    ca: np.ndarray
    c: np.ndarray
    o: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        """``{"N": n, "CA": ca, "C": c, "O": o}``."""
        return {"N": self.n, "CA": self.ca, "C": self.c, "O": self.o}


def segments(ca: np.ndarray, break_distance: float = CHAIN_BREAK_DISTANCE) -> list[tuple[int, int]]:
    """Half-open index ranges [start, stop) of runs of finite Cα with consecutive Cα–Cα ≤ ``break_distance`` Å."""
    ok = np.isfinite(ca).all(axis=1)
    out: list[tuple[int, int]] = []
    start = None
    for i in range(len(ca)):
        if not ok[i]:
            if start is not None:
                out.append((start, i))
            start = None
            continue
        if start is None:
            start = i
        elif np.linalg.norm(ca[i] - ca[i - 1]) > break_distance:
            out.append((start, i))
            start = i
    if start is not None:
        out.append((start, len(ca)))
    return out


def _pad(x: np.ndarray) -> np.ndarray:
    """Extend a segment of 1-3 Cα to four with virtual Cα (3.80 Å, virtual angle 110°, τ = 180°)."""
    step = float(ideal_peptide()["CA_CA"])  # the ideal unit's own Cα–Cα: virtual peptides are unstrained
    while len(x) < MIN_SEGMENT:
        side = x[-3] if len(x) >= 3 else x[-1]  # no third point: a fixed perpendicular
        toward = x[-2] if len(x) >= 2 else x[-1] + [-1.0, 0.0, 0.0]
        rot = frames(x[-1], toward, side)
        a = np.radians(PAD_ANGLE)
        x = np.vstack([x, x[-1] + step * (np.cos(a) * rot[:, 0] - np.sin(a) * rot[:, 1])])
    return x


def _place(rot: np.ndarray, x_i: np.ndarray, x_j: np.ndarray, loc: np.ndarray) -> tuple[np.ndarray, ...]:
    """Global C_i, N_{i+1}, O_i of peptides from table output ``loc`` (M, ≥9), snapped to the ideal unit.

    The unit is stretched along the Cα–Cα axis to the trace's distance (x components × d / 3.804 Å),
    so a Cα–Cα distance off the ideal strains the three bonds Cα–C, C–N, N–Cα in proportion to
    their extent along the axis instead of the C–N bond alone.
    """
    pep = fit_ideal_peptide(loc[:, :9].reshape(-1, 3, 3))
    stretch = np.linalg.norm(np.asarray(x_j, float) - x_i, axis=-1) / float(ideal_peptide()["CA_CA"])
    pep[:, :, 0] *= stretch[:, None]
    return from_frame(rot, x_i, pep[:, 0]), from_frame(rot, x_j, pep[:, 1]), from_frame(rot, x_i, pep[:, 2])


def _segment(x: np.ndarray, table: BackboneTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """N, C, O (m, 3) of one unbroken segment of m ≥ 4 Cα ``x``."""
    m = len(x)
    theta, tau = virtual_angles(x), virtual_dihedrals(x)  # theta[j] = θ_{j+1}, tau[j] = τ_{j+1}
    n, c, o = (np.full((m, 3), np.nan) for _ in range(3))
    i = np.arange(1, m - 2)  # interior peptides (i, i+1)
    rot = frames(x[i], x[i + 1], x[i - 1])
    loc = table.lookup("inner", np.stack([theta[i - 1], tau[i - 1], theta[i]], 1))
    wide = (i >= 2) & (i + 3 < m)  # Cα i-2..i+3 present: the window network where the table has one
    if table.window and wide.any():
        loc[wide] = table.lookup_window(window_features(theta, tau, i[wide]))
    c[i], n[i + 1], o[i] = _place(rot, x[i], x[i + 1], loc)
    rot = frames(x[:1], x[1:2], x[2:3])  # first peptide, seen from Cα_2
    loc = table.lookup("right", [[theta[0], tau[0]]])
    c[:1], n[1:2], o[:1] = _place(rot, x[:1], x[1:2], loc[:, 3:])
    n[0] = closest_on_cone(x[0], c[0], from_frame(rot, x[:1], loc[:, :3])[0], IDEAL["N_CA"], IDEAL["N_CA_C"])
    k = m - 2  # last peptide, seen from Cα_{m-3}
    rot = frames(x[k : k + 1], x[k + 1 :], x[k - 1 : k])
    loc = table.lookup("left", [[tau[k - 2], theta[k - 1]]])
    c[k : k + 1], n[k + 1 :], o[k : k + 1] = _place(rot, x[k : k + 1], x[k + 1 :], loc)
    c_mean, n_virtual = from_frame(rot, x[k + 1 :], loc[:, 9:12])[0], from_frame(rot, x[k + 1 :], loc[:, 12:])[0]
    c[k + 1] = closest_on_cone(x[k + 1], n[k + 1], c_mean, IDEAL["CA_C"], IDEAL["N_CA_C"])
    o[k + 1] = place_oxygen(x[k + 1], c[k + 1], n_virtual)
    return n, c, o


def rebuild_backbone(
    ca: np.ndarray, *, table: BackboneTable | None = None, break_distance: float = CHAIN_BREAK_DISTANCE
) -> BackboneAtoms:
    """N, C and O for every residue of a Cα trace.

    Parameters
    ----------
    ca
        (L, 3) float Cα coordinates in Å; NaN rows (unobserved residues) get NaN atoms.
    table
        Fitted lookup table; None uses the one shipped with the package.
    break_distance
        Consecutive Cα farther apart than this (Å) are not joined by a peptide.

    Returns
    -------
    BackboneAtoms
        n, c, o (L, 3) float64 Å; ``ca`` is returned as given, unchanged.

    Raises
    ------
    InputError
        ``ca`` is not an (L, 3) array.
    """
    x = np.asarray(ca)
    if x.ndim != 2 or x.shape[1] != 3:
        raise InputError(f"a Cα trace must have shape (L, 3), got {x.shape}")
    table = default_table() if table is None else table
    xf = x.astype(np.float64)
    n, c, o = (np.full(xf.shape, np.nan) for _ in range(3))
    for start, stop in segments(xf, break_distance):
        seg = xf[start:stop]
        m = len(seg)
        sn, sc, so = _segment(_pad(seg), table)
        n[start:stop], c[start:stop], o[start:stop] = sn[:m], sc[:m], so[:m]
    return BackboneAtoms(n=n, ca=ca, c=c, o=o)
