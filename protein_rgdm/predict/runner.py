"""Predict structures for many sequences: batching, seeds, failures, resumable per-record output.

Layout of ``out_dir``::

    predictions/<id>/<id>_sample_<k>.pdb|.cif   chain A, residues 1..L (k = 0..N-1): N, CA, C, O
                                                (``backbone: full``) or CA only; B-factor column =
                                                per-residue confidence 0-100 (0: one sample, no estimate)
    predictions/<id>/<id>_sample_<k>.json       seed, schedule, steps, NFE, wall time, model version,
                                                ranking_score, rank, rank_tied, per-residue confidence,
                                                geometry (reference-free: bonds, clashes, Rg, P-SEA labels)
    predictions/<id>/.complete.json             completion marker (written last; a re-run skips the record)
    trajectories/<id>/<id>_sample_<k>.pdb       reverse trajectory, one MODEL per step (optional)
    summary.csv                                 id, sample, rank, ranking_score, rank_tied, path, confidence (mean)
    failed.tsv                                  rejection ledger (``artifacts.ledger``): stage, item = record id,
                                                file = its source, reason, for every record that could not be done

Batching (``predict.batching``): records are taken shortest first; a record's samples are split
into chunks of at most ``batch_residues // L`` samples, each with a generator seed derived from the
base seed, the record id and the chunk's first sample index only; consecutive chunks of several
records share one sampler batch within ``batch_residues`` (``pack_records``), each drawing its noise
from its own generator. A record's samples therefore do not depend on which other records are in the
input or on resuming, up to the float rounding of the batched network forward (none with
``pack_records`` off). Only a failing record fails; the others are written as they finish.
"""

from __future__ import annotations

import collections
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from protein_rgdm.artifacts.ledger import Rejection, write_ledger
from protein_rgdm.artifacts.predictions import (
    SUMMARY_COLUMNS,
    SummaryRow,
    sample_glob,
    sample_stem,
    save_sample_json,
    write_summary,
)
from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.errors import ConfigError, InputError, ProteinRGDMError
from protein_rgdm.evaluate.geometry import trace_geometry
from protein_rgdm.fileio import atomic_write_json, remove_temp_files
from protein_rgdm.fileread import read_text_file
from protein_rgdm.predict.batching import derive_seed, pack_chunks, record_chunks, sample_packed
from protein_rgdm.predict.confidence import CONFIDENCE_METHOD, residue_confidence
from protein_rgdm.predict.inputs import InputFailure, SequenceRecord
from protein_rgdm.predict.ranking import ensemble_consistency, rank_descending, tied_ranks
from protein_rgdm.predict.writer import write_trajectory_pdb
from protein_rgdm.structure.backbone import rebuild_backbone
from protein_rgdm.structure.write import write_ca_cif, write_ca_pdb

__all__ = [
    "MARKER",
    "PredictionRun",
    "check_coordinates",
    "derive_seed",
    "predict_records",
    "validate_sequence",
]  # fmt: skip

MARKER = ".complete.json"
_MARKER_MAX_BYTES = 1 << 26
RANKING_METHOD = "ensemble_consistency: mean TM-score of the sample to the other samples of its sequence"


@dataclasses.dataclass
class PredictionRun:
    """Outcome of :func:`predict_records`: rows of ``summary.csv`` and failures of ``failed.tsv``."""

    summary: list[dict[str, Any]]
    failed: list[dict[str, str]]
    predicted: list[str]
    skipped: list[str]


def validate_sequence(record: SequenceRecord, max_length: int) -> None:
    """Raise ``InputError`` naming the record for an empty or too long sequence, or one with non-letters.

    Letters outside the 20 amino acids are mapped (U → C, O → K, B/Z/J/X → X; see
    :mod:`protein_rgdm.letters`) and recorded in the per-sample JSON as ``letter_mapping``.
    """
    seq = record.sequence
    if not seq:
        raise InputError(f"{record.id} ({record.source}): empty sequence")
    record.mapped()
    if len(seq) > max_length:
        raise InputError(f"{record.id} ({record.source}): length {len(seq)} exceeds max_length {max_length}")


