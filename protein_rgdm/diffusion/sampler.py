"""Reverse process: ancestral sampling with the RG shell projection, and a deterministic (DDIM) variant.

Each chain visits the step indices ``diff.step_indices(n, steps)`` of its trained schedule: all T of
them (the full sampler) or, with an evaluation budget ``steps`` = N < T, a decreasing subsequence
s_0 = T − 1 > … > s_{N−1} = 0 (:mod:`protein_rgdm.diffusion.respacing`). Chains of different lengths
run in one batch with their last visits aligned; a chain with fewer visits idles until its turn. Per
visit s_i and non-zero mode j, with ᾱ = ᾱ[s_i, j], ᾱ' = ᾱ[s_{i+1}, j] (ᾱ' = 1 after s = 0) — a
multi-step jump when steps are skipped — and N̂ the colored-noise estimate from ``score_fn`` (which
sees the trained t = (s_i + 1)/T):

* erased (ᾱ = 0, at the fixed point): ancestral — refilled from the fixed point, X̃ ← √S ε;
  deterministic — kept at the initial fixed-point draw (the probability flow of a stationary mode).
  This holds also for a jump from ᾱ = 0 into the window (ᾱ' > 0): the network was given nothing of
  such a mode, so its x̂₀ is the prior's, N(0, S) — and √ᾱ' x̂₀ + √((1 − ᾱ') S) ε is again √S ε: the
  exact update when the data's power is S (tested). (Putting in √ᾱ' times the network's output for
  a mode it never saw would use an untrained output; with x̂₀ = E[x₀] = 0 it would lose ᾱ' S.)
* window (0 < ᾱ < 1): ancestral — X̃ ← (X̃ − β/(1−ᾱ) N̂) / √α + √(β S) ε with α = ᾱ/ᾱ',
  β = 1 − α (DDPM posterior mean; the forward-step variance β S as in RGDM, 0 on a mode's last
  step ᾱ' = 1). With the exact N̂ this reproduces the data exactly per step when the data's power
  equals the colour S (a fitted colour), whatever the step count or jump size — except a mode's
  noiseless last jump into ᾱ' = 1, which keeps ᾱ S (negligible on the full schedule, where ᾱ is ≈ 1
  there; the ``progress`` spacing keeps it small); the posterior variance
  β (1−ᾱ')/(1−ᾱ) S would shrink it. Deterministic (DDIM, η = 0) —
  X̃ ← √(ᾱ'/ᾱ) (X̃ − N̂) + √((1−ᾱ')/(1−ᾱ)) N̂.
  With ``diffusion.sampler.ode_solver: dpm2m`` the deterministic update is second order instead
  (DPM-Solver++(2M) per mode, :class:`_SecondOrderODE`).
* clean (ᾱ = 1): unchanged.

The network sees x_t with the erased modes projected out, t and the shell fraction, all derived by
:func:`protein_rgdm.diffusion.conditioning.condition` as in training.
"""

from __future__ import annotations

import numpy as np
import torch

from protein_rgdm.basis.base import chain_lengths
from protein_rgdm.diffusion.conditioning import condition
from protein_rgdm.diffusion.noise import BlockNoise, as_noise
from protein_rgdm.diffusion.types import SampleResult, ScoreFn
from protein_rgdm.errors import InputError

__all__ = ["reverse_sample"]


def _full_tables(diff, lengths: list[int], lmax: int, dtype, device):
    """(B, T_max, Lmax) ᾱ with rows beyond a chain's T equal to its last row, S (B, Lmax) Å², the x̂₀ guard's
    bounds (B, Lmax) Å (+inf: unbounded, and in the padding)."""
    t_max = max(diff.num_steps(n) for n in lengths)
    ab = np.zeros((len(lengths), t_max, lmax))
    power = np.zeros((len(lengths), lmax))
    bound = np.full((len(lengths), lmax), np.inf)
    for b, n in enumerate(lengths):
        table, S = diff.tables(n)
        ab[b, : table.shape[0], :n] = table
        ab[b, table.shape[0] :, :n] = table[-1]
        power[b, :n] = S
        bound[b, :n] = diff.guard_bounds(n)
    as_t = lambda a: torch.as_tensor(a, dtype=dtype, device=device)  # noqa: E731
    return as_t(ab), as_t(power), as_t(bound)


def _visit_plan(diff, lengths: list[int], steps: int | None, device):
    """Per reverse iteration i and chain b: the step visited, the next one (−1: the end) and whether b runs.

    Chains visit ``diff.step_indices(n, steps)``, their last visits aligned; a chain with fewer visits idles
    (at its first step, not updated) until its turn. Returns (B, N_max) long, (B, N_max) long, (B, N_max) bool.
    """
    seqs = [diff.step_indices(n, steps) for n in lengths]
    n_max = max(len(q) for q in seqs)
    cur = np.zeros((len(lengths), n_max), dtype=np.int64)
    nxt = np.zeros((len(lengths), n_max), dtype=np.int64)
    run = np.zeros((len(lengths), n_max), dtype=bool)
    for b, q in enumerate(seqs):
        lead = n_max - len(q)
        cur[b, :lead], cur[b, lead:] = q[0], q
        nxt[b, :lead] = q[1] if len(q) > 1 else -1
        nxt[b, lead:] = np.append(q[1:], -1)
        run[b, lead:] = True
    as_t = lambda a: torch.as_tensor(a, device=device)  # noqa: E731
    return as_t(cur), as_t(nxt), as_t(run)


