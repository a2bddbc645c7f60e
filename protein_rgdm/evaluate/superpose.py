"""Optimal rigid superposition (Kabsch) of many point subsets of one matched pair at once.

Every function here works on one pair of matched Cα traces and a *batch* of subsets: row ``s``
of a weight matrix (or a contiguous fragment) selects which matched pairs enter superposition
``s``. All sums a Kabsch fit needs are one matrix product with a pre-computed (N, 15) moment
table, and all squared deviations after the fits are another, so the TM-score search runs its
seeds and iterations as a handful of BLAS calls instead of a Python loop per seed.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "PairMoments",
    "kabsch_fragments",
    "kabsch_from_sums",
    "kabsch_masks",
    "rmsd_after_superposition",
    "squared_deviations",
]


#: Newton steps allowed for the top eigenvalue of Horn's matrix (≈ 5–8 are used).
_NEWTON_STEPS = 50
#: Batches at least this large use the closed form; smaller ones LAPACK ``eigh`` (measured cross-over).
_CLOSED_FORM_MIN_ROWS = 256
#: Rows whose adjugate is below this × λ³ (a top-eigenvalue gap under ~1e-4·λ) go to ``eigh``.
_GAP_TOLERANCE = 1e-10


class PairMoments:
    """Pre-computed per-pair products of two matched traces, shared by every batched call.

    Parameters
    ----------
    x
        (N, 3) mobile coordinates (the model), Å.
    y
        (N, 3) fixed coordinates (the reference), Å; row ``i`` is matched to ``x[i]``.

    Attributes
    ----------
    stack
        (N, 15) float64: x (3), y (3) and the products x_i·y_j (9) of each pair, so that
        ``weights @ stack`` yields every weighted sum of a Kabsch fit.
    prefix
        (N + 1, 15) cumulative sums of ``stack`` (fragment sums in O(1) each).
    basis, norms
        (15, N) and (N,) terms of the expanded squared deviation (see :func:`squared_deviations`).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 2 or x.shape[1] != 3:
            raise ValueError(f"matched traces must both be (N, 3), got {x.shape} and {y.shape}")
        self.n = len(x)
        # Centre both on the reference centroid so the expanded products stay small.
        shift = y.mean(axis=0) if self.n else np.zeros(3)
        x = x - shift
        y = y - shift
        self.x, self.y = x, y
        xy = (x[:, :, None] * y[:, None, :]).reshape(self.n, 9)
        self.stack = np.concatenate([x, y, xy], axis=1)
        self.prefix = np.concatenate([np.zeros((1, 15)), np.cumsum(self.stack, axis=0)], axis=0)
        yx = (y[:, :, None] * x[:, None, :]).reshape(self.n, 9)  # y_i x_j, row-major (i, j)
        self.basis = np.ascontiguousarray(np.concatenate([-2.0 * yx, x, y], axis=1).T)
        self.norms = (x * x).sum(axis=1) + (y * y).sum(axis=1)