def _fingerprint(config: PredictConfig, model_version: dict) -> dict[str, Any]:
    """The settings a finished record was made with; a re-run with other settings must not mix them."""
    keys = ("num_samples", "seed", "deterministic", "t32", "schedule_overrides", "x0_guard", "batch_residues", "format",
            "backbone")
    dumped = config.model_dump(mode="json")
    return {
        **{k: dumped[k] for k in keys},
        **{k: dumped[k] for k in ("steps", "spacing", "ode_solver") if dumped[k] is not None},  # unset: as before
        "write_trajectory": config.write_trajectory,
        "checkpoint_sha256": model_version.get("checkpoint_sha256"),
    }


#: Coordinate range of the PDB format's %8.3f columns, Å.
PDB_RANGE = (-999.999, 9999.999)


def check_coordinates(record_id: str, coords: np.ndarray, fmt: str) -> None:
    """Raise ``ProteinRGDMError`` when sampled coordinates are not finite or do not fit the PDB columns.

    A diverged sampler (an under-trained model, too few steps) gives coordinates of thousands of
    Å; such a record is reported in failed.tsv instead of being written as garbage.

    Parameters
    ----------
    coords
        (N, L, 3) float sampled Cα coordinates, Å.
    fmt
        The configured output format ('pdb' | 'mmcif' | 'both').
    """
    if not np.isfinite(coords).all():
        raise ProteinRGDMError(f"{record_id}: the sampler returned non-finite coordinates (diverged)")
    lo, hi = float(coords.min()), float(coords.max())
    if fmt in ("pdb", "both") and (lo < PDB_RANGE[0] or hi > PDB_RANGE[1]):
        raise ProteinRGDMError(
            f"{record_id}: sampled coordinates span {lo:.0f}..{hi:.0f} Å, outside the PDB format's range "
            "(the sampler diverged: an under-trained model or too few steps)"
        )


def _write_record(
    out_dir: Path, engine: Any, record: SequenceRecord, config: PredictConfig, meta: list, coords: np.ndarray, trajs
) -> list[dict]:
    check_coordinates(record.id, coords, config.format)
    pred_dir = out_dir / "predictions" / record.id
    scores = ensemble_consistency(coords) if len(record.sequence) >= 3 else np.full(len(coords), np.nan)
    ranks = rank_descending(scores)
    tied = tied_ranks(scores)  # e.g. both of 2 samples: the score cannot order them, sample order does
    confidence = residue_confidence(coords)  # (N, L) 0-100, None for one sample
    rows = []
    for k, x in enumerate(coords):
        stem = sample_stem(record.id, k)
        files = []
        extra = {
            "b_factors": None if confidence is None else confidence[k],
            "backbone": rebuild_backbone(x).as_dict() if config.backbone == "full" else None,
        }
        if config.format in ("pdb", "both"):
            remarks = [f"protein_rgdm prediction {stem} seed {meta[k]['seed']} rank {ranks[k]}"]
            write_ca_pdb(pred_dir / f"{stem}.pdb", x, record.sequence, remarks=remarks, **extra)
            files.append(f"{stem}.pdb")
        if config.format in ("mmcif", "both"):
            write_ca_cif(pred_dir / f"{stem}.cif", x, record.sequence, entry_id=stem, **extra)
            files.append(f"{stem}.cif")
        if trajs[k] is not None:
            write_trajectory_pdb(out_dir / "trajectories" / record.id / f"{stem}.pdb", record.sequence, trajs[k])
        score = None if np.isnan(scores[k]) else float(scores[k])
        mean_conf = None if confidence is None else round(float(confidence[k].mean()), 2)
        info = {
            "id": record.id, "raw_id": record.raw_id, "source": record.source, "sample": k,
            "sequence": record.sequence, "length": len(record.sequence), "files": files,
            "model_sequence": record.model_sequence, "letter_mapping": record.mapped().changes,
            **meta[k], "deterministic": config.deterministic, "schedule": engine.schedule,
            "sampler": engine.sampler,
            "model_version": engine.model_version, "ranking_score": score, "rank": int(ranks[k]),
            "rank_tied": bool(tied[k]), "ranking_method": RANKING_METHOD, "geometry": trace_geometry(x).as_json(),
            "backbone": config.backbone, "mean_confidence": mean_conf,
            "confidence": None if confidence is None else [round(float(v), 2) for v in confidence[k]],
            "confidence_method": CONFIDENCE_METHOD,
        }  # fmt: skip
        save_sample_json(pred_dir / f"{stem}.json", info)
        rows.append({"id": record.id, "sample": k, "rank": int(ranks[k]), "ranking_score": score,
                     "rank_tied": bool(tied[k]), "path": f"predictions/{record.id}/{files[0]}",
                     "confidence": mean_conf})  # fmt: skip
    return rows


