"""Orthonormal DCT-II and its inverse (DCT-III) along one axis via the FFT, O(L log L).

The orthonormal DCT-II of a length-N vector x is

    X_k = s_k Σ_n x_n cos(π k (2n + 1) / (2N)),   s_0 = √(1/N),  s_k = √(2/N) (k ≥ 1),

whose basis vectors are exactly the eigenvectors of the path-graph Laplacian (eigenvalue
4 sin²(πk / 2N)). The transform uses Makhoul's reordering: the even samples followed by the
odd samples reversed, one complex FFT, and a twiddle e^{−iπk/2N}.
"""

from __future__ import annotations

import math

import torch

__all__ = ["dct2", "dct_matrix", "idct2"]


def _twiddle(n: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    k = torch.arange(n, dtype=dtype, device=device)
    return torch.exp(torch.complex(torch.zeros_like(k), -math.pi * k / (2 * n)))


def _scales(n: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    s = torch.full((n,), math.sqrt(2.0 / n), dtype=dtype, device=device)
    s[0] = math.sqrt(1.0 / n)
    return s


def dct2(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Orthonormal DCT-II of ``x`` along ``dim``.

    Parameters
    ----------
    x
        Real tensor (float32 or float64), any shape; the transform length is ``x.shape[dim]``.
    dim
        Axis to transform.

    Returns
    -------
    Tensor of the same shape and dtype: the mode coefficients, mode 0 (the constant vector) first.
    """
    x = x.movedim(dim, -1)
    n = x.shape[-1]
    v = torch.cat([x[..., 0::2], x[..., 1::2].flip(-1)], dim=-1)
    spec = torch.fft.fft(v, dim=-1)
    out = (spec * _twiddle(n, x.dtype, x.device)).real * _scales(n, x.dtype, x.device)
    return out.movedim(-1, dim)


def idct2(y: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Inverse of :func:`dct2` (the orthonormal DCT-III) along ``dim``; same shape and dtype."""
    y = y.movedim(dim, -1)
    n = y.shape[-1]
    c = y / _scales(n, y.dtype, y.device)
    # C_{N-k} for k = 0..N-1, with C_N = 0
    c_rev = torch.cat([torch.zeros_like(c[..., :1]), c[..., 1:].flip(-1)], dim=-1)
    spec = torch.complex(c, -c_rev) * _twiddle(n, y.dtype, y.device).conj()
    v = torch.fft.ifft(spec, dim=-1).real
    x = torch.empty_like(v)
    half = (n + 1) // 2
    x[..., 0::2] = v[..., :half]
    x[..., 1::2] = v[..., half:].flip(-1)
    return x.movedim(-1, dim)


def dct_matrix(n: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Dense orthonormal DCT-II basis as columns: (n, n), ``U[i, k] = s_k cos(π k (2i+1) / 2n)``.

    ``U.T @ x`` equals ``dct2(x, dim=0)``; used by tests and for small dense transforms.
    """
    i = torch.arange(n, dtype=dtype)[:, None]
    k = torch.arange(n, dtype=dtype)[None, :]
    return torch.cos(math.pi * k * (2 * i + 1) / (2 * n)) * _scales(n, dtype, torch.device("cpu"))[None, :]
