"""Forward / reverse processes of component-wise (RG) diffusion, independent of any network."""

from protein_rgdm.diffusion.oracle import GaussianOracle
from protein_rgdm.diffusion.process import Diffusion
from protein_rgdm.diffusion.sampler import reverse_sample
from protein_rgdm.diffusion.types import SampleResult, ScoreFn, TrainingExample

__all__ = ["Diffusion", "GaussianOracle", "SampleResult", "ScoreFn", "TrainingExample", "reverse_sample"]
