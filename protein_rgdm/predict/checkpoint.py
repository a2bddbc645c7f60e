"""A training checkpoint loaded for inference: its EMA weights in a fresh network, with its diffusion process.

Reads through the shared file format (``artifacts.checkpoint``), so prediction needs nothing of the training
package.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from protein_rgdm.artifacts.checkpoint import CheckpointRef, config_from_checkpoint, load_state_strict, read_checkpoint
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.model import ScoreNetwork, make_score_fn

__all__ = ["InferenceModel", "load_for_inference"]


@dataclasses.dataclass
class InferenceModel:
    """A trained network ready to sample (EMA weights, eval mode) with its diffusion process.

    Attributes
    ----------
    model
        :class:`protein_rgdm.model.ScoreNetwork` on ``device``.
    diffusion
        :class:`protein_rgdm.diffusion.Diffusion` from the checkpoint's config.
    config
        The resolved :class:`TrainConfig`.
    metadata
        git commit, package version, step, creation time, ...
    """

    model: Any
    diffusion: Any
    config: TrainConfig
    metadata: dict[str, Any]
    device: torch.device

    def score_fn(
        self, sequences: Sequence[str], mask: torch.Tensor, names: Sequence[str] | None = None, blocks=None
    ):
        """``score_fn(x_t, t, shell, mask)`` bound to these sequences (validated; errors name the record);
        ``blocks``: row counts of packed independent jobs (``model.score_fn.make_score_fn``)."""
        return make_score_fn(self.model, sequences, mask.to(self.device), names, blocks)


def load_for_inference(path: str | Path | CheckpointRef, device: torch.device | str = "cpu") -> InferenceModel:
    """Load a training checkpoint's EMA weights into a fresh network on ``device``.

    ``path``: a file path, or a :class:`CheckpointRef` already checked and hashed (not checked again).

    Raises
    ------
    InputError
        Missing, truncated, corrupted or foreign file (naming it).
    ConfigError
        The stored config is invalid or does not fit the stored weights.
    """
    device = torch.device(device)
    data = read_checkpoint(path)
    source = str(path.path if isinstance(path, CheckpointRef) else path)
    cfg = config_from_checkpoint(data, source)
    model = ScoreNetwork(cfg.model)
    state = data["ema"]["shadow"] if isinstance(data["ema"], dict) and "shadow" in data["ema"] else data["model"]
    load_state_strict(model, state, source)
    model = model.to(device).eval().requires_grad_(False)
    diffusion = Diffusion.from_config(cfg.diffusion)
    meta = dict(data["metadata"])
    meta.setdefault("step", int(data["step"]))
    return InferenceModel(model=model, diffusion=diffusion, config=cfg, metadata=meta, device=device)
