"""``protein-rgdm predict``: structures for new sequences from a trained checkpoint."""

from __future__ import annotations

from pathlib import Path

import click

from protein_rgdm.artifacts.checkpoint import checkpoint_ref
from protein_rgdm.cli.options import config_option
from protein_rgdm.config.base import dump_config, load_config
from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.errors import InputError
from protein_rgdm.predict.engine import load_engine
from protein_rgdm.predict.inputs import read_sequences
from protein_rgdm.predict.runner import predict_records
from protein_rgdm.pretrained import BUNDLED_MODEL, bundled_checkpoint

__all__ = ["predict"]


@click.command("predict")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--checkpoint", "-c", type=click.Path(path_type=Path),
              help="trained checkpoint (.pt) [the bundled model: protein-rgdm model-card]")  # fmt: skip
@click.option("--out-dir", "-o", required=True, type=click.Path(path_type=Path), help="output folder")
@config_option("predict")
@click.option("--num-samples", "-n", type=int, help="structures per sequence [5]")
@click.option("--seed", type=int, help="base seed; per-sample seeds derive from it and are recorded [0]")
@click.option("--steps", type=int,
              help="few-step sampling: network evaluations per sample, a subsequence of the trained steps [all]")
@click.option("--spacing", type=click.Choice(["uniform", "progress"]),
              help="which trained steps --steps visits [checkpoint's diffusion.sampler.spacing]")
@click.option("--t32", type=int, help="re-schedule: rebuild the schedule with T32 steps at L = 32 [checkpoint's]")
@click.option("--device", help="auto | cpu | cuda | cuda:N [auto]")
@click.option("--format", "fmt", type=click.Choice(["pdb", "mmcif", "both"]), help="structure format [pdb]")
@click.option("--backbone", type=click.Choice(["full", "ca"]), help="N-CA-C-O (N/C/O rebuilt) or CA only [full]")
@click.option("--write-trajectory/--no-write-trajectory", default=None, help="write reverse trajectories")
@click.option("--deterministic/--stochastic", default=None, help="probability-flow ODE instead of the SDE")
@click.option("--ode-solver", type=click.Choice(["ddim", "dpm2m"]),
              help="deterministic update: first-order ddim or second-order dpm2m [checkpoint's diffusion.sampler]")
@click.option("--x0-guard", type=click.Choice(["none", "chain_extent"]),
              help="guard on the clean-chain estimate [checkpoint's diffusion.sampler.x0_guard]")  # fmt: skip
@click.option("--batch-residues", type=int, help="residue budget per batch (samples x length) [4096]")
@click.option("--pack/--no-pack", "pack_records", default=None,
              help="sample several sequences in one batch under --batch-residues [no-pack]")  # fmt: skip
@click.option("--max-length", type=int, help="refuse longer sequences [1024]")
@click.option("--override/--no-override", default=None, help="redo records already finished in --out-dir")
@click.option("--redo-changed", is_flag=True, default=None, help="redo finished records made with other settings")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar")
def predict(input_path, checkpoint, out_dir, config_path, num_samples, seed, steps, spacing, t32, device, fmt,
            backbone, write_trajectory, deterministic, ode_solver, x0_guard, batch_residues, pack_records, max_length,
            override, redo_changed, quiet) -> None:  # fmt: skip
    """Sample backbone structures for every sequence in INPUT.

    INPUT is a multi-record FASTA file, a CSV with columns id,sequence, or a folder of them
    (UTF-8). Letters U and O are predicted as C and K, B/Z/J/X as the unknown residue (recorded
    in each sample's JSON); other characters fail the record.
    Writes OUT_DIR/predictions/<id>/<id>_sample_<k>.pdb (and/or .cif; N, CA, C, O per residue,
    or CA only with --backbone ca; per-residue confidence 0-100 in the B-factor column) with a
    JSON per sample, OUT_DIR/summary.csv (samples ranked by ensemble consistency, no reference
    used; rank_tied marks samples the score cannot order, e.g. both of 2 samples) and
    OUT_DIR/failed.tsv. Finished records are skipped on a re-run unless --override.

    Without --checkpoint the model bundled with the package is used (a small CPU-trained model:
    valid local geometry, not reliable folds; see protein-rgdm model-card).

    \b
    Example:
      protein-rgdm predict seqs.fasta --checkpoint ckpt.pt --out-dir out -n 5 --seed 1 --format both
    """
    overrides = {
        "num_samples": num_samples, "seed": seed, "steps": steps, "spacing": spacing, "t32": t32, "device": device,
        "format": fmt, "backbone": backbone, "write_trajectory": write_trajectory, "deterministic": deterministic,
        "ode_solver": ode_solver, "batch_residues": batch_residues, "pack_records": pack_records,
        "max_length": max_length, "override": override,
        "redo_changed": redo_changed or None, "x0_guard": {"kind": x0_guard} if x0_guard else None,
    }  # fmt: skip
    cfg = load_config(PredictConfig, config_path, section="predict", overrides=overrides)
    input_failures: list = []
    records = read_sequences(input_path, input_failures)
    model_version: dict = {}
    if checkpoint is None:
        checkpoint = bundled_checkpoint()
        model_version["bundled_model"] = BUNDLED_MODEL
        click.echo(f"predict: no --checkpoint, using the bundled model {BUNDLED_MODEL} (protein-rgdm model-card)",
                   err=True)  # fmt: skip
    ref = checkpoint_ref(checkpoint)
    model_version["checkpoint_sha256"] = ref.sha256
    out_dir.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, out_dir / "predict_config.yaml", stage="predict")
    run = predict_records(
        records,
        lambda: load_engine(ref, cfg),
        cfg,
        out_dir,
        model_version=model_version,
        progress=not quiet,
        input_failures=input_failures,
    )
    click.echo(
        f"predict: {len(run.predicted)} predicted, {len(run.skipped)} already finished, {len(run.failed)} failed "
        f"-> {out_dir}/summary.csv"
    )
    tied = sorted({row["id"] for row in run.summary if row.get("rank_tied")})
    if tied:
        click.echo(f"predict: the ranking cannot order the samples of {len(tied)} record(s) (equal scores, e.g. "
                   "2 samples); their ranks follow sample order, rank_tied=true in summary.csv")  # fmt: skip
    for f in run.failed:
        click.echo(f"failed: {f['id']}: {f['reason']}", err=True)
    if run.failed and not run.summary:
        raise InputError(f"all {len(run.failed)} records failed; see {out_dir / 'failed.tsv'}")
