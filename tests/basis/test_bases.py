"""Bases: DCT-II via FFT = dense DCT = path-Laplacian eigenvectors; orthonormality; padded batches; bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from protein_rgdm.basis import (
    DenseGraphBasis,
    HarmonicBasis,
    PathBasis,
    dct2,
    dct_matrix,
    graph_laplacian,
    idct2,
    path_weights,
)
from protein_rgdm.constants import HARMONIC_SPRING
from protein_rgdm.errors import InputError


@pytest.mark.parametrize("n", [2, 3, 8, 17, 64, 101])
def test_fft_dct_equals_dense_and_inverts(n):
    x = torch.randn(5, n, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(n))
    U = dct_matrix(n)
    assert torch.allclose(U.T @ U, torch.eye(n, dtype=torch.float64), atol=1e-12)
    y = dct2(x, dim=1)
    assert torch.allclose(y, torch.einsum("ik,bic->bkc", U, x), atol=1e-12)
    assert torch.allclose(idct2(y, dim=1), x, atol=1e-12)


@pytest.mark.parametrize("n", [5, 32, 77])
def test_path_laplacian_eigenvectors_are_dct(n):
    lam, vec = np.linalg.eigh(graph_laplacian(path_weights(n)))
    U = dct_matrix(n).numpy()
    basis = PathBasis()
    assert np.allclose(lam, basis.lattice_spectrum(n), atol=1e-10)
    assert np.allclose(basis.lattice_spectrum(n), 4 * np.sin(basis.wavenumbers(n) / 2) ** 2)
    assert np.allclose(basis.continuum_spectrum(n), (np.pi * np.arange(n) / n) ** 2)
    signs = np.sign((vec * U).sum(0))
    assert np.abs(vec * signs - U).max() < 1e-10


def test_dense_basis_orthonormal_and_matches_fft_on_ragged_batch():
    dense = DenseGraphBasis(path_weights, name="path")
    fft = PathBasis()
    for n in (4, 30):
        V = dense.eigenvectors(n)
        assert np.allclose(V.T @ V, np.eye(n), atol=1e-10)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 12, 3, dtype=torch.float64, generator=g)
    mask = torch.zeros(3, 12, dtype=torch.bool)
    mask[0, :12] = True
    mask[1, :7] = True
    mask[2, [0, 2, 3, 5, 9, 10]] = True  # holes are closed up
    ym_fft, ym_dense = fft.to_modes(x, mask), dense.to_modes(x, mask)
    # eigenvector signs may differ: compare |coefficients| and the round trip
    assert torch.allclose(ym_fft.abs(), ym_dense.abs(), atol=1e-10)
    for basis, ym in ((fft, ym_fft), (dense, ym_dense)):
        back = basis.from_modes(ym, mask)
        assert torch.allclose(back[mask], x[mask], atol=1e-12)
        assert (back[~mask] == 0).all()
        assert (ym[1, 7:] == 0).all() and (ym[2, 6:] == 0).all()
    # chain 2 alone equals the length-6 transform of its residues
    ref = dct2(x[2, mask[2]], dim=0)
    assert torch.allclose(ym_fft[2, :6], ref, atol=1e-12)
    # mode 0 is √n × centroid
    assert torch.allclose(ym_fft[1, 0], x[1, :7].mean(0) * np.sqrt(7), atol=1e-12)


def test_harmonic_basis_spectrum_and_centre():
    b = HarmonicBasis()
    assert b.spring == pytest.approx(3 / 3.8**2) and b.spring == HARMONIC_SPRING
    assert np.allclose(b.eigenvalues(10), HARMONIC_SPRING * PathBasis().lattice_spectrum(10))
    x = torch.randn(2, 6, 3, dtype=torch.float64) + 50.0
    mask = torch.ones(2, 6, dtype=torch.bool)
    mask[1, 4:] = False
    c = b.centre(x, mask)
    assert torch.allclose(c[mask].reshape(-1, 3)[:6].sum(0), torch.zeros(3, dtype=torch.float64), atol=1e-10)
    assert (c[1, 4:] == 0).all()
    assert torch.allclose(b.to_modes(c, mask)[:, 0], torch.zeros(2, 3, dtype=torch.float64), atol=1e-10)


def test_project_keeps_shell_only():
    b = PathBasis()
    y = torch.ones(2, 8, 3)
    out = b.project(y, torch.tensor([1, 3]), torch.tensor([4, 8]))
    assert out[0, :, 0].tolist() == [0, 1, 1, 1, 0, 0, 0, 0]
    assert out[1, :, 0].tolist() == [0, 0, 0, 1, 1, 1, 1, 1]


def test_bad_input_names_the_parameter():
    b = PathBasis()
    x = torch.zeros(2, 5, 3)
    mask = torch.ones(2, 5, dtype=torch.bool)
    mask[1] = False
    with pytest.raises(InputError, match="mask.*chain 1.*all-masked"):
        b.to_modes(x, mask)
    mask[1, 0] = True
    with pytest.raises(InputError, match="at least 2"):
        b.to_modes(x, mask)
    with pytest.raises(InputError, match="x: expected shape"):
        b.to_modes(torch.zeros(2, 4, 3), torch.ones(2, 5, dtype=torch.bool))
    disconnected = DenseGraphBasis(lambda n: np.zeros((n, n)), name="empty")
    with pytest.raises(InputError, match="not connected"):
        disconnected.eigenvalues(4)
