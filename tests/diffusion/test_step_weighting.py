"""Step weighting: E_s is the loss of the prior-only Gaussian denoiser, and the weight divides it out."""

from __future__ import annotations

import pytest
import torch

from protein_rgdm.config.diffusion import DiffusionConfig, FreeColourConfig, LossConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.errors import ConfigError


def _diff(prediction: str, shell: str = "target", step: str = "prior_error", floor: float = 0.1) -> Diffusion:
    return Diffusion.from_config(
        DiffusionConfig(
            colour=FreeColourConfig(),
            prediction=prediction,
            loss=LossConfig(shell_weighting=shell, step_weighting=step, step_weighting_floor=floor),
        )
    )


def _gaussian_chains(diff: Diffusion, n: int, L: int, g: torch.Generator) -> torch.Tensor:
    """x0 whose modes are N(0, S_k): the data the prior-only denoiser is optimal for, (n, L, 3) Å."""
    _, S = diff.tables(L)
    mask = torch.ones(n, L, dtype=torch.bool)
    y0 = torch.randn(n, L, 3, generator=g, dtype=torch.float64) * torch.as_tensor(S).sqrt()[None, :, None]
    y0[:, 0] = 0.0
    return diff.basis.from_modes(y0, mask)


@pytest.mark.parametrize("prediction,shell", [("x0", "none"), ("noise", "target"), ("noise", "none"), ("eps", "none")])
def test_prior_error_is_the_gaussian_denoisers_loss(prediction, shell):
    """Monte Carlo: for Gaussian data of power S the denoiser X̂₀ = √ᾱ X̃_t has mean loss E_s at every step."""
    diff = _diff(prediction, shell, step="none")
    g = torch.Generator().manual_seed(0)
    L, n = 30, 4000
    mask = torch.ones(n, L, dtype=torch.bool)
    x0 = _gaussian_chains(diff, n, L, g)
    T = diff.num_steps(L)
    for step in (T // 5, T // 2, (4 * T) // 5):
        q = diff.q_sample(x0, mask, step, g)
        ab, power, lengths = q.ab, q.power, q.lengths
        window = (ab > 0) & (ab < 1) & q.modes
        ex = diff.training_example(x0, mask, torch.Generator().manual_seed(step), step=step)
        y_t = diff.basis.to_modes(ex.x_t, mask)
        x0_hat = ab.sqrt()[..., None] * y_t  # posterior mean of X̃₀ under the N(0, S) prior
        noise_hat = (y_t - ab.sqrt()[..., None] * x0_hat) * window[..., None]
        pred = diff.basis.from_modes(diff.prediction_from_noise(noise_hat, y_t, ab, power, window, lengths), mask)
        measured = diff.loss(pred, ex, mask).item()
        expected = diff.prior_error(ab, power, window, lengths)[0].item()
        assert expected > 0
        assert measured == pytest.approx(expected, rel=0.03), (step, measured, expected)


def test_weights_follow_the_step_and_the_floor():
    g = torch.Generator().manual_seed(1)
    L = 40
    mask = torch.ones(3, L, dtype=torch.bool)
    for floor in (0.1, 1.0):
        diff = _diff("x0", floor=floor)
        T = diff.num_steps(L)
        steps = torch.tensor([0, T // 2, T - 1])
        ex = diff.training_example(_gaussian_chains(diff, 3, L, g).float(), mask, g, step=steps)
        q = diff.q_sample(torch.zeros(3, L, 3), mask, steps)
        window = (q.ab > 0) & (q.ab < 1) & q.modes
        E = diff.prior_error(q.ab, q.power, window, q.lengths)
        assert torch.allclose(ex.weight, 1.0 / (E + floor), rtol=1e-5)
        assert ex.weight[0] > ex.weight[1] > ex.weight[2]  # late steps (large irreducible error) count less
        assert ex.weight[0] <= 1.0 / floor + 1e-6
    assert torch.equal(_diff("x0", step="none").training_example(_gaussian_chains(diff, 3, L, g).float(), mask, g).weight,
                       torch.ones(3))


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="step_weighting_floor"):
        LossConfig(step_weighting_floor=0.0)
    base = Diffusion.from_config(DiffusionConfig())
    with pytest.raises(ConfigError, match="loss.step_weighting"):
        Diffusion(base.basis, base.schedule, base.colour, step_weighting="snr")
