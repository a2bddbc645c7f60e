"""The closed-form top eigenvector of Horn's matrix equals LAPACK's, and large batches use it correctly."""

from __future__ import annotations

import numpy as np

from protein_rgdm.evaluate.superpose import _top_eigenvectors, kabsch_from_sums


def _horn(cov: np.ndarray) -> np.ndarray:
    sxx, sxy, sxz, syx, syy, syz, szx, szy, szz = cov.reshape(-1, 9).T
    rows = [
        [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
        [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
        [szx - sxz, sxy + syx, syy - sxx - szz, syz + szy],
        [sxy - syx, szx + sxz, syz + szy, szz - sxx - syy],
    ]
    return np.stack([np.stack(r, axis=1) for r in rows], axis=1)


def test_top_eigenvector_matches_eigh_including_degenerate_rows():
    rng = np.random.default_rng(3)
    cov = rng.normal(size=(400, 3, 3)) * rng.uniform(0.01, 100.0, size=(400, 1, 1))
    cov[:5] = 0.0  # all eigenvalues equal: must fall back, not return NaN
    cov[5:10] = np.diag([1.0, 1.0, 0.0])  # rank-2, two-fold degenerate top eigenvalue
    horn = _horn(cov)
    q = _top_eigenvectors(horn)
    assert np.isfinite(q).all()
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)
    top = np.linalg.eigvalsh(horn)[:, 3]
    rayleigh = np.einsum("si,sij,sj->s", q, horn, q)
    np.testing.assert_allclose(rayleigh, top, atol=1e-10 * np.abs(top).max())
    ref = np.linalg.eigh(horn)[1][10:, :, 3]
    sign = np.sign((ref * q[10:]).sum(axis=1))[:, None]
    np.testing.assert_allclose(q[10:] * sign, ref, atol=1e-9)


def test_large_batch_kabsch_recovers_rotations():
    rng = np.random.default_rng(4)
    n, s = 12, 600  # above the closed-form batch size
    rots = np.linalg.qr(rng.normal(size=(s, 3, 3)))[0]
    rots *= np.sign(np.linalg.det(rots))[:, None, None]
    x = rng.normal(size=(s, n, 3)) * 5.0
    y = np.einsum("sij,snj->sni", rots, x) + rng.normal(size=(s, 1, 3))
    xy = (x[:, :, :, None] * y[:, :, None, :]).reshape(s, n, 9)
    sums = np.concatenate([x.sum(1), y.sum(1), xy.sum(1)], axis=1)
    rot, trans = kabsch_from_sums(sums, np.full(s, float(n)))
    np.testing.assert_allclose(rot, rots, atol=1e-10)
    np.testing.assert_allclose(np.einsum("sij,snj->sni", rot, x) + trans[:, None], y, atol=1e-9)
