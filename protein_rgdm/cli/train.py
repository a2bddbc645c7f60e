"""``protein-rgdm train`` and ``protein-rgdm embed``."""

from __future__ import annotations

import json
import os

import click

from protein_rgdm.artifacts.split import load_split
from protein_rgdm.cli.options import config_option
from protein_rgdm.config.base import load_config
from protein_rgdm.config.embed import EmbedConfig
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.stages.embed import write_embeddings
from protein_rgdm.train.export import export_for_inference
from protein_rgdm.train.run import run_training

__all__ = ["embed_command", "export_model_command", "train_command"]


@click.command("train")
@config_option("train")
@click.argument("chains", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--train", "train_csv", required=True, type=click.Path(dir_okay=False), help="Split CSV with a 'name' column.")
@click.option("--val", "val_csv", default=None, type=click.Path(dir_okay=False), help="Validation split CSV.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False), help="Checkpoints, losses.csv, config.yaml.")
@click.option("--embeddings", default=None, type=click.Path(file_okay=False), help="Embedding files (precomputed / ESM or UniRep cache).")
@click.option("--spectrum", default=None, type=click.Path(dir_okay=False), help="spectrum.json for a fitted colour.")
@click.option("--device", default=None, help="cpu | cuda | cuda:1 | auto (overrides the config).")
@click.option("--max-steps", type=int, default=None, help="Override max_steps.")
@click.option("--resume/--no-resume", default=True, show_default=True, help="Continue from OUT_DIR/last.pt.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def train_command(config_path, chains, train_csv, val_csv, out_dir, embeddings, spectrum, device, max_steps, resume, progress):
    """Train the score network on chain records in CHAINS folders (resumable; torchrun for DDP)."""
    cfg = load_config(TrainConfig, config_path, section="train", overrides={"device": device, "max_steps": max_steps})
    summary = run_training(
        cfg, chains, train_csv, val_csv, out_dir, embeddings=embeddings, spectrum=spectrum, resume=resume,
        progress=progress,
    )
    if summary.get("world_size", 1) == 1 or os.environ.get("RANK", "0") == "0":
        click.echo(json.dumps(summary))


@click.command("embed")
@config_option("embed")
@click.argument("chains", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--split", "split_csv", default=None, type=click.Path(dir_okay=False), help="Only the chains named in this CSV.")
@click.option("--device", default=None, help="Device for ESM-2 / UniRep (cpu | cuda | cuda:1).")
@click.option("--overwrite", is_flag=True, default=None, help="Recompute existing files.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def embed_command(config_path, chains, out_dir, split_csv, device, overwrite, progress):
    """Precompute sequence embeddings (ESM-2 from a local checkpoint, UniRep) of chain records, atomically."""
    cfg = load_config(EmbedConfig, config_path, section="embed", overrides={"device": device, "overwrite": overwrite})
    names = load_split(split_csv) if split_csv else None
    click.echo(json.dumps(write_embeddings(cfg, chains, out_dir, names, progress=progress)))


@click.command("export-model")
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
def export_model_command(checkpoint, out):
    """Write the EMA weights and config of CHECKPOINT to OUT: a slim checkpoint for predict (no optimizer
    state; cannot be resumed from), typically 4x smaller."""
    click.echo(json.dumps(export_for_inference(checkpoint, out)))