def predict_records(
    records: list[SequenceRecord],
    engine_factory: Callable[[], Any],
    config: PredictConfig,
    out_dir: str | Path,
    *,
    model_version: dict | None = None,
    progress: bool = True,
    input_failures: list[InputFailure] | None = None,
) -> PredictionRun:
    """Predict every record, skipping finished ones; failures are recorded, the rest go on.

    Parameters
    ----------
    records
        Sequences with sanitised, unique ids.
    engine_factory
        Called once, only when some record needs sampling; returns an object with
        ``sample(sequence, n, seed, name, deterministic=, trajectory=) -> SampleOutput`` and the
        attributes ``schedule`` and ``model_version`` (see ``predict.engine.Engine``).
    config
        Prediction settings.
    out_dir
        Output folder (layout in the module docstring).
    model_version
        Checkpoint facts used to check that finished records were made by the same model; when
        None they are taken from the engine (which is then loaded even if nothing is left to do).
    input_failures
        Input files that could not be read (``read_sequences(..., failures)``): listed first in failed.tsv.

    Raises
    ------
    ConfigError
        A finished record was made with other settings and ``config.override`` is off.
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    engine = None
    if model_version is None:
        engine = engine_factory()
        model_version = engine.model_version
    fingerprint = _fingerprint(config, model_version)
    failed: list[dict[str, str]] = [f.as_row() for f in input_failures or []]
    summary: list[dict] = []
    todo, skipped = [], []
    _remove_stale_temp_files(out_dir)
    for rec in records:
        try:
            validate_sequence(rec, config.max_length)
        except InputError as exc:
            failed.append({"id": rec.id, "source": rec.source, "reason": str(exc)})
            continue
        marker = out_dir / "predictions" / rec.id / MARKER
        done = _read_marker(marker) if not config.override else None
        if done is not None:
            if done.get("fingerprint") != fingerprint and config.redo_changed:
                todo.append(rec)
                continue
            if done.get("fingerprint") != fingerprint:
                raise ConfigError(
                    f"{marker}: record '{rec.id}' was predicted with other settings or another checkpoint; "
                    "use --override or --redo-changed to redo it, or choose another --out-dir"
                )
            summary.extend(_with_ties(done["summary"]))
            skipped.append(rec.id)
        else:
            todo.append(rec)
    todo.sort(key=lambda r: (len(r.sequence), r.id))
    chunks = [chunk for rec in todo for chunk in record_chunks(rec, config)]
    left = collections.Counter(chunk.record.id for chunk in chunks)
    parts: dict[str, list] = {rec.id: [] for rec in todo}
    errors: dict[str, ProteinRGDMError] = {}
    predicted = []
    bar = tqdm(total=len(todo), desc="predict", unit="seq", disable=not progress)
    for batch in pack_chunks(chunks, config.batch_residues, config.pack_records):
        for chunk in batch:
            if chunk.start == 0:  # unfinished or made with other settings: never mixed with new ones
                (out_dir / "predictions" / chunk.record.id / MARKER).unlink(missing_ok=True)
                _remove_samples(out_dir, chunk.record.id)
        if engine is None:  # a checkpoint / config problem stops the run: it is no record's fault
            engine = engine_factory()
        for i, result in sample_packed(engine, batch, config).items():
            rec = batch[i].record
            if isinstance(result, ProteinRGDMError):
                errors.setdefault(rec.id, result)
            else:
                parts[rec.id].extend(result)
            left[rec.id] -= 1
            if left[rec.id] == 0:
                if _finish_record(out_dir, engine, rec, config, parts.pop(rec.id), errors.get(rec.id), fingerprint,
                                  summary, failed):  # fmt: skip
                    predicted.append(rec.id)
                bar.update()
    bar.close()
    order = {r.id: i for i, r in enumerate(records)}
    summary.sort(key=lambda row: (order.get(row["id"], len(order)), row["sample"]))
    _write_tables(out_dir, summary, failed)
    return PredictionRun(summary=summary, failed=failed, predicted=predicted, skipped=skipped)


def _finish_record(out_dir: Path, engine: Any, rec: SequenceRecord, config: PredictConfig, parts: list,
                   error: ProteinRGDMError | None, fingerprint: dict, summary: list, failed: list) -> bool:  # fmt: skip
    """Write a record whose chunks are all sampled (samples in index order), or record its failure."""
    try:
        if error is not None:
            raise error
        meta = [m for part in parts for m in part[0]]
        coords = np.concatenate([part[1] for part in parts])
        trajs = [t for part in parts for t in part[2]]
        rows = _write_record(out_dir, engine, rec, config, meta, coords, trajs)
    except ProteinRGDMError as exc:
        failed.append({"id": rec.id, "source": rec.source, "reason": str(exc)})
        return False
    atomic_write_json(out_dir / "predictions" / rec.id / MARKER, {"id": rec.id, "fingerprint": fingerprint,
                                                                  "summary": rows})  # fmt: skip
    summary.extend(rows)
    return True


def _read_marker(marker: Path) -> dict | None:
    """A record's completion marker, or None when absent or unreadable (hand-edited, truncated): unfinished."""
    if not marker.exists():
        return None
    try:
        done = json.loads(read_text_file(marker, _MARKER_MAX_BYTES))
    except (InputError, ValueError):
        return None
    if not isinstance(done, dict) or not isinstance(done.get("summary"), list):
        return None
    return done if all(_summary_row_ok(row) for row in done["summary"]) else None


