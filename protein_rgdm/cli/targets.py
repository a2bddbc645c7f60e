"""The ``targets`` command: one target set's sequences, filtered by length, as an ``id,sequence`` CSV."""

from __future__ import annotations

from pathlib import Path

import click

from protein_rgdm.predict.targets import select_targets

__all__ = ["targets"]


@click.command("targets")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Output CSV.")
@click.option("--min-length", type=click.IntRange(min=1), default=None, help="Keep records of at least N residues.")
@click.option("--max-length", type=click.IntRange(min=1), default=None, help="Keep records of at most N residues.")
def targets(source: Path, out: Path, min_length: int | None, max_length: int | None) -> None:
    """Select the records of SOURCE (FASTA, CSV or folder) within a length range and write them to --out."""
    sel = select_targets(source, out, min_length=min_length, max_length=max_length)
    click.echo(f"kept {len(sel.kept)} of {len(sel.kept) + len(sel.excluded)} records; wrote {out}")
    for rec, reason in sel.excluded:
        click.echo(f"excluded {rec.id}: {reason}")
