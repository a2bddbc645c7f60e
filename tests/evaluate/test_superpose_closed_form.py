"""The compiled Kabsch kernels: closed-form top eigenvector of Horn's matrix (and its Jacobi
fallback) equal LAPACK's, and the search with merged selections visits what TMscore visits."""

from __future__ import annotations

import numpy as np
import pytest

from protein_rgdm.evaluate._kernels import _jacobi_top_eigenvector, _top_quaternion, kabsch
from protein_rgdm.evaluate.metrics import GDT_CUTOFFS, tm_gdt_search
from protein_rgdm.evaluate.tmsearch import d0_final, d0_search_final, search_parameters, seed_lengths


def _horn(cov: np.ndarray) -> np.ndarray:
    sxx, sxy, sxz, syx, syy, syz, szx, szy, szz = cov.reshape(-1, 9).T
    rows = [
        [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
        [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
        [szx - sxz, sxy + syx, syy - sxx - szz, syz + szy],
        [sxy - syx, szx + sxz, syz + szy, szz - sxx - syy],
    ]
    return np.stack([np.stack(r, axis=1) for r in rows], axis=1)


def _upper(k: np.ndarray) -> tuple[float, ...]:
    return tuple(float(k[i, j]) for i in range(4) for j in range(i, 4))


def test_top_eigenvector_matches_eigh_including_degenerate_matrices():
    rng = np.random.default_rng(3)
    cov = rng.normal(size=(200, 3, 3)) * rng.uniform(0.01, 100.0, size=(200, 1, 1))
    cov[:5] = 0.0  # all eigenvalues equal: must fall back, not return NaN
    cov[5:10] = np.diag([1.0, 1.0, 0.0])  # rank-2, two-fold degenerate top eigenvalue
    horn = _horn(cov)
    q = np.array([_top_quaternion(*_upper(k)) for k in horn])
    assert np.isfinite(q).all()
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)
    top = np.linalg.eigvalsh(horn)[:, 3]
    rayleigh = np.einsum("si,sij,sj->s", q, horn, q)
    np.testing.assert_allclose(rayleigh, top, atol=1e-10 * np.abs(top).max())
    ref = np.linalg.eigh(horn)[1][10:, :, 3]
    sign = np.sign((ref * q[10:]).sum(axis=1))[:, None]
    np.testing.assert_allclose(q[10:] * sign, ref, atol=1e-9)


def test_jacobi_fallback_matches_eigh():
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = rng.normal(size=(4, 4))
        k = a + a.T
        v = np.array(_jacobi_top_eigenvector(*_upper(k)))
        ref = np.linalg.eigh(k)[1][:, 3]
        np.testing.assert_allclose(v * np.sign(v @ ref), ref, atol=1e-10)


def test_kabsch_recovers_rotations():
    rng = np.random.default_rng(4)
    for _ in range(50):
        rot = np.linalg.qr(rng.normal(size=(3, 3)))[0]
        rot *= np.sign(np.linalg.det(rot))
        x = rng.normal(size=(12, 3)) * 5.0
        y = x @ rot.T + rng.normal(size=3)
        r, t = kabsch(x, y)
        np.testing.assert_allclose(r, rot, atol=1e-10)
        np.testing.assert_allclose(x @ r.T + t, y, atol=1e-9)


def _naive_search(x, y, n_ref, n_model):
    """TMscore's search written plainly: every seed iterates on its own until its selection repeats."""

    def fit(sel):
        r, t = kabsch(x[sel], y[sel])
        return ((x @ r.T + t - y) ** 2).sum(axis=1)

    def select(d2, cutoff):
        sel = d2 < cutoff**2
        while len(d2) > 3 and sel.sum() < 3:
            cutoff += 0.5
            sel = d2 < cutoff**2
        return sel

    d0 = d0_final(n_ref)
    searches = [d0_search_final(n_ref), search_parameters(n_model, n_ref)]
    n = len(x)
    best_tm, gdt = 0.0, np.zeros(5, dtype=int)
    for k, d0s in enumerate(searches):
        for length in seed_lengths(n):
            for start in range(n - length + 1):
                d2 = fit(np.arange(start, start + length))
                visited = [d2]
                sel = select(d2, d0s - 1.0)
                for _ in range(20):
                    d2 = fit(sel)
                    visited.append(d2)
                    new = select(d2, d0s + 1.0)
                    if np.array_equal(new, sel):
                        break
                    sel = new
                for d2 in visited:
                    if k == 0:
                        best_tm = max(best_tm, float((1.0 / (1.0 + d2 / d0**2)).sum()))
                    if k == 1:
                        gdt = np.maximum(gdt, [(d2 < c**2).sum() for c in GDT_CUTOFFS])
    return best_tm / n_ref, gdt


@pytest.mark.parametrize("n_ref", [40, 200])  # 200: the GDT search differs from the TM one
def test_search_with_merged_selections_equals_the_plain_search(n_ref):
    rng = np.random.default_rng(6)
    steps = rng.normal(size=(36, 3))
    y = np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), axis=0)
    x = y + rng.normal(size=y.shape) * np.linspace(0.2, 4.0, 36)[:, None]  # graded errors
    x[20:] = x[20:] @ np.linalg.qr(rng.normal(size=(3, 3)))[0].T  # a hinge: two rigid parts
    assert (search_parameters(36, n_ref) != d0_search_final(n_ref)) == (n_ref == 200)
    tm, gdt = tm_gdt_search(x, y, n_ref, 36)
    ref_tm, ref_gdt = _naive_search(x, y, n_ref, 36)
    assert abs(tm - ref_tm) < 1e-9
    np.testing.assert_array_equal(gdt, ref_gdt)
