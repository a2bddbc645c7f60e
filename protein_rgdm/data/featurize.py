"""featurize: structure files → ``chains/<name>.npz`` chain records, ``manifest.csv``, ``rejected.csv``.

Library entry points: :func:`featurize_files` (explicit files or jobs) and :func:`plan_jobs`
(jobs from a config: a table CSV listing chains, or every protein chain of a folder).
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import dataclasses
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from protein_rgdm.artifacts.chains import output_chain_folder, record_file
from protein_rgdm.artifacts.ledger import Rejection, write_ledger
from protein_rgdm.config.data import FeaturizeConfig, FeaturizeFilters
from protein_rgdm.data.ids import check_name
from protein_rgdm.data.manifest import MANIFEST_COLUMNS, filter_reason, manifest_row
from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_open
from protein_rgdm.fileread import DEFAULT_MAX_BYTES, csv_field_limit, read_text_file
from protein_rgdm.structure.chain import build_chain_record, protein_chain_ids
from protein_rgdm.structure.formats import GZIP_SUFFIX, STRUCTURE_SUFFIXES, strip_structure_suffix, structure_stem
from protein_rgdm.structure.read import BACKBONE_ATOMS, read_structure
from protein_rgdm.structure.record import ChainRecord

__all__ = ["ChainJob", "FeaturizeResult", "featurize_files", "plan_jobs", "record_name"]

_META_ALIASES = {"structure_method": "method", "exptl_method": "method"}


@dataclasses.dataclass(frozen=True)
class ChainJob:
    """One chain to featurize: ``chain``/``name`` None mean "infer" (every protein chain, derived names)."""

    file: str
    chain: str | None = None
    name: str | None = None
    seqres: str | None = None
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class FeaturizeResult:
    """Accepted records (in input order) and the rows written to ``manifest.csv`` / ``rejected.csv``."""

    records: list[ChainRecord]
    manifest: list[dict[str, Any]]
    rejected: list[dict[str, Any]]


def record_name(file: str | Path, chain: str) -> str:
    """Derived record name: the file stem when it already ends in ``.chain``/``_chain``, else ``stem.chain``."""
    stem = strip_structure_suffix(Path(file).name)
    if re.search(rf"[._]{re.escape(chain)}$", stem):
        return stem
    return f"{stem}.{chain}"


def _chain_from_name(name: str) -> str | None:
    m = re.match(r"^[0-9][A-Za-z0-9]{3}[._]([A-Za-z0-9]{1,4})$", name)
    return m.group(1) if m else None


def _process_file_safe(
    path: str, jobs: list[ChainJob], filters: FeaturizeFilters, backend: str, max_bytes: int
) -> list[tuple]:
    """:func:`_process_file`; any unexpected failure (a parser bug, MemoryError) rejects the file's chains."""
    try:
        return _process_file(path, jobs, filters, backend, max_bytes)
    except Exception as exc:  # noqa: BLE001 - one bad file must not lose the rest of the batch; recorded as data
        reason = f"{path}: {type(exc).__name__}: {exc}"
        return [
            ("rejected", {"file": path, "chain": j.chain or "", "name": j.name or "", "reason": reason}) for j in jobs
        ]


