"""Schedules and colours: RG step counts and ᾱ tables from an independent transcription of the formulas."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from protein_rgdm.basis import HarmonicBasis, PathBasis
from protein_rgdm.config.base import load_config
from protein_rgdm.config.diffusion import ColourConfig, DiffusionConfig, ScheduleConfig
from protein_rgdm.constants import PRIOR_C, PRIOR_MASS
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.schedules import (
    SCHEDULES,
    DDPMSchedule,
    HarmonicColour,
    HarmonicSchedule,
    RGSchedule,
    SigmoidSchedule,
    SoftConditioningSchedule,
    build_colour,
    build_schedule,
    ddpm_reference_snr,
    regulator,
    regulator_inverse,
)

PATH = PathBasis()


def _reference_rg(L: int, T32: int = 80):
    """The issue's formulas, written out independently with numpy (DDPM β linear 1e-4..0.02, T=1000)."""
    betas = np.linspace(1e-4, 0.02, 1000)
    ab = np.cumprod(1 - betas)
    G, g = ab[0] / (1 - ab[0]), ab[-1] / (1 - ab[-1])
    rinv = lambda s: np.exp(np.sqrt(np.log((1 + s) / s))) - 1
    N0 = 32
    lam0 = np.pi * (L - 1) / L / np.sqrt(rinv(G))
    tau = 2 * (T32 - 1) / np.log((N0 - 1) ** 2 * rinv(g) / rinv(G))
    t_rg = int(np.floor(T32 - tau * np.log(N0 - 1)))
    t_fl = int(np.floor(tau * np.log(L - 1)))
    k = np.pi * np.arange(1, L) / L
    kmax = np.pi * (L - 1) / L
    off = np.floor(tau * np.log(kmax / k)).astype(int)
    T = t_rg + t_fl
    table = np.zeros((T, L))
    for s in range(T):
        j = s - off
        lam_t = lam0 * np.exp(-j / tau)  # Λ at the mode's local time: the k_max curve shifted by its offset
        val = np.exp(-(np.log(1 + kmax**2 / lam_t**2) ** 2))
        table[s, 1:] = np.where(j < 0, 1.0, np.where(j >= t_rg, 0.0, val))
    return T, table


def test_reference_snrs_and_regulator():
    G, g = ddpm_reference_snr()
    assert G == pytest.approx(9999.0)
    assert g == pytest.approx(4.036e-5, rel=1e-3)
    for snr in (1e-5, 0.3, 1.0, 9999.0):
        assert regulator(regulator_inverse(snr)) == pytest.approx(snr, rel=1e-9)


def test_rg_reference_step_counts():
    rg = RGSchedule(t32=80)
    assert [rg.num_steps(PATH, L) for L in (32, 64, 128, 256, 709)] == [79, 86, 94, 101, 112]
    p = rg.parameters(709)
    assert p.t_rg + p.t_fl == 112


def test_rg_steps_and_tables_match_formulas_for_all_lengths():
    rg = RGSchedule(t32=80)
    for L in range(20, 1001):
        T_ref, _ = _reference_rg(L) if L % 37 == 0 or L in (32, 64, 128, 256, 709, 1000) else (None, None)
        T = rg.num_steps(PATH, L)
        p = rg.parameters(L)
        assert T == p.t_rg + p.t_fl
        if T_ref is not None:
            T_ref, table_ref = _reference_rg(L)
            assert T == T_ref
            np.testing.assert_allclose(rg.alpha_bar(PATH, L), table_ref, rtol=1e-10, atol=1e-300)


def test_rg_other_t32_and_window_structure():
    rg = RGSchedule(t32=40)
    T, ref = _reference_rg(100, T32=40)
    assert rg.num_steps(PATH, 100) == T
    np.testing.assert_allclose(rg.alpha_bar(PATH, 100), ref, rtol=1e-10)
    ab = RGSchedule().alpha_bar(PATH, 64)
    inside = ((ab > 0) & (ab < 1)).sum(0)[1:]
    assert (inside == RGSchedule().t_rg).all()  # each mode spends exactly T_rg steps in its window
    assert ab[0, -1] == pytest.approx(9999 / 10000)  # top mode's first-step SNR is Γ
    with pytest.raises(ConfigError, match="t32"):
        RGSchedule(t32=1)


@pytest.mark.parametrize("kind", SCHEDULES)
def test_every_schedule_is_monotone_and_bounded(kind):
    sched = build_schedule(ScheduleConfig(kind=kind))
    basis = HarmonicBasis() if kind == "harmonic" else PATH
    for L in (20, 57):
        ab = sched.alpha_bar(basis, L)
        assert ab.shape == (sched.num_steps(basis, L), L)
        assert (ab[:, 0] == 0).all() and (ab >= 0).all() and (ab <= 1).all()
        assert (np.diff(ab[:, 1:], axis=0) <= 1e-15).all(), "ᾱ must not increase with the step"
        assert ab[0, 1:].min() > 0.9, "first step keeps nearly all signal"
        assert ab[-1, 1:].max() < 1e-3, "last step is close to the fixed point"
        if kind != "rg":
            assert sched.num_steps(basis, L) == RGSchedule().num_steps(basis, L)


def test_ddpm_is_mode_independent_and_fixed_steps():
    sched = DDPMSchedule(steps=50)
    ab = sched.alpha_bar(PATH, 30)
    assert ab.shape == (50, 30)
    assert np.allclose(ab[:, 1:], ab[:, 1:2])
    assert ab[-1, 1] == pytest.approx(math.exp(-1000 * (1e-4 + 0.5 * (0.02 - 1e-4))))


