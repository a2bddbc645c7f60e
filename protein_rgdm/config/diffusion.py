"""Config of the diffusion core: basis, schedule, noise colour, prediction target, loss weighting.

YAML section ``diffusion`` (see configs/diffusion.yaml); also nested inside the training config.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from protein_rgdm.config.base import StrictModel
from protein_rgdm.constants import CA_CA_DISTANCE, HARMONIC_SPRING, PRIOR_C, PRIOR_MASS

__all__ = [
    "BasesConfig",
    "BasisConfig",
    "ColourConfig",
    "DiffusionConfig",
    "LossConfig",
    "SamplerConfig",
    "ScheduleConfig",
    "X0GuardConfig",
]


def _non_default(model: StrictModel, allowed: set[str]) -> list[str]:
    """Keys set to a non-default value that the chosen kind does not use (a resolved dump reloads cleanly)."""
    fields = type(model).model_fields
    return sorted(k for k in model.model_fields_set if k not in allowed and getattr(model, k) != fields[k].default)


class BasisConfig(StrictModel):
    """Graph-Laplacian eigenbasis of the chain.

    kind: ``path`` (DCT-II via FFT, unit bonds), ``harmonic`` (path with spring a = 3/3.8² Å⁻²),
    ``path_dense`` (the path Laplacian by dense ``eigh``, cached per length; for checks).
    """

    kind: Literal["path", "harmonic", "path_dense"] = "path"
    spring: float | None = Field(None, gt=0, description="bond weight; default 1 (path) or 3/3.8² Å⁻² (harmonic)")


_SCHEDULE_KEYS = {
    "rg": {"t32", "n0"},
    "ddpm": {"t32", "n0", "tau", "steps"},
    "harmonic": {"t32", "steps"},
    "sigmoid": {"t32", "steps", "width"},
    "soft": {"t32", "steps", "softness", "ordering"},
    "sequential": {"t32", "steps", "window", "ordering"},
}
_SHARED = {"kind", "beta_start", "beta_end", "reference_steps"}


class ScheduleConfig(StrictModel):
    """Component-wise noise schedule, chosen by ``kind``; only that kind's parameters may be set."""

    kind: Literal["rg", "ddpm", "harmonic", "sigmoid", "soft", "sequential"] = "rg"
    t32: int = Field(80, ge=2, description="RG / ddpm: T₃₂; others: use RG's count at this T₃₂ when steps is unset")
    n0: int = Field(32, ge=3, description="RG / ddpm reference length N₀")
    tau: float = Field(8.174705437759766, ge=0, description="ddpm: T_N = t32 + ⌈τ ln(N/n0)⌉ (RGDM's τ)")
    steps: int | None = Field(None, ge=2, description="fixed step count (not rg); None = RG's count (ddpm: RGDM's T_N)")
    width: float = Field(1.0, gt=0, description="sigmoid: cutoff width in ln(k²/Λ²)")
    softness: float = Field(0.05, gt=0, description="soft (GUD eq. 13): 1/a, a = log-SNR offset across labels")
    window: float = Field(0.3, gt=0, le=1, description="sequential: window width (1 = DDPM-like, →0 autoregressive)")
    ordering: Literal["log", "linear"] = "log"
    beta_start: float = Field(1e-4, gt=0, lt=1)
    beta_end: float = Field(0.02, gt=0, lt=1)
    reference_steps: int = Field(1000, ge=2)

    @model_validator(mode="after")
    def _check(self) -> ScheduleConfig:
        if self.beta_start >= self.beta_end:
            raise ValueError(f"beta_start ({self.beta_start}) must be smaller than beta_end ({self.beta_end})")
        allowed = _SCHEDULE_KEYS[self.kind] | _SHARED
        stray = _non_default(self, allowed)
        if stray:
            raise ValueError(f"{', '.join(stray)} not used by schedule kind '{self.kind}'")
        return self


class ColourConfig(StrictModel):
    """Noise colour (the Gaussian fixed point's power per mode)."""

    kind: Literal["white", "free", "fitted", "harmonic"] = "free"
    c: float = Field(PRIOR_C, gt=0, description="free theory amplitude, Å²")
    m: float = Field(PRIOR_MASS, ge=0, description="free theory mass (wave number)")
    variance: float = Field(CA_CA_DISTANCE**2, gt=0, description="white noise power per mode, Å²")
    spring: float = Field(HARMONIC_SPRING, gt=0, description="harmonic colour spring a, Å⁻²")
    spectrum: Literal["continuum", "lattice"] = "continuum"
    spectrum_path: str | None = Field(None, description="fitted: spectrum.json from the bases stage")

    @model_validator(mode="after")
    def _check(self) -> ColourConfig:
        if self.kind == "fitted" and not self.spectrum_path:
            raise ValueError("spectrum_path is required for colour kind 'fitted'")
        allowed = {
            "white": {"variance"},
            "free": {"c", "m", "spectrum"},
            "fitted": {"spectrum_path", "spectrum"},
            "harmonic": {"spring"},
        }[self.kind] | {"kind"}
        stray = _non_default(self, allowed)
        if stray:
            raise ValueError(f"{', '.join(stray)} not used by colour kind '{self.kind}'")
        return self


