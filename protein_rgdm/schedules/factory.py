"""Build a schedule and a noise colour from their config (strategy classes keyed by the config's ``kind``)."""

from __future__ import annotations

from collections.abc import Callable

from protein_rgdm.config.diffusion import ColourConfig, ScheduleConfig
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

#: Schedule class of each ``schedule.kind``; each takes its config's keys (all but ``kind``) as arguments.
_SCHEDULE_CLASSES: dict[str, type[NoiseSchedule]] = {
    "rg": RGSchedule,
    "ddpm": DDPMSchedule,
    "harmonic": HarmonicSchedule,
    "sigmoid": SigmoidSchedule,
    "soft": SoftConditioningSchedule,
    "sequential": SequentialSchedule,
}
SCHEDULES = tuple(_SCHEDULE_CLASSES)

#: Colour builder of each ``colour.kind`` (``fitted`` reads c, m from its ``spectrum_path``).
_COLOUR_BUILDERS: dict[str, Callable[..., NoiseColour]] = {
    "white": WhiteColour,
    "free": FreeTheoryColour,
    "fitted": lambda spectrum_path, spectrum: load_fitted_colour(spectrum_path, spectrum),
    "harmonic": HarmonicColour,
}


def build_schedule(cfg: ScheduleConfig) -> NoiseSchedule:
    """The schedule of ``cfg.kind`` (a member of the :data:`ScheduleConfig` union) with its keys."""
    return _SCHEDULE_CLASSES[cfg.kind](**cfg.model_dump(exclude={"kind"}))


def build_colour(cfg: ColourConfig) -> NoiseColour:
    """The colour of ``cfg.kind`` (a member of the :data:`ColourConfig` union) with its keys."""
    return _COLOUR_BUILDERS[cfg.kind](**cfg.model_dump(exclude={"kind"}))
