"""The fitted lookup tables that place N, C and O from the local Cα geometry (a BBQ-style method).

For the peptide between Cα_i and Cα_{i+1}, the four Cα i-1..i+2 fix a local frame (origin Cα_i,
e1 along Cα_i→Cα_{i+1}, e2 towards Cα_{i-1}) and, up to rigid motion, are fixed by three
numbers: the virtual bond angles θ_i, θ_{i+1} and the virtual dihedral τ_i. The ``inner`` table
holds the mean positions of C_i, O_i (relative to Cα_i) and N_{i+1} (relative to Cα_{i+1}) in
that frame on a grid over (θ_i, τ_i, θ_{i+1}) (Gront et al. 2007, "BBQ", grid Cα distances
instead). The first and last peptide of a segment lack one neighbour; the ``right`` table (frame
side Cα_{i+2}, grid over θ_{i+1}, τ_{i+1}) and the ``left`` table (side Cα_{i-1}, grid over
τ_{i-1}, θ_i) serve them and also hold the terminal N_0, C_{L-1} and a virtual N_L that orients
the last O. O comes from the training chains' C_i, Cα_i, N_{i+1} with ideal geometry
(:func:`place_oxygen`; 0.05 Å from the deposited O on EigenFold chains), so chains with N, Cα, C
suffice.

Where a peptide has two more Cα on each side (i-2..i+3), a small network replaces the inner
table: a two-hidden-layer perceptron (SiLU, 128 units) from the seven virtual angles and
dihedrals of the window (:func:`window_features`) to the same nine local coordinates, evaluated
here in numpy. On the cgdms val chains it places O_i 0.35 Å RMS from the native instead of the
table's 0.45 Å (C 0.12 vs 0.14, N 0.09 vs 0.11 Å): the wider window sees more of the local
conformation. It is fitted by ``bench/fit_backbone_table.py`` (torch, seeded) and stored in the
same file; a table without it uses the inner table everywhere.

Fitting (:func:`fit_backbone_table`): each training example is spread onto the surrounding grid
points with multilinear weights; sums and weights are Gaussian-smoothed (τ periodic), and each
grid point takes the narrowest smoothing whose weight reaches ``min_weight``. Lookup is
multilinear interpolation. The shipped table (``backbone_table.npz`` beside this module) was made
by ``bench/fit_backbone_table.py`` from the cgdms train chains.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from protein_rgdm.fileio import atomic_write_bytes
from protein_rgdm.structure.backbone_geometry import (
    frames,
    place_oxygen,
    to_frame,
    virtual_angles,
    virtual_dihedrals,
)

__all__ = ["AXES", "BackboneTable", "bond_examples", "default_table", "fit_backbone_table", "window_features"]

#: Grid of virtual bond angles θ (degrees): lower end, upper end, step; and the τ step (degrees).
THETA_GRID = (70.0, 160.0, 5.0)
TAU_STEP = 10.0
#: Axes of each table (``theta`` clamped to the grid, ``tau`` periodic) and the atoms it holds.
AXES = {"inner": ("theta", "tau", "theta"), "left": ("tau", "theta"), "right": ("theta", "tau")}
ATOMS = {
    "inner": ("C_i", "N_i+1", "O_i"),
    "left": ("C_i", "N_i+1", "O_i", "C_i+1", "N_i+2"),
    "right": ("N_i", "C_i", "N_i+1", "O_i"),
}
#: Training peptides must look like trans peptides: Cα–Cα within this range (Å).
TRANS_RANGE = (3.65, 3.95)
DEFAULT_PATH = Path(__file__).with_name("backbone_table.npz")


def _n_points(axis: str) -> int:
    lo, hi, step = THETA_GRID
    return int(round((hi - lo) / step)) + 1 if axis == "theta" else int(round(360.0 / TAU_STEP))


def _grid_coords(axes: tuple[str, ...], features: np.ndarray) -> list[np.ndarray]:
    """Fractional grid coordinates of (M, d) features in radians."""
    lo, hi, step = np.radians(THETA_GRID)
    out = []
    for k, axis in enumerate(axes):
        f = features[:, k]
        out.append((np.clip(f, lo, hi) - lo) / step if axis == "theta" else (f + np.pi) / np.radians(TAU_STEP))
    return out


def _corners(coords: list[np.ndarray], axes: tuple[str, ...], shape: tuple[int, ...]):
    """Yield (index tuple, weight) for the 2^d grid corners around fractional ``coords``."""
    base = [np.floor(c).astype(np.int64) for c in coords]
    for corner in range(2 ** len(coords)):
        idx, w = [], 1.0
        for d, (b, c) in enumerate(zip(base, coords)):
            up = (corner >> d) & 1
            f = c - b
            w = w * (f if up else 1.0 - f)
            i = b + up
            idx.append(i % shape[d] if axes[d] == "tau" else np.clip(i, 0, shape[d] - 1))
        yield tuple(idx), w


def _fit_grid(axes, features, values, sigmas, min_weight) -> np.ndarray:
    from scipy import ndimage

    shape = tuple(_n_points(a) for a in axes)
    coords = _grid_coords(axes, features)
    sums = np.zeros(shape + (values.shape[1],))
    weight = np.zeros(shape)
    for idx, w in _corners(coords, axes, shape):
        np.add.at(weight, idx, w)
        np.add.at(sums, idx, w[:, None] * values)
    mode = ["wrap" if a == "tau" else "nearest" for a in axes]
    table = np.zeros_like(sums)
    done = np.zeros(shape, dtype=bool)
    for k, sigma in enumerate(sigmas):
        w = ndimage.gaussian_filter(weight, sigma, mode=mode)
        s = np.stack([ndimage.gaussian_filter(sums[..., j], sigma, mode=mode) for j in range(values.shape[1])], -1)
        take = ~done & ((w >= min_weight) | (k == len(sigmas) - 1))
        table[take] = s[take] / np.maximum(w[take], 1e-12)[:, None]
        done |= take
    return table


@dataclasses.dataclass(frozen=True, eq=False)
class BackboneTable:
    """Mean main-chain atom positions in local Cα frames, Å (see the module docstring).

    Attributes
    ----------
    tables
        ``"inner"`` (n_θ, n_τ, n_θ, 9), ``"left"`` (n_τ, n_θ, 15), ``"right"`` (n_θ, n_τ, 12)
        float32: per grid point the local coordinates of the atoms in ``ATOMS[key]``, C_i / O_i /
        N_i relative to Cα_i, N_{i+1} / C_{i+1} / N_{i+2} relative to Cα_{i+1}.
    window
        Weights of the window network or empty: ``w1`` (10, H), ``b1`` (H,), ``w2`` (H, H),
        ``b2``, ``w3`` (H, 9), ``b3`` (9,); output = SiLU-MLP(features) + ``b3``.
    info
        How the table was made (chains, peptides, smoothing).
    """

    tables: dict[str, np.ndarray]
    window: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    info: dict = dataclasses.field(default_factory=dict)

    def lookup_window(self, features: np.ndarray) -> np.ndarray:
        """(M, 9) float64 local C_i, N_{i+1}, O_i from (M, 10) :func:`window_features` (needs ``window``)."""
        w = self.window
        h = np.asarray(features, dtype=np.float64) @ w["w1"] + w["b1"]
        h = h / (1.0 + np.exp(-h))
        h = h @ w["w2"] + w["b2"]
        h = h / (1.0 + np.exp(-h))
        return h @ w["w3"] + w["b3"]

    def lookup(self, key: str, features: np.ndarray) -> np.ndarray:
        """(M, 3·atoms) float64 local coordinates for (M, d) features (radians) on the axes ``AXES[key]``."""
        table, axes = self.tables[key], AXES[key]
        features = np.atleast_2d(np.asarray(features, dtype=np.float64))
        out = np.zeros((len(features), table.shape[-1]))
        for idx, w in _corners(_grid_coords(axes, features), axes, table.shape[:-1]):
            out += w[:, None] * table[idx]
        return out

    def save(self, path: str | Path) -> None:
        """Write the tables as a compressed ``.npz``, atomically."""
        buf = io.BytesIO()
        window = {f"window_{k}": v for k, v in self.window.items()}
        np.savez_compressed(buf, **self.tables, **window, info=np.str_(json.dumps(self.info)))
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> BackboneTable:
        """Read tables written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            window = {k.removeprefix("window_"): z[k].astype(np.float64) for k in z.files if k.startswith("window_")}
            return cls({k: z[k] for k in AXES}, window, json.loads(str(z["info"])))


