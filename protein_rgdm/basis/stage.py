"""The ``bases`` stage: chain records in, spectrum.json + spectrum.npz + skipped.csv out (atomically)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from protein_rgdm.basis.factory import build_basis
from protein_rgdm.basis.spectrum import SpectrumResult, measure_spectrum
from protein_rgdm.config.diffusion import BasesConfig
from protein_rgdm.constants import PRIOR_C, PRIOR_MASS
from protein_rgdm.data.split import load_split
from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_path, atomic_write_json, atomic_write_text

__all__ = ["find_chain_files", "run_bases", "write_spectrum"]


def find_chain_files(source: str | Path) -> list[Path]:
    """Chain record files from a folder (``*.npz``, or its ``chains/`` subfolder) or a manifest.

    A manifest is a CSV with a ``path`` column, or a ``name`` column resolved to
    ``<manifest folder>/chains/<name>.npz`` (the featurize ``manifest.csv``), or a text file with one path per line.
    """
    src = Path(source)
    if src.is_dir():
        folder = src / "chains" if (src / "chains").is_dir() else src
        files = sorted(folder.glob("*.npz"))
        if not files:
            raise InputError(f"{src}: no chain records (*.npz) found")
        return files
    if not src.is_file():
        raise InputError(f"{src}: --chains is neither a folder nor a manifest file")
    text = src.read_text(encoding="utf-8")
    if src.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "path" in rows[0]:
            files = [Path(r["path"]) if Path(r["path"]).is_absolute() else src.parent / r["path"] for r in rows]
        elif rows and "name" in rows[0]:
            files = [src.parent / "chains" / f"{r['name']}.npz" for r in rows]
        elif rows:
            raise InputError(f"{src}: manifest needs a 'path' or 'name' column")
        else:
            files = []
    else:
        files = [Path(line.strip()) for line in text.splitlines() if line.strip() and not line.startswith("#")]
        files = [f if f.is_absolute() else src.parent / f for f in files]
    if not files:
        raise InputError(f"{src}: manifest lists no chains")
    return files


def _load_all(files: list[Path]) -> Iterator:
    from protein_rgdm.structure import ChainRecord

    for f in files:
        try:
            yield ChainRecord.load(f)
        except InputError as exc:
            yield (f.stem, str(exc))


def write_spectrum(result: SpectrumResult, out_dir: str | Path, cfg: BasesConfig, basis_desc: dict) -> dict:
    """Write spectrum.json, spectrum.npz and skipped.csv into ``out_dir``; returns the JSON payload."""
    out = Path(out_dir)
    lengths = np.array(sorted(result.per_length), dtype=np.int64)
    lmax = int(lengths.max())
    table = np.full((len(lengths), lmax), np.nan)
    for i, n in enumerate(lengths):
        table[i, :n] = result.per_length[int(n)]
    with atomic_path(out / "spectrum.npz") as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(
            handle,
            bin_k=result.bin_k,
            bin_power=result.bin_power,
            bin_count=result.bin_count,
            lengths=lengths,
            per_length_power=table,
            chains_per_length=np.array([result.counts_per_length[int(n)] for n in lengths]),
        )
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["name", "reason"])
    writer.writerows(result.skipped)
    atomic_write_text(out / "skipped.csv", buf.getvalue())
    payload = {
        "fit": {"c": result.c, "m": result.m, "form": "c / (k^2 + m^2)", "units": {"c": "A^2", "m": "1/residue"}},
        "defaults": {"c": PRIOR_C, "m": PRIOR_MASS},
        "power_units": "A^2 per coordinate (|X_k|^2 / 3)",
        "basis": basis_desc,
        "pooling": cfg.pooling,
        "spectrum": cfg.spectrum,
        "n_chains": result.n_chains,
        "n_skipped": len(result.skipped),
        "pooled": {"k": result.bin_k.tolist(), "power": result.bin_power.tolist(), "count": result.bin_count.tolist()},
    }
    atomic_write_json(out / "spectrum.json", payload)
    return payload


def run_bases(chains: str | Path, out_dir: str | Path, cfg: BasesConfig, only: str | Path | None = None) -> dict:
    """Measure and fit the spectrum of the chains at ``chains``; write the artifacts to ``out_dir``.

    ``only``: a CSV whose ``name`` column restricts the chains (the workflow passes the train split, so that
    neither the geometry of validation nor of test chains enters c and m).
    """
    files = find_chain_files(chains)
    if only is not None:
        names = set(load_split(only))
        files = [f for f in files if f.stem in names]
        if not files:
            raise InputError(f"{only}: none of its names is among the chain records of {chains}")
    basis = build_basis(cfg.basis)
    result = measure_spectrum(
        _load_all(files),
        basis,
        min_observed_fraction=cfg.min_observed_fraction,
        min_length=cfg.min_length,
        max_length=cfg.max_length,
        bins=cfg.bins,
        pooling=cfg.pooling,
        spectrum=cfg.spectrum,
    )
    return write_spectrum(result, out_dir, cfg, basis.describe())
