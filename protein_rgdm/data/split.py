"""split: manifest → ``splits/{train,val,test}.csv`` by sequence-identity clusters and release dates.

Clusters come from ``mmseqs easy-cluster`` (Debian package ``mmseqs2``). A cluster never straddles
two splits: in ``cluster`` mode whole clusters are dealt to the splits (after the chains a ``fixed``
table places, whose clusters follow them); in ``date_cluster`` mode
chains are placed by release-date window and then any val/test chain whose cluster already has a
member in an earlier split (train, then val) is dropped to ``splits/dropped.csv``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from protein_rgdm.artifacts.split import SPLITS, SplitRow, write_split
from protein_rgdm.config.data import FixedSplit, SplitConfig
from protein_rgdm.errors import InputError, ProteinRGDMError
from protein_rgdm.fileio import atomic_open

__all__ = ["assign_splits", "cluster_sequences", "load_fixed", "split_manifest"]


def cluster_sequences(
    seqs: dict[str, str],
    *,
    mmseqs: str = "mmseqs",
    min_seq_id: float = 0.3,
    coverage: float = 0.8,
    cov_mode: int = 0,
    threads: int = 1,
    cluster_steps: int = 3,
) -> dict[str, str]:
    """Name → cluster representative name, from ``mmseqs easy-cluster``.

    Raises
    ------
    ProteinRGDMError
        When the ``mmseqs`` binary is missing (naming the Debian package ``mmseqs2``) or fails.
    """
    exe = shutil.which(mmseqs)
    if exe is None:
        raise ProteinRGDMError(
            f"'{mmseqs}' not found: sequence-identity clustering needs MMseqs2 "
            "(Debian/Ubuntu: apt-get install mmseqs2; or set split.mmseqs to its path)"
        )
    with tempfile.TemporaryDirectory(prefix="rgdm_mmseqs_") as tmp:
        fasta = Path(tmp) / "seqs.fasta"
        fasta.write_text("".join(f">{n}\n{s}\n" for n, s in seqs.items()))
        cmd = [
            exe, "easy-cluster", str(fasta), str(Path(tmp) / "out"), str(Path(tmp) / "work"),
            "--min-seq-id", str(min_seq_id), "-c", str(coverage), "--cov-mode", str(cov_mode),
            "--threads", str(threads), "--cluster-steps", str(cluster_steps), "-v", "1",
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ProteinRGDMError(f"mmseqs easy-cluster failed (exit {proc.returncode}): {tail[0]}")
        clusters: dict[str, str] = {}
        with open(Path(tmp) / "out_cluster.tsv") as handle:
            for line in handle:
                rep, member = line.rstrip("\n").split("\t")
                clusters[member] = rep
    missing = set(seqs) - set(clusters)
    for name in missing:  # mmseqs drops nothing in practice; never lose a chain silently
        clusters[name] = name
    return clusters


def _date(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(value)[:10]) if value not in (None, "") else None
    except ValueError:
        return None


def load_fixed(cfg: FixedSplit) -> dict[str, str]:
    """Name → our split for the rows of ``cfg.table`` whose ``cfg.column`` value ``cfg.splits`` maps.

    Raises
    ------
    InputError
        Missing table or columns (naming the file and column).
    """
    path = Path(cfg.table)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {cfg.name_column, cfg.column} - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"{path}: split.fixed table lacks column(s) {sorted(missing)}")
            return {
                row[cfg.name_column]: cfg.splits[row[cfg.column]]
                for row in reader
                if row[cfg.column] in cfg.splits and row[cfg.name_column]
            }
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read split.fixed table ({exc})") from None


def _place_fixed(
    names: list[str], clusters: dict[str, str], fixed: dict[str, str]
) -> tuple[dict[str, str], list[dict]]:
    """Fixed chains keep their split; the other members of their clusters follow them.

    A cluster holding fixed chains of several splits follows the latest of them (test after val
    after train), and its fixed chains of earlier splits are dropped, so no cluster straddles.
    """
    latest: dict[str, int] = {}
    for n in names:
        if n in fixed:
            latest[clusters[n]] = max(latest.get(clusters[n], -1), SPLITS.index(fixed[n]))
    assign: dict[str, str] = {}
    dropped: list[dict] = []
    for n in names:
        split = latest.get(clusters[n])
        if split is None:
            continue
        if n in fixed and SPLITS.index(fixed[n]) < split:
            dropped.append({"name": n, "reason": f"fixed to {fixed[n]}, but cluster {clusters[n]} is in {SPLITS[split]}"})
        else:
            assign[n] = SPLITS[split]
    return assign, dropped


def assign_splits(
    rows: list[dict[str, Any]], clusters: dict[str, str], cfg: SplitConfig, fixed: dict[str, str] | None = None
) -> tuple[dict[str, str], list[dict]]:
    """Name → split, plus dropped rows (name, reason).

    ``cluster`` mode: the ``fixed`` chains (name → split, from ``cfg.fixed``) and their clusters
    are placed first (:func:`_place_fixed`); the other clusters are shuffled with
    ``np.random.default_rng(cfg.seed)`` and dealt greedily so each split's count among them
    approaches ``fractions``. ``date`` / ``date_cluster``:
    the first window (train, val, test order) holding a chain's release date decides; chains with
    no date or in no window are dropped; ``date_cluster`` also drops val/test chains whose cluster
    reached an earlier split.
    """
    names = [r["name"] for r in rows]
    assign: dict[str, str] = {}
    dropped: list[dict] = []
    if cfg.mode == "cluster":
        assign, dropped = _place_fixed(names, clusters, fixed or {})
        placed = set(assign) | {d["name"] for d in dropped}
        members: dict[str, list[str]] = {}
        for n in names:
            if n not in placed:
                members.setdefault(clusters[n], []).append(n)
        reps = sorted(members)
        order = np.random.default_rng(cfg.seed).permutation(len(reps))
        total = sum(len(group) for group in members.values())
        counts = {s: 0 for s in SPLITS}
        for i in order:
            group = members[reps[i]]
            # the split furthest below its target share takes the whole cluster
            deficit = {
                s: cfg.fractions.get(s, 0.0) * total - counts[s] for s in SPLITS if cfg.fractions.get(s, 0.0) > 0
            }
            target = max(deficit, key=lambda s: (deficit[s], -SPLITS.index(s)))
            counts[target] += len(group)
            for n in group:
                assign[n] = target
        return assign, dropped
    for r in rows:
        date = _date(r.get("release_date"))
        if date is None:
            dropped.append({"name": r["name"], "reason": "no release date"})
            continue
        for s in SPLITS:
            w = cfg.windows.get(s)
            if w is not None and (w.start is None or date >= w.start) and (w.end is None or date < w.end):
                assign[r["name"]] = s
                break
        else:
            dropped.append({"name": r["name"], "reason": f"release date {date} in no window"})
    if cfg.mode == "date_cluster":
        seen: dict[str, int] = {}
        for n, s in assign.items():
            c = clusters[n]
            seen[c] = min(seen.get(c, 9), SPLITS.index(s))
        for n in list(assign):
            earliest = seen[clusters[n]]
            if SPLITS.index(assign[n]) > earliest:
                dropped.append({"name": n, "reason": f"cluster {clusters[n]} also in {SPLITS[earliest]}"})
                del assign[n]
    return assign, dropped


def split_manifest(manifest: str | Path, out_dir: str | Path, cfg: SplitConfig) -> dict[str, list[dict[str, Any]]]:
    """Read a featurize ``manifest.csv`` (name, seqres, length, release_date, ...) and write the splits.

    Writes ``out_dir/{train,val,test}.csv`` (name, seqres, length, cluster, release_date, split),
    ``out_dir/clusters.tsv`` (name, cluster) and ``out_dir/dropped.csv`` (name, reason), atomically.
    Returns split → rows.
    """
    path = Path(manifest)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(f"{path}: cannot read manifest ({exc.strerror})") from None
    if not rows:
        raise InputError(f"{path}: manifest has no chains")
    need = {"name", "seqres"} - set(rows[0])
    if need:
        raise InputError(f"{path}: manifest lacks column(s) {sorted(need)}")
    names = [r["name"] for r in rows]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"{path}: duplicate names in manifest, e.g. {dup[:3]}")
    if cfg.mode == "date":
        clusters = {n: n for n in names}
    else:
        clusters = cluster_sequences(
            {r["name"]: r["seqres"] for r in rows},
            mmseqs=cfg.mmseqs,
            min_seq_id=cfg.min_seq_id,
            coverage=cfg.coverage,
            cov_mode=cfg.cov_mode,
            threads=cfg.threads,
            cluster_steps=cfg.cluster_steps,
        )
    fixed = load_fixed(cfg.fixed) if cfg.fixed is not None else None
    assign, dropped = assign_splits(rows, clusters, cfg, fixed)
    out = Path(out_dir)
    result: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for r in rows:
        if r["name"] in assign:
            s = assign[r["name"]]
            result[s].append({
                "name": r["name"], "seqres": r["seqres"], "length": r.get("length") or len(r["seqres"]),
                "cluster": clusters[r["name"]], "release_date": r.get("release_date", ""), "split": s,
            })  # fmt: skip
    for s in SPLITS:
        write_split(out / f"{s}.csv", [SplitRow(**r) for r in result[s]])
    _write(out / "dropped.csv", ["name", "reason"], dropped)
    with atomic_open(out / "clusters.tsv", "w") as handle:
        handle.write("name\tcluster\n" + "".join(f"{n}\t{clusters[n]}\n" for n in names))
    return result


def _write(path: Path, cols: list[str], rows: list[dict]) -> None:
    with atomic_open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=cols)
        writer.writeheader()
        writer.writerows(rows)
