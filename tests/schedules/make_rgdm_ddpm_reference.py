"""Re-derive the reference numbers of RGDM's protein DDPM baseline used by test_ddpm_rgdm.py.

Source of the rule: kantamasuki/RGDM, protein_str_pred/diffusion/DDPM_diffusion.py
(``DDPM_DiffusionSampler.__init__`` / ``betaTN_find`` / ``SNR_calc`` / ``denoise_schedule``) with the
defaults of protein_str_pred/utils/DDPM_parsing.py (T32 = 80, tau = 8.174705437759766). As read there:

* steps  T_N = T32 + ceil(tau * ln(N / 32));
* betas  linear from 1e-4 to beta_T over T_N steps, alpha_bar_t = prod_{s <= t} (1 - beta_s), t = 0..T_N-1;
* SNR    alpha_bar / (1 - alpha_bar) at the last step, target 4.0359926511684205e-5 * (32 / N)^2
         (the final SNR of the 1000-step, 1e-4..0.02 DDPM, scaled by (32/N)^2);
* beta_T by bisection: bracket lo = 0.06, hi = 0.12 (the sampler's; the trainer starts hi at 0.24),
         hi += 0.02 while SNR(hi) > target, lo *= 0.5 while SNR(lo) < target, then start at b = hi and
         halve the bracket until |SNR(b) - target| <= target / 10000;
* noise  white, N(0, 1) per coordinate in Å, centroid removed after noising.

This file is an independent, loop-by-loop re-statement of that rule with plain Python floats (no numpy
vectorisation, no code shared with protein_rgdm). Run it to print the numbers pasted into the test:

    python tests/schedules/make_rgdm_ddpm_reference.py
"""

from __future__ import annotations

import math

T32 = 80
TAU = 8.174705437759766
FINAL_SNR_32 = 4.0359926511684205e-05
BETA_1 = 1e-4


def alpha_bars(beta_T: float, T: int) -> list[float]:
    out, prod = [], 1.0
    for s in range(T):
        beta = BETA_1 + (beta_T - BETA_1) * s / (T - 1)
        prod *= 1.0 - beta
        out.append(prod)
    return out


def final_snr(beta_T: float, T: int) -> float:
    ab = alpha_bars(beta_T, T)[-1]
    return ab / (1.0 - ab)


def reference(N: int) -> tuple[int, float, list[float]]:
    T = T32 + math.ceil(TAU * math.log(N / 32))
    target = FINAL_SNR_32 * (32 / N) ** 2
    lo, hi = 0.06, 0.12
    while final_snr(hi, T) > target:
        hi += 0.02
    while final_snr(lo, T) < target:
        lo *= 0.5
    b = hi
    v = final_snr(b, T)
    while abs(target - v) > target / 10000:
        if v > target:
            lo = b
        else:
            hi = b
        b = 0.5 * (lo + hi)
        v = final_snr(b, T)
    return T, b, alpha_bars(b, T)


def indices(T: int) -> list[int]:
    return sorted({0, 1, T // 4, T // 2, (3 * T) // 4, T - 2, T - 1})


if __name__ == "__main__":
    for N in (20, 32, 100, 709):
        T, beta_T, ab = reference(N)
        picks = {i: ab[i] for i in indices(T)}
        print(f"{N}: ({T}, {beta_T!r}, {{" + ", ".join(f"{i}: {v!r}" for i, v in picks.items()) + "}),")