def _top_eigenvectors(horn: np.ndarray) -> np.ndarray:
    """Unit eigenvectors (S, 4) of the largest eigenvalue of traceless symmetric (S, 4, 4) matrices.

    Vectorised closed form (the idea of Theobald's QCP, Acta Cryst. A61:478, 2005): the largest
    root of the characteristic quartic by Newton's method started above it at √(3/4)·‖K‖_F (it
    converges monotonically there), then the eigenvector as the largest row of the adjugate of
    K − λI, which is proportional to q qᵀ. Rows whose top eigenvalue is (nearly) degenerate, where
    that row would be inaccurate, are handed to LAPACK ``eigh`` instead.
    """
    k00, k01, k02, k03 = horn[:, 0, 0], horn[:, 0, 1], horn[:, 0, 2], horn[:, 0, 3]
    k11, k12, k13, k22, k23, k33 = (
        horn[:, 1, 1],
        horn[:, 1, 2],
        horn[:, 1, 3],
        horn[:, 2, 2],
        horn[:, 2, 3],
        horn[:, 3, 3],
    )
    off2 = k01 * k01 + k02 * k02 + k03 * k03 + k12 * k12 + k13 * k13 + k23 * k23
    fro2 = k00 * k00 + k11 * k11 + k22 * k22 + k33 * k33 + 2.0 * off2
    # Characteristic polynomial λ⁴ + c2 λ² + c1 λ + c0 (no λ³ term: the trace is 0).
    c2 = -0.5 * fro2
    t5, t4, t3 = k22 * k33 - k23 * k23, k12 * k33 - k13 * k23, k12 * k23 - k13 * k22
    t2, t1, t0 = k02 * k33 - k03 * k23, k02 * k23 - k03 * k22, k02 * k13 - k03 * k12
    minors3 = (
        (k11 * t5 - k12 * t4 + k13 * t3)
        + (k00 * t5 - k02 * t2 + k03 * t1)
        + (k00 * (k11 * k33 - k13 * k13) - k01 * (k01 * k33 - k13 * k03) + k03 * (k01 * k13 - k11 * k03))
        + (k00 * (k11 * k22 - k12 * k12) - k01 * (k01 * k22 - k12 * k02) + k02 * (k01 * k12 - k11 * k02))
    )
    c1 = -minors3
    s0, s1, s2 = k00 * k11 - k01 * k01, k00 * k12 - k01 * k02, k00 * k13 - k01 * k03
    s3, s4, s5 = k01 * k12 - k11 * k02, k01 * k13 - k11 * k03, k02 * k13 - k12 * k03
    c0 = s0 * t5 - s1 * t4 + s2 * t3 + s3 * t2 - s4 * t1 + s5 * t0
    lam = np.sqrt(0.75 * fro2)
    for _ in range(_NEWTON_STEPS):
        l2 = lam * lam
        value = (l2 + c2) * l2 + c1 * lam + c0
        slope = (4.0 * l2 + 2.0 * c2) * lam + c1
        step = value / np.where(slope > 0.0, slope, np.inf)
        lam -= step
        if np.all(np.abs(step) <= 1e-15 * lam):
            break
    # Adjugate of A = K − λI from the 2×2 minors of its rows (0, 1) and (2, 3); A is symmetric.
    a00, a11, a22, a33 = k00 - lam, k11 - lam, k22 - lam, k33 - lam
    s0, s1, s2 = a00 * a11 - k01 * k01, a00 * k12 - k01 * k02, a00 * k13 - k01 * k03
    s3, s4, s5 = k01 * k12 - a11 * k02, k01 * k13 - a11 * k03, k02 * k13 - k12 * k03
    t5, t4, t3 = a22 * a33 - k23 * k23, k12 * a33 - k13 * k23, k12 * k23 - k13 * a22
    t2, t1, t0 = k02 * a33 - k03 * k23, k02 * k23 - k03 * a22, k02 * k13 - k03 * k12
    adj = np.stack(
        [
            np.stack([a11 * t5 - k12 * t4 + k13 * t3, -k01 * t5 + k02 * t4 - k03 * t3,
                      k13 * s5 - k23 * s4 + a33 * s3, -k12 * s5 + a22 * s4 - k23 * s3], axis=1),
            np.stack([-k01 * t5 + k12 * t2 - k13 * t1, a00 * t5 - k02 * t2 + k03 * t1,
                      -k03 * s5 + k23 * s2 - a33 * s1, k02 * s5 - a22 * s2 + k23 * s1], axis=1),
            np.stack([k01 * t4 - a11 * t2 + k13 * t0, -a00 * t4 + k01 * t2 - k03 * t0,
                      k03 * s4 - k13 * s2 + a33 * s0, -k02 * s4 + k12 * s2 - k23 * s0], axis=1),
            np.stack([-k01 * t3 + a11 * t1 - k12 * t0, a00 * t3 - k01 * t1 + k02 * t0,
                      -k03 * s3 + k13 * s1 - k23 * s0, k02 * s3 - k12 * s1 + a22 * s0], axis=1),
        ],
        axis=1,
    )  # fmt: skip
    diag = np.abs(np.diagonal(adj, axis1=1, axis2=2))
    pick = diag.argmax(axis=1)
    q = adj[np.arange(len(adj)), pick]
    norm = np.sqrt((q * q).sum(axis=1))
    q /= np.where(norm > 0.0, norm, 1.0)[:, None]
    # max diag = Π of the other eigenvalues' gaps to λ (times q_j² ≥ 1/4): small means degenerate.
    scale = np.maximum(lam, 1e-300)
    unsure = ~(diag.max(axis=1) > _GAP_TOLERANCE * scale**3)
    if unsure.any():
        q[unsure] = np.linalg.eigh(horn[unsure], UPLO="U")[1][:, :, 3]
    return q