def test_harmonic_is_exponential_in_eigenvalues_and_coarse_last():
    basis = HarmonicBasis()
    sched = HarmonicSchedule()
    ab = sched.alpha_bar(basis, 40)
    lam = basis.eigenvalues(40)
    t = sched.times(basis, 40)
    keep = ab[:, 1:] > 0
    np.testing.assert_allclose(ab[:, 1:][keep], np.exp(-t[:, None] * lam[None, 1:])[keep], rtol=1e-12)
    assert (np.diff(ab[10, 1:]) <= 0).all()  # finer modes noised first


def test_sigmoid_snr_power_law_and_shell():
    sched = SigmoidSchedule(width=0.5)
    ab = sched.alpha_bar(PATH, 50)
    ls = sched.log_snr(PATH, 50)
    inside = (ab[:, 1:] > 0) & (ab[:, 1:] < 1)
    np.testing.assert_allclose(np.log(ab[:, 1:][inside] / (1 - ab[:, 1:][inside])), ls[inside], rtol=1e-9)
    # SNR ratio between two modes = (k_a/k_b)^{-2/w}
    assert ls[5, 9] - ls[5, 19] == pytest.approx(-2 / 0.5 * np.log(10 / 20))
    assert (ab[:, 1:] == 0).any() and (ab[:, 1:] == 1).any()


def test_soft_conditioning_interpolates():
    same = SoftConditioningSchedule(softness=1.0).alpha_bar(PATH, 30)
    assert np.allclose(same[:, 1:], same[:, 1:2])  # standard diffusion
    sharp = SoftConditioningSchedule(softness=0.05).alpha_bar(PATH, 30)
    mid = ((sharp[:, 1:] < 0.99) & (sharp[:, 1:] > 0.01)).sum(1)
    assert mid.max() <= 6  # nearly autoregressive: few modes in transit at once
    lin = SoftConditioningSchedule(softness=0.2, ordering="linear")
    assert np.isclose(lin.labels(PATH, 30)[-1], 0.0) and np.isclose(lin.labels(PATH, 30)[0], 1.0)
    with pytest.raises(ConfigError, match="softness"):
        SoftConditioningSchedule(softness=0.0)


def test_colours(tmp_path):
    free = build_colour(ColourConfig())
    S = free.power(PATH, 10)
    k = np.pi * np.arange(10) / 10
    assert S[0] == 0 and np.allclose(S[1:], PRIOR_C / (k[1:] ** 2 + PRIOR_MASS**2))
    assert PRIOR_C == pytest.approx(6.2212, abs=1e-4)
    white = build_colour(ColourConfig(kind="white", variance=4.0))
    assert np.allclose(white.power(PATH, 5)[1:], 4.0)
    harm = HarmonicColour()
    assert np.allclose(harm.power(HarmonicBasis(), 6)[1:], 1 / HarmonicBasis().eigenvalues(6)[1:])
    spec = tmp_path / "spectrum.json"
    spec.write_text(json.dumps({"fit": {"c": 5.0, "m": 0.1}}))
    fitted = build_colour(ColourConfig(kind="fitted", spectrum_path=str(spec)))
    assert fitted.kind == "fitted" and np.allclose(
        fitted.power(PATH, 4)[1:], 5.0 / (k[1:4] ** 2 * (10 / 4) ** 2 + 0.01)
    )
    with pytest.raises(InputError, match="spectrum_path not found"):
        build_colour(ColourConfig(kind="fitted", spectrum_path=str(tmp_path / "missing.json")))


def test_config_errors_name_the_key(tmp_path):
    bad = tmp_path / "d.yaml"
    for text, pattern in [
        ("diffusion:\n  schedule:\n    kind: cosine\n", "schedule.kind"),
        ("diffusion:\n  schedule:\n    kind: rg\n    steps: 40\n", "steps not used by schedule kind 'rg'"),
        ("diffusion:\n  schedule:\n    kind: ddpm\n    beta_start: 0.1\n    beta_end: 0.01\n", "beta_start"),
        ("diffusion:\n  colour:\n    kind: fitted\n", "spectrum_path is required"),
        ("diffusion:\n  colour:\n    kind: white\n    c: 3.0\n", "c not used by colour kind 'white'"),
        ("diffusion:\n  basis:\n    kind: path\n    spring: -1\n", "basis.spring"),
    ]:
        bad.write_text(text)
        with pytest.raises(ConfigError, match=pattern):
            load_config(DiffusionConfig, bad, section="diffusion")


def test_shipped_config_loads_and_resolved_dump_reloads(repo_root):
    cfg = load_config(DiffusionConfig, repo_root / "configs" / "diffusion.yaml", section="diffusion")
    assert cfg.schedule.kind == "rg" and cfg.schedule.t32 == 80
    from protein_rgdm.config.diffusion import BasesConfig
    from protein_rgdm.diffusion import Diffusion

    assert Diffusion.from_config(cfg).config == cfg
    assert load_config(BasesConfig, repo_root / "configs" / "bases.yaml", section="bases").pooling == "pooled"
    for kind in SCHEDULES:
        c = DiffusionConfig(schedule=ScheduleConfig(kind=kind))
        assert DiffusionConfig.model_validate(c.model_dump(mode="json")) == c
