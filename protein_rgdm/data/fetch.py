"""Fetch structure files by id from RCSB over HTTPS (any server with the same URL layout) or a local mirror.

Every file is validated (it must parse as a structure) before it is renamed into place, so
``out_dir`` never holds a half-written or HTML file. Existing files that parse are kept (resume).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import dataclasses
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from protein_rgdm.config.data import FetchConfig
from protein_rgdm.data.ids import check_name, entry_id
from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_open, atomic_path, sha256_file
from protein_rgdm.structure.read import read_structure

__all__ = ["MANIFEST_COLUMNS", "FetchResult", "fetch_ids", "resolve_ids"]

MANIFEST_COLUMNS = ["id", "path", "status", "bytes", "sha256", "attempts", "error"]


@dataclasses.dataclass
class FetchResult:
    """One row of ``fetch_manifest.csv``; ``status`` is downloaded, copied, exists, failed or invalid."""

    id: str
    path: str
    status: str
    bytes: int = 0
    sha256: str = ""
    attempts: int = 0
    error: str = ""


class _Permanent(Exception):
    """A failure that retrying cannot fix (404, invalid id, missing local file)."""


def resolve_ids(raw: list[str], entry_ids: bool) -> tuple[list[str], list[FetchResult]]:
    """Validated, de-duplicated ids (first occurrence kept) and ``invalid`` rows for the rest."""
    seen: set[str] = set()
    ids: list[str] = []
    bad: list[FetchResult] = []
    for item in raw:
        try:
            ident = entry_id(item) if entry_ids else check_name(item)
        except InputError as exc:
            bad.append(FetchResult(item, "", "invalid", error=str(exc)))
            continue
        if ident not in seen:
            seen.add(ident)
            ids.append(ident)
    return ids, bad


def _fields(ident: str) -> dict[str, str]:
    low = ident.lower()
    return {"id": low if len(low) == 4 else ident, "ID": ident.upper(), "mid": low[1:3] if len(low) >= 3 else low}


def _validate(path: Path, name: str) -> None:
    parsed = read_structure(path, atom_names=frozenset({"CA"}), name_hint=name)
    if len(parsed.atoms) == 0 and not parsed.seqres:
        raise InputError(f"{path.name}: no atoms")


def _download(url: str, dest: Path, cfg: FetchConfig) -> None:
    """Stream ``url`` into the temporary ``dest`` within ``cfg.deadline_s``; HTTP 4xx are permanent."""
    start = time.monotonic()
    req = urllib.request.Request(url, headers={"User-Agent": "protein-rgdm-fetch"})
    try:
        with urllib.request.urlopen(req, timeout=cfg.timeout_s) as resp, open(dest, "wb") as out:
            total = 0
            while chunk := resp.read(1 << 16):
                total += len(chunk)
                if total > cfg.max_bytes:
                    raise _Permanent(f"larger than max_bytes={cfg.max_bytes}")
                if time.monotonic() - start > cfg.deadline_s:
                    raise TimeoutError(f"deadline of {cfg.deadline_s} s exceeded")
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise _Permanent(f"HTTP {exc.code} {exc.reason} for {url}") from None
        raise OSError(f"HTTP {exc.code} {exc.reason} for {url}") from None


def _fetch_one(ident: str, out_dir: Path, cfg: FetchConfig, sleep: Callable[[float], None]) -> FetchResult:
    fields = _fields(ident)
    dest = out_dir / cfg.out_name.format(**fields)
    result = FetchResult(ident, str(dest), "failed")
    if dest.exists() and not cfg.overwrite:
        with contextlib.suppress(InputError):
            _validate(dest, dest.name)
            return dataclasses.replace(result, status="exists", bytes=dest.stat().st_size, sha256=sha256_file(dest))
    for attempt in range(cfg.retries + 1):
        result.attempts = attempt + 1
        tmp_name = ""
        try:
            with atomic_path(dest) as tmp:
                tmp_name = str(tmp)
                if cfg.source == "local":
                    src = Path(cfg.local_dir or ".") / cfg.local_pattern.format(**fields)
                    if not src.is_file():
                        raise _Permanent(f"{src}: not found in local mirror")
                    shutil.copyfile(src, tmp)
                else:
                    _download(cfg.url_template.format(**fields), tmp, cfg)
                _validate(tmp, dest.name)
            status = "copied" if cfg.source == "local" else "downloaded"
            return dataclasses.replace(
                result, status=status, bytes=dest.stat().st_size, sha256=sha256_file(dest), error=""
            )
        except _Permanent as exc:
            result.error = str(exc)
            return result
        except (OSError, InputError, TimeoutError) as exc:
            message = f"{type(exc).__name__}: {exc}"
            result.error = message.replace(tmp_name, dest.name) if tmp_name else message
            if cfg.source == "local" and isinstance(exc, InputError):
                return result  # a broken mirror file does not heal by retrying
            if attempt < cfg.retries:
                sleep(cfg.backoff_s * 2**attempt)
    return result


def fetch_ids(
    raw_ids: list[str],
    out_dir: str | Path,
    cfg: FetchConfig,
    *,
    progress: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> list[FetchResult]:
    """Fetch every id into ``out_dir`` and write ``out_dir/fetch_manifest.csv``.

    Parameters
    ----------
    raw_ids
        Ids as read from a list / CSV / FASTA; invalid ones (e.g. ``../x``) become ``invalid`` rows,
        duplicates are fetched once.
    out_dir
        Destination folder; file names follow ``cfg.out_name`` (``{id}``, ``{ID}``, ``{mid}``).
    cfg
        Source, URL template, timeouts, retries (exponential backoff ``backoff_s * 2**k``), workers.
    progress
        Show a tqdm bar.
    sleep
        Injected for tests.

    Returns
    -------
    list of FetchResult
        One per unique id plus one per invalid id, in input order of the valid ids.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids, invalid = resolve_ids(raw_ids, cfg.entry_ids)
    results: dict[str, FetchResult] = {}
    with cf.ThreadPoolExecutor(max_workers=cfg.workers) as pool:
        futures = {pool.submit(_fetch_one, i, out_dir, cfg, sleep): i for i in ids}
        iterator = cf.as_completed(futures)
        if progress:
            from tqdm import tqdm

            iterator = tqdm(iterator, total=len(futures), desc="fetch", unit="file")
        for fut in iterator:
            results[futures[fut]] = fut.result()
    rows = [results[i] for i in ids] + invalid
    with atomic_open(out_dir / "fetch_manifest.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(dataclasses.asdict(r) for r in rows)
    return rows
