"""The ddpm schedule is RGDM's protein DDPM baseline: step counts, β_T and ᾱ against numbers from RGDM's rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from protein_rgdm.basis import PathBasis
from protein_rgdm.config.diffusion import DDPMScheduleConfig, DiffusionConfig, WhiteColourConfig
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules import DDPMSchedule, build_schedule
from protein_rgdm.schedules.ddpm import solve_final_beta

PATH = PathBasis()

# N: (T_N, β_T, {step: ᾱ}) printed by tests/schedules/make_rgdm_ddpm_reference.py, an independent
# re-statement of kantamasuki/RGDM protein_str_pred/diffusion/DDPM_diffusion.py (DDPM_DiffusionSampler:
# T_N, betaTN_find, SNR_calc, denoise_schedule) with the DDPM_parsing.py defaults T32 = 80, tau = 8.1747….
RGDM_REFERENCE = {
    20: (77, 0.21996337890624995, {0: 0.9999, 1: 0.9969073600977848, 19: 0.569866535730747, 38: 0.10729887581207641, 57: 0.006232042267555869, 75: 0.00013244466075840072, 76: 0.00010331168565989088}),  # noqa: E501
    32: (80, 0.23227111816406243, {0: 0.9999, 1: 0.9968614289740223, 20: 0.5314695340370705, 40: 0.08078356699993629, 60: 0.0032296894775518657, 78: 5.256593224894759e-05, 79: 4.035638438814818e-05}),  # noqa: E501
    100: (90, 0.251082763671875, {0: 0.9999, 1: 0.9969802609506123, 22: 0.4812203448301692, 45: 0.04702058064383387, 67: 0.0010250107477223676, 88: 5.5182111994530835e-06, 89: 4.132683480969311e-06}),  # noqa: E501
    709: (106, 0.27755615234375, {0: 0.9999, 1: 0.9971578346978237, 26: 0.38568509893982333, 53: 0.018702214036752218, 79: 0.00012166624970132479, 104: 1.1381278464771234e-07, 105: 8.222334605336549e-08}),  # noqa: E501
}


@pytest.mark.parametrize("n", sorted(RGDM_REFERENCE))
def test_steps_beta_and_alpha_bar_equal_rgdm(n):
    T_ref, beta_ref, picks = RGDM_REFERENCE[n]
    sched = build_schedule(DDPMScheduleConfig())
    assert sched.num_steps(PATH, n) == T_ref
    assert sched.beta_final(n) == pytest.approx(beta_ref, rel=1e-9)
    ab = sched.alpha_bar(PATH, n)
    assert ab.shape == (T_ref, n) and (ab[:, 0] == 0).all()
    assert (ab[:, 1:] == ab[:, 1:2]).all(), "one ᾱ for every mode"
    idx = np.array(sorted(picks))
    ref = np.array([picks[i] for i in idx])
    np.testing.assert_allclose(ab[idx, 1], ref, rtol=1e-6, atol=0)  # relative: ᾱ_T ~ 1e-7 at N = 709
    assert ab[-1, 1] > 0, "the last step is a real step, not erased to the fixed point"


def test_first_step_snr_and_final_snr_follow_rgdm():
    sched = DDPMSchedule()
    for n in (24, 57, 300):
        ab = sched.curve(n)
        assert ab[0] == pytest.approx(1 - 1e-4, rel=1e-12)  # β₁ = 1e-4: first-step SNR 9999
        target = 4.0359926511684205e-05 * (32 / n) ** 2
        assert ab[-1] / (1 - ab[-1]) == pytest.approx(target, rel=1.0001e-4)
        assert sched.num_steps(PATH, n) == 80 + math.ceil(8.174705437759766 * math.log(n / 32))
        betas = 1 - ab / np.concatenate([[1.0], ab[:-1]])
        np.testing.assert_allclose(np.diff(betas, 2), 0, atol=1e-12)  # β linear in the step


def test_fixed_steps_keep_the_final_snr():
    sched = build_schedule(DDPMScheduleConfig(steps=30))
    ab = sched.alpha_bar(PATH, 100)
    assert ab.shape == (30, 100)
    assert ab[-1, 1] / (1 - ab[-1, 1]) == pytest.approx(4.0359926511684205e-05 * 0.1024, rel=1.0001e-4)
    with pytest.raises(ConfigError, match="too few steps"):
        solve_final_beta(1e-4, 2, 1e-9)


def test_rgdm_baseline_config_round_trips():
    cfg = DiffusionConfig(schedule=DDPMScheduleConfig(), colour=WhiteColourConfig(variance=1.0))
    assert DiffusionConfig.model_validate(cfg.model_dump(mode="json")) == cfg
    assert DDPMSchedule().describe()["steps"] == "rgdm"
    with pytest.raises(ValueError, match="width not used by schedule kind 'ddpm'"):
        DiffusionConfig(schedule={"kind": "ddpm", "width": 2.0})
