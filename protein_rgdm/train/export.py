"""Slim inference checkpoints: the EMA weights and the config of a training checkpoint, nothing else.

A training checkpoint carries the optimizer's moments, the learning-rate schedule, RNG states and
two copies of the weights (raw and EMA); prediction needs only the EMA weights and the config. An
exported file is a regular checkpoint (same format tag and version, safe to load) whose ``model``
holds the EMA weights and whose ``ema`` is empty, so every reader of checkpoints accepts it; it
cannot be resumed from.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from protein_rgdm.fileio import sha256_file
from protein_rgdm.artifacts.checkpoint import config_from_checkpoint, read_checkpoint, save_checkpoint

__all__ = ["export_for_inference"]


def export_for_inference(source: str | Path, dest: str | Path) -> dict[str, Any]:
    """Write the inference part of the checkpoint ``source`` to ``dest`` (atomically).

    Parameters
    ----------
    source
        A training checkpoint (``best.pt``, ``last.pt``, ``checkpoint.pt``) or an exported one.
    dest
        The slim checkpoint to write; an existing file is replaced only once the new one is complete.

    Returns
    -------
    dict
        ``step``, ``bytes`` of ``dest``, ``sha256`` of ``dest`` and of ``source``, ``tensors`` (count) and
        ``parameters`` (number of weights).
    """
    source, dest = Path(source), Path(dest)
    data = read_checkpoint(source)
    config_from_checkpoint(data, str(source))  # refuse a file whose stored config this code cannot read
    ema = data["ema"]
    from_ema = isinstance(ema, dict) and "shadow" in ema
    weights = ema["shadow"] if from_ema else data["model"]
    weights = {k: v.detach().to("cpu").clone() for k, v in weights.items()}
    metadata = dict(data["metadata"])
    metadata.setdefault("step", int(data["step"]))
    metadata["exported_from_sha256"] = sha256_file(source)
    metadata["exported"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    metadata["weights"] = "ema" if from_ema else metadata.get("weights", "model")
    save_checkpoint(
        dest,
        {
            "config_json": data["config_json"],
            "model": weights,
            "ema": {},
            "step": int(data["step"]),
            "metadata": metadata,
        },
    )
    return {
        "step": int(data["step"]),
        "bytes": dest.stat().st_size,
        "sha256": sha256_file(dest),
        "source_sha256": metadata["exported_from_sha256"],
        "tensors": len(weights),
        "parameters": int(sum(t.numel() for t in weights.values() if isinstance(t, torch.Tensor))),
    }
