"""Exact predictions: reference ``score_fn`` s for tests and benchmarks.

``ChainOracle`` — the exact denoiser of given chains: at every step it returns what a perfect
network trained on exactly those chains would output, i.e. each parametrisation's target computed
from the true chain (x0: the chain; noise / eps: the noise that separates x_t from the true chain).
Driven by it, the sampler must return the chain itself (each mode's last step ends at x̂₀).

``GaussianOracle`` — exact predictions for Gaussian data.

If the clean modes are X̃_{0,j} ~ N(0, Σ_j) independently per coordinate, then at step s
X̃_{s,j} ~ N(0, ᾱ Σ_j + (1 − ᾱ) S_j), and the posterior mean of the added colored noise is

    E[N_j | X̃_{s,j}] = (1 − ᾱ) S_j / (ᾱ Σ_j + (1 − ᾱ) S_j) · X̃_{s,j},

from which every parametrisation's optimal output follows. The score is
∇ ln p(X̃_s)_j = −X̃_{s,j} / (ᾱ Σ_j + (1 − ᾱ) S_j).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from protein_rgdm.basis.base import chain_lengths
from protein_rgdm.errors import InputError

__all__ = ["ChainOracle", "GaussianOracle"]


def _step_rows(diff, t: torch.Tensor, mask: torch.Tensor, dtype):
    """Lengths (B,), and ᾱ, S (B, L) and the window (B, L) bool of the step that ``t`` encodes."""
    lengths = chain_lengths(mask)
    T = torch.tensor([diff.num_steps(n) for n in lengths.tolist()], device=mask.device)
    step = (torch.round(t.double() * T) - 1).long().clamp(min=0)
    step = torch.minimum(step, T - 1)
    ab, _, power = diff._rows(lengths, step, mask.shape[1], dtype, mask.device)
    window = (ab > 0) & (ab < 1) & diff.basis.mode_mask(mask)
    return lengths, ab, power, window


class ChainOracle:
    """The exact denoiser of fixed chains: ``score_fn`` whose x̂₀ is always the true chain.

    Parameters
    ----------
    diffusion
        The process whose parametrisation the oracle speaks.
    x0
        (B, L, 3) float, Å: the true chains, laid out like the ``mask`` the sampler will be given
        (centred here; padding ignored).
    mask
        (B, L) bool.
    """

    def __init__(self, diffusion, x0: torch.Tensor, mask: torch.Tensor) -> None:
        self.diffusion = diffusion
        self.mask = mask
        basis = diffusion.basis
        self.y0 = basis.to_modes(basis.centre(x0, mask), mask) * basis.mode_mask(mask).unsqueeze(-1)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, shell: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``score_fn`` interface: each parametrisation's target for the true chain, (B, L, 3)."""
        diff = self.diffusion
        if not torch.equal(mask, self.mask):
            raise InputError("ChainOracle: called with another mask than it was built for")
        lengths, ab, power, window = _step_rows(diff, t, mask, x_t.dtype)
        y = diff.basis.to_modes(x_t, mask)
        noise = (y - ab.sqrt().unsqueeze(-1) * self.y0.to(x_t.dtype)) * window.unsqueeze(-1).to(x_t.dtype)
        pred = diff.prediction_from_noise(noise, y, ab, power, window, lengths)
        return diff.basis.from_modes(pred, mask)


class GaussianOracle:
    """Closed-form optimal network for data with per-mode variances Σ_j (Å²).

    Parameters
    ----------
    diffusion
        The process whose parametrisation the oracle speaks.
    data_power
        Callable n → (n,) float64 array Σ_j (Σ_0 ignored).
    """

    def __init__(self, diffusion, data_power: Callable[[int], np.ndarray]) -> None:
        self.diffusion = diffusion
        self.data_power = data_power

    def sample_data(
        self, mask: torch.Tensor, generator: torch.Generator | None = None, dtype=torch.float64
    ) -> torch.Tensor:
        """Draw x₀ (B, L, 3) Å from the Gaussian data distribution (centred, padding 0)."""
        lengths = chain_lengths(mask)
        sd = self._padded(lengths, mask.shape[1], dtype, mask.device).sqrt().unsqueeze(-1)
        z = torch.randn((*mask.shape, 3), generator=generator, dtype=dtype, device=mask.device)
        return self.diffusion.basis.from_modes(sd * z * self.diffusion.basis.mode_mask(mask).unsqueeze(-1), mask)

    def _padded(self, lengths, lmax, dtype, device) -> torch.Tensor:
        out = np.zeros((len(lengths), lmax))
        for b, n in enumerate(lengths.tolist()):
            out[b, :n] = self.data_power(n)
            out[b, 0] = 0.0
        return torch.as_tensor(out, dtype=dtype, device=device)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, shell: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``score_fn`` interface: the optimal prediction (B, L, 3)."""
        diff = self.diffusion
        lengths, ab, power, window = _step_rows(diff, t, mask, x_t.dtype)
        sigma = self._padded(lengths, mask.shape[1], x_t.dtype, x_t.device)
        y = diff.basis.to_modes(x_t, mask)
        var = ab * sigma + (1.0 - ab) * power
        gain = torch.where(window, (1.0 - ab) * power / torch.where(var > 0, var, torch.ones_like(var)), 0.0)
        noise = gain.unsqueeze(-1) * y
        pred = diff.prediction_from_noise(noise, y, ab, power, window, lengths)
        return diff.basis.from_modes(pred, mask)
