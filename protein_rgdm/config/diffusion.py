"""Config of the diffusion core: basis, schedule, noise colour, prediction target, loss weighting.

YAML section ``diffusion`` (see configs/diffusion.yaml); also nested inside the training config.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from protein_rgdm.config.base import StrictModel
from protein_rgdm.config.kinds import key_error, kind_union
from protein_rgdm.constants import CA_CA_DISTANCE, HARMONIC_SPRING, PRIOR_C, PRIOR_MASS, RGDM_DDPM_TAU

__all__ = [
    "COLOUR_CONFIGS",
    "SCHEDULE_CONFIGS",
    "BasesConfig",
    "BasisConfig",
    "ColourConfig",
    "DDPMScheduleConfig",
    "DiffusionConfig",
    "FittedColourConfig",
    "FreeColourConfig",
    "HarmonicColourConfig",
    "HarmonicScheduleConfig",
    "LossConfig",
    "RGScheduleConfig",
    "SamplerConfig",
    "ScheduleConfig",
    "SequentialScheduleConfig",
    "SigmoidScheduleConfig",
    "SoftScheduleConfig",
    "WhiteColourConfig",
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


#: Defaults of the flat ``ScheduleConfig`` (before 2026-11-28) that held every kind's keys; a resolved dump of it
#: carries them all, the unused ones at these values.
_FLAT_SCHEDULE_DEFAULTS = {
    "t32": 80,
    "n0": 32,
    "tau": RGDM_DDPM_TAU,
    "steps": None,
    "width": 1.0,
    "softness": 0.05,
    "window": 0.3,
    "ordering": "log",
    "beta_start": 1e-4,
    "beta_end": 0.02,
    "reference_steps": 1000,
}


class _ReferenceDDPM(StrictModel):
    """The reference DDPM whose SNR range every schedule maps onto its modes."""

    kind: str  # each kind's model narrows it to its tag (declared here so that it comes first in a dump)

    beta_start: float = Field(1e-4, gt=0, lt=1)
    beta_end: float = Field(0.02, gt=0, lt=1)
    reference_steps: int = Field(1000, ge=2)

    @model_validator(mode="after")
    def _check_betas(self):
        if self.beta_start >= self.beta_end:
            raise ValueError(f"beta_start ({self.beta_start}) must be smaller than beta_end ({self.beta_end})")
        return self


class _StepCount(_ReferenceDDPM):
    """A fixed step count, or RG's count at ``t32`` when ``steps`` is unset (never both)."""

    t32: int = Field(80, ge=2, description="steps unset: use RG's step count at this T₃₂")
    steps: int | None = Field(None, ge=2, description="fixed step count; None = RG's count at t32")

    #: Keys ignored when ``steps`` is set: giving one of them with ``steps`` is an error.
    _unused_with_steps: ClassVar[tuple[str, ...]] = ("t32",)

    @model_validator(mode="after")
    def _check_steps(self):
        both = [k for k in self._unused_with_steps if k in self.model_fields_set]
        if self.steps is not None and both:
            raise ValueError(f"{', '.join(both)} and steps both given (with steps set, {', '.join(both)} is unused)")
        return self


class RGScheduleConfig(_ReferenceDDPM):
    """RG schedule (``protein_rgdm.schedules.rg``): T_N from T₃₂ and the reference length N₀."""

    kind: Literal["rg"] = "rg"
    t32: int = Field(80, ge=2, description="T₃₂: total steps at L = 32")
    n0: int = Field(32, ge=3, description="reference length N₀")


class DDPMScheduleConfig(_StepCount):
    """Length-dependent DDPM (RGDM's baseline): T_N = t32 + ⌈τ ln(N/n0)⌉, or ``steps``."""

    kind: Literal["ddpm"] = "ddpm"
    t32: int = Field(80, ge=2, description="T₃₂ of T_N when steps is unset")
    n0: int = Field(32, ge=3, description="reference length N₀ (also of the final SNR γ (N₀/N)²)")
    tau: float = Field(RGDM_DDPM_TAU, ge=0, description="T_N = t32 + ⌈τ ln(N/n0)⌉ (RGDM's τ) when steps is unset")
    steps: int | None = Field(None, ge=2, description="fixed step count; None = RGDM's T_N")

    _unused_with_steps: ClassVar[tuple[str, ...]] = ("t32", "tau")


class HarmonicScheduleConfig(_StepCount):
    """Harmonic (EigenFold) schedule: the modes relax at their eigenvalues."""

    kind: Literal["harmonic"] = "harmonic"