def kabsch_from_sums(sums: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best rotations/translations from weighted moment sums (Horn's quaternion method).

    The rotation maximising Σ yᵢ·R xᵢ is that of the unit quaternion spanning the top eigenvector
    of Horn's symmetric 4×4 matrix built from the centred covariance (Horn, J. Opt. Soc. Am. A 4:629,
    1987). It is always proper (det +1), so no reflection fix is needed, and a batched 4×4
    eigenvector (:func:`_top_eigenvectors`, closed form with an ``eigh`` fallback) costs far less
    than the 3×3 SVD plus determinants of the textbook Kabsch route.

    Parameters
    ----------
    sums
        (S, 15) weighted sums of :attr:`PairMoments.stack` rows.
    counts
        (S,) total weights (number of pairs for 0/1 masks), all positive.

    Returns
    -------
    rot
        (S, 3, 3) proper rotations (det +1).
    trans
        (S, 3) translations (Å): ``rot @ x + trans`` lies on ``y`` in the centred frame.
    """
    w = counts[:, None]
    cx = sums[:, 0:3] / w
    cy = sums[:, 3:6] / w
    cov = sums[:, 6:15] - (cx[:, :, None] * cy[:, None, :]).reshape(-1, 9) * w  # (S, 9): S_ab = Σ x_a y_b
    sxx, sxy, sxz, syx, syy, syz, szx, szy, szz = cov.T
    horn = np.empty((len(cov), 4, 4))
    horn[:, 0, 0] = sxx + syy + szz
    horn[:, 0, 1] = syz - szy
    horn[:, 0, 2] = szx - sxz
    horn[:, 0, 3] = sxy - syx
    horn[:, 1, 1] = sxx - syy - szz
    horn[:, 1, 2] = sxy + syx
    horn[:, 1, 3] = szx + sxz
    horn[:, 2, 2] = syy - sxx - szz
    horn[:, 2, 3] = syz + szy
    horn[:, 3, 3] = szz - sxx - syy
    if len(horn) >= _CLOSED_FORM_MIN_ROWS:
        q0, q1, q2, q3 = _top_eigenvectors(horn).T
    else:  # few rows: numpy's per-call overhead of the closed form exceeds LAPACK's per-matrix cost
        q0, q1, q2, q3 = np.linalg.eigh(horn, UPLO="U")[1][:, :, 3].T
    rot = np.empty((len(cov), 3, 3))
    rot[:, 0, 0] = q0 * q0 + q1 * q1 - q2 * q2 - q3 * q3
    rot[:, 0, 1] = 2.0 * (q1 * q2 - q0 * q3)
    rot[:, 0, 2] = 2.0 * (q1 * q3 + q0 * q2)
    rot[:, 1, 0] = 2.0 * (q1 * q2 + q0 * q3)
    rot[:, 1, 1] = q0 * q0 - q1 * q1 + q2 * q2 - q3 * q3
    rot[:, 1, 2] = 2.0 * (q2 * q3 - q0 * q1)
    rot[:, 2, 0] = 2.0 * (q1 * q3 - q0 * q2)
    rot[:, 2, 1] = 2.0 * (q2 * q3 + q0 * q1)
    rot[:, 2, 2] = q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3
    trans = cy - np.einsum("sij,sj->si", rot, cx)
    return rot, trans


def kabsch_masks(moments: PairMoments, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kabsch fits on the pairs selected by each row of ``masks`` ((S, N) bool, rows non-empty)."""
    weights = masks.astype(np.float64)
    return kabsch_from_sums(weights @ moments.stack, weights.sum(axis=1))


def kabsch_fragments(
    moments: PairMoments, starts: np.ndarray, lengths: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray]:
    """Kabsch fits on the contiguous fragments ``[starts[s], starts[s] + lengths[s])``.

    ``starts`` is (S,) int; ``lengths`` is (S,) int or one int for all fragments.
    """
    lengths = np.broadcast_to(np.asarray(lengths), starts.shape)
    sums = moments.prefix[starts + lengths] - moments.prefix[starts]
    return kabsch_from_sums(sums, lengths.astype(np.float64))


def squared_deviations(moments: PairMoments, rot: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """Squared distances of every matched pair after each superposition.

    Uses |Rx + t − y|² = |x|² + |y|² + |t|² − 2 y·Rx + 2 (Rᵀt)·x − 2 t·y, i.e. one (S, 15) × (15, N)
    matrix product.

    Returns
    -------
    (S, N) float64 squared distances in Å².
    """
    coef = np.concatenate([rot.reshape(-1, 9), 2.0 * np.einsum("sji,sj->si", rot, trans), -2.0 * trans], axis=1)
    d2 = coef @ moments.basis
    d2 += moments.norms[None, :]
    d2 += (trans * trans).sum(axis=1)[:, None]
    np.maximum(d2, 0.0, out=d2)
    return d2


def rmsd_after_superposition(x: np.ndarray, y: np.ndarray) -> float:
    """RMSD (Å) of two matched (N, 3) traces after their optimal superposition over all N pairs."""
    moments = PairMoments(x, y)
    if moments.n == 0:
        return float("nan")
    rot, trans = kabsch_fragments(moments, np.array([0]), moments.n)
    diff = np.einsum("ij,nj->ni", rot[0], moments.x) + trans[0] - moments.y
    return float(np.sqrt((diff * diff).sum(axis=1).mean()))