def _guard_clean_estimate(guard, noise_hat, y, ab, bound, window) -> torch.Tensor:
    """Recompute N̂ so that x̂₀ = (y − N̂)/√ᾱ obeys the guard's per-mode norm bound (window modes only).

    Shapes: ``noise_hat``, ``y`` (B, L, 3) mode space; ``ab``, ``bound`` (Å), ``window`` (B, L).
    """
    sab = ab.sqrt().unsqueeze(-1)
    ok = (window & (ab > 0)).unsqueeze(-1)
    safe = torch.where(ok, sab, torch.ones_like(sab))
    x0_hat = guard.shrink((y - noise_hat) / safe, bound)
    return torch.where(ok, y - sab * x0_hat, noise_hat)


class _SecondOrderODE:
    """DPM-Solver++(2M) for the probability flow, per mode (``diffusion.sampler.ode_solver: dpm2m``).

    Per mode, λ = ½ ln(ᾱ/(1 − ᾱ)) (its log signal-to-noise, up to the constant ln √S), h = λ' − λ. DDIM is the
    first-order exponential integrator X̃' = √((1−ᾱ')/(1−ᾱ)) X̃ + (√ᾱ' − √ᾱ √((1−ᾱ')/(1−ᾱ))) D with D = x̂₀; the
    second-order multistep one uses D = x̂₀ + (x̂₀ − x̂₀_prev)/(2r), r = h_prev/h, where x̂₀_prev is the mode's
    estimate at the previous visit. First order where there is none (a mode just entering its window) and on a
    mode's last jump (ᾱ' = 1, h = ∞: X̃' = x̂₀).
    """

    def __init__(self, shape, dtype, device) -> None:
        self.x0_prev = torch.zeros(shape, dtype=dtype, device=device)
        self.lam_prev = torch.zeros(shape[:2], dtype=dtype, device=device)
        self.have_prev = torch.zeros(shape[:2], dtype=torch.bool, device=device)

    @staticmethod
    def _lam(ab: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
        half = torch.full_like(ab, 0.5)
        return 0.5 * torch.log(torch.where(inside, ab, half) / torch.where(inside, 1.0 - ab, half))

    def step(self, y, noise_hat, ab, ab_next, window, running) -> torch.Tensor:
        """The window modes' new state; shapes as in :func:`reverse_sample` (``ab``, ``ab_next`` (B, L))."""
        lam = self._lam(ab, window)
        inner = (ab_next > 0) & (ab_next < 1)
        h = self._lam(ab_next, inner) - lam
        use2 = self.have_prev & window & inner & (h > 0)
        r = torch.where(use2, (lam - self.lam_prev) / torch.where(use2, h, torch.ones_like(h)), torch.ones_like(h))
        a3, an3 = ab.unsqueeze(-1), ab_next.unsqueeze(-1)
        x0_hat = (y - noise_hat) / torch.where(a3 > 0, a3, torch.ones_like(a3)).sqrt()
        D = torch.where(use2.unsqueeze(-1), x0_hat + (x0_hat - self.x0_prev) / (2.0 * r.unsqueeze(-1)), x0_hat)
        keep = ((1.0 - an3) / torch.where(a3 < 1, 1.0 - a3, torch.ones_like(a3))).clamp_min(0).sqrt()
        upd = window & running[:, None]
        self.x0_prev = torch.where(upd.unsqueeze(-1), x0_hat, self.x0_prev)
        self.lam_prev = torch.where(upd, lam, self.lam_prev)
        self.have_prev = torch.where(running[:, None], window, self.have_prev)
        return keep * y + (an3.sqrt() - a3.sqrt() * keep) * D


def reverse_sample(
    diff,
    score_fn: ScoreFn,
    mask: torch.Tensor,
    generator: torch.Generator | BlockNoise | None = None,
    deterministic: bool = False,
    return_trajectory: bool = False,
    dtype: torch.dtype | None = None,
    steps: int | None = None,
) -> SampleResult:
    """Sample chains with the shapes given by ``mask`` from the reverse process of ``diff``.

    Parameters
    ----------
    diff
        A :class:`~protein_rgdm.diffusion.process.Diffusion`.
    score_fn
        ``score_fn(x_t, t, shell, mask) -> (B, L, 3)`` in the diffusion's prediction parametrisation.
    mask
        (B, L) bool, True for residues to generate (≥ 2 per chain); its device is used.
    generator
        Randomness for the fixed-point draw and the ancestral noise: one generator for the whole batch,
        or a :class:`~protein_rgdm.diffusion.noise.BlockNoise` with one stream per row block (a block then
        gets the same numbers as when sampled alone with that stream).
    deterministic
        DDIM / probability-flow update instead of ancestral sampling.
    return_trajectory
        Keep the real-space state after every step (on the CPU).
    dtype
        Floating dtype (default: torch's default dtype).
    steps
        Evaluation budget N: visit ``diff.step_indices(n, N)`` of each chain's trained steps (at most N, the
        ends included; :mod:`protein_rgdm.diffusion.respacing`) with multi-step updates between them.
        None: every step (the full sampler).

    Notes
    -----
    The clean-chain estimate x̂₀ = (y − N̂)/√ᾱ of the window modes passes through ``diff.x0_guard``
    (:mod:`protein_rgdm.diffusion.guard`), which bounds each mode's norm, and N̂ is recomputed from it — the
    analogue of DDPM's ``clip_denoised``, but rotation-equivariant and never binding on a real chain.
    """
    lengths_t = chain_lengths(mask)
    lengths = lengths_t.tolist()
    dtype = dtype or torch.get_default_dtype()
    device = mask.device
    B, lmax = mask.shape
    basis = diff.basis
    ab_all, power, x0_bound = _full_tables(diff, lengths, lmax, dtype, device)
    visit, visit_next, visit_run = _visit_plan(diff, lengths, steps, device)
    T = torch.tensor([diff.num_steps(n) for n in lengths], device=device)
    rows = torch.arange(B, device=device)
    modes = basis.mode_mask(mask)
    m3 = modes.unsqueeze(-1).to(dtype)
    sd_fix = power.sqrt().unsqueeze(-1)
    guard = diff.x0_guard
    noise = as_noise(generator)

    def randn(running: torch.Tensor) -> torch.Tensor:
        return noise.draw((B, lmax, 3), running, dtype, device) * m3

    y = sd_fix * randn(torch.ones(B, dtype=torch.bool, device=device))
    trajectory = [basis.from_modes(y, mask).cpu()] if return_trajectory else None
    nfe = 0
    ode = _SecondOrderODE(y.shape, dtype, device) if deterministic and diff.ode_solver == "dpm2m" else None
    for i in range(visit.shape[1]):
        running, step, step_next = visit_run[:, i], visit[:, i], visit_next[:, i]
        ab = ab_all[rows, step]
        ab_prev = torch.where(
            (step_next >= 0)[:, None], ab_all[rows, step_next.clamp_min(0)], torch.ones_like(ab)
        ) * modes.to(dtype)
        cond = condition(basis, y, ab, modes, mask, step, T, lengths_t)
        active, window, x_in = cond.active, cond.window, cond.x_t
        t = torch.where(running, cond.t, torch.ones_like(cond.t))  # an idle chain is shown t = 1
        pred = score_fn(x_in, t, cond.shell, mask)
        nfe += 1
        if pred.shape != x_in.shape:
            raise InputError(f"score_fn: returned shape {tuple(pred.shape)}, expected {tuple(x_in.shape)}")
        if not torch.isfinite(pred[mask]).all():
            raise InputError(f"score_fn: returned non-finite values at reverse step {int(step.max())}")
        pred_modes = basis.to_modes(pred.to(dtype), mask)
        noise_hat = diff.noise_from_prediction(pred_modes, y, ab, power, window, lengths_t)
        if guard.active:
            noise_hat = _guard_clean_estimate(guard, noise_hat, y, ab, x0_bound, window)

        a3, ap3 = ab.unsqueeze(-1), ab_prev.unsqueeze(-1)
        safe_a = torch.where(a3 > 0, a3, torch.ones_like(a3))
        safe_1ma = torch.where(a3 < 1, 1.0 - a3, torch.ones_like(a3))
        if ode is not None:
            y_win, y_erased = ode.step(y, noise_hat, ab, ab_prev, window, running), y
        elif deterministic:
            y_win = (ap3 / safe_a).sqrt() * (y - noise_hat) + ((1.0 - ap3) / safe_1ma).clamp_min(0).sqrt() * noise_hat
            y_erased = y
        else:
            alpha = a3 / torch.where(ap3 > 0, ap3, torch.ones_like(ap3))
            beta = (1.0 - alpha).clamp_min(0.0)
            mean = (y - beta / safe_1ma * noise_hat) / alpha.clamp_min(1e-30).sqrt()
            var = torch.where(ap3 < 1, beta, torch.zeros_like(beta)) * power.unsqueeze(-1)
            y_win = mean + var.sqrt() * randn(running)
            y_erased = sd_fix * randn(running)
        w3 = (window & running[:, None]).unsqueeze(-1)
        e3 = ((~active) & modes & running[:, None]).unsqueeze(-1)
        y = torch.where(w3, y_win, torch.where(e3, y_erased, y))
        if return_trajectory:
            trajectory.append(basis.from_modes(y, mask).cpu())
    x = basis.from_modes(y, mask)
    return SampleResult(x=x, nfe=nfe, trajectory=trajectory, num_steps=visit.shape[1])
