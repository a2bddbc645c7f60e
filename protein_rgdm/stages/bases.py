"""The ``bases`` stage: chain records in, spectrum.json (``artifacts.spectrum``) + spectrum.npz + skipped.csv out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from protein_rgdm.artifacts.chains import find_chain_files
from protein_rgdm.artifacts.ledger import Rejection, write_ledger
from protein_rgdm.artifacts.spectrum import Spectrum, save_spectrum
from protein_rgdm.artifacts.split import load_split
from protein_rgdm.basis.factory import build_basis
from protein_rgdm.basis.spectrum import SpectrumResult, measure_spectrum
from protein_rgdm.config.diffusion import BasesConfig
from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_path
from protein_rgdm.structure.record import ChainRecord

__all__ = ["run_bases", "write_spectrum"]


def _load_all(files: list[Path]) -> Iterator:
    for f in files:
        try:
            yield ChainRecord.load(f)
        except InputError as exc:
            yield (f.stem, str(exc))


def write_spectrum(
    result: SpectrumResult,
    out_dir: str | Path,
    cfg: BasesConfig,
    basis_desc: dict,
    files: dict[str, Path] | None = None,
) -> dict:
    """Write spectrum.json, spectrum.npz and skipped.csv (a rejection ledger) into ``out_dir``; returns the JSON.

    ``files``: chain name → record file, for the ledger's ``file`` column.
    """
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
    files = files or {}
    write_ledger(out / "skipped.csv", [Rejection("bases", n, str(files.get(n, "")), r) for n, r in result.skipped])
    record = Spectrum(
        c=float(result.c),
        m=float(result.m),
        basis=basis_desc,
        pooling=cfg.pooling,
        spectrum=cfg.spectrum,
        n_chains=int(result.n_chains),
        n_skipped=len(result.skipped),
        pooled_k=tuple(result.bin_k.tolist()),
        pooled_power=tuple(result.bin_power.tolist()),
        pooled_count=tuple(int(v) for v in result.bin_count.tolist()),
    )
    return save_spectrum(out / "spectrum.json", record)


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
    return write_spectrum(result, out_dir, cfg, basis.describe(), {f.stem: f for f in files})
