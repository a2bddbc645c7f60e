"""``run_training``: the library function behind ``protein-rgdm train`` (files in, checkpoint out)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from protein_rgdm.artifacts.chains import index_chain_files
from protein_rgdm.artifacts.ledger import Rejection, write_ledger
from protein_rgdm.artifacts.split import load_split
from protein_rgdm.config.base import dump_config
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_write_json
from protein_rgdm.schedules.colour import load_fitted_colour
from protein_rgdm.train.data import load_chains
from protein_rgdm.train.distributed import init_distributed, shutdown
from protein_rgdm.train.trainer import Trainer

__all__ = ["resolve_paths", "run_training"]


def resolve_paths(cfg: TrainConfig, embeddings: str | Path | None, spectrum: str | Path | None) -> TrainConfig:
    """Fold command-line paths into the config so the checkpoint is self-contained.

    ``embeddings`` becomes the precomputed embedder's ``directory`` / the ESM or UniRep embedder's
    ``cache_dir``; a ``fitted`` colour reads c, m from ``spectrum`` (or its ``spectrum_path``) and is
    stored as the equivalent ``free`` colour with those values.
    """
    data: dict[str, Any] = cfg.model_dump(mode="json")
    emb = data["model"]["embedder"]
    if embeddings is not None:
        if emb["kind"] == "precomputed":
            emb["directory"] = str(embeddings)
        elif emb["kind"] in ("esm", "unirep"):
            emb["cache_dir"] = str(embeddings)
    colour = data["diffusion"]["colour"]
    if colour["kind"] == "fitted":
        path = spectrum if spectrum is not None else colour.get("spectrum_path")
        if path is None:
            raise InputError("key 'diffusion.colour.spectrum_path': a fitted colour needs --spectrum or a spectrum_path")
        fitted = load_fitted_colour(path, colour["spectrum"])
        colour.pop("spectrum_path")
        colour.update(kind="free", c=float(fitted.c), m=float(fitted.m))
    return TrainConfig.model_validate(data)


def run_training(
    cfg: TrainConfig,
    chain_dirs: Sequence[str | Path],
    train_csv: str | Path,
    val_csv: str | Path | None,
    out_dir: str | Path,
    *,
    embeddings: str | Path | None = None,
    spectrum: str | Path | None = None,
    resume: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Train from chain record folders and split CSVs; returns the trainer's summary.

    Writes under ``out_dir``: ``config.yaml`` (resolved), ``skipped.csv`` (rejection ledger), ``losses.csv``,
    ``last.pt`` (periodic, for resuming), ``best.pt`` (best validation), ``checkpoint.pt`` (final),
    ``summary.json``. Under ``torchrun`` every process runs this; only rank 0 writes.
    """
    out_dir = Path(out_dir)
    cfg = resolve_paths(cfg, embeddings, spectrum)
    dist, device = init_distributed(cfg.device)
    try:
        if cfg.num_threads:
            torch.set_num_threads(cfg.num_threads)
        index = index_chain_files(chain_dirs)
        train, skipped_train = load_chains(load_split(train_csv), index, cfg.data)
        val, skipped_val = load_chains(load_split(val_csv), index, cfg.data) if val_csv else ([], [])
        if dist.is_main:
            out_dir.mkdir(parents=True, exist_ok=True)
            skipped = [Rejection("train", n, str(train_csv), r) for n, r in skipped_train]
            skipped += [Rejection("train", n, str(val_csv), r) for n, r in skipped_val]
            write_ledger(out_dir / "skipped.csv", skipped)
            dump_config(cfg, out_dir / "config.yaml", stage="train")
        if not train:
            raise InputError(f"{train_csv}: none of its chains is usable (see {out_dir / 'skipped.csv'})")
        trainer = Trainer(cfg, train, val, out_dir, device=device, dist=dist, resume=resume, progress=progress)
        summary = trainer.fit()
        summary.update(
            train_chains=len(train), val_chains=len(val), skipped=len(skipped_train) + len(skipped_val),
            device=str(device), world_size=dist.world_size,
        )
        if dist.is_main:
            atomic_write_json(out_dir / "summary.json", summary)
        return summary
    finally:
        shutdown(dist)
