"""Few-step sampling: a subsequence of the trained steps, with multi-step jumps, driven by exact predictions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from protein_rgdm.config.diffusion import (
    BasisConfig,
    DDPMScheduleConfig,
    DiffusionConfig,
    FreeColourConfig,
    HarmonicColourConfig,
    HarmonicScheduleConfig,
    RGScheduleConfig,
    SamplerConfig,
    WhiteColourConfig,
)
from protein_rgdm.diffusion import ChainOracle, Diffusion, GaussianOracle
from protein_rgdm.diffusion.respacing import build_spacing
from protein_rgdm.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KINDS = {
    "rg": dict(schedule=RGScheduleConfig(), colour=FreeColourConfig()),
    "ddpm": dict(schedule=DDPMScheduleConfig(), colour=WhiteColourConfig(variance=1.0)),
    "harmonic": dict(
        basis=BasisConfig(kind="harmonic"),
        schedule=HarmonicScheduleConfig(),
        colour=HarmonicColourConfig(),
    ),
}


def _diffusion(kind: str, spacing: str = "progress", **extra) -> Diffusion:
    return Diffusion.from_config(DiffusionConfig(**KINDS[kind], **extra, sampler=SamplerConfig(spacing=spacing)))


def _cosine_power(diff):
    """Σ_k = S_k (1 + 0.5 cos k): data power ≠ the colour on almost every mode (as bench/fewstep_gaussian.py)."""
    return lambda n: diff.tables(n)[1] * (1.0 + 0.5 * np.cos(np.arange(n)))


def _variance_error(diff, power, L, B, steps, seed=0, deterministic=False):
    mask = torch.ones(B, L, dtype=torch.bool)
    res = diff.sample(
        GaussianOracle(diff, power), mask, torch.Generator().manual_seed(seed), deterministic, dtype=torch.float64,
        steps=steps,
    )  # fmt: skip
    y = diff.basis.to_modes(res.x, mask)[:, 1:L]
    return np.abs((y**2).mean(dim=(0, 2)).numpy() / power(L)[1:] - 1), res


@pytest.mark.parametrize("spacing", ["uniform", "progress"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_step_indices_are_a_decreasing_subsequence(kind, spacing):
    diff = _diffusion(kind, spacing)
    T = diff.num_steps(40)
    assert np.array_equal(diff.step_indices(40), np.arange(T - 1, -1, -1))
    assert np.array_equal(diff.step_indices(40, T + 5), np.arange(T - 1, -1, -1))
    for n in (2, 3, 10, 20, T - 1):
        idx = diff.step_indices(40, n)
        assert len(idx) == n and idx[0] == T - 1 and idx[-1] == 0 and (np.diff(idx) < 0).all()
    with pytest.raises(ConfigError, match="at least 2"):
        build_spacing(spacing).indices(diff.tables(40)[0], 1)


def test_progress_spacing_skips_plateaus():
    """A table where nothing moves on the first half gets (almost) no evaluation there; uniform spends half."""
    T = 40
    ab = np.zeros((T, 3))
    ab[:20, 1:] = np.linspace(1.0, 0.0, 20)[:, None] ** 2  # only steps 0..19 change anything (√ᾱ linearly)
    prog = build_spacing("progress").indices(ab, 10)
    uni = build_spacing("uniform").indices(ab, 10)
    assert (prog >= 20).sum() == 1 and (uni >= 20).sum() == 5  # progress: only the obligatory first step


@pytest.mark.parametrize("kind", list(KINDS))
def test_full_budget_is_the_full_sampler_bit_for_bit(kind):
    diff = _diffusion(kind)
    power = _cosine_power(diff)
    mask = torch.zeros(4, 30, dtype=torch.bool)
    mask[:2, :14] = True  # mixed lengths: the short chains idle first
    mask[2:] = True
    for det in (False, True):
        runs = [
            diff.sample(GaussianOracle(diff, power), mask, torch.Generator().manual_seed(7), det, steps=s)
            for s in (None, 10_000)
        ]
        assert torch.equal(runs[0].x, runs[1].x) and runs[0].nfe == runs[1].nfe == diff.num_steps(30)


@pytest.mark.parametrize("kind", list(KINDS))
def test_twenty_steps_reproduce_the_gaussian_covariance(kind):
    """Exact score, Σ ≠ S: at 20 evaluations (progress spacing) the per-mode variance is within a few % (measured at
    L = 32: mean 4.8 / 2.5 / 4.0 %, worst mode 16 / 8 / 12 % for rg / ddpm / harmonic; statistical s.e. of one mode
    2.1 %), and more evaluations do better. A jump that used the next *trained* step instead of the next *visited*
    one leaves most of the noise in (errors of order 1)."""
    diff = _diffusion(kind)
    power = _cosine_power(diff)
    L, B = 32, 1500
    err20, res = _variance_error(diff, power, L, B, steps=20)
    assert res.nfe == res.num_steps == 20
    err6, _ = _variance_error(diff, power, L, B, steps=6, seed=1)
    assert err20.mean() < 0.07 and err20.max() < 0.25, (err20.mean(), err20.max())
    assert err20.mean() < err6.mean(), (err20.mean(), err6.mean())


@pytest.mark.parametrize("spacing", ["uniform", "progress"])
@pytest.mark.parametrize("kind", ["rg", "harmonic"])
def test_jumps_are_exact_when_the_data_power_is_the_colour(kind, spacing):
    """Σ = S (a fitted colour): every ancestral jump keeps the stationary variance S, whatever its size — also the
    modes that jump from the fixed point into their window — except a mode's last, noiseless jump into ᾱ' = 1,
    which returns x̂₀ = √ᾱ X̃ and so keeps ᾱ S. Predicted per mode: ᾱ at its last visit before it is clean."""
    diff = _diffusion(kind, spacing)
    L, steps = 32, 5
    _, res = _variance_error(diff, lambda n: diff.tables(n)[1], L, 1500, steps=steps, seed=2)
    assert res.nfe == steps
    table = diff.tables(L)[0][diff.step_indices(L, steps), 1:]  # (visits, modes), decreasing s
    kept = np.array([table[np.nonzero(col < 1)[0][-1], j] for j, col in enumerate(table.T)])
    y = diff.basis.to_modes(res.x, torch.ones(1500, L, dtype=torch.bool))[:, 1:L]
    got = (y**2).mean(dim=(0, 2)).numpy() / diff.tables(L)[1][1:]
    if kind == "rg":  # modes leave their windows at different steps: some last jump is a large one
        assert kept.min() < 0.95
    # s.e. of one mode's variance from 3 × 1500 draws: 2.1 %
    assert np.abs(got / kept - 1).max() < 0.1 and abs((got / kept).mean() - 1) < 0.02, (got, kept)


def test_second_order_ode_beats_ddim():
    """DPM-Solver++(2M) per mode (``ode_solver: dpm2m``) against DDIM, exact score, Σ ≠ S, rg at L = 32 with
    uniform spacing. Measured (L = 48, ``bench/fewstep_gaussian.py``): mean error 0.026 against DDIM's 0.34 at 20
    evaluations, 0.020 against 0.088 with every step. A wrong extrapolation (e.g. r inverted) loses the gain."""
    errs = {}
    for solver in ("ddim", "dpm2m"):
        diff = Diffusion.from_config(
            DiffusionConfig(**KINDS["rg"], sampler=SamplerConfig(spacing="uniform", ode_solver=solver))
        )
        errs[solver], res = _variance_error(diff, _cosine_power(diff), 32, 1500, steps=20, seed=4, deterministic=True)
        assert res.nfe == 20
    assert errs["dpm2m"].mean() < 0.06 and errs["dpm2m"].max() < 0.2, errs["dpm2m"]
    assert errs["ddim"].mean() > 4 * errs["dpm2m"].mean()


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("deterministic", [False, True, "dpm2m"])
def test_exact_denoiser_returns_the_chain_at_any_budget(kind, deterministic):
    """Driven by the exact x̂₀ of fixed chains, the last jump (to ᾱ' = 1) lands on x̂₀: the chain itself."""
    extra = {"sampler": SamplerConfig(ode_solver="dpm2m")} if deterministic == "dpm2m" else {}
    diff = Diffusion.from_config(DiffusionConfig(**KINDS[kind], prediction="noise", **extra))
    deterministic = bool(deterministic)
    g = torch.Generator().manual_seed(3)
    mask = torch.zeros(3, 40, dtype=torch.bool)
    mask[0, :40], mask[1, :25], mask[2, :12] = True, True, True
    x0 = torch.cumsum(torch.randn(3, 40, 3, generator=g, dtype=torch.float64) * 2.2, dim=1) * mask.unsqueeze(-1)
    x0 = diff.basis.centre(x0, mask)
    for steps in (8, 20):
        res = diff.sample(ChainOracle(diff, x0, mask), mask, g, deterministic, dtype=torch.float64, steps=steps)
        assert res.nfe == steps
        assert torch.allclose(res.x, x0, atol=1e-6), (res.x - x0).abs().max()
