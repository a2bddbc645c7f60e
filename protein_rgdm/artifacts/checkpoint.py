"""Checkpoint file format: atomic writing, safe reading (``torch.load(weights_only=True)``), stored config.

A checkpoint is a dict of tensors and plain values only: the resolved config is a JSON string and
numpy / Python RNG states are JSON strings, so a file from elsewhere cannot run code when loaded.
``train`` writes and resumes (``train.trainer``), ``predict.checkpoint`` builds the network for inference;
both go through this module. :class:`CheckpointRef` is a checkpoint file checked to exist and hashed once.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError

from protein_rgdm.config.base import format_validation_error
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.fileio import atomic_path, sha256_file

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "CheckpointRef",
    "checkpoint_ref",
    "save_checkpoint",
    "read_checkpoint",
    "config_from_checkpoint",
    "check_config_fits",
    "load_state_strict",
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


@dataclasses.dataclass(frozen=True)
class CheckpointRef:
    """A checkpoint file that exists, with the SHA-256 of its bytes (hex), taken once (see :func:`checkpoint_ref`)."""

    path: Path
    sha256: str


def checkpoint_ref(path: str | Path) -> CheckpointRef:
    """Check that ``path`` is a file and hash it: the one existence check and the one hash of a predict run."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint not found")
    return CheckpointRef(path, sha256_file(path))


def read_checkpoint(path: str | Path | CheckpointRef, map_location: torch.device | str = "cpu") -> dict[str, Any]:
    """Load a checkpoint safely; a missing, truncated, corrupted or foreign file raises ``InputError``.

    A path is first checked to be a regular file (a FIFO or folder is refused, never opened); a
    :class:`CheckpointRef` was checked when it was made and is not checked again.
    """
    if isinstance(path, CheckpointRef):
        path = path.path
    else:
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
