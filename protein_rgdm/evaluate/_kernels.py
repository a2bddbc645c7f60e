"""Compiled (numba) kernels of the TM-score superposition search and of one Kabsch fit.

The search (see :mod:`.tmsearch` for its definition) runs one seed at a time here: superpose the
seed fragment, then follow its select–superpose chain, scoring every superposition on the fly
(TM-score sum and GDT counts) so that no (seeds × pairs) matrix is ever built. A selection already
superposed at the same or an earlier iteration of the same search is dropped, because its future
was (or will be, from an earlier depth) visited already; selections are identified by two
independent 64-bit additive hashes of their pair indices (a 128-bit key, collisions negligible).

All kernels take C-contiguous float64 coordinates and int64 scalars/tables, so each compiles
once (``cache=True`` keeps the machine code on disk between processes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["kabsch", "search_kernel"]

#: Newton steps allowed for the top eigenvalue of Horn's matrix (≈ 5–8 are used).
_NEWTON_STEPS = 50
#: Eigenvectors whose largest adjugate diagonal is below this × λ³ (a top-eigenvalue gap under
#: ~1e-4·λ) are recomputed by Jacobi rotations.
_GAP_TOLERANCE = 1e-10
#: Number of GDT cut-offs (0.5, 1, 2, 4, 8 Å).
_N_GDT = 5


@njit(cache=True, error_model="numpy")
def _jacobi_top_eigenvector(
    k00: float,
    k01: float,
    k02: float,
    k03: float,
    k11: float,
    k12: float,
    k13: float,
    k22: float,
    k23: float,
    k33: float,
) -> tuple[float, float, float, float]:
    """Unit eigenvector (4 floats) of the largest eigenvalue of a symmetric 4×4 matrix (upper triangle).

    Cyclic Jacobi rotations to machine precision: slower than the closed form but exact for
    (nearly) degenerate spectra; used only as its fallback (numba's LAPACK ``eigh`` binding alone
    would add seconds of compile time).
    """
    upper = (k00, k01, k02, k03, k11, k12, k13, k22, k23, k33)
    a = np.empty((4, 4))
    v = np.zeros((4, 4))
    m = 0
    for i in range(4):
        v[i, i] = 1.0
        for j in range(i, 4):
            a[i, j] = upper[m]
            a[j, i] = upper[m]
            m += 1
    for _ in range(50):
        off = 0.0
        for p in range(3):
            for q in range(p + 1, 4):
                off += a[p, q] * a[p, q]
        if off <= 1e-300:
            break
        for p in range(3):
            for q in range(p + 1, 4):
                if a[p, q] == 0.0:
                    continue
                theta = (a[q, q] - a[p, p]) / (2.0 * a[p, q])
                t = (1.0 if theta >= 0.0 else -1.0) / (abs(theta) + np.sqrt(theta * theta + 1.0))
                c = 1.0 / np.sqrt(t * t + 1.0)
                s = t * c
                for r in range(4):  # A ← A·J and V ← V·J
                    left = a[r, p]
                    a[r, p] = c * left - s * a[r, q]
                    a[r, q] = s * left + c * a[r, q]
                    left = v[r, p]
                    v[r, p] = c * left - s * v[r, q]
                    v[r, q] = s * left + c * v[r, q]
                for r in range(4):  # A ← Jᵀ·A
                    top = a[p, r]
                    a[p, r] = c * top - s * a[q, r]
                    a[q, r] = s * top + c * a[q, r]
    best = 0
    for i in range(1, 4):
        if a[i, i] > a[best, best]:
            best = i
    return v[0, best], v[1, best], v[2, best], v[3, best]


@njit(cache=True, error_model="numpy")
def _top_quaternion(
    k00: float,
    k01: float,
    k02: float,
    k03: float,
    k11: float,
    k12: float,
    k13: float,
    k22: float,
    k23: float,
    k33: float,
) -> tuple[float, float, float, float]:
    """Unit eigenvector (4 floats) of the largest eigenvalue of a traceless symmetric 4×4 matrix K.

    K is given by its upper triangle ``kij`` (i ≤ j).

    Closed form (the idea of Theobald's QCP, Acta Cryst. A61:478, 2005): the largest root of the
    characteristic quartic λ⁴ + c2 λ² + c1 λ + c0 by Newton's method started above it at
    √(3/4)·‖K‖_F (monotone convergence from there), then the eigenvector as the adjugate row of
    K − λI with the largest diagonal (adj ∝ q qᵀ). A (nearly) degenerate top eigenvalue, where that
    row is inaccurate, falls back to Jacobi rotations (:func:`_jacobi_top_eigenvector`).
    """
    off2 = k01 * k01 + k02 * k02 + k03 * k03 + k12 * k12 + k13 * k13 + k23 * k23
    fro2 = k00 * k00 + k11 * k11 + k22 * k22 + k33 * k33 + 2.0 * off2
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
        if not slope > 0.0:
            break
        step = value / slope
        lam -= step
        if abs(step) <= 1e-15 * lam:
            break
    # Adjugate of A = K − λI from the 2×2 minors of its rows (0, 1) and (2, 3); A is symmetric.
    a00, a11, a22, a33 = k00 - lam, k11 - lam, k22 - lam, k33 - lam
    s0, s1, s2 = a00 * a11 - k01 * k01, a00 * k12 - k01 * k02, a00 * k13 - k01 * k03
    s3, s4, s5 = k01 * k12 - a11 * k02, k01 * k13 - a11 * k03, k02 * k13 - k12 * k03
    t5, t4, t3 = a22 * a33 - k23 * k23, k12 * a33 - k13 * k23, k12 * k23 - k13 * a22
    t2, t1, t0 = k02 * a33 - k03 * k23, k02 * k23 - k03 * a22, k02 * k13 - k03 * k12
    # Diagonal of the adjugate first; then only the row with the largest one.
    d0 = a11 * t5 - k12 * t4 + k13 * t3
    d1 = a00 * t5 - k02 * t2 + k03 * t1
    d2 = k03 * s4 - k13 * s2 + a33 * s0
    d3 = k02 * s3 - k12 * s1 + a22 * s0
    top = max(abs(d0), abs(d1), abs(d2), abs(d3))
    # max diag = Π of the other eigenvalues' gaps to λ (times q_j² ≥ 1/4): small means degenerate.
    scale = max(lam, 1e-300)
    if not top > _GAP_TOLERANCE * scale * scale * scale:
        return _jacobi_top_eigenvector(k00, k01, k02, k03, k11, k12, k13, k22, k23, k33)
    if top == abs(d0):
        q0, q1, q2, q3 = (
            d0,
            -k01 * t5 + k02 * t4 - k03 * t3,
            k13 * s5 - k23 * s4 + a33 * s3,
            -k12 * s5 + a22 * s4 - k23 * s3,
        )
    elif top == abs(d1):
        q0, q1, q2, q3 = (
            -k01 * t5 + k12 * t2 - k13 * t1,
            d1,
            -k03 * s5 + k23 * s2 - a33 * s1,
            k02 * s5 - a22 * s2 + k23 * s1,
        )
    elif top == abs(d2):
        q0, q1, q2, q3 = (
            k01 * t4 - a11 * t2 + k13 * t0,
            -a00 * t4 + k01 * t2 - k03 * t0,
            d2,
            -k02 * s4 + k12 * s2 - k23 * s0,
        )
    else:
        q0, q1, q2, q3 = (
            -k01 * t3 + a11 * t1 - k12 * t0,
            a00 * t3 - k01 * t1 + k02 * t0,
            -k03 * s3 + k13 * s1 - k23 * s0,
            d3,
        )
    norm = np.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3)
    return q0 / norm, q1 / norm, q2 / norm, q3 / norm


@njit(cache=True, error_model="numpy")
def _fit(sums: np.ndarray, count: float, rot: np.ndarray, trans: np.ndarray) -> None:
    """Best rotation/translation from moment sums (Horn's quaternion method), written in place.

    Parameters
    ----------
    sums
        (15,) Σx (3), Σy (3) and Σ x_a y_b (9, row-major) over the fitted pairs.
    count
        Number of fitted pairs (> 0).
    rot, trans
        (3, 3) and (3,) outputs: ``rot @ x + trans`` lies on ``y`` (proper rotation, det +1).
    """
    cx0, cx1, cx2 = sums[0] / count, sums[1] / count, sums[2] / count
    cy0, cy1, cy2 = sums[3] / count, sums[4] / count, sums[5] / count
    sxx = sums[6] - cx0 * cy0 * count
    sxy = sums[7] - cx0 * cy1 * count
    sxz = sums[8] - cx0 * cy2 * count
    syx = sums[9] - cx1 * cy0 * count
    syy = sums[10] - cx1 * cy1 * count
    syz = sums[11] - cx1 * cy2 * count
    szx = sums[12] - cx2 * cy0 * count
    szy = sums[13] - cx2 * cy1 * count
    szz = sums[14] - cx2 * cy2 * count
    # Horn's symmetric matrix, upper triangle.
    q0, q1, q2, q3 = _top_quaternion(
        sxx + syy + szz, syz - szy, szx - sxz, sxy - syx,
        sxx - syy - szz, sxy + syx, szx + sxz,
        syy - sxx - szz, syz + szy,
        szz - sxx - syy,
    )  # fmt: skip
    rot[0, 0] = q0 * q0 + q1 * q1 - q2 * q2 - q3 * q3
    rot[0, 1] = 2.0 * (q1 * q2 - q0 * q3)
    rot[0, 2] = 2.0 * (q1 * q3 + q0 * q2)
    rot[1, 0] = 2.0 * (q1 * q2 + q0 * q3)
    rot[1, 1] = q0 * q0 - q1 * q1 + q2 * q2 - q3 * q3
    rot[1, 2] = 2.0 * (q2 * q3 - q0 * q1)
    rot[2, 0] = 2.0 * (q1 * q3 - q0 * q2)
    rot[2, 1] = 2.0 * (q2 * q3 + q0 * q1)
    rot[2, 2] = q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3
    trans[0] = cy0 - (rot[0, 0] * cx0 + rot[0, 1] * cx1 + rot[0, 2] * cx2)
    trans[1] = cy1 - (rot[1, 0] * cx0 + rot[1, 1] * cx1 + rot[1, 2] * cx2)
    trans[2] = cy2 - (rot[2, 0] * cx0 + rot[2, 1] * cx1 + rot[2, 2] * cx2)


@njit(cache=True, error_model="numpy")
def _add_moments(sums: np.ndarray, x: np.ndarray, y: np.ndarray, i: int) -> None:
    """Add pair ``i``'s x (3), y (3) and x_a·y_b (9) to the (15,) ``sums``."""
    for a in range(3):
        sums[a] += x[i, a]
        sums[3 + a] += y[i, a]
        for b in range(3):
            sums[6 + 3 * a + b] += x[i, a] * y[i, b]


@njit(cache=True, error_model="numpy")
def kabsch(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optimal superposition of all N matched pairs: (3, 3) rotation and (3,) translation (Å).

    ``x`` and ``y`` are (N, 3) float64, N ≥ 1; ``rot @ x[i] + trans`` lies on ``y[i]``.
    """
    sums = np.zeros(15)
    for i in range(len(x)):
        _add_moments(sums, x, y, i)
    rot, trans = np.empty((3, 3)), np.empty(3)
    _fit(sums, float(len(x)), rot, trans)
    return rot, trans


@njit(cache=True, error_model="numpy")
def _deviations(xt: np.ndarray, yt: np.ndarray, rot: np.ndarray, trans: np.ndarray, d2: np.ndarray) -> None:
    """Squared distances (Å²) |rot·x_i + trans − y_i|² of every pair, into ``d2`` (N,).

    ``xt`` and ``yt`` are the (3, N) transposed coordinates: unit-stride rows vectorise.
    """
    r00, r01, r02 = rot[0, 0], rot[0, 1], rot[0, 2]
    r10, r11, r12 = rot[1, 0], rot[1, 1], rot[1, 2]
    r20, r21, r22 = rot[2, 0], rot[2, 1], rot[2, 2]
    t0, t1, t2 = trans[0], trans[1], trans[2]
    x0, x1, x2, y0, y1, y2 = xt[0], xt[1], xt[2], yt[0], yt[1], yt[2]
    for i in range(len(d2)):
        a, b, c = x0[i], x1[i], x2[i]
        dx = r00 * a + r01 * b + r02 * c + t0 - y0[i]
        dy = r10 * a + r11 * b + r12 * c + t1 - y1[i]
        dz = r20 * a + r21 * b + r22 * c + t2 - y2[i]
        d2[i] = dx * dx + dy * dy + dz * dz


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "nsz"})
def _tm_sum(d2: np.ndarray, d02: float) -> float:
    """TM sum d0²·Σ 1/(d0² + dᵢ²) = Σ 1/(1 + (dᵢ/d0)²) of one superposition (summed in any order)."""
    total = 0.0
    for i in range(len(d2)):
        total += 1.0 / (d2[i] + d02)
    return d02 * total


@njit(cache=True, error_model="numpy")
def _raise_gdt(d2: np.ndarray, cut2: np.ndarray, gdt: np.ndarray) -> None:
    """Raise ``gdt[k]`` (5,) to the number of pairs with d² < ``cut2[k]`` if that is larger."""
    c0, c1, c2, c3, c4 = cut2[0], cut2[1], cut2[2], cut2[3], cut2[4]
    n0 = n1 = n2 = n3 = n4 = 0
    for i in range(len(d2)):
        v = d2[i]
        n0 += v < c0
        n1 += v < c1
        n2 += v < c2
        n3 += v < c3
        n4 += v < c4
    gdt[0] = max(gdt[0], n0)
    gdt[1] = max(gdt[1], n1)
    gdt[2] = max(gdt[2], n2)
    gdt[3] = max(gdt[3], n3)
    gdt[4] = max(gdt[4], n4)


@njit(cache=True, error_model="numpy")
def _mask_within(d2: np.ndarray, c2: float, hashes: np.ndarray, weights: np.ndarray) -> tuple[int, int, int]:
    """``weights[i]`` = 1.0 if d²ᵢ < ``c2`` else 0.0; returns (count, key1, key2) of that selection.

    Branch-free (vectorises): the keys add ``hashes[0|1, i]`` of the selected pairs, with wrapping.
    """
    h1, h2 = hashes[0], hashes[1]
    count, key1, key2 = 0, 0, 0
    for i in range(len(d2)):
        inside = np.int64(d2[i] < c2)
        weights[i] = inside
        count += inside
        key1 += h1[i] & -inside
        key2 += h2[i] & -inside
    return count, key1, key2


@njit(cache=True, error_model="numpy")
def _select(d2: np.ndarray, cutoff: float, hashes: np.ndarray, weights: np.ndarray) -> tuple[int, int, int]:
    """Pairs with d < ``cutoff`` (Å) as 0/1 ``weights`` (N,); returns (count, key1, key2).

    With more than 3 pairs and fewer than 3 selected, the cut-off is raised in 0.5 Å steps to the
    first one that lets 3 pairs in (TMscore's rule, computed from the third smallest distance).
    The keys identify the selection (see :func:`_mask_within`).
    """
    n = len(d2)
    count, key1, key2 = _mask_within(d2, cutoff * cutoff, hashes, weights)
    if n > 3 and count < 3:
        m0, m1, m2 = np.inf, np.inf, np.inf  # three smallest squared distances
        for i in range(n):
            v = d2[i]
            if v < m2:
                if v < m1:
                    m2 = m1
                    if v < m0:
                        m1, m0 = m0, v
                    else:
                        m1 = v
                else:
                    m2 = v
        third = np.sqrt(m2)
        relaxed = cutoff + 0.5 * max(1, int(np.floor((third - cutoff) / 0.5)) + 1)
        while True:  # guard against rounding at the boundary
            count, key1, key2 = _mask_within(d2, relaxed * relaxed, hashes, weights)
            if count >= 3:
                break
            relaxed += 0.5
    return count, key1, key2


@njit(cache=True, error_model="numpy")
def _visit(table: np.ndarray, used: np.ndarray, key1: int, key2: int, depth: int) -> bool:
    """Record selection (key1, key2) at iteration ``depth``; False if seen at a depth ≤ ``depth``.

    ``table`` is an open-addressing hash table (capacity a power of 2, 3) of (key1, key2, depth)
    rows and ``used`` its (capacity,) occupancy flags; the caller keeps the load under one half
    (:func:`_grow`).
    """
    mask = len(table) - 1
    slot = (key1 ^ (key2 >> 17)) & mask
    while used[slot]:
        if table[slot, 0] == key1 and table[slot, 1] == key2:
            if table[slot, 2] <= depth:
                return False
            table[slot, 2] = depth
            return True
        slot = (slot + 1) & mask
    used[slot] = True
    table[slot, 0] = key1
    table[slot, 1] = key2
    table[slot, 2] = depth
    return True


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "nsz"})
def _weighted_sums(columns: np.ndarray, weights: np.ndarray, sums: np.ndarray) -> None:
    """``sums[c]`` = Σᵢ ``columns[c, i]``·``weights[i]`` for the (15, N) moment columns (vectorised)."""
    for c in range(len(sums)):
        row = columns[c]
        total = 0.0
        for i in range(len(weights)):
            total += row[i] * weights[i]
        sums[c] = total


@njit(cache=True, error_model="numpy")
def _grow(table: np.ndarray, used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (K, capacity, 3) hash tables of :func:`_visit` rehashed into twice the capacity."""
    n_tables, capacity = used.shape
    new_table = np.empty((n_tables, 2 * capacity, 3), dtype=np.int64)
    new_used = np.zeros((n_tables, 2 * capacity), dtype=np.bool_)
    for k in range(n_tables):
        for slot in range(capacity):
            if used[k, slot]:
                _visit(new_table[k], new_used[k], table[k, slot, 0], table[k, slot, 1], table[k, slot, 2])
    return new_table, new_used


@njit(cache=True, error_model="numpy")
def search_kernel(
    x: np.ndarray,
    y: np.ndarray,
    seed_starts: np.ndarray,
    seed_lengths: np.ndarray,
    d0: float,
    d0_searches: np.ndarray,
    gdt_search: int,
    cut2: np.ndarray,
    max_iterations: int,
    hashes: np.ndarray,
) -> tuple[float, np.ndarray, float]:
    """Best TM sum and GDT counts over every superposition TMscore's searches visit, and the RMSD.

    Parameters
    ----------
    x, y
        (N, 3) float64 matched model / reference coordinates (Å), N ≥ 1, centred near the origin.
    seed_starts, seed_lengths
        (S,) int64 seed fragments ``[start, start + length)``, in TMscore's order.
    d0
        TM-score distance scale (Å).
    d0_searches
        (K,) float64 selection cut-off bases (Å), one per search: seeds select within
        ``d0_search − 1``, iterations within ``d0_search + 1``. Search 0 is the TM-score search.
    gdt_search
        Index of the search whose superpositions the GDT counts cover.
    cut2
        (5,) float64 ascending squared GDT cut-offs (Å²).
    max_iterations
        Superpositions per seed chain (the seed's first selection included).
    hashes
        (2, N) int64 random words identifying selections (see :func:`_select`).

    Returns
    -------
    tm_sum
        max over search 0 of d0²·Σ 1/(d0² + d²) (divide by L_ref for the TM-score).
    gdt
        (5,) int64 max over the GDT search of the number of pairs with d² < ``cut2[k]``.
    rmsd
        RMSD (Å) after the superposition of all N pairs (the first seed; ``seed_starts[0]`` must
        be 0 and ``seed_lengths[0]`` N).
    """
    n = len(x)
    d02 = d0 * d0
    n_searches = len(d0_searches)
    columns = np.empty((15, n))  # moments of each pair: x (3), y (3), x_a·y_b (9)
    prefix = np.zeros((n + 1, 15))  # their cumulative sums along the chain
    for i in range(n):
        for a in range(3):
            columns[a, i] = x[i, a]
            columns[3 + a, i] = y[i, a]
            for b in range(3):
                columns[6 + 3 * a + b, i] = x[i, a] * y[i, b]
        for c in range(15):
            prefix[i + 1, c] = prefix[i, c] + columns[c, i]
    tables = np.empty((n_searches, 64, 3), dtype=np.int64)  # one hash table of selections per search
    used = np.zeros((n_searches, 64), dtype=np.bool_)
    entries = 0  # records in the fullest table (bounds the load factor)
    seed_d2, d2, weights = np.empty(n), np.empty(n), np.empty(n)
    sums, rot, trans = np.empty(15), np.empty((3, 3)), np.empty(3)
    gdt = np.zeros(_N_GDT, dtype=np.int64)
    xt, yt = np.ascontiguousarray(x.T), np.ascontiguousarray(y.T)
    best, rmsd = 0.0, np.nan
    for s in range(len(seed_starts)):
        start, length = seed_starts[s], seed_lengths[s]
        for c in range(15):
            sums[c] = prefix[start + length, c] - prefix[start, c]
        _fit(sums, float(length), rot, trans)
        _deviations(xt, yt, rot, trans, seed_d2)
        best = max(best, _tm_sum(seed_d2, d02))
        _raise_gdt(seed_d2, cut2, gdt)
        if s == 0:  # the first seed is the whole chain: its fit gives the RMSD
            total = 0.0
            for i in range(n):
                total += seed_d2[i]
            rmsd = np.sqrt(total / n)
        for k in range(n_searches):
            cutoff = d0_searches[k] - 1.0
            current = seed_d2
            for depth in range(max_iterations):
                count, key1, key2 = _select(current, cutoff, hashes, weights)
                if count == 0:
                    break
                if 2 * (entries + 1) > used.shape[1]:
                    tables, used = _grow(tables, used)
                if not _visit(tables[k], used[k], key1, key2, depth):
                    break
                entries += 1
                _weighted_sums(columns, weights, sums)
                _fit(sums, float(count), rot, trans)
                _deviations(xt, yt, rot, trans, d2)
                if k == 0:
                    best = max(best, _tm_sum(d2, d02))
                if k == gdt_search:
                    _raise_gdt(d2, cut2, gdt)
                current = d2
                cutoff = d0_searches[k] + 1.0
    return best, gdt, rmsd
