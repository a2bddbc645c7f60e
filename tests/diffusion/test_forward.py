"""Forward process: Monte-Carlo marginals per mode equal the closed form; training examples and loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from protein_rgdm.config.diffusion import COLOUR_CONFIGS, SCHEDULE_CONFIGS, DiffusionConfig, LossConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.errors import InputError
from protein_rgdm.schedules import SCHEDULES

COLOURS = ("white", "free", "harmonic")


def _diff(kind="rg", colour="free", **kw) -> Diffusion:
    return Diffusion.from_config(
        DiffusionConfig(schedule=SCHEDULE_CONFIGS[kind](), colour=COLOUR_CONFIGS[colour](), **kw)
    )


@pytest.mark.parametrize("kind", SCHEDULES)
@pytest.mark.parametrize("colour", COLOURS)
def test_forward_marginals_match_closed_form(kind, colour):
    diff = _diff(kind, colour)
    L, N = 24, 3000
    g = torch.Generator().manual_seed(7)
    x0 = (torch.randn(1, L, 3, dtype=torch.float64, generator=g) * 5.0).expand(N, L, 3).contiguous()
    mask = torch.ones(N, L, dtype=torch.bool)
    T = diff.num_steps(L)
    for step in (T // 4, T // 2, T - 1):
        q = diff.q_sample(x0, mask, step, g)
        ab, S = q.ab[0, 1:], q.power[0, 1:]
        y0, yt = q.y0[0, 1:], q.y_t[:, 1:]
        mean, var = yt.mean(0), yt.var(0)  # (L-1, 3)
        sd_exp = ((1 - ab) * S).sqrt()[:, None]
        exp_mean = ab.sqrt()[:, None] * y0
        noisy = (1 - ab) > 1e-12
        z = (mean - exp_mean)[noisy] / (sd_exp[noisy] / np.sqrt(N))
        assert z.abs().max() < 5.0
        assert torch.allclose(mean[~noisy], exp_mean[~noisy], atol=1e-9)
        ratio = var[noisy] / (sd_exp[noisy] ** 2)
        assert (ratio - 1).abs().max() < 0.12, f"variance ratio range {ratio.min():.3f}..{ratio.max():.3f}"
        assert (q.y_t[:, 0] == 0).all()  # zero mode removed


def test_training_example_fields_and_rg_projection():
    diff = _diff("rg", prediction="noise", loss=LossConfig(step_weighting="none"))  # RGDM's target and weights
    g = torch.Generator().manual_seed(1)
    B, Lmax = 6, 40
    mask = torch.zeros(B, Lmax, dtype=torch.bool)
    for b, n in enumerate((40, 33, 25, 40, 12, 2)):
        mask[b, :n] = True
    x0 = torch.randn(B, Lmax, 3, generator=g) * 8 + 30.0
    x0[~mask] = float("nan")  # padding content is ignored
    ex = diff.training_example(x0, mask, g)
    assert ex.x_t.shape == ex.target.shape == (B, Lmax, 3)
    assert (ex.x_t[~mask] == 0).all() and (ex.target[~mask] == 0).all()
    assert torch.allclose(ex.x_t.sum(1), torch.zeros(B, 3), atol=1e-3)  # centred
    assert ((ex.t > 0) & (ex.t <= 1)).all() and ((ex.shell > 0) & (ex.shell <= 1)).all()
    assert ex.step.dtype == torch.long and (ex.step < ex.num_steps).all()
    assert torch.allclose(ex.weight, torch.ones(B))

    # explicit late step: most modes erased, shell < 1, x_t has no energy in erased modes
    L = 40
    m1 = torch.ones(1, L, dtype=torch.bool)
    x1 = torch.nan_to_num(x0[:1])
    T = diff.num_steps(L)
    ex = diff.training_example(x1, m1, g, step=T - 5)
    ab = diff.tables(L)[0][T - 5]
    erased = ab == 0
    erased[0] = True
    y = diff.basis.to_modes(ex.x_t.double(), m1)[0]
    assert y[torch.as_tensor(erased)].abs().max() < 1e-4
    assert ex.shell.item() == pytest.approx((ab > 0).sum() / (L - 1))
    assert ex.t.item() == pytest.approx((T - 4) / T)
    # noise target = shell weight × colored noise in the window modes only
    window = (ab > 0) & (ab < 1)
    w = np.sqrt((L + 3) / (window.sum() + 3))
    tgt = diff.basis.to_modes(ex.target.double(), m1)[0]
    assert tgt[torch.as_tensor(~window)].abs().max() < 1e-4
    y0 = diff.basis.to_modes(diff.basis.centre(x1.double(), m1), m1)[0]
    resid = (y - torch.as_tensor(ab).sqrt()[:, None] * y0)[torch.as_tensor(window)] * w
    assert torch.allclose(resid, tgt[torch.as_tensor(window)], atol=1e-3)


def test_translation_invariance_and_determinism():
    diff = _diff("rg")
    x0 = torch.randn(3, 20, 3, dtype=torch.float64)
    mask = torch.ones(3, 20, dtype=torch.bool)
    a = diff.training_example(x0, mask, torch.Generator().manual_seed(3))
    b = diff.training_example(
        x0 + torch.tensor([10.0, -4.0, 2.0], dtype=torch.float64), mask, torch.Generator().manual_seed(3)
    )
    assert torch.allclose(a.x_t, b.x_t, atol=1e-9) and torch.equal(a.step, b.step)


@pytest.mark.parametrize("prediction", ["noise", "eps", "x0"])
@pytest.mark.parametrize("weighting", ["target", "loss", "none"])
def test_loss_zero_at_target_masked_and_differentiable(prediction, weighting):
    diff = _diff("rg", prediction=prediction, loss=LossConfig(shell_weighting=weighting, step_weighting="none"))
    g = torch.Generator().manual_seed(0)
    mask = torch.ones(4, 30, dtype=torch.bool)
    mask[2, 20:] = False
    x0 = torch.randn(4, 30, 3, generator=g) * 6
    ex = diff.training_example(x0, mask, g)
    if weighting == "loss":
        assert (ex.weight >= 1).all() and (ex.weight > 1).any()
    assert diff.loss(ex.target, ex, mask).item() < 1e-8
    pred = (ex.target + torch.randn(ex.target.shape, generator=g)).requires_grad_(True)
    loss = diff.loss(pred, ex, mask)
    assert loss.item() > 0
    loss.backward()
    assert torch.isfinite(pred.grad).all() and (pred.grad[2, 20:] == 0).all()
    pred2 = pred.detach().clone()
    pred2[2, 20:] = 1e3  # padding never counts
    assert diff.loss(pred2, ex, mask).item() == pytest.approx(loss.item(), rel=1e-5)


def test_parametrisations_round_trip():
    for prediction in ("noise", "eps", "x0"):
        diff = _diff("rg", prediction=prediction)
        g = torch.Generator().manual_seed(2)
        mask = torch.ones(2, 16, dtype=torch.bool)
        q = diff.q_sample(torch.randn(2, 16, 3, dtype=torch.float64), mask, 10, g)
        window = (q.ab > 0) & (q.ab < 1) & q.modes
        noise = ((1 - q.ab) * q.power).sqrt().unsqueeze(-1) * q.eps * window.unsqueeze(-1)
        pred = diff.prediction_from_noise(noise, q.y_t, q.ab, q.power, window, q.lengths)
        back = diff.noise_from_prediction(pred, q.y_t, q.ab, q.power, window, q.lengths)
        assert torch.allclose(back, noise, atol=1e-8)


def test_bad_input_raises_named_errors():
    diff = _diff("rg")
    mask = torch.ones(2, 10, dtype=torch.bool)
    x = torch.zeros(2, 10, 3)
    x[1, 4, 0] = float("nan")
    with pytest.raises(InputError, match="x0: non-finite.*chain 1"):
        diff.training_example(x, mask)
    mask[0] = False
    with pytest.raises(InputError, match="mask: chain 0 has 0"):
        diff.training_example(torch.zeros(2, 10, 3), mask)
    mask[0, 0] = True
    with pytest.raises(InputError, match="at least 2"):
        diff.sample(lambda *a: torch.zeros(2, 10, 3), mask)
    with pytest.raises(InputError, match="length"):
        diff.num_steps(1)
    with pytest.raises(InputError, match="step"):
        diff.training_example(torch.zeros(1, 10, 3), torch.ones(1, 10, dtype=torch.bool), step=10_000)


@pytest.mark.parametrize("prediction", ["x0", "noise"])
def test_clean_mode_noise_perturbs_only_the_clean_modes(prediction):
    """RGDM's data augmentation: modes not yet noised (ᾱ = 1) get colored noise of variance a·S_k in x_t; the other
    modes, the target and the weight are those of the run without it (same generator)."""
    a = 5e-4
    plain = Diffusion.from_config(DiffusionConfig(prediction=prediction))
    aug = Diffusion.from_config(DiffusionConfig(prediction=prediction, clean_mode_noise=a))
    B, L = 4000, 40
    walk = torch.randn(1, L, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).cumsum(1)
    x0 = walk.expand(B, -1, -1)
    mask = torch.ones(B, L, dtype=torch.bool)
    step = int(np.nonzero((plain.tables(L)[0][:, 1:] >= 1).sum(1) <= L // 2)[0][0])  # half the modes still clean
    e0 = plain.training_example(x0, mask, torch.Generator().manual_seed(1), step=step)
    e1 = aug.training_example(x0, mask, torch.Generator().manual_seed(1), step=step)
    assert torch.equal(e0.target, e1.target) and torch.equal(e0.weight, e1.weight)
    ab, S = plain.tables(L)[0][step], plain.tables(L)[1]
    clean = (ab >= 1) & (np.arange(L) > 0)
    assert 3 < clean.sum() < L - 3  # both kinds of mode present at this step
    dy = (plain.basis.to_modes(e1.x_t, mask) - plain.basis.to_modes(e0.x_t, mask)).numpy()
    assert np.abs(dy[:, ~clean]).max() < 1e-9
    ratio = (dy[:, clean] ** 2).mean(axis=(0, 2)) / (a * S[clean])
    assert np.abs(ratio - 1).max() < 0.1, ratio  # s.e. of a variance from 12,000 draws ≈ 1.3 %
    with pytest.raises(Exception, match="clean_mode_noise"):
        DiffusionConfig(clean_mode_noise=1.0)
