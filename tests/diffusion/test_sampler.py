"""Reverse process driven by the exact (oracle) prediction for Gaussian data reproduces the data per mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from protein_rgdm.config.diffusion import (
    COLOUR_CONFIGS,
    SCHEDULE_CONFIGS,
    DiffusionConfig,
    RGScheduleConfig,
    SamplerConfig,
    X0GuardConfig,
)
from protein_rgdm.diffusion import Diffusion, GaussianOracle
from protein_rgdm.errors import InputError
from protein_rgdm.schedules import SCHEDULES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _data_power(diff, seed=0, lo=0.5, hi=2.0):
    """Σ_j = S_j × a random factor in [lo, hi] per mode (data ≠ prior)."""
    rng = np.random.default_rng(seed)
    cache = {}

    def power(n):
        if n not in cache:
            cache[n] = diff.tables(n)[1] * np.exp(rng.uniform(np.log(lo), np.log(hi), n))
        return cache[n]

    return power


def _mode_ratio(diff, x, mask, n, power):
    y = diff.basis.to_modes(x, mask)[:, 1:n]
    return ((y**2).mean(dim=(0, 2)).numpy()) / power(n)[1:]


@pytest.mark.parametrize("kind", SCHEDULES)
def test_ancestral_oracle_reproduces_covariance(kind):
    colour = "white" if kind == "ddpm" else "free"
    diff = Diffusion.from_config(DiffusionConfig(schedule=SCHEDULE_CONFIGS[kind](), colour=COLOUR_CONFIGS[colour]()))
    power = _data_power(diff, seed=1)
    oracle = GaussianOracle(diff, power)
    B, L = 500, 24
    mask = torch.ones(B, L, dtype=torch.bool)
    res = diff.sample(oracle, mask, torch.Generator().manual_seed(0), dtype=torch.float64)
    assert res.nfe == res.num_steps == diff.num_steps(L)
    ratio = _mode_ratio(diff, res.x, mask, L, power)
    # statistical s.e. of a variance from 3·500 draws ≈ 3.7 %; allow ~4.5 s.e. per mode, 3 % on the mean
    assert np.abs(ratio - 1).max() < 0.17, ratio
    assert abs(ratio.mean() - 1) < 0.03, ratio.mean()


def test_ancestral_oracle_mixed_lengths_and_eps_parametrisation():
    diff = Diffusion.from_config(DiffusionConfig(prediction="eps"))
    power = _data_power(diff, seed=2)
    oracle = GaussianOracle(diff, power)
    mask = torch.zeros(600, 36, dtype=torch.bool)
    mask[:300, :20] = True
    mask[300:, :36] = True
    res = diff.sample(oracle, mask, torch.Generator().manual_seed(1), dtype=torch.float64)
    assert res.nfe == max(diff.num_steps(20), diff.num_steps(36))
    assert (res.x[~mask] == 0).all()
    for rows, n in ((slice(0, 300), 20), (slice(300, 600), 36)):
        ratio = _mode_ratio(diff, res.x[rows], mask[rows], n, power)
        assert np.abs(ratio - 1).max() < 0.2 and abs(ratio.mean() - 1) < 0.04


def test_deterministic_sampler_converges_with_steps():
    """DDIM is first order: the oracle's variance error shrinks as steps grow (x0 parametrisation)."""
    errs = []
    for t32 in (40, 240):
        diff = Diffusion.from_config(DiffusionConfig(schedule=RGScheduleConfig(t32=t32), prediction="x0"))
        power = _data_power(diff, seed=3, lo=0.7, hi=1.4)
        res = diff.sample(
            GaussianOracle(diff, power),
            torch.ones(300, 16, dtype=torch.bool),
            torch.Generator().manual_seed(4),
            deterministic=True,
            dtype=torch.float64,
        )
        errs.append(abs(_mode_ratio(diff, res.x, torch.ones(300, 16, dtype=torch.bool), 16, power).mean() - 1))
    assert errs[1] < 0.06 and errs[1] < errs[0] / 2, errs


