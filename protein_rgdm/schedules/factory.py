"""Build a schedule and a noise colour from config (strategies chosen by name)."""

from __future__ import annotations

from protein_rgdm.config.diffusion import ColourConfig, ScheduleConfig
from protein_rgdm.errors import ConfigError
from protein_rgdm.schedules.base import NoiseSchedule
from protein_rgdm.schedules.colour import (
    FreeTheoryColour,
    HarmonicColour,
    NoiseColour,
    WhiteColour,
    load_fitted_colour,
)
from protein_rgdm.schedules.ddpm import DDPMSchedule
from protein_rgdm.schedules.harmonic import HarmonicSchedule
from protein_rgdm.schedules.rg import RGSchedule
from protein_rgdm.schedules.sequential import SequentialSchedule
from protein_rgdm.schedules.sigmoid import SigmoidSchedule
from protein_rgdm.schedules.soft import SoftConditioningSchedule

__all__ = ["SCHEDULES", "build_colour", "build_schedule"]

SCHEDULES = ("rg", "ddpm", "harmonic", "sigmoid", "soft", "sequential")


def build_schedule(cfg: ScheduleConfig) -> NoiseSchedule:
    """Schedule named by ``cfg.kind``; an unknown name raises ``ConfigError`` naming ``schedule.kind``."""
    ref = {"beta_start": cfg.beta_start, "beta_end": cfg.beta_end, "reference_steps": cfg.reference_steps}
    if cfg.kind == "rg":
        return RGSchedule(t32=cfg.t32, n0=cfg.n0, **ref)
    if cfg.kind == "ddpm":
        return DDPMSchedule(t32=cfg.t32, n0=cfg.n0, tau=cfg.tau, steps=cfg.steps, **ref)
    if cfg.kind == "harmonic":
        return HarmonicSchedule(steps=cfg.steps, t32=cfg.t32, **ref)
    if cfg.kind == "sigmoid":
        return SigmoidSchedule(width=cfg.width, steps=cfg.steps, t32=cfg.t32, **ref)
    if cfg.kind == "soft":
        return SoftConditioningSchedule(
            softness=cfg.softness, ordering=cfg.ordering, steps=cfg.steps, t32=cfg.t32, **ref
        )
    if cfg.kind == "sequential":
        return SequentialSchedule(window=cfg.window, ordering=cfg.ordering, steps=cfg.steps, t32=cfg.t32, **ref)
    raise ConfigError(f"schedule.kind: unknown schedule {cfg.kind!r}; choose one of {', '.join(SCHEDULES)}")


def build_colour(cfg: ColourConfig) -> NoiseColour:
    """Colour named by ``cfg.kind``; ``fitted`` reads c, m from ``cfg.spectrum_path``."""
    if cfg.kind == "white":
        return WhiteColour(cfg.variance)
    if cfg.kind == "free":
        return FreeTheoryColour(cfg.c, cfg.m, cfg.spectrum)
    if cfg.kind == "fitted":
        return load_fitted_colour(cfg.spectrum_path, cfg.spectrum)
    if cfg.kind == "harmonic":
        return HarmonicColour(cfg.spring)
    raise ConfigError(f"colour.kind: unknown colour {cfg.kind!r}")  # pragma: no cover - pydantic guards
