"""Schedules and colours: RG step counts and ᾱ tables from an independent transcription of the formulas."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from protein_rgdm.basis import HarmonicBasis, PathBasis
from protein_rgdm.config.base import load_config
from protein_rgdm.config.diffusion import (
    SCHEDULE_CONFIGS,
    DiffusionConfig,
    FittedColourConfig,
    FreeColourConfig,
    WhiteColourConfig,
)
from protein_rgdm.constants import PRIOR_C, PRIOR_MASS
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.schedules import (
    SCHEDULES,
    DDPMSchedule,
    HarmonicColour,
    HarmonicSchedule,
    RGSchedule,
    SequentialSchedule,
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
    sched = build_schedule(SCHEDULE_CONFIGS[kind]())
    basis = HarmonicBasis() if kind == "harmonic" else PATH
    for L in (20, 57):
        ab = sched.alpha_bar(basis, L)
        assert ab.shape == (sched.num_steps(basis, L), L)
        assert (ab[:, 0] == 0).all() and (ab >= 0).all() and (ab <= 1).all()
        assert (np.diff(ab[:, 1:], axis=0) <= 1e-15).all(), "ᾱ must not increase with the step"
        assert ab[0, 1:].min() > 0.9, "first step keeps nearly all signal"
        assert ab[-1, 1:].max() < 1e-3, "last step is close to the fixed point"
        if kind == "ddpm":  # RGDM's own count (tests/schedules/test_ddpm.py)
            assert sched.num_steps(basis, L) == 80 + math.ceil(8.174705437759766 * math.log(L / 32))
        elif kind != "rg":
            assert sched.num_steps(basis, L) == RGSchedule().num_steps(basis, L)


def test_ddpm_fixed_steps():
    ab = DDPMSchedule(steps=50).alpha_bar(PATH, 30)
    assert ab.shape == (50, 30) and (ab[:, 1:] == ab[:, 1:2]).all()


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


def _gud_eq13(L: int, softness: float, T: int) -> np.ndarray:
    """ln SNR of GUD eq. 13 for path-basis modes 1..L-1, written out: γ_i(t) = γ_min,i + tΔγ, SNR = e^{−γ}."""
    ab_ref = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))
    gamma_denoise = -np.log(ab_ref[0] / (1 - ab_ref[0]))  # −ln Γ
    gamma_noise = -np.log(ab_ref[-1] / (1 - ab_ref[-1]))  # −ln γ
    j = np.arange(1, L)
    labels = np.log(j) / np.log(L - 1)  # k_j ∝ j; l = 1 for the finest mode (noised first)
    a = 1 / softness
    gamma_min = gamma_denoise + a * (labels - labels.max())
    delta = gamma_noise - gamma_denoise + a * (labels.max() - labels.min())
    t = np.linspace(0, 1, T)[:, None]
    return -(gamma_min[None, :] + t * delta)


@pytest.mark.parametrize("softness", [0.02, 0.1, 1.0])
def test_soft_is_gud_eq13(softness):
    L = 50
    sched = SoftConditioningSchedule(softness=softness)
    ab = sched.alpha_bar(PATH, L)[:, 1:]
    ref = _gud_eq13(L, softness, ab.shape[0])
    ok = (ab > 1e-6) & (ab < 1 - 1e-9)  # away from the erased / rounded-to-one ends
    assert ok.sum() > 0.3 * ok.size
    np.testing.assert_allclose(np.log(ab[ok] / (1 - ab[ok])), ref[ok], rtol=0, atol=1e-6)
    assert (ab[ref < np.log(1e-6 / (1 - 1e-6)) - 1e-9] == 0).all()  # SNR < 1e-6: at the fixed point
    G, g = ddpm_reference_snr()
    assert ab[0, -1] / (1 - ab[0, -1]) == pytest.approx(G, rel=1e-9)  # finest mode starts at Γ
    assert ab[-1, 0] / (1 - ab[-1, 0]) == pytest.approx(g, rel=1e-9)  # coarsest mode ends at γ


def test_soft_limits():
    same = SoftConditioningSchedule(softness=math.inf).alpha_bar(PATH, 30)
    assert np.allclose(same[:, 1:], same[:, 1:2], rtol=1e-12)  # a = 0: standard diffusion
    ls = np.log(same[:, 1] / (1 - same[:, 1]))
    np.testing.assert_allclose(np.diff(ls, 2), 0, atol=1e-9)  # linear in time
    sharp = SoftConditioningSchedule(softness=0.005).alpha_bar(PATH, 30)
    mid = ((sharp[:, 1:] < 0.99) & (sharp[:, 1:] > 0.01)).sum(1)
    assert mid.max() <= 4  # nearly autoregressive: few modes in transit at once
    lin = SoftConditioningSchedule(ordering="linear")
    assert np.isclose(lin.labels(PATH, 30)[-1], 1.0) and np.isclose(lin.labels(PATH, 30)[0], 0.0)
    with pytest.raises(ConfigError, match="softness"):
        SoftConditioningSchedule(softness=0.0)


def test_sequential_is_clipped_windows():
    same = SequentialSchedule(window=1.0).alpha_bar(PATH, 30)
    assert np.allclose(same[:, 1:], same[:, 1:2])  # standard diffusion
    sched = SequentialSchedule(window=0.2)
    ab = sched.alpha_bar(PATH, 30)[:, 1:]
    inside = (ab < 1) & (ab > 0)
    G, g = ddpm_reference_snr()
    snr = ab[inside] / (1 - ab[inside])
    assert snr.max() <= G * (1 + 1e-9) and snr.min() >= g * (1 - 1e-9)  # clipped to [γ, Γ]
    np.testing.assert_allclose(ab[-1], g / (1 + g), rtol=1e-9)  # all held at γ at the end
    assert (ab[0, :20] == 1).all() and ab[0, -1] < 1  # the finest mode starts first, coarse ones wait clean
    sharp = SequentialSchedule(window=0.05).alpha_bar(PATH, 30)
    mid = ((sharp[:, 1:] < 0.99) & (sharp[:, 1:] > 0.01)).sum(1)
    assert mid.max() <= 6
    with pytest.raises(ConfigError, match="window"):
        SequentialSchedule(window=0.0)


def test_colours(tmp_path):
    free = build_colour(FreeColourConfig())
    S = free.power(PATH, 10)
    k = np.pi * np.arange(10) / 10
    assert S[0] == 0 and np.allclose(S[1:], PRIOR_C / (k[1:] ** 2 + PRIOR_MASS**2))
    assert PRIOR_C == pytest.approx(6.2212, abs=1e-4)
    white = build_colour(WhiteColourConfig(variance=4.0))
    assert np.allclose(white.power(PATH, 5)[1:], 4.0)
    harm = HarmonicColour()
    assert np.allclose(harm.power(HarmonicBasis(), 6)[1:], 1 / HarmonicBasis().eigenvalues(6)[1:])
    spec = tmp_path / "spectrum.json"
    spec.write_text(json.dumps({"fit": {"c": 5.0, "m": 0.1}}))
    fitted = build_colour(FittedColourConfig(spectrum_path=str(spec)))
    assert fitted.kind == "fitted" and np.allclose(
        fitted.power(PATH, 4)[1:], 5.0 / (k[1:4] ** 2 * (10 / 4) ** 2 + 0.01)
    )
    with pytest.raises(InputError, match="spectrum_path not found"):
        build_colour(FittedColourConfig(spectrum_path=str(tmp_path / "missing.json")))


def test_config_errors_name_the_key(tmp_path):
    bad = tmp_path / "d.yaml"
    for text, pattern in [
        ("diffusion:\n  schedule:\n    kind: cosine\n", "schedule.kind"),
        ("diffusion:\n  schedule:\n    kind: rg\n    steps: 40\n", "steps not used by schedule kind 'rg'"),
        ("diffusion:\n  schedule:\n    kind: ddpm\n    beta_start: 0.1\n    beta_end: 0.01\n", "beta_start"),
        ("diffusion:\n  schedule:\n    kind: sequential\n    softness: 0.5\n", "softness not used by schedule kind"),
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
        c = DiffusionConfig(schedule=SCHEDULE_CONFIGS[kind]())
        assert DiffusionConfig.model_validate(c.model_dump(mode="json")) == c
