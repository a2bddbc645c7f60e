"""Parametrisation and shell weighting strategies: each target is what its inverse maps to the true noise."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from protein_rgdm.config.diffusion import DiffusionConfig, LossConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.diffusion.parametrisation import (
    PARAMETRISATIONS,
    EpsPrediction,
    NoisePrediction,
    X0Prediction,
    build_parametrisation,
)
from protein_rgdm.diffusion.weighting import SHELL_WEIGHTINGS, build_shell_weighting, shell_weight
from protein_rgdm.errors import ConfigError


def _draw(seed: int = 0):
    """A forward draw in mode space with modes erased (ᾱ = 0), in the window and clean (ᾱ = 1)."""
    g = torch.Generator().manual_seed(seed)
    B, L = 3, 12
    ab = torch.rand(B, L, generator=g, dtype=torch.float64)
    ab[:, 8:] = 0.0
    ab[:, 1:3] = 1.0
    ab[:, 0] = 0.0
    power = torch.rand(B, L, generator=g, dtype=torch.float64) * 20 + 1
    y0 = torch.randn(B, L, 3, generator=g, dtype=torch.float64) * 4
    eps = torch.randn(B, L, 3, generator=g, dtype=torch.float64)
    noise = ((1 - ab) * power).sqrt().unsqueeze(-1) * eps
    y_t = ab.sqrt().unsqueeze(-1) * y0 + noise
    window = (ab > 0) & (ab < 1)
    scale = torch.tensor([1.0, 1.7, 2.3], dtype=torch.float64)
    return y0, eps, noise, y_t, ab, power, window, scale


@pytest.mark.parametrize("kind", sorted(PARAMETRISATIONS))
def test_a_perfect_prediction_gives_the_true_noise(kind):
    y0, eps, noise, y_t, ab, power, window, scale = _draw()
    p = build_parametrisation(kind)
    win3 = window.unsqueeze(-1).to(y_t.dtype)
    target = p.target(y0, noise, eps, win3, scale)
    assert torch.allclose(p.noise_from_prediction(target, y_t, ab, power, window, scale), noise * win3, atol=1e-10)
    assert torch.allclose(p.prediction_from_noise(noise, y_t, ab, power, window, scale), target * win3, atol=1e-10)
    # outside the window N̂ is 0 whatever the network says
    junk = torch.full_like(target, 5.0)
    assert (p.noise_from_prediction(junk, y_t, ab, power, window, scale)[~window] == 0).all()


def test_targets_and_prior_errors_in_closed_form():
    y0, eps, noise, y_t, ab, power, window, scale = _draw(1)
    win3 = window.unsqueeze(-1).to(y_t.dtype)
    assert torch.equal(X0Prediction().target(y0, noise, eps, win3, scale), y0)
    assert torch.allclose(NoisePrediction().target(y0, noise, eps, win3, scale), noise * win3 * scale[:, None, None])
    assert torch.equal(EpsPrediction().target(y0, noise, eps, win3, scale), eps * win3)
    assert torch.allclose(X0Prediction().prior_error(ab, power, scale), (1 - ab) * power)
    assert torch.allclose(NoisePrediction().prior_error(ab, power, scale), ab * (1 - ab) * power * scale[:, None] ** 2)
    assert torch.equal(EpsPrediction().prior_error(ab, power, scale), ab)


def test_shell_weightings():
    lengths, n_window = torch.tensor([10, 40]), torch.tensor([3, 40])
    w = shell_weight(lengths, n_window)
    assert torch.allclose(w, torch.tensor([(13 / 6) ** 0.5, 1.0], dtype=torch.float64))
    factors = {k: (c().target_scale(w), c().loss_weight(w)) for k, c in SHELL_WEIGHTINGS.items()}
    one = torch.ones_like(w)
    assert torch.equal(factors["target"][0], w) and torch.equal(factors["target"][1], one)
    assert torch.equal(factors["loss"][0], one) and torch.allclose(factors["loss"][1], w**2)
    assert torch.equal(factors["none"][0], one) and torch.equal(factors["none"][1], one)


def test_chosen_once_from_the_config():
    cfg = DiffusionConfig(prediction="noise", loss=LossConfig(shell_weighting="loss"))
    diff = Diffusion.from_config(cfg)
    assert isinstance(diff.parametrisation, NoisePrediction) and diff.weighting.kind == "loss"
    assert diff.prediction == "noise" and diff.describe()["shell_weighting"] == "loss"
    with pytest.raises(ConfigError, match="prediction: must be one of noise, eps, x0, got 'score'"):
        build_parametrisation("score")
    with pytest.raises(ConfigError, match="loss.shell_weighting: must be one of target, loss, none"):
        build_shell_weighting("snr")


def test_q_sample_returns_a_frozen_record():
    diff = Diffusion.from_config(DiffusionConfig())
    q = diff.q_sample(torch.randn(2, 10, 3), torch.ones(2, 10, dtype=torch.bool), 3, torch.Generator().manual_seed(0))
    assert q.y_t.shape == (2, 10, 3) and q.step.tolist() == [3, 3] and q.lengths.tolist() == [10, 10]
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.step = torch.zeros(2)


def test_step_weighting_strategies():
    """prior_error divides by (E_s + floor) and evaluates E_s; none leaves the weight and never evaluates it."""
    from protein_rgdm.diffusion.weighting import STEP_WEIGHTINGS, build_step_weighting

    w = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64)
    e = torch.tensor([0.0, 0.5, 3.9], dtype=torch.float64)
    calls = []

    def prior_error():
        calls.append(1)
        return e

    out = build_step_weighting("prior_error", 0.1).apply(w, prior_error)
    assert torch.allclose(out, w / (e + 0.1)) and calls == [1]
    calls.clear()
    assert torch.equal(build_step_weighting("none", 0.1).apply(w, prior_error), w) and calls == []
    assert set(STEP_WEIGHTINGS) == {"prior_error", "none"}
    with pytest.raises(ConfigError, match="loss.step_weighting"):
        build_step_weighting("snr", 0.1)
    with pytest.raises(ConfigError, match="step_weighting_floor"):
        build_step_weighting("prior_error", 0.0)