class SigmoidScheduleConfig(_StepCount):
    """Sigmoid cutoff in ln(k²/Λ²) moving through the modes."""

    kind: Literal["sigmoid"] = "sigmoid"
    width: float = Field(1.0, gt=0, description="cutoff width in ln(k²/Λ²)")


class SoftScheduleConfig(_StepCount):
    """Soft conditioning (GUD eq. 13)."""

    kind: Literal["soft"] = "soft"
    softness: float = Field(0.05, gt=0, description="1/a, a = log-SNR offset across labels")
    ordering: Literal["log", "linear"] = "log"


class SequentialScheduleConfig(_StepCount):
    """Sequential (autoregressive-like) schedule: a window of modes noised at a time."""

    kind: Literal["sequential"] = "sequential"
    window: float = Field(0.3, gt=0, le=1, description="window width (1 = DDPM-like, →0 autoregressive)")
    ordering: Literal["log", "linear"] = "log"


def _steps_migration(member: type[StrictModel], data: dict[str, Any]) -> dict[str, Any]:
    """A flat dump with ``steps`` set also holds t32 (and tau) at their defaults: drop those, reject others."""
    if data.get("steps") is None:
        return data
    for key in getattr(member, "_unused_with_steps", ()):
        if key in data and data[key] == _FLAT_SCHEDULE_DEFAULTS[key]:
            del data[key]
        elif key in data:
            raise key_error(key, f"{key} given together with steps (schedule kind {data['kind']!r} would ignore {key})")
    return data


#: Schedule config class of each ``schedule.kind``.
SCHEDULE_CONFIGS: dict[str, type[StrictModel]] = {
    "rg": RGScheduleConfig,
    "ddpm": DDPMScheduleConfig,
    "harmonic": HarmonicScheduleConfig,
    "sigmoid": SigmoidScheduleConfig,
    "soft": SoftScheduleConfig,
    "sequential": SequentialScheduleConfig,
}

#: Component-wise noise schedule: one strict model per ``kind`` (default ``rg``).
ScheduleConfig = kind_union("schedule", tuple(SCHEDULE_CONFIGS.values()), _FLAT_SCHEDULE_DEFAULTS, _steps_migration)

_FLAT_COLOUR_DEFAULTS = {
    "c": PRIOR_C,
    "m": PRIOR_MASS,
    "variance": CA_CA_DISTANCE**2,
    "spring": HARMONIC_SPRING,
    "spectrum": "continuum",
    "spectrum_path": None,
}


class FreeColourConfig(StrictModel):
    """Free theory S_k = c / (k² + m²) (continuum k or the lattice's)."""

    kind: Literal["free"] = "free"
    c: float = Field(PRIOR_C, gt=0, description="free theory amplitude, Å²")
    m: float = Field(PRIOR_MASS, ge=0, description="free theory mass (wave number)")
    spectrum: Literal["continuum", "lattice"] = "continuum"


class WhiteColourConfig(StrictModel):
    """White noise: the same power for every mode."""

    kind: Literal["white"] = "white"
    variance: float = Field(CA_CA_DISTANCE**2, gt=0, description="white noise power per mode, Å²")


class FittedColourConfig(StrictModel):
    """The free theory with c, m read from the bases stage's spectrum.json."""

    kind: Literal["fitted"] = "fitted"
    spectrum_path: str = Field(..., min_length=1, description="spectrum.json from the bases stage")
    spectrum: Literal["continuum", "lattice"] = "continuum"


class HarmonicColourConfig(StrictModel):
    """Harmonic chain's stationary power."""

    kind: Literal["harmonic"] = "harmonic"
    spring: float = Field(HARMONIC_SPRING, gt=0, description="harmonic colour spring a, Å⁻²")


#: Colour config class of each ``colour.kind``.
COLOUR_CONFIGS: dict[str, type[StrictModel]] = {
    "free": FreeColourConfig,
    "white": WhiteColourConfig,
    "fitted": FittedColourConfig,
    "harmonic": HarmonicColourConfig,
}

#: Noise colour (the Gaussian fixed point's power per mode): one strict model per ``kind`` (default ``free``).
ColourConfig = kind_union("colour", tuple(COLOUR_CONFIGS.values()), _FLAT_COLOUR_DEFAULTS)


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
    schedule: ScheduleConfig = RGScheduleConfig()
    colour: ColourConfig = FreeColourConfig()
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
