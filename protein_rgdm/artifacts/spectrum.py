"""Spectrum: the bases stage's ``spectrum.json``, the fitted free theory c / (k² + m²) and what it was fitted on.

Written by ``stages.bases``, read by the ``fitted`` noise colour (``schedules.colour.load_fitted_colour``) and by
``train`` (which stores c, m in the checkpoint). Files written before the record existed carry no ``format`` tag
and load as version 1; only ``fit.c`` and ``fit.m`` are required (a hand-written ``{"fit": {"c": .., "m": ..}}``
is a spectrum too).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from protein_rgdm.constants import PRIOR_C, PRIOR_MASS
from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_write_json

__all__ = ["SPECTRUM_FORMAT", "SPECTRUM_VERSION", "Spectrum", "load_spectrum", "save_spectrum"]

SPECTRUM_FORMAT = "protein_rgdm.spectrum"
SPECTRUM_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Spectrum:
    """The fitted prior and the pooled spectrum it came from.

    Attributes
    ----------
    c
        Fitted amplitude, Å² (per coordinate).
    m
        Fitted mass, 1/residue.
    basis
        The basis' ``describe()`` (kind and parameters); empty when unknown.
    pooling, spectrum
        The bases config's ``pooling`` ("pooled" / "per_length") and k² form ("continuum" / "lattice"); None
        when unknown.
    n_chains, n_skipped
        Chains measured and chains skipped (listed in the stage's ``skipped.csv``); None when unknown.
    pooled_k, pooled_power, pooled_count
        Per log-k bin: mean wave number (1/residue), mean power (Å²), number of values; equal lengths.
    """

    c: float
    m: float
    basis: dict[str, Any] = dataclasses.field(default_factory=dict)
    pooling: str | None = None
    spectrum: str | None = None
    n_chains: int | None = None
    n_skipped: int | None = None
    pooled_k: tuple[float, ...] = ()
    pooled_power: tuple[float, ...] = ()
    pooled_count: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON payload (the keys of the format before versioning, plus ``format`` / ``format_version``)."""
        return {
            "format": SPECTRUM_FORMAT,
            "format_version": SPECTRUM_VERSION,
            "fit": {"c": self.c, "m": self.m, "form": "c / (k^2 + m^2)", "units": {"c": "A^2", "m": "1/residue"}},
            "defaults": {"c": PRIOR_C, "m": PRIOR_MASS},
            "power_units": "A^2 per coordinate (|X_k|^2 / 3)",
            "basis": dict(self.basis),
            "pooling": self.pooling,
            "spectrum": self.spectrum,
            "n_chains": self.n_chains,
            "n_skipped": self.n_skipped,
            "pooled": {"k": list(self.pooled_k), "power": list(self.pooled_power), "count": list(self.pooled_count)},
        }


def save_spectrum(path: str | Path, record: Spectrum) -> dict[str, Any]:
    """Write ``record`` to ``path`` atomically; returns the payload written."""
    payload = record.to_json()
    atomic_write_json(Path(path), payload)
    return payload


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def load_spectrum(path: str | Path) -> Spectrum:
    """Read a ``spectrum.json`` (any version up to ``SPECTRUM_VERSION``, untagged = 1).

    Raises
    ------
    InputError
        Missing file (pointing at ``colour.spectrum_path``), not JSON, a newer or foreign format, or no
        positive finite ``fit.c`` / finite ``fit.m`` (naming the file).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: colour.spectrum_path not found (run `protein-rgdm bases` first)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: not a spectrum.json ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a spectrum.json with fit.c and fit.m (top level is not an object)")
    if data.get("format", SPECTRUM_FORMAT) != SPECTRUM_FORMAT:
        raise InputError(f"{path}: format {data.get('format')!r} is not {SPECTRUM_FORMAT!r}")
    version = data.get("format_version", 1)
    if not isinstance(version, int) or version > SPECTRUM_VERSION:
        raise InputError(f"{path}: spectrum format version {version!r} is newer than this code's ({SPECTRUM_VERSION})")
    try:
        fit = data["fit"]
        c, m = float(fit["c"]), float(fit["m"])
        pooled = data.get("pooled") or {}
        record = Spectrum(
            c=c,
            m=m,
            basis=dict(data.get("basis") or {}),
            pooling=data.get("pooling"),
            spectrum=data.get("spectrum"),
            n_chains=_optional_int(data.get("n_chains")),
            n_skipped=_optional_int(data.get("n_skipped")),
            pooled_k=tuple(float(v) for v in pooled.get("k", ())),
            pooled_power=tuple(float(v) for v in pooled.get("power", ())),
            pooled_count=tuple(int(v) for v in pooled.get("count", ())),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a spectrum.json with fit.c and fit.m ({exc!r})") from None
    if not (math.isfinite(c) and math.isfinite(m)):
        raise InputError(f"{path}: fit.c / fit.m are not finite ({c}, {m})")
    if not len(record.pooled_k) == len(record.pooled_power) == len(record.pooled_count):
        raise InputError(f"{path}: pooled.k, pooled.power and pooled.count differ in length")
    return record
