"""Forward / reverse processes of component-wise (RG) diffusion, independent of any network."""

from protein_rgdm.diffusion.guard import ChainExtentGuard, CleanEstimateGuard, NoGuard, build_guard
from protein_rgdm.diffusion.noise import BlockNoise, NoiseBlock
from protein_rgdm.diffusion.oracle import ChainOracle, GaussianOracle
from protein_rgdm.diffusion.process import Diffusion
from protein_rgdm.diffusion.sampler import reverse_sample
from protein_rgdm.diffusion.types import SampleResult, ScoreFn, TrainingExample

__all__ = [
    "BlockNoise",
    "ChainExtentGuard",
    "ChainOracle",
    "CleanEstimateGuard",
    "Diffusion",
    "GaussianOracle",
    "NoGuard",
    "NoiseBlock",
    "SampleResult",
    "ScoreFn",
    "TrainingExample",
    "build_guard",
    "reverse_sample",
]
