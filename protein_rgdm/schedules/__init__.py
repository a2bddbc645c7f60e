"""Component-wise noise schedules ᾱ_k(t) and noise colours S_k, one strategy class each, chosen by name."""

from protein_rgdm.schedules.base import NoiseSchedule, ddpm_reference_snr, snr_to_alpha_bar
from protein_rgdm.schedules.colour import (
    FreeTheoryColour,
    HarmonicColour,
    NoiseColour,
    WhiteColour,
    load_fitted_colour,
)
from protein_rgdm.schedules.ddpm import DDPMSchedule
from protein_rgdm.schedules.factory import SCHEDULES, build_colour, build_schedule
from protein_rgdm.schedules.harmonic import HarmonicSchedule
from protein_rgdm.schedules.rg import RGSchedule, regulator, regulator_inverse
from protein_rgdm.schedules.sequential import SequentialSchedule
from protein_rgdm.schedules.sigmoid import SigmoidSchedule
from protein_rgdm.schedules.soft import SoftConditioningSchedule

__all__ = [
    "SCHEDULES",
    "DDPMSchedule",
    "FreeTheoryColour",
    "HarmonicColour",
    "HarmonicSchedule",
    "NoiseColour",
    "NoiseSchedule",
    "RGSchedule",
    "SequentialSchedule",
    "SigmoidSchedule",
    "SoftConditioningSchedule",
    "WhiteColour",
    "build_colour",
    "build_schedule",
    "ddpm_reference_snr",
    "load_fitted_colour",
    "regulator",
    "regulator_inverse",
    "snr_to_alpha_bar",
]