class LossConfig(StrictModel):
    """Per-chain loss weights.

    ``shell_weighting`` — how RGDM's w = √((L+3)/(n_shell+3)) enters: ``target`` (RGDM): the noise
    target is multiplied by w, loss weight 1; ``loss``: plain target, per-chain loss weight w²;
    ``none``: no shell weighting.

    ``step_weighting`` — ``prior_error``: each chain's loss is divided by (E_s + floor), E_s being the
    loss at its step of the prior-only (Gaussian, colour-S) denoiser — Σ_window (1 − ᾱ_k) S_k / n Å² for
    ``x0``, ᾱ_k (1 − ᾱ_k) S_k (× w² with target shell weighting) for ``noise``, ᾱ_k for ``eps``. Without it
    the late steps, whose error is large and irreducible (only the coarsest modes are left), dominate the
    gradient (and its clipping) and the network does not learn the middle of the process. ``none``: off.
    ``step_weighting_floor`` (units of the loss: Å² for ``x0`` / ``noise``) bounds the weight of the
    earliest steps, whose E_s is ≈ 0.
    """

    shell_weighting: Literal["target", "loss", "none"] = "target"
    step_weighting: Literal["prior_error", "none"] = "prior_error"
    step_weighting_floor: float = Field(0.1, gt=0)


class X0GuardConfig(StrictModel):
    """Guard on the sampler's clean-chain estimate x̂₀ (see ``protein_rgdm.diffusion.guard``).

    ``chain_extent``: each mode's 3-vector X̂₀,k is shrunk (along itself, so the sampler stays
    rotation-equivariant) to at most the largest |X_k| that any chain whose consecutive Cα steps are
    all ≤ ``max_step`` Å can have. No real chain is ever touched (Cα–Cα ≤ 4.2 Å in a continuous chain;
    the default leaves a factor 2 over 3.8 Å for gaps in observed traces), while an under-trained
    network can no longer amplify its errors by 1/√ᾱ. ``none``: no guard.
    """

    kind: Literal["none", "chain_extent"] = "chain_extent"
    max_step: float = Field(7.6, gt=0, description="chain_extent: largest Cα–Cα step (Å) a guarded x̂₀ may imply")

    @model_validator(mode="after")
    def _check(self) -> X0GuardConfig:
        stray = _non_default(self, {"kind", "max_step"} if self.kind == "chain_extent" else {"kind"})
        if stray:
            raise ValueError(f"{', '.join(stray)} not used by x0_guard kind '{self.kind}'")
        return self


class SamplerConfig(StrictModel):
    """Reverse-process settings that do not change training (predict may override them)."""

    x0_guard: X0GuardConfig = X0GuardConfig()
    spacing: Literal["uniform", "progress"] = Field(
        "progress", description="few-step sampling (predict.steps): which trained steps to visit (diffusion.respacing)"
    )
    ode_solver: Literal["ddim", "dpm2m"] = Field(
        "ddim", description="deterministic sampling: first-order DDIM, or second-order multistep DPM-Solver++(2M)"
    )


class DiffusionConfig(StrictModel):
    """Everything that defines the forward / reverse process (no network)."""

    basis: BasisConfig = BasisConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    colour: ColourConfig = ColourConfig()
    prediction: Literal["noise", "eps", "x0"] = "x0"
    loss: LossConfig = LossConfig()
    sampler: SamplerConfig = SamplerConfig()
    clean_mode_noise: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="training only: 1 − ᾱ given to modes not yet noised (ᾱ = 1), as RGDM's data_aug_ratio (5e-4)",
    )


class BasesConfig(StrictModel):
    """The ``bases`` stage: measure ⟨|X̃_k|²⟩ over chains and fit c / (k² + m²)."""

    basis: BasisConfig = BasisConfig()
    pooling: Literal["pooled", "per_length"] = "pooled"
    spectrum: Literal["continuum", "lattice"] = "continuum"
    min_observed_fraction: float = Field(0.9, ge=0, le=1, description="skip chains with fewer observed residues")
    min_length: int = Field(20, ge=3)
    max_length: int | None = Field(None, ge=3)
    bins: int = Field(40, ge=4, description="log-spaced k bins for the pooled spectrum")
