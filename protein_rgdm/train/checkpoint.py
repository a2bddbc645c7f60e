"""Checkpoints: atomic writing, safe reading (``torch.load(weights_only=True)``), inference loading.

A checkpoint is a dict of tensors and plain values only: the resolved config is a JSON string and
numpy / Python RNG states are JSON strings, so a file from elsewhere cannot run code when loaded.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from protein_rgdm.config.train import TrainConfig
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.fileio import atomic_path

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "save_checkpoint",
    "read_checkpoint",
    "config_from_checkpoint",
    "check_config_fits",
    "load_state_strict",
    "InferenceModel",
    "load_for_inference",
]

FORMAT = "protein_rgdm.checkpoint"
FORMAT_VERSION = 1
_REQUIRED = ("format", "format_version", "config_json", "model", "ema", "step", "metadata")


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` (must hold the keys of ``_REQUIRED``) to ``path`` atomically."""
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, **payload}
    missing = [k for k in _REQUIRED if k not in payload]
    if missing:
        raise ValueError(f"checkpoint payload lacks {missing}")
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def read_checkpoint(path: str | Path, map_location: torch.device | str = "cpu") -> dict[str, Any]:
    """Load a checkpoint safely; a missing, truncated, corrupted or foreign file raises ``InputError``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint not found")
    try:
        data = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError, OSError) as exc:
        text = str(exc)
        if "Weights only load failed" in text:
            bad = next((ln.strip() for ln in text.splitlines() if "Unsupported global" in ln), "a disallowed object")
            raise InputError(f"{path}: refused, the checkpoint holds objects a safe load cannot accept ({bad[:160]})") from None
        msg = text.splitlines()[0][:200] if text else type(exc).__name__
        raise InputError(f"{path}: corrupted or truncated checkpoint, or not a safe torch checkpoint ({msg})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path}: not a protein_rgdm checkpoint (no format tag {FORMAT!r})")
    if int(data.get("format_version", -1)) > FORMAT_VERSION:
        raise InputError(f"{path}: checkpoint format version {data['format_version']} is newer than this code's")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise InputError(f"{path}: checkpoint lacks key(s) {missing}")
    return data


def config_from_checkpoint(data: dict[str, Any], source: str = "checkpoint") -> TrainConfig:
    """The resolved ``TrainConfig`` stored in a checkpoint."""
    from pydantic import ValidationError

    from protein_rgdm.config.base import format_validation_error

    try:
        return TrainConfig.model_validate(json.loads(data["config_json"]))
    except (ValidationError, json.JSONDecodeError) as exc:
        if isinstance(exc, ValidationError):
            raise ConfigError(format_validation_error(exc, f"{source} (stored config)")) from None
        raise InputError(f"{source}: stored config is not JSON ({exc})") from None


def _diff_keys(a: Any, b: Any, prefix: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            out += _diff_keys(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else str(k))
        return out
    return [] if a == b else [f"{prefix} ({a!r} in checkpoint vs {b!r})"]


def check_config_fits(stored: TrainConfig, cfg: TrainConfig, source: str = "checkpoint") -> None:
    """Raise ``ConfigError`` naming the keys where ``cfg``'s model or diffusion differs from ``stored``."""
    diffs = _diff_keys(stored.model.model_dump(mode="json"), cfg.model.model_dump(mode="json"), "model")
    diffs += _diff_keys(stored.diffusion.model_dump(mode="json"), cfg.diffusion.model_dump(mode="json"), "diffusion")
    if diffs:
        raise ConfigError(f"{source}: config does not fit the checkpoint: " + "; ".join(diffs))


def load_state_strict(module: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """``load_state_dict`` whose mismatch error names the first offending keys."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}" for k, v in own.items() if k in state and state[k].shape != v.shape]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing key(s) {missing[:4]}")
        if unexpected:
            parts.append(f"unexpected key(s) {unexpected[:4]}")
        if shapes:
            parts.append(f"shape mismatch {shapes[:4]}")
        raise ConfigError(f"{source}: model config does not fit the checkpoint weights: " + "; ".join(parts))
    module.load_state_dict(state)


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
        from protein_rgdm.model import make_score_fn

        return make_score_fn(self.model, sequences, mask.to(self.device), names, blocks)


def load_for_inference(path: str | Path, device: torch.device | str = "cpu") -> InferenceModel:
    """Load a training checkpoint's EMA weights into a fresh network on ``device``."""
    from protein_rgdm.diffusion import Diffusion
    from protein_rgdm.model import ScoreNetwork

    device = torch.device(device)
    data = read_checkpoint(path)
    cfg = config_from_checkpoint(data, str(path))
    model = ScoreNetwork(cfg.model)
    state = data["ema"]["shadow"] if isinstance(data["ema"], dict) and "shadow" in data["ema"] else data["model"]
    load_state_strict(model, state, str(path))
    model = model.to(device).eval().requires_grad_(False)
    diffusion = Diffusion.from_config(cfg.diffusion)
    meta = dict(data["metadata"])
    meta.setdefault("step", int(data["step"]))
    return InferenceModel(model=model, diffusion=diffusion, config=cfg, metadata=meta, device=device)
