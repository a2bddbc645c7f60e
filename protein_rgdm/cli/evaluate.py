"""``protein-rgdm evaluate`` (score models against references) and ``protein-rgdm report``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from protein_rgdm.artifacts.ledger import Rejection, write_ledger
from protein_rgdm.cli.options import config_option
from protein_rgdm.config.base import dump_config, load_config
from protein_rgdm.config.evaluate import EvaluateConfig, ReportConfig
from protein_rgdm.errors import InputError

# Nothing imported at module level may load numpy: ``evaluate`` sets the BLAS thread count first
# (_single_thread_blas), which numpy reads once when it loads. The evaluate library is imported in the commands.

__all__ = ["evaluate", "report"]


def _single_thread_blas() -> None:
    """The search multiplies many small matrices: threaded BLAS only adds contention.

    Takes effect only when numpy is not imported yet (as in a fresh ``protein-rgdm evaluate``).
    """
    if "numpy" not in sys.modules:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")


@click.command("evaluate")
@click.option("--predictions", "-p", "pred_dir", required=True, type=click.Path(path_type=Path),
              help="folder with one sub-folder of model files per target id")  # fmt: skip
@click.option("--references", "-r", "ref_dir", required=True, type=click.Path(path_type=Path),
              help="folder with <id>.pdb|.cif[.gz] references")  # fmt: skip
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="metrics CSV to write")
@config_option("evaluate")
@click.option("--mapping", type=click.Path(path_type=Path),
              help="CSV target,model_residue,reference_residue: explicit residue pairs (overrides matching)")  # fmt: skip
@click.option("--matching", type=click.Choice(["sequence", "numbering"]), help="residue matching [sequence]")
@click.option("--min-seq-identity", type=float, help="refuse pairs below this identity [0.9]")
@click.option("--reference-chain", help="chain read from the references [first protein chain]")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar")
def evaluate(pred_dir, ref_dir, out, config_path, mapping, matching, min_seq_identity, reference_chain, quiet) -> None:
    """Score every model file against its reference: RMSD, TM-score, GDT-TS/HA, Cα-lDDT, geometry.

    Writes one row per model file (target, model, sample, rank, ranking_score, n_matched,
    seq_identity, rmsd, tm, gdt_ts, gdt_ha, lddt, the geometry / P-SEA columns, error). TM-score
    and GDT follow the TM-score program (TMscore -seq), normalised by the reference's observed Cα.
    Geometry: virtual bonds within 3.8 ± 0.2 Å, clashes, Rg, P-SEA composition and agreement.
    Models that cannot be scored get an error in their row (and a line on stderr), and a row in the
    rejection ledger <OUT stem>_failed.tsv (stage, item = target/model, file, reason); the rest are scored.

    \b
    Example:
      protein-rgdm evaluate -p out/predictions -r refs/ -o metrics.csv
      protein-rgdm report metrics.csv --out report/
    """
    _single_thread_blas()
    from protein_rgdm.evaluate.batch import evaluate_predictions, load_mapping, write_metrics  # loads numpy: after

    overrides = {"matching": matching, "min_seq_identity": min_seq_identity, "reference_chain": reference_chain,
                 "progress": False if quiet else None}  # fmt: skip
    cfg = load_config(EvaluateConfig, config_path, section="evaluate", overrides=overrides)
    pairs = load_mapping(mapping) if mapping is not None else None
    rows = evaluate_predictions(pred_dir, ref_dir, cfg, pairs, on_error=lambda m: click.echo(f"error: {m}", err=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_metrics(rows, out)
    write_ledger(out.with_name(out.stem + "_failed.tsv"), [
        Rejection("evaluate", f"{r['target']}/{r['model']}" if r["model"] else r["target"], r["model_path"], r["error"])
        for r in rows if r["error"]
    ])  # fmt: skip
    dump_config(cfg, out.with_name(out.stem + "_config.yaml"), stage="evaluate")
    failed = sum(1 for r in rows if r["error"])
    click.echo(f"evaluate: {len(rows) - failed} models scored, {failed} rows with errors -> {out}")
    if rows and failed == len(rows):
        raise InputError(f"no model could be scored; see the error column of {out}")


@click.command("report")
@click.argument("metrics_csv", type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="report folder")
@config_option("report")
@click.option("--title", help="report heading")
def report(metrics_csv, out, config_path, title) -> None:
    """Markdown + HTML report of METRICS_CSV: aggregate table, per-target table, PNG plots."""
    from protein_rgdm.evaluate.report import write_report  # loads numpy: not at module level (see above)

    cfg = load_config(ReportConfig, config_path, section="report", overrides={"title": title})
    files = write_report(metrics_csv, out, cfg)
    click.echo(f"report: {files['report.md']} and {files['report.html']} ({len(files)} files)")
