"""Config of ``protein-rgdm train`` (``TrainConfig``): model, diffusion, data, optimiser, run control."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from protein_rgdm.config.base import StrictModel
from protein_rgdm.config.diffusion import DiffusionConfig
from protein_rgdm.config.model import ModelConfig

__all__ = ["OptimConfig", "TrainDataConfig", "TrainConfig"]


class OptimConfig(StrictModel):
    """AdamW with linear warm-up then ``decay`` to ``min_lr_ratio · lr`` at ``max_steps``; gradient clipping."""

    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    warmup_steps: int = Field(100, ge=0)
    decay: Literal["cosine", "linear", "constant"] = "cosine"
    min_lr_ratio: float = Field(0.1, ge=0, le=1)
    grad_clip: float | None = Field(1.0, gt=0)


class TrainDataConfig(StrictModel):
    """Which chains are used and how they are batched.

    Batches hold chains of similar length: the epoch's chains are shuffled, sorted by length within
    groups of ``bucket_batches`` batches, then cut into batches whose padded size
    (chains × longest chain) stays under ``residue_budget`` (at most ``max_chains`` chains).
    Chains are trimmed to their observed span (``trim_termini``); internal unobserved residues are
    linearly interpolated; unobserved residues are excluded from the loss. Chains shorter than ``min_length`` or longer than
    ``max_length`` (after trimming), or with fewer than ``min_observed_fraction`` observed, are
    skipped and listed in ``skipped.csv``.
    """

    residue_budget: int = Field(4096, ge=2)
    max_chains: int = Field(64, ge=1)
    bucket_batches: int = Field(20, ge=1)
    min_length: int = Field(8, ge=2)
    max_length: int = Field(512, ge=2)
    min_observed_fraction: float = Field(0.5, ge=0, le=1)
    trim_termini: bool = True
    val_max_batches: int | None = Field(None, ge=1)


class TrainConfig(StrictModel):
    """Everything ``protein-rgdm train`` needs besides file paths; saved resolved in every checkpoint."""

    model: ModelConfig = ModelConfig()
    diffusion: DiffusionConfig = DiffusionConfig()
    optim: OptimConfig = OptimConfig()
    data: TrainDataConfig = TrainDataConfig()
    seed: int = 0
    max_steps: int = Field(10000, ge=1)
    max_epochs: int | None = Field(None, ge=1)
    max_time_s: float | None = Field(
        None,
        gt=0,
        description="training wall time of one run, s: then checkpoint.pt is written from the step reached and "
        "a later run (e.g. with a larger budget) resumes from last.pt",
    )
    val_every_epochs: int = Field(1, ge=1)
    ema_decay: float = Field(0.999, ge=0, lt=1)
    checkpoint_every: int = Field(500, ge=1)
    log_every: int = Field(10, ge=1)
    amp: bool = True
    compile: bool = False
    device: str = "auto"
    tensorboard: bool = False
    num_threads: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _lengths_fit(self) -> "TrainConfig":
        if self.data.max_length > self.model.max_length:
            raise ValueError(
                f"data.max_length {self.data.max_length} exceeds model.max_length {self.model.max_length}"
            )
        return self
