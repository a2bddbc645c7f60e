"""Configuration of ``protein-rgdm predict``: sampling settings, batching budget and output formats."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from protein_rgdm.config.base import StrictModel
from protein_rgdm.config.diffusion import X0GuardConfig

__all__ = ["PredictConfig"]


class PredictConfig(StrictModel):
    """Settings of structure prediction from a trained checkpoint.

    Paths (input, checkpoint, output folder) are command-line arguments, not config, so one
    config serves any input. Every field can also be given on the command line.
    """

    num_samples: int = Field(5, ge=1, le=1000, description="structures sampled per sequence")
    seed: int = Field(0, ge=0, description="base seed; each record's seed is derived from it and its id")
    device: str = Field("auto", description="'auto' (cuda when available), 'cpu', 'cuda', 'cuda:1', ...")
    format: Literal["pdb", "mmcif", "both"] = Field("pdb", description="structure file format(s) written")
    backbone: Literal["full", "ca"] = Field(
        "full", description="'full': N, CA, C, O per residue (N/C/O rebuilt from the Cα trace); 'ca': Cα only"
    )
    write_trajectory: bool = Field(False, description="also write each reverse trajectory (multi-model PDB)")
    deterministic: bool = Field(False, description="probability-flow (ODE) sampling instead of the SDE")
    t32: int | None = Field(
        None, ge=1, description="step budget override: reverse steps for a 32-residue chain (None = checkpoint's)"
    )
    steps: int | None = Field(
        None,
        ge=2,
        description="few-step sampling: at most this many network evaluations, visiting a subsequence of the "
        "checkpoint's trained steps (None = every step)",
    )
    spacing: Literal["uniform", "progress"] | None = Field(
        None, description="which trained steps --steps visits (None = the checkpoint's diffusion.sampler.spacing)"
    )
    ode_solver: Literal["ddim", "dpm2m"] | None = Field(
        None, description="deterministic update: ddim | dpm2m (second order; None = the checkpoint's diffusion.sampler)"
    )
    schedule_overrides: dict[str, Any] = Field(
        default_factory=dict, description="other schedule parameters replacing the checkpoint's (e.g. kind-specific)"
    )
    x0_guard: X0GuardConfig | None = Field(
        None, description="guard on the sampler's clean-chain estimate (None = the checkpoint's diffusion.sampler)"
    )
    batch_residues: int = Field(
        4096, ge=1, description="residue budget per batch: samples x length; a record's samples are split to fit"
    )
    pack_records: bool = Field(
        False,
        description="pack the samples of several sequences into one batch (faster for 1-2 samples per sequence; "
        "results then equal solo runs only to float rounding). False: one sequence per batch, bitwise reproducible",
    )
    max_length: int = Field(1024, ge=1, description="longer sequences are refused (recorded in failed.tsv)")
    override: bool = Field(False, description="redo records that already have a completion marker")
    redo_changed: bool = Field(
        False, description="redo finished records made with other settings or another checkpoint (else: error)"
    )
