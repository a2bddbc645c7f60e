"""Exact predictions for Gaussian data: a reference ``score_fn`` for tests and benchmarks.

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

__all__ = ["GaussianOracle"]


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
        lengths = chain_lengths(mask)
        T = torch.tensor([diff.num_steps(n) for n in lengths.tolist()], device=x_t.device)
        step = (torch.round(t.double() * T) - 1).long().clamp(min=0)
        step = torch.minimum(step, T - 1)
        ab, _, power = diff._rows(lengths, step, mask.shape[1], x_t.dtype, x_t.device)
        sigma = self._padded(lengths, mask.shape[1], x_t.dtype, x_t.device)
        modes = diff.basis.mode_mask(mask)
        window = (ab > 0) & (ab < 1) & modes
        y = diff.basis.to_modes(x_t, mask)
        var = ab * sigma + (1.0 - ab) * power
        gain = torch.where(window, (1.0 - ab) * power / torch.where(var > 0, var, torch.ones_like(var)), 0.0)
        noise = gain.unsqueeze(-1) * y
        pred = diff.prediction_from_noise(noise, y, ab, power, window, lengths)
        return diff.basis.from_modes(pred, mask)
