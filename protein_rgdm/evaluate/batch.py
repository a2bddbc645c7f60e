"""Score every model of every target folder against its reference; one row per model file.

Layout::

    PRED_DIR/<id>/<any>.pdb|.cif[.gz]   models of target <id> (e.g. <id>_sample_<k>.pdb + .json)
    REF_DIR/<id>.pdb|.cif|...[.gz]      reference of target <id> (EigenFold names like 7skh.B.pdb)

A target or model that cannot be scored gets a row whose ``error`` column says why (and a line on
stderr through ``on_error``); the rest of the batch is evaluated.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from protein_rgdm.artifacts.predictions import SampleRanking
from protein_rgdm.config.evaluate import EvaluateConfig
from protein_rgdm.errors import InputError
from protein_rgdm.evaluate.geometry import GEOMETRY_COLUMNS, TraceGeometry, compare_geometry, trace_geometry
from protein_rgdm.evaluate.io import CaTrace, read_trace
from protein_rgdm.evaluate.matching import ResidueMatch, match_by_numbering, match_by_sequence, match_explicit
from protein_rgdm.evaluate.metrics import score_matched
from protein_rgdm.evaluate.ranking import load_summaries, sample_info
from protein_rgdm.fileio import atomic_write_text
from protein_rgdm.fileread import read_text_file
from protein_rgdm.structure.formats import GZIP_SUFFIX, STRUCTURE_SUFFIXES, format_preference, structure_stem

__all__ = ["METRIC_COLUMNS", "find_reference", "list_models", "load_mapping", "evaluate_predictions", "write_metrics"]

#: Columns of metrics.csv, in order.
METRIC_COLUMNS = (
    "target", "model", "sample", "rank", "ranking_score", "n_model", "n_reference", "n_matched",
    "seq_identity", "rmsd", "tm", "gdt_ts", "gdt_ha", "lddt", *GEOMETRY_COLUMNS, "error", "model_path",
)  # fmt: skip


def find_reference(ref_dir: Path, target: str) -> Path | None:
    """``REF_DIR/<target><suffix>[.gz]`` for the first structure suffix that exists.

    Also accepts ``<target>`` already carrying its suffix (EigenFold's ``7skh.B.pdb`` ids).
    """
    names = [target + s + gz for s in STRUCTURE_SUFFIXES for gz in ("", GZIP_SUFFIX)]
    if structure_stem(target) is not None:
        names[:0] = [target, target + GZIP_SUFFIX]
    for name in names:
        path = ref_dir / name
        if path.is_file():
            return path
    return None


def _natural_key(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def list_models(target_dir: Path) -> list[tuple[Path, str]]:
    """(path, stem) of the model files of one target, one per stem (PDB preferred), natural order."""
    best: dict[str, Path] = {}
    for path in target_dir.iterdir():
        stem = structure_stem(path.name)
        if stem is None:  # anything named like a structure (a folder, FIFO, broken symlink too) gets a row
            continue
        old = best.get(stem)
        if old is None or format_preference(path.name) < format_preference(old.name):
            best[stem] = path
    return sorted(((p, s) for s, p in best.items()), key=lambda item: _natural_key(item[1]))


def load_mapping(path: Path) -> dict[str, list[tuple[int, int]]]:
    """Explicit residue correspondences: CSV with columns target, model_residue, reference_residue."""
    text = read_text_file(path)  # UTF-8 (byte-order mark allowed), regular file, bounded size
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        need = {"target", "model_residue", "reference_residue"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise InputError(f"{path}: mapping needs columns {sorted(need)}, has {reader.fieldnames}")
        out: dict[str, list[tuple[int, int]]] = {}
        for line, row in enumerate(reader, start=2):
            try:
                pair = (int(row["model_residue"]), int(row["reference_residue"]))
            except (TypeError, ValueError):
                raise InputError(f"{path}:{line}: residue numbers must be integers") from None
            out.setdefault(row["target"] or "", []).append(pair)
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV ({exc})") from None
    return out


def _row(target: str, model: str, path: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c: math.nan for c in METRIC_COLUMNS}
    row.update(target=target, model=model, model_path=path, error="", sample="", rank="")
    row.update(values)
    return row


def _match(model: CaTrace, ref: CaTrace, config: EvaluateConfig, pairs: list[tuple[int, int]] | None) -> ResidueMatch:
    if pairs is not None:
        return match_explicit(pairs, model.residue_numbers, ref.residue_numbers, model.sequence, ref.sequence)
    if config.matching == "numbering":
        return match_by_numbering(model.residue_numbers, ref.residue_numbers, model.sequence, ref.sequence)
    return match_by_sequence(model.sequence, ref.sequence, model.residue_numbers, ref.residue_numbers)


def _score_model(
    path: Path, ref: CaTrace, ref_geometry: TraceGeometry, config: EvaluateConfig, pairs, out: dict[str, Any],
    matches: dict,
) -> None:
    """Fill ``out`` with counts, geometry, identity and scores; raise InputError (counts and the model's
    own geometry kept) when refused.

    ``matches`` memoises the residue matching of one target by the model's sequence and numbering
    (the samples of a target share both, so the alignment runs once per target).
    """
    model = read_trace(path)
    out["n_model"] = len(model)
    geometry = trace_geometry(model.ca, model.residue_numbers)
    out.update(geometry.values())
    key = (model.sequence, np.asarray(model.residue_numbers, dtype=np.int64).tobytes())
    match = matches.get(key)
    if match is None:
        match = matches[key] = _match(model, ref, config, pairs)
    out.update(n_matched=len(match), seq_identity=match.identity)
    if len(match) == 0:
        raise InputError(f"{path}: no residue of the model matches the reference")
    if len(match) < config.min_matched:
        raise InputError(f"{path}: only {len(match)} matched residues (min_matched {config.min_matched})")
    if match.identity < config.min_seq_identity:
        raise InputError(
            f"{path}: sequence identity {match.identity:.3f} over {len(match)} matched residues is below "
            f"min_seq_identity {config.min_seq_identity}"
        )
    scores = score_matched(model.ca, ref.ca, match.model_index, match.reference_index, config.max_iterations)
    out.update(rmsd=scores.rmsd, tm=scores.tm, gdt_ts=scores.gdt_ts, gdt_ha=scores.gdt_ha, lddt=scores.lddt)
    empty = [k for k in ("rmsd", "tm", "gdt_ts", "gdt_ha", "lddt") if not math.isfinite(float(out[k]))]
    if empty:  # never an empty cell without a reason
        raise InputError(f"{path}: {', '.join(empty)} could not be computed (non-finite) for this model")
    out.update(compare_geometry(geometry, model.ca, ref_geometry, ref.ca, match.model_index, match.reference_index))


def evaluate_predictions(
    pred_dir: str | Path,
    ref_dir: str | Path,
    config: EvaluateConfig,
    mapping: dict[str, list[tuple[int, int]]] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Score every model in ``pred_dir/<id>/`` against ``ref_dir/<id>.*``.

    Returns
    -------
    list of dict
        One row per model file (keys :data:`METRIC_COLUMNS`), plus one row with an empty
        ``model`` for a target folder without model files. Failures carry ``error``.
    """
    pred_dir, ref_dir = Path(pred_dir), Path(ref_dir)
    if not pred_dir.is_dir():
        raise InputError(f"{pred_dir}: predictions folder not found")
    if not ref_dir.is_dir():
        raise InputError(f"{ref_dir}: references folder not found")
    report = on_error or (lambda message: None)
    summaries = load_summaries(pred_dir)
    targets = sorted((p for p in pred_dir.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    jobs = [(t, list_models(t)) for t in targets]
    rows: list[dict[str, Any]] = []
    bar = None
    if config.progress:
        from tqdm import tqdm

        bar = tqdm(total=sum(max(1, len(m)) for _, m in jobs), desc="evaluate", unit="model")
    for target_dir, models in jobs:
        target = target_dir.name
        if not models:
            message = f"{target_dir}: no model files (.pdb/.cif[.gz])"
            rows.append(_row(target, "", "", error=message))
            report(message)
            if bar is not None:
                bar.update(1)
            continue
        ref_error, ref = "", None
        ref_path = find_reference(ref_dir, target)
        if ref_path is None:
            ref_error = f"{ref_dir}: no reference for target {target!r} ({target}.pdb/.cif[.gz])"
        else:
            try:
                ref = read_trace(ref_path, config.reference_chain)
                ref_geometry = trace_geometry(ref.ca, ref.residue_numbers)
            except InputError as exc:
                ref_error = f"reference {exc}"
        if ref_error:
            report(ref_error)
        pairs = None if mapping is None else mapping.get(target)
        matches: dict = {}
        for path, stem in models:
            try:
                info, info_error = sample_info(path, stem, target, summaries), ""
            except InputError as exc:  # the model's own JSON is malformed: its row says so
                info, info_error = SampleRanking(None, None, math.nan), str(exc)
                report(info_error)
            row = _row(
                target, path.name, str(path), sample="" if info.sample is None else info.sample,
                rank="" if info.rank is None else info.rank, ranking_score=info.ranking_score,
            )  # fmt: skip
            if info_error:
                row["error"] = info_error
            elif ref is None:
                row["error"] = ref_error
            else:
                row["n_reference"] = len(ref)
                try:
                    _score_model(path, ref, ref_geometry, config, pairs, row, matches)
                except InputError as exc:
                    row["error"] = str(exc)
                    report(str(exc))
            rows.append(row)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return " ".join(str(value).split())


def write_metrics(rows: list[dict[str, Any]], path: str | Path) -> None:
    """Write rows as CSV (columns :data:`METRIC_COLUMNS`) atomically; NaN is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c, "")) for c in METRIC_COLUMNS])
    atomic_write_text(Path(path), buffer.getvalue())