def test_trajectory_determinism_and_nfe():
    diff = Diffusion.from_config(DiffusionConfig())
    oracle = GaussianOracle(diff, lambda n: diff.tables(n)[1])
    mask = torch.ones(3, 25, dtype=torch.bool)
    calls = []

    def score_fn(x_t, t, shell, m):
        calls.append((t.clone(), shell.clone()))
        assert x_t.shape == (3, 25, 3) and t.shape == shell.shape == (3,)
        return oracle(x_t, t, shell, m)

    a = diff.sample(score_fn, mask, torch.Generator().manual_seed(5), deterministic=True, return_trajectory=True)
    b = diff.sample(oracle, mask, torch.Generator().manual_seed(5), deterministic=True)
    assert torch.allclose(a.x, b.x)
    assert a.nfe == len(calls) == diff.num_steps(25) and len(a.trajectory) == a.nfe + 1
    ts = torch.stack([c[0][0] for c in calls])
    shells = torch.stack([c[1][0] for c in calls])
    assert (ts.diff() < 0).all() and ts[-1] == pytest.approx(1 / a.nfe)
    assert (shells.diff() >= 0).all() and shells[-1] == 1.0 and shells[0] < 0.2  # coarse → fine


def test_score_fn_errors_are_reported():
    diff = Diffusion.from_config(DiffusionConfig())
    mask = torch.ones(2, 10, dtype=torch.bool)
    with pytest.raises(InputError, match="score_fn: returned shape"):
        diff.sample(lambda x, t, s, m: x[:, :5], mask)
    with pytest.raises(InputError, match="non-finite"):
        diff.sample(lambda x, t, s, m: torch.full_like(x, float("nan")), mask)


def _rg(x: torch.Tensor) -> torch.Tensor:
    """Radius of gyration (Å) per chain of an unpadded (B, L, 3) batch."""
    return (x - x.mean(1, keepdim=True)).pow(2).sum(-1).mean(1).sqrt()


def _guarded(kind: str, **cfg) -> DiffusionConfig:
    return DiffusionConfig(**cfg, sampler=SamplerConfig(x0_guard=X0GuardConfig(kind=kind)))


@pytest.mark.parametrize("kind", ["rg", "ddpm"])
def test_clean_estimate_guard_bounds_a_useless_network(kind):
    """A score_fn that always answers 0 makes ε-prediction sampling blow up by 1/√ᾱ; with the chain_extent guard
    every mode stays within what a chain of 7.6 Å steps can reach, so Rg² ≤ Σ_k bound_k² / L (that of an extended
    chain, not of a compact one: the guard stops divergence, it does not make a useless network useful)."""
    colour = "white" if kind == "ddpm" else "free"
    cfg = dict(schedule=SCHEDULE_CONFIGS[kind](), colour=COLOUR_CONFIGS[colour](), prediction="noise")
    B, L = 16, 40
    mask = torch.ones(B, L, dtype=torch.bool)

    def zero(x_t, t, shell, m):
        return torch.zeros_like(x_t)

    wild = Diffusion.from_config(_guarded("none", **cfg)).sample(zero, mask, torch.Generator().manual_seed(0))
    guarded = Diffusion.from_config(_guarded("chain_extent", **cfg))
    tame = guarded.sample(zero, mask, torch.Generator().manual_seed(0), dtype=torch.float64)
    bound = guarded.guard_bounds(L)[1:]
    limit = np.sqrt((bound**2).sum() / L)  # 111 Å: every mode at its bound
    assert _rg(wild.x).median() > 5 * limit  # ~1000 Å measured
    assert _rg(tame.x).max() <= limit + 1e-6


def test_clean_estimate_guard_leaves_the_exact_score_alone():
    """Driven by the exact prediction for chain-like Gaussian data, guarded and unguarded samples coincide."""
    diff = Diffusion.from_config(_guarded("none"))
    guarded = Diffusion.from_config(_guarded("chain_extent"))
    power = _data_power(diff, seed=3, lo=0.8, hi=1.25)
    B, L = 64, 48
    mask = torch.ones(B, L, dtype=torch.bool)
    free = diff.sample(GaussianOracle(diff, power), mask, torch.Generator().manual_seed(5), dtype=torch.float64)
    tame = guarded.sample(GaussianOracle(guarded, power), mask, torch.Generator().manual_seed(5), dtype=torch.float64)
    assert torch.equal(free.x, tame.x)
