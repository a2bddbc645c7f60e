"""The ``compare`` command: diffusion variants and step counts side by side (quality vs NFE)."""

from __future__ import annotations

from pathlib import Path

import click

from protein_rgdm.evaluate.compare import ComparisonRun, write_comparison

__all__ = ["compare"]


@click.command("compare")
@click.option(
    "--run", "runs", nargs=3, multiple=True, required=True, metavar="VARIANT STEPS METRICS_CSV",
    help="One evaluated prediction run (repeat): variant name, step budget ('full' or N), its metrics.csv.",
)  # fmt: skip
@click.option("--out", "-o", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--title", default="Diffusion variants: quality vs network evaluations", help="Heading.")
def compare(runs: tuple[tuple[str, str, str], ...], out: Path, title: str) -> None:
    """Table and plot of TM / lDDT / geometry against network evaluations, one line per variant."""
    files = write_comparison([ComparisonRun(v, s, Path(p)) for v, s, p in runs], out, title)
    click.echo(f"comparison: {files['comparison.md']} ({len(runs)} runs)")
