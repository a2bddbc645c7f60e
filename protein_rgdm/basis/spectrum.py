"""The data's power spectrum per mode and its free-theory fit c / (k² + m²) (the ``bases`` stage).

For each chain the observed Cα atoms (in seqres order, gaps closed) are centred and transformed
to the basis of their count n; the power of mode j is |X̃_j|² / 3 (Å², per coordinate, the unit of
the noise colour S_j). Pooled over chains by wave number k_j (log-spaced bins) and per length.
The fit (:func:`fit_free_theory`) maximises the weighted Gaussian likelihood of the mean powers,

    min over c, m of  Σ_points w [ln P(k) + p / P(k)],   P(k) = c / (k² + m²),

which is unbiased for means over any number of chains (a least-squares fit of ln p is biased low by
E[ln p] < ln E[p]: 31 % in c at one chain per point). The weights make every scale count equally:
``pooled`` — one per log-k bin with at least ``min_bin_count`` values; ``per_length`` — the chain
count per unit ln k, count / k, for each (length, mode) mean. ``pooled`` fits the single values
at their own k (the bins only set the weights), not the bin means at the bins' mean k.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import torch

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.errors import InputError

__all__ = ["SpectrumResult", "chain_mode_power", "fit_free_theory", "measure_spectrum"]


def chain_mode_power(ca: np.ndarray, basis: ModeBasis) -> np.ndarray:
    """Per-coordinate power |X̃_j|²/3 of one chain's modes, (n,) float64 Å², mode 0 = 0.

    Parameters
    ----------
    ca
        (n, 3) Å, the observed Cα atoms in order (no NaN).
    """
    ca = np.asarray(ca, dtype=np.float64)
    if ca.ndim != 2 or ca.shape[1] != 3 or ca.shape[0] < 2:
        raise InputError(f"ca: expected (n ≥ 2, 3) coordinates, got shape {ca.shape}")
    if not np.isfinite(ca).all():
        raise InputError("ca: non-finite coordinates")
    x = torch.as_tensor(ca - ca.mean(0))[None]
    y = basis.to_modes(x, torch.ones(1, ca.shape[0], dtype=torch.bool))[0].numpy()
    power = (y**2).sum(-1) / 3.0
    power[0] = 0.0
    return power


def fit_free_theory(k: np.ndarray, power: np.ndarray, weight: np.ndarray | None = None) -> tuple[float, float]:
    """Fit P(k) = c / (k² + m²) to mean powers by the weighted Gaussian (Whittle) likelihood; returns (c Å², m).

    Minimises Σ_i w_i [ln P(k_i) + p_i / P(k_i)], whose stationarity conditions
    Σ_i w_i ∂ln P/∂θ (1 − p_i / P(k_i)) = 0 hold in expectation whenever E[p_i] = P(k_i): the fit is
    unbiased for means of any number of values (a least-squares fit of ln p_i is not: the mean of
    ln(χ²₃/3) is −0.37, so one chain per point gives c 31 % low). c has the closed form
    Σ w p (k² + m²) / Σ w for each m; m is found by a bounded 1-D search in ln m. The objective is
    also Σ w · 2 KL(N(0, p) ‖ N(0, P)) + const, so where real spectra depart from c/(k² + m²) it picks
    the free theory closest in KL to Gaussian modes of the measured powers.

    Parameters
    ----------
    k, power
        (P,) wave numbers and mean powers (Å² per coordinate) at them.
    weight
        (P,) non-negative weights (default 1).
    """
    from scipy.optimize import minimize_scalar

    k, power = np.asarray(k, float), np.asarray(power, float)
    w = np.ones_like(k) if weight is None else np.asarray(weight, float)
    ok = (k > 0) & (power > 0) & (w > 0) & np.isfinite(power)
    if ok.sum() < 3:
        raise InputError("spectrum: fewer than 3 usable (k, power) points to fit c/(k²+m²)")
    k2, p, w = k[ok] ** 2, power[ok], w[ok] / w[ok].sum()

    def c_of(m: float) -> float:
        return float(np.sum(w * p * (k2 + m * m)))

    def cost(log_m: float) -> float:  # profile negative log-likelihood per unit weight, minus 1
        m2 = math.exp(2.0 * log_m)
        return math.log(c_of(math.sqrt(m2))) - float(np.sum(w * np.log(k2 + m2)))

    res = minimize_scalar(cost, bounds=(math.log(1e-4), math.log(3.0)), method="bounded", options={"xatol": 1e-7})
    m = math.exp(res.x)
    return c_of(m), m


@dataclasses.dataclass
class SpectrumResult:
    """Measured spectrum and fit.

    Attributes
    ----------
    bin_k, bin_power, bin_count
        Pooled spectrum: mean k, mean power (Å²/coordinate) and number of (chain, mode) values per bin.
    per_length
        n → mean power per mode (n,) over chains with n observed residues.
    counts_per_length
        n → number of chains.
    c, m
        Fitted free-theory parameters (Å², dimensionless).
    n_chains
        Chains used.
    skipped
        (name, reason) of chains left out.
    """

    bin_k: np.ndarray
    bin_power: np.ndarray
    bin_count: np.ndarray
    per_length: dict[int, np.ndarray]
    counts_per_length: dict[int, int]
    c: float
    m: float
    n_chains: int
    skipped: list[tuple[str, str]]


def measure_spectrum(
    records: Iterable,
    basis: ModeBasis,
    *,
    min_observed_fraction: float = 0.9,
    min_length: int = 20,
    max_length: int | None = None,
    bins: int = 40,
    pooling: str = "pooled",
    spectrum: str = "continuum",
    min_bin_count: int = 10,
) -> SpectrumResult:
    """Mean power per mode over chain records and the fitted c/(k² + m²).

    Parameters
    ----------
    records
        Iterable of :class:`~protein_rgdm.structure.ChainRecord` (or ``(name, exception)`` pairs for
        files that failed to load, recorded as skipped).
    basis
        The basis whose modes are measured.
    pooling
        ``"pooled"`` fits every (chain, mode) value, each log-k bin weighing once; ``"per_length"``
        fits the per-length mean spectra (each (length, mode) a point, weight chain count / k).
    spectrum
        ``"continuum"`` fits c/(k² + m²); ``"lattice"`` fits c/(4 sin²(k/2) + m²) (matching the colour's option).
    """
    if spectrum not in ("continuum", "lattice"):
        raise InputError(f"spectrum: must be 'continuum' or 'lattice', got {spectrum!r}")
    eff = (lambda k: k) if spectrum == "continuum" else (lambda k: 2.0 * np.sin(k / 2.0))
    sums: dict[int, np.ndarray] = {}
    counts: dict[int, int] = defaultdict(int)
    all_k, all_p = [], []
    skipped: list[tuple[str, str]] = []
    for rec in records:
        if isinstance(rec, tuple):
            skipped.append((str(rec[0]), str(rec[1])))
            continue
        obs = np.asarray(rec.observed, bool)
        n = int(obs.sum())
        if n < max(min_length, 2):
            skipped.append((rec.name, f"{n} observed residues < min_length {min_length}"))
            continue
        if max_length is not None and n > max_length:
            skipped.append((rec.name, f"{n} observed residues > max_length {max_length}"))
            continue
        if rec.observed_fraction < min_observed_fraction:
            skipped.append((rec.name, f"observed fraction {rec.observed_fraction:.2f} < {min_observed_fraction}"))
            continue
        power = chain_mode_power(rec.ca[obs], basis)
        sums[n] = sums.get(n, 0.0) + power
        counts[n] += 1
        k = basis.wavenumbers(n)
        all_k.append(k[1:])
        all_p.append(power[1:])
    if not all_k:
        raise InputError("spectrum: no usable chains (all skipped; see the skipped list)")
    k = np.concatenate(all_k)
    p = np.concatenate(all_p)
    edges = np.geomspace(k.min(), k.max() * (1 + 1e-9), bins + 1)
    idx = np.clip(np.searchsorted(edges, k, side="right") - 1, 0, bins - 1)
    cnt = np.bincount(idx, minlength=bins)
    keep = cnt > 0
    bin_k = np.bincount(idx, weights=k, minlength=bins)[keep] / cnt[keep]
    bin_p = np.bincount(idx, weights=p, minlength=bins)[keep] / cnt[keep]
    per_length = {n: sums[n] / counts[n] for n in sorted(sums)}
    if pooling == "pooled":
        # every value at its own k, each log-k bin weighing once in all (scales weigh equally; counts
        # would favour the many fine modes); the model is not evaluated at the bin's mean k (P is convex)
        c, m = fit_free_theory(eff(k), p, (cnt[idx] >= min_bin_count) / cnt[idx])
    elif pooling == "per_length":
        kk = np.concatenate([basis.wavenumbers(n)[1:] for n in per_length])
        pp = np.concatenate([per_length[n][1:] for n in per_length])
        ww = np.concatenate([np.full(n - 1, counts[n]) for n in per_length])
        c, m = fit_free_theory(eff(kk), pp, ww / kk)  # ∝ count per unit ln k: scales weigh equally
    else:
        raise InputError(f"pooling: must be 'pooled' or 'per_length', got {pooling!r}")
    return SpectrumResult(bin_k, bin_p, cnt[keep], per_length, dict(counts), c, m, sum(counts.values()), skipped)
