"""Geometry of the main chain seen from its Cα trace: ideal peptide constants, local frames, features.

Everything the backbone rebuild (:mod:`protein_rgdm.structure.backbone`) and its fitted table
(:mod:`protein_rgdm.structure.backbone_table`) share: Engh & Huber (1991) ideal bond lengths and
angles, the carbonyl O placed in the peptide plane from C_i, Cα_i and N_{i+1}, orthonormal frames
built from three consecutive Cα, and the virtual bond angles θ and dihedrals τ of the trace.
All coordinates are float64 in Å, angles in radians unless a name says degrees.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "IDEAL",
    "closest_on_cone",
    "fit_ideal_peptide",
    "frames",
    "ideal_peptide",
    "place_oxygen",
    "to_frame",
    "from_frame",
    "unit",
    "virtual_angles",
    "virtual_dihedrals",
]

#: Ideal main-chain geometry (Engh & Huber 1991): lengths in Å, angles in degrees.
IDEAL = {
    "N_CA": 1.458,
    "CA_C": 1.525,
    "C_N": 1.329,
    "C_O": 1.231,
    "N_CA_C": 111.2,
    "CA_C_N": 116.2,
    "C_N_CA": 121.7,
    "CA_C_O": 120.1,
    "O_C_N": 122.7,
}


def unit(v: np.ndarray) -> np.ndarray:
    """``v`` (..., 3) divided by its norm along the last axis (zero vectors stay zero)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def frames(origin: np.ndarray, toward: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Right-handed orthonormal frames: e1 along ``toward - origin``, e2 towards ``side`` ⟂ e1.

    Parameters
    ----------
    origin, toward, side
        (..., 3) float points in Å (e.g. Cα_i, Cα_{i+1}, Cα_{i-1}).

    Returns
    -------
    numpy.ndarray
        (..., 3, 3) float64 rotation whose columns are e1, e2, e3 = e1 × e2. When ``side`` is
        collinear with the axis, e2 is any fixed perpendicular.
    """
    e1 = unit(np.asarray(toward, float) - origin)
    s = np.asarray(side, float) - origin
    perp = s - np.sum(s * e1, axis=-1, keepdims=True) * e1
    bad = np.linalg.norm(perp, axis=-1) < 1e-6
    if bad.any():
        helper = np.where(np.abs(e1[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        alt = helper - np.sum(helper * e1, axis=-1, keepdims=True) * e1
        perp = np.where(bad[..., None], alt, perp)
    e2 = unit(perp)
    e3 = np.cross(e1, e2)
    return np.stack([e1, e2, e3], axis=-1)


def to_frame(rot: np.ndarray, origin: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Coordinates of points ``x`` (..., 3) in frames ``rot`` (..., 3, 3) placed at ``origin``."""
    return np.einsum("...ji,...j->...i", rot, x - origin)


def from_frame(rot: np.ndarray, origin: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_frame`: global coordinates of ``local`` (..., 3)."""
    return np.einsum("...ij,...j->...i", rot, local) + origin


def virtual_angles(ca: np.ndarray) -> np.ndarray:
    """Virtual bond angles θ_i = ∠(Cα_{i-1}, Cα_i, Cα_{i+1}), (L-2,) radians, for i = 1..L-2."""
    a = unit(ca[:-2] - ca[1:-1])
    b = unit(ca[2:] - ca[1:-1])
    return np.arccos(np.clip(np.sum(a * b, axis=-1), -1.0, 1.0))


def virtual_dihedrals(ca: np.ndarray) -> np.ndarray:
    """Virtual dihedrals τ_i of (Cα_{i-1}, Cα_i, Cα_{i+1}, Cα_{i+2}), (L-3,) radians in (-π, π]."""
    b0 = ca[:-3] - ca[1:-2]
    b1 = unit(ca[2:-1] - ca[1:-2])
    b2 = ca[3:] - ca[2:-1]
    v = b0 - np.sum(b0 * b1, axis=-1, keepdims=True) * b1
    w = b2 - np.sum(b2 * b1, axis=-1, keepdims=True) * b1
    x = np.sum(v * w, axis=-1)
    y = np.sum(np.cross(b1, v) * w, axis=-1)
    return np.arctan2(y, x)


def place_oxygen(ca: np.ndarray, c: np.ndarray, n_next: np.ndarray) -> np.ndarray:
    """Carbonyl O in the plane of Cα_i, C_i, N_{i+1} with the ideal C=O length and angles.

    The direction d = α·u(Cα − C) + β·u(N − C) solves d·u(Cα − C) = cos ∠CαCO and
    d·u(N − C) = cos ∠OCN, then is normalised and scaled to 1.231 Å.

    Parameters
    ----------
    ca, c, n_next
        (..., 3) float Å: Cα_i, C_i and N_{i+1} (or a stand-in for N at a chain end).

    Returns
    -------
    numpy.ndarray
        (..., 3) float64 O_i in Å.
    """
    a = unit(np.asarray(ca, float) - c)
    b = unit(np.asarray(n_next, float) - c)
    g = np.clip(np.sum(a * b, axis=-1, keepdims=True), -0.999, 0.999)
    ca_co, co_n = np.cos(np.radians(IDEAL["CA_C_O"])), np.cos(np.radians(IDEAL["O_C_N"]))
    alpha = (ca_co - g * co_n) / (1.0 - g**2)
    beta = (co_n - g * ca_co) / (1.0 - g**2)
    return c + IDEAL["C_O"] * unit(alpha * a + beta * b)


def ideal_peptide() -> dict[str, np.ndarray]:
    """The rigid trans peptide unit Cα_i–C_i(=O_i)–N_{i+1}–Cα_{i+1} with ideal geometry, ω = 180°.

    Returns
    -------
    dict
        ``"C"``, ``"O"``, ``"N"`` (3,) float64 in the unit's own frame: Cα_i at the origin,
        Cα_{i+1} on +x (at ``"CA_CA"``, ≈ 3.80 Å), the plane z = 0, O on the +y side.
        ``"C"`` is relative to Cα_i, ``"N"`` relative to Cα_{i+1}.
    """
    r = np.radians
    c = np.array([IDEAL["CA_C"], 0.0, 0.0])
    # C→N direction turns by the supplement of ∠CαCN; N→Cα' turns back (trans zig-zag).
    d1 = np.array([np.cos(r(180.0 - IDEAL["CA_C_N"])), np.sin(r(180.0 - IDEAL["CA_C_N"])), 0.0])
    n = c + IDEAL["C_N"] * d1
    ang = r(180.0 - IDEAL["CA_C_N"]) - r(180.0 - IDEAL["C_N_CA"])
    ca2 = n + IDEAL["N_CA"] * np.array([np.cos(ang), np.sin(ang), 0.0])
    o = place_oxygen(np.zeros(3), c, n)
    rot = frames(np.zeros(3), ca2, o)  # x along Cα→Cα', y towards O
    loc = {k: to_frame(rot, np.zeros(3), v) for k, v in {"C": c, "O": o, "N": n, "CA2": ca2}.items()}
    return {"C": loc["C"], "O": loc["O"], "N": loc["N"] - loc["CA2"], "CA_CA": np.array(loc["CA2"][0])}


def fit_ideal_peptide(local: np.ndarray) -> np.ndarray:
    """The rigid ideal peptide rotated about the Cα–Cα axis (x) to best fit given C, N, O.

    Parameters
    ----------
    local
        (M, 3, 3) float Å: C_i, N_{i+1}, O_i per peptide in a frame whose x axis runs from Cα_i
        to Cα_{i+1} (C_i and O_i relative to Cα_i, N_{i+1} relative to Cα_{i+1}).

    Returns
    -------
    numpy.ndarray
        (M, 3, 3) float64: the :func:`ideal_peptide` atoms rotated by the angle λ that minimises
        the summed squared distance to ``local`` (closed form: λ = atan2(Σ p × q · x, Σ p · q) over
        the y, z components).
    """
    pep = ideal_peptide()
    p = np.stack([pep["C"], pep["N"], pep["O"]])  # (3, 3), z = 0
    q = np.asarray(local, dtype=np.float64)
    sin = np.sum(p[:, 1] * q[..., 2] - p[:, 2] * q[..., 1], axis=-1)
    cos = np.sum(p[:, 1] * q[..., 1] + p[:, 2] * q[..., 2], axis=-1)
    lam = np.arctan2(sin, cos)[:, None]
    return np.stack(
        [np.broadcast_to(p[:, 0], q.shape[:-1]), p[:, 1] * np.cos(lam) - p[:, 2] * np.sin(lam),
         p[:, 1] * np.sin(lam) + p[:, 2] * np.cos(lam)], axis=-1,
    )  # fmt: skip


def closest_on_cone(apex: np.ndarray, other: np.ndarray, target: np.ndarray, length: float, angle: float) -> np.ndarray:
    """The point P with |P − apex| = ``length`` and ∠(other, apex, P) = ``angle`` (degrees) nearest ``target``.

    Places a terminal atom with ideal bond length and angle (e.g. N_0 from Cα_0 and C_0) in the
    direction a mean position ``target`` points to. All arguments (..., 3) float Å.
    """
    u = unit(np.asarray(other, float) - apex)
    v = np.asarray(target, float) - apex
    w = unit(v - np.sum(v * u, axis=-1, keepdims=True) * u)
    a = np.radians(angle)
    return apex + length * (np.cos(a) * u + np.sin(a) * w)