@functools.cache
def default_table() -> BackboneTable:
    """The table shipped with the package (fitted on the cgdms train chains), loaded once."""
    return BackboneTable.load(DEFAULT_PATH)


def window_features(theta: np.ndarray, tau: np.ndarray, i: np.ndarray) -> np.ndarray:
    """(M, 10) inputs of the window network for the peptides (i, i+1), each with Cα i-2..i+3.

    ``theta[j]`` = θ_{j+1} and ``tau[j]`` = τ_{j+1} as from ``virtual_angles`` /
    ``virtual_dihedrals``; features: (θ − 1.8 rad) / 0.3 for θ_{i-1}..θ_{i+2}, then cos, sin of
    τ_{i-1}, τ_i, τ_{i+1}.
    """
    th = [(theta[i + k] - 1.8) / 0.3 for k in (-2, -1, 0, 1)]
    tr = [f(tau[i + k]) for k in (-2, -1, 0) for f in (np.cos, np.sin)]
    return np.stack(th + tr, axis=1)


def bond_examples(ca: np.ndarray, n: np.ndarray, c: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Training examples of one chain for each table: (features (M, d) radians, local targets (M, 3·atoms)).

    Parameters
    ----------
    ca, n, c
        (L, 3) float Å along the chain, NaN where absent. Consecutive residues count as joined
        when both have N, Cα, C and their Cα–Cα distance lies in ``TRANS_RANGE``; every window of
        five joined residues i-2..i+2 gives one example per table for the peptide (i, i+1)
        (the right table's frame is shifted to the peptide (i-1, i) so that it never sees i+2's
        neighbour beyond the window), and, where residue i+3 is joined too, one ``"window"``
        example ((M, 10) :func:`window_features`, (M, 9) the inner table's targets).
    """
    ca, n, c = (np.asarray(a, dtype=np.float64) for a in (ca, n, c))
    L = len(ca)
    empty = {k: (np.zeros((0, len(AXES[k]))), np.zeros((0, 3 * len(ATOMS[k])))) for k in AXES}
    empty["window"] = (np.zeros((0, 10)), np.zeros((0, 9)))
    if L < 5:
        return empty
    ok = np.isfinite(ca).all(1) & np.isfinite(n).all(1) & np.isfinite(c).all(1)
    with np.errstate(invalid="ignore"):
        dist = np.linalg.norm(ca[1:] - ca[:-1], axis=1)
    link = ok[:-1] & ok[1:] & (dist >= TRANS_RANGE[0]) & (dist <= TRANS_RANGE[1])
    i = np.arange(2, L - 2)
    i = i[link[i - 2] & link[i - 1] & link[i] & link[i + 1]]
    if len(i) == 0:
        return empty
    theta, tau = virtual_angles(ca), virtual_dihedrals(ca)  # theta[j] = θ_{j+1}, tau[j] = τ_{j+1}
    o = np.full_like(ca, np.nan)
    o[:-1] = place_oxygen(ca[:-1], c[:-1], n[1:])
    rot = frames(ca[i], ca[i + 1], ca[i - 1])
    c_i, n_j, o_i = to_frame(rot, ca[i], c[i]), to_frame(rot, ca[i + 1], n[i + 1]), to_frame(rot, ca[i], o[i])
    out = {"inner": (np.stack([theta[i - 1], tau[i - 1], theta[i]], 1), np.concatenate([c_i, n_j, o_i], 1))}
    c_j, n_k = to_frame(rot, ca[i + 1], c[i + 1]), to_frame(rot, ca[i + 1], n[i + 2])
    out["left"] = (np.stack([tau[i - 2], theta[i - 1]], 1), np.concatenate([c_i, n_j, o_i, c_j, n_k], 1))
    h = i - 1  # right table: peptide (h, h+1) seen from Cα_{h+2}, features θ_{h+1}, τ_{h+1}
    rot_r = frames(ca[h], ca[h + 1], ca[h + 2])
    right_y = [to_frame(rot_r, ca[h], n[h]), to_frame(rot_r, ca[h], c[h]), to_frame(rot_r, ca[h + 1], n[h + 1])]
    out["right"] = (np.stack([theta[h], tau[h]], 1), np.concatenate([*right_y, to_frame(rot_r, ca[h], o[h])], 1))
    wide = np.flatnonzero((i + 3 < L) & link[np.minimum(i + 2, L - 2)])
    out["window"] = (window_features(theta, tau, i[wide]), out["inner"][1][wide])
    return out


def fit_backbone_table(
    chains,
    *,
    sigmas: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0),
    min_weight: float = 1.0,
    fit_window: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]] | None = None,
) -> BackboneTable:
    """Fit the tables to chains with N, Cα and C.

    Parameters
    ----------
    chains
        Iterable of (ca, n, c) arrays, each (L, 3) float Å (NaN where absent).
    sigmas
        Gaussian smoothing widths in grid steps, narrowest first.
    min_weight
        Summed interpolation weight a grid point needs before it takes a smoothing width.
    fit_window
        Trains the window network: called with (M, 10) :func:`window_features` and (M, 9)
        local targets, returns the weights of :attr:`BackboneTable.window` (the package itself
        has no trainer: ``bench/fit_backbone_table.py`` passes a torch one). None: no network.

    Returns
    -------
    BackboneTable
    """
    parts: dict[str, list] = {k: [] for k in (*AXES, "window")}
    count = 0
    for ca, n, c in chains:
        count += 1
        for key, example in bond_examples(ca, n, c).items():
            parts[key].append(example)
    tables = {}
    for key in AXES:
        examples = parts[key]
        features = np.concatenate([e[0] for e in examples])
        values = np.concatenate([e[1] for e in examples])
        tables[key] = _fit_grid(AXES[key], features, values, sigmas, min_weight).astype(np.float32)
    info = {
        "chains": count, "peptides": int(sum(len(e[0]) for e in parts["inner"])), "theta_grid_deg": list(THETA_GRID),
        "tau_step_deg": TAU_STEP, "sigmas": list(sigmas), "min_weight": min_weight, "trans_range": list(TRANS_RANGE),
    }  # fmt: skip
    window = {}
    if fit_window is not None:
        features, targets = (np.concatenate([e[k] for e in parts["window"]]) for k in (0, 1))
        window = {k: np.asarray(v, dtype=np.float64) for k, v in fit_window(features, targets).items()}
        info["window_examples"] = int(len(features))
    return BackboneTable(tables, window, info)