def _process_file(
    path: str, jobs: list[ChainJob], filters: FeaturizeFilters, backend: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[tuple]:
    """Worker: parse one file, build its chains. Returns ("ok", record) / ("rejected", row) items."""
    out: list[tuple] = []
    valid = []
    for job in jobs:
        try:
            job.name is None or check_name(job.name, "record name")
            valid.append(job)
        except InputError as exc:
            out.append(("rejected", {"file": path, "chain": job.chain or "", "name": job.name, "reason": str(exc)}))
    jobs = valid
    if not jobs:
        return out
    try:
        parsed = read_structure(path, pdb_backend=backend, atom_names=BACKBONE_ATOMS, max_bytes=max_bytes)
    except InputError as exc:
        return out + [
            ("rejected", {"file": path, "chain": j.chain or "", "name": j.name or "", "reason": str(exc)}) for j in jobs
        ]
    protein = None
    for job in jobs:
        chains: list[str]
        if job.chain is not None:
            chains = [job.chain]
        else:
            protein = protein if protein is not None else protein_chain_ids(parsed)
            guess = _chain_from_name(job.name) if job.name else None
            if job.name is not None:
                chains = [guess] if guess in protein else protein[:1] if len(protein) == 1 else []
            else:
                chains = protein
            if not chains:
                ptypes = set(parsed.polymer_types.values())
                what = (
                    "DNA/RNA only"
                    if ptypes and all("nucleotide" in t for t in ptypes)
                    else "no protein chain with Cα atoms"
                )
                if job.name is not None and len(protein) > 1:
                    what = f"cannot tell which chain {job.name!r} means (protein chains: {', '.join(protein)})"
                out.append(
                    ("rejected", {"file": path, "chain": "", "name": job.name or "", "reason": f"{path}: {what}"})
                )
                continue
        for chain in chains:
            name = job.name or record_name(path, chain)
            try:
                check_name(name, "record name")
                record = build_chain_record(
                    parsed,
                    chain,
                    name,
                    seqres=job.seqres,
                    seqres_source="table",
                    metadata=job.metadata,
                    min_identity=filters.min_seqres_identity,
                )
            except InputError as exc:
                out.append(("rejected", {"file": path, "chain": chain, "name": name, "reason": str(exc)}))
                continue
            reason = filter_reason(record, filters)
            if reason:
                out.append(("rejected", {"file": path, "chain": chain, "name": name, "reason": reason}))
            else:
                out.append(("ok", record))
    return out


def featurize_files(
    inputs: Sequence[str | Path | ChainJob],
    out_dir: str | Path,
    filters: FeaturizeFilters | None = None,
    *,
    workers: int = 1,
    pdb_backend: str = "fast",
    overwrite: bool = False,
    progress: bool = False,
    max_file_bytes: int = DEFAULT_MAX_BYTES,
) -> FeaturizeResult:
    """Featurize structure files into ``out_dir``.

    Writes ``out_dir/chains/<name>.npz`` (one :class:`ChainRecord` per accepted chain),
    ``out_dir/manifest.csv`` (columns ``MANIFEST_COLUMNS``) and ``out_dir/rejected.csv`` (the rejection ledger,
    ``artifacts.ledger``: stage, item = chain name, file, reason), all atomically.

    Parameters
    ----------
    inputs
        Paths (every protein chain of each file, names derived by :func:`record_name`) or
        :class:`ChainJob` items (explicit chain / name / seqres / metadata).
    out_dir
        Output folder (created).
    filters
        Length, missing fraction, resolution, method and release-date filters.
    workers
        Processes; 1 runs in this process.
    pdb_backend
        ``"fast"`` or ``"biotite"`` reader for PDB-format files.
    overwrite
        When False an existing ``chains/<name>.npz`` is kept (and loaded) rather than rewritten.
    progress
        Show a tqdm bar over files.
    max_file_bytes
        Larger files (after gzip decompression) are rejected: a gzip bomb, ``/dev/zero`` in a table.
        Anything that is not a regular file (folder, FIFO, device, dangling symlink, symlink loop)
        is rejected too, with a row in ``rejected.csv``.

    Returns
    -------
    FeaturizeResult
        Accepted records (in input order), manifest rows and rejected rows.
    """
    filters = filters or FeaturizeFilters()
    out_dir = Path(out_dir)
    chain_dir = output_chain_folder(out_dir)
    chain_dir.mkdir(parents=True, exist_ok=True)
    jobs = [j if isinstance(j, ChainJob) else ChainJob(str(j)) for j in inputs]
    by_file: dict[str, list[ChainJob]] = defaultdict(list)
    for job in jobs:
        by_file[str(job.file)].append(job)
    files = list(by_file)
    results: dict[str, list[tuple]] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc="featurize", unit="file")
    if workers <= 1:
        for f in files:
            results[f] = _process_file_safe(f, by_file[f], filters, pdb_backend, max_file_bytes)
            bar is not None and bar.update()
    else:
        with cf.ProcessPoolExecutor(max_workers=workers) as pool:
            futs = {
                pool.submit(_process_file_safe, f, by_file[f], filters, pdb_backend, max_file_bytes): f for f in files
            }
            for fut in cf.as_completed(futs):
                f = futs[fut]
                try:
                    results[f] = fut.result()
                except Exception as exc:  # noqa: BLE001 - a crashed worker must not lose the rest of the batch
                    results[f] = [
                        ("rejected", {"file": f, "chain": "", "name": "", "reason": f"{type(exc).__name__}: {exc}"})
                    ]
                bar is not None and bar.update()
    if bar is not None:
        bar.close()
    return _collect(files, results, chain_dir, out_dir, overwrite)


