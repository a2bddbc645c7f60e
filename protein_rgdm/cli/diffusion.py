"""Commands of the diffusion core: ``bases`` (spectrum fit) and ``schedule show``."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
from pydantic import ValidationError

from protein_rgdm.cli.options import config_option
from protein_rgdm.config.base import dump_config, format_validation_error, load_config
from protein_rgdm.config.diffusion import BasesConfig, DiffusionConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.errors import ConfigError, InputError
from protein_rgdm.fileio import atomic_path
from protein_rgdm.stages.bases import run_bases

__all__ = ["bases", "schedule"]


@click.command("bases")
@click.option(
    "--chains",
    "chains",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder of chain records (*.npz or chains/*.npz) or a manifest (CSV with name/path, or a list).",
)
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--only",
    "only",
    type=click.Path(path_type=Path),
    default=None,
    help="CSV whose 'name' column restricts the chains (e.g. splits/train.csv: fit on training chains only).",
)
@config_option("bases")
@click.option("--pooling", type=click.Choice(["pooled", "per_length"]), default=None, help="Override config pooling.")
@click.option("--overwrite/--no-overwrite", default=False, help="Redo even if spectrum.json exists.")
def bases(
    chains: Path, out_dir: Path, only: Path | None, config_path: Path | None, pooling: str | None, overwrite: bool
) -> None:
    """Measure the chains' power per mode <|X_k|^2> and fit c/(k^2 + m^2) (writes spectrum.json/npz)."""
    cfg = load_config(BasesConfig, config_path, section="bases", overrides={"pooling": pooling})
    if (out_dir / "spectrum.json").exists() and not overwrite:
        click.echo(f"{out_dir / 'spectrum.json'} exists; skipping (use --overwrite to redo)")
        return
    payload = run_bases(chains, out_dir, cfg, only)
    dump_config(cfg, out_dir / "config.yaml", stage="bases")
    fit, ref = payload["fit"], payload["defaults"]
    click.echo(f"chains used: {payload['n_chains']}  skipped: {payload['n_skipped']}")
    click.echo(f"fitted c = {fit['c']:.4f} Å²   (default {ref['c']:.4f})")
    click.echo(f"fitted m = {fit['m']:.5f}      (default {ref['m']:.5f} = π/100)")
    click.echo(f"wrote {out_dir / 'spectrum.json'}, {out_dir / 'spectrum.npz'}")


@click.group("schedule")
def schedule() -> None:
    """Inspect noise schedules."""


@schedule.command("show")
@click.option("--kind", type=click.Choice(["rg", "ddpm", "harmonic", "sigmoid", "soft", "sequential"]), default=None)
@click.option("--length", "length", type=int, required=True, help="Chain length L (residues).")
@click.option("--t32", type=int, default=None, help="RG T32 (total steps at L = 32).")
@click.option("--steps", type=int, default=None, help="Fixed step count (non-RG kinds).")
@config_option("diffusion")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@click.option("--plot", "plot", type=click.Path(path_type=Path), default=None, help="Draw ᾱ_k(t) to this PNG.")
def show(kind, length, t32, steps, config_path, fmt, plot) -> None:
    """Print num_steps and the ᾱ table (steps × modes 1..L-1) of a schedule."""
    base = load_config(DiffusionConfig, config_path, section="diffusion")
    sched = base.schedule.model_dump(exclude_unset=True)
    if kind is not None and kind != base.schedule.kind:
        sched = {}
    for key, value in (("kind", kind), ("t32", t32), ("steps", steps)):
        if value is not None:
            sched[key] = value
    try:
        cfg = DiffusionConfig.model_validate({**base.model_dump(exclude_unset=True), "schedule": sched})
    except ValidationError as exc:  # → one line naming the key
        raise ConfigError(format_validation_error(exc, "schedule show")) from None
    if length < 2:
        raise InputError(f"--length: a chain needs at least 2 residues, got {length}")
    diff = Diffusion.from_config(cfg)
    ab, power = diff.tables(length)
    T = ab.shape[0]
    payload = {
        "kind": cfg.schedule.kind,
        "length": length,
        "num_steps": T,
        "schedule": diff.schedule.describe(),
        "colour": diff.colour.describe(),
        "wavenumbers": diff.basis.wavenumbers(length)[1:].tolist(),
        "noise_power": power[1:].tolist(),
        "alpha_bar": ab[:, 1:].tolist(),
    }
    if fmt == "json":
        click.echo(json.dumps(payload))
    else:
        click.echo(f"schedule {cfg.schedule.kind}  L = {length}  num_steps = {T}")
        cols = sorted({1, max(1, (length - 1) // 4), max(1, (length - 1) // 2), length - 1})
        click.echo("step  " + "  ".join(f"k{j:<9d}" for j in cols))
        for s in range(T):
            click.echo(f"{s:4d}  " + "  ".join(f"{ab[s, j]:.4e}" for j in cols))
    if plot is not None:
        _plot(ab, diff.basis.wavenumbers(length), cfg.schedule.kind, length, plot)
        click.echo(f"wrote {plot}", err=fmt == "json")


def _plot(ab, k, kind: str, length: int, path: Path) -> None:
    # matplotlib only for --plot: pyplot takes a while to import, and its backend must be chosen first
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    T, n = ab.shape
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    im = left.imshow(
        ab[:, 1:].T, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1, extent=[-0.5, T - 0.5, 0.5, n - 0.5]
    )
    left.set_xlabel("forward step s")
    left.set_ylabel("mode j (k = πj/L)")
    left.set_title(f"ᾱ_k(s): {kind}, L = {length}, {T} steps")
    fig.colorbar(im, ax=left, label="ᾱ")
    cmap = plt.get_cmap("plasma")
    picks = np.unique(np.geomspace(1, n - 1, 8).astype(int))
    for j in picks:
        right.plot(np.arange(T), ab[:, j], color=cmap(np.log(j) / np.log(n - 1 + 1e-9)), label=f"k = {k[j]:.3f}")
    right.set_xlabel("forward step s")
    right.set_ylabel("ᾱ")
    right.set_title("signal retention per mode (fine modes leave first)")
    right.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