def _summary_row_ok(row: object) -> bool:
    """A summary.csv row as :func:`_write_record` makes it (types checked: a hand-edited marker must not crash).

    ``rank_tied`` and ``confidence`` may be absent (markers written before they existed)."""
    if not isinstance(row, dict) or set(SUMMARY_COLUMNS) - set(row) - {"rank_tied", "confidence"}:
        return False
    conf = row.get("confidence")
    if conf is not None and (not isinstance(conf, (int, float)) or isinstance(conf, bool)):
        return False
    score = row["ranking_score"]
    return (
        isinstance(row["id"], str) and isinstance(row["path"], str)
        and isinstance(row.get("rank_tied", False), bool)
        and all(isinstance(row[k], int) and not isinstance(row[k], bool) for k in ("sample", "rank"))
        and (score is None or (isinstance(score, (int, float)) and not isinstance(score, bool)))
    )  # fmt: skip


def _remove_stale_temp_files(out_dir: Path) -> None:
    """Hidden temporary files a killed run left (``fileio.atomic_path``) in the output folders."""
    for top in (out_dir, out_dir / "predictions", out_dir / "trajectories"):
        remove_temp_files(top)
        if top != out_dir and top.is_dir():
            for folder in top.iterdir():
                remove_temp_files(folder)


def _remove_samples(out_dir: Path, record_id: str) -> None:
    for folder in (out_dir / "predictions" / record_id, out_dir / "trajectories" / record_id):
        if folder.is_dir():
            for path in folder.glob(sample_glob(record_id)):
                path.unlink()


def _with_ties(rows: list[dict]) -> list[dict]:
    """Rows of one finished record; markers written before ``rank_tied`` existed get it from their scores."""
    if all("rank_tied" in row for row in rows):
        return rows
    scores = np.array([np.nan if row["ranking_score"] is None else row["ranking_score"] for row in rows], dtype=float)
    return [{**row, "rank_tied": bool(t)} for row, t in zip(rows, tied_ranks(scores))]


def _write_tables(out_dir: Path, summary: list[dict], failed: list[dict]) -> None:
    write_summary(out_dir / "summary.csv", [SummaryRow.from_json(row) for row in summary])
    write_ledger(out_dir / "failed.tsv", [Rejection("predict", f["id"], f["source"], f["reason"]) for f in failed])