def _collect(
    files: list[str], results: dict[str, list[tuple]], chain_dir: Path, out_dir: Path, overwrite: bool
) -> FeaturizeResult:
    records: list[ChainRecord] = []
    rejected: list[dict[str, Any]] = []
    seen: set[str] = set()
    for f in files:
        for kind, item in results[f]:
            if kind == "rejected":
                rejected.append(item)
                continue
            record: ChainRecord = item
            if record.name in seen:
                rejected.append(
                    {
                        "file": f,
                        "chain": record.metadata.get("chain_id", ""),
                        "name": record.name,
                        "reason": f"duplicate name {record.name!r} (kept the first)",
                    }
                )
                continue
            seen.add(record.name)
            path = record_file(chain_dir, record.name)
            if path.exists() and not overwrite:
                try:
                    record = ChainRecord.load(path)
                except InputError:
                    record.save(path, fsync=False)  # unreadable leftover: replace it
            else:
                record.save(path, fsync=False)
            records.append(record)
    manifest = [manifest_row(r) for r in records]
    _write_csv(out_dir / "manifest.csv", MANIFEST_COLUMNS, manifest)
    write_ledger(
        out_dir / "rejected.csv",
        [Rejection("featurize", r["name"] or r["chain"], str(r["file"]), r["reason"]) for r in rejected],
    )
    return FeaturizeResult(records, manifest, rejected)


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with atomic_open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})


def _read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV (byte-order mark allowed) with a ``name`` column; values never None."""
    text = read_text_file(path)
    try:
        with csv_field_limit(len(text)):
            reader = csv.DictReader(io.StringIO(text, newline=""))
            rows = [{str(k): (v if isinstance(v, str) else "") for k, v in row.items()} for row in reader]
    except csv.Error as exc:
        raise InputError(f"{path}: cannot read CSV ({exc})") from None
    if reader.fieldnames is not None and "name" not in reader.fieldnames:
        raise InputError(f"{path}: CSV needs a 'name' column (has: {', '.join(reader.fieldnames)})")
    return rows


def _row_metadata(row: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key, value in row.items():
        key = _META_ALIASES.get(key, key)
        if key in ("release_date", "deposition_date", "method", "resolution") and value not in (None, ""):
            if key == "resolution":
                try:
                    meta[key] = float(value)
                except ValueError:
                    continue
            else:
                meta[key] = value.strip().lower() if key == "method" else value.strip()
    return meta


def plan_jobs(cfg: FeaturizeConfig, base_dir: Path | None = None) -> list[ChainJob]:
    """Jobs from a config: one per ``table`` row, else every structure file under ``structures``.

    Table rows need ``name``; ``file`` (relative to the table's folder) is optional — without it the
    file is looked up in ``structures`` as ``name``, ``name.gz`` or ``stem + suffix (+ .gz)``.
    ``seqres`` and metadata columns (release_date, resolution, method / structure_method) are used
    when present; the ``metadata`` CSVs add them by record name for folder inputs.
    """
    base = base_dir or Path.cwd()
    structures = (base / cfg.structures) if cfg.structures else None
    extra: dict[str, dict[str, str]] = {}
    for meta_csv in cfg.metadata:
        extra.update({strip_structure_suffix(r["name"].strip()): r for r in _read_table(base / meta_csv)})
    if cfg.table:
        table_path = base / cfg.table
        jobs = []
        for row in _read_table(table_path):
            name = strip_structure_suffix(row["name"].strip())
            file = _locate(row, name, table_path.parent, structures)
            merged = {**extra.get(name, {}), **row}
            seqres = merged.get("seqres") if cfg.seqres_from == "table" else None
            jobs.append(ChainJob(str(file), merged.get("chain") or None, name, seqres or None, _row_metadata(merged)))
        return jobs
    if structures is None or not structures.is_dir():
        raise InputError(f"featurize needs 'table' or an existing 'structures' folder (got {structures})")
    # every entry named like a structure file, whatever it is: a folder, FIFO or broken symlink named *.pdb
    # is rejected by the reader with a row in rejected.csv, not skipped without a trace
    files = sorted(p for p in structures.iterdir() if structure_stem(p.name) is not None)
    if not extra:
        return [ChainJob(str(p)) for p in files]
    jobs = []
    for p in files:
        stem = strip_structure_suffix(p.name)
        row = extra.get(stem)
        if row is None:
            jobs.append(ChainJob(str(p)))
        else:
            seqres = row.get("seqres") if cfg.seqres_from == "table" else None
            jobs.append(ChainJob(str(p), row.get("chain") or None, stem, seqres or None, _row_metadata(row)))
    return jobs


def _locate(row: dict[str, str], name: str, table_dir: Path, structures: Path | None) -> Path:
    if row.get("file"):
        file = Path(row["file"])
        return file if file.is_absolute() else table_dir / file
    folder = structures or table_dir
    raw = row["name"].strip()
    for cand in (raw, raw + GZIP_SUFFIX, *(name + s + z for s in STRUCTURE_SUFFIXES for z in (GZIP_SUFFIX, ""))):
        if (folder / cand).is_file():
            return folder / cand
    return folder / raw  # missing: featurize records it in rejected.csv
