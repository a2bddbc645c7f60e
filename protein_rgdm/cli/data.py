"""``protein-rgdm fetch | featurize | split``: thin commands over ``protein_rgdm.data``."""

from __future__ import annotations

from pathlib import Path

import click

from protein_rgdm.cli.options import config_option
from protein_rgdm.config.base import dump_config, load_config
from protein_rgdm.config.data import FeaturizeConfig, FetchConfig, SplitConfig
from protein_rgdm.data.featurize import featurize_files, plan_jobs
from protein_rgdm.data.fetch import fetch_ids
from protein_rgdm.data.ids import read_id_list
from protein_rgdm.data.split import split_manifest
from protein_rgdm.errors import InputError

__all__ = ["featurize", "fetch", "split"]


@click.command()
@config_option("fetch")
@click.option(
    "--ids",
    "ids_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="Ids to fetch: a list (one per line / comma separated), a CSV (column --id-column) or a FASTA.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder for the files and fetch_manifest.csv.",
)
@click.option("--source", type=click.Choice(["rcsb", "local"]), default=None, help="Override config 'source'.")
@click.option("--local-dir", default=None, help="Local mirror root (source local).")
@click.option(
    "--url-template", default=None, help="URL with {id}/{ID}/{mid}, e.g. https://files.rcsb.org/download/{ID}.cif.gz"
)
@click.option("--id-column", default=None, help="CSV column holding ids.")
@click.option("--workers", type=int, default=None, help="Concurrent downloads.")
@click.option("--overwrite/--no-overwrite", default=None, help="Re-fetch files that already exist and parse.")
def fetch(config_path, ids_file, out_dir, source, local_dir, url_template, id_column, workers, overwrite) -> None:
    """Download structure files by PDB id (RCSB or a mirror) or copy them from a local tree."""
    cfg = load_config(FetchConfig, config_path, section="fetch", overrides={
        "source": source, "local_dir": local_dir, "url_template": url_template, "id_column": id_column,
        "workers": workers, "overwrite": overwrite,
    })  # fmt: skip
    raw = read_id_list(ids_file, column=cfg.id_column)
    if not raw:
        raise InputError(f"{ids_file}: no ids")
    rows = fetch_ids(raw, out_dir, cfg, progress=True)
    dump_config(cfg, Path(out_dir) / "fetch_config.yaml", stage="fetch")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    click.echo(
        "fetch: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f" -> {Path(out_dir) / 'fetch_manifest.csv'}"
    )
    if not any(r.status in ("downloaded", "copied", "exists") for r in rows):
        raise InputError(f"no file fetched; see {Path(out_dir) / 'fetch_manifest.csv'}")


@click.command()
@config_option("featurize")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="Output folder (chains/, manifest.csv, rejected.csv).",
)
@click.option("--structures", default=None, help="Folder of structure files (override config).")
@click.option(
    "--table", default=None, help="CSV listing chains: name [, file, chain, seqres, release_date, resolution, method]."
)
@click.option(
    "--metadata", multiple=True, help="CSV(s) with name + seqres / release date / resolution / method (repeatable)."
)
@click.option("--workers", type=int, default=None, help="Worker processes.")
@click.option("--overwrite/--no-overwrite", default=None, help="Rewrite chain records that already exist.")
@click.option("--max-file-bytes", type=int, default=None, help="Reject larger files (after gunzip) [1 GiB].")
def featurize(config_path, out_dir, structures, table, metadata, workers, overwrite, max_file_bytes) -> None:
    """Parse structures into chain records with manifest.csv and rejected.csv."""
    cfg = load_config(FeaturizeConfig, config_path, section="featurize", overrides={
        "structures": structures, "table": table, "metadata": list(metadata) or None, "workers": workers,
        "overwrite": overwrite, "max_file_bytes": max_file_bytes,
    })  # fmt: skip
    jobs = plan_jobs(cfg)
    result = featurize_files(
        jobs,
        out_dir,
        cfg.filters,
        workers=cfg.workers,
        pdb_backend=cfg.pdb_backend,
        overwrite=cfg.overwrite,
        progress=True,
        max_file_bytes=cfg.max_file_bytes,
    )
    dump_config(cfg, Path(out_dir) / "featurize_config.yaml", stage="featurize")
    click.echo(f"featurize: {len(result.records)} chains, {len(result.rejected)} rejected -> {out_dir}")


@click.command()
@config_option("split")
@click.option("--manifest", type=click.Path(dir_okay=False), required=True, help="featurize manifest.csv.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Folder for train/val/test.csv."
)
@click.option(
    "--mode", type=click.Choice(["cluster", "date", "date_cluster"]), default=None, help="Override config 'mode'."
)
@click.option("--seed", type=int, default=None, help="Override config 'seed'.")
def split(config_path, manifest, out_dir, mode, seed) -> None:
    """Split chains into train / val / test by sequence-identity clusters and release dates."""
    cfg = load_config(SplitConfig, config_path, section="split", overrides={"mode": mode, "seed": seed})
    result = split_manifest(manifest, out_dir, cfg)
    dump_config(cfg, Path(out_dir) / "split_config.yaml", stage="split")
    click.echo("split: " + ", ".join(f"{k} {len(v)}" for k, v in result.items()) + f" -> {out_dir}")
