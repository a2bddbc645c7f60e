"""Configs of the data stages: ``fetch``, ``featurize``, ``split`` (YAML sections of those names)."""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, model_validator

from protein_rgdm.config.base import StrictModel

__all__ = ["DateWindow", "FeaturizeConfig", "FeaturizeFilters", "FetchConfig", "SplitConfig"]


class FetchConfig(StrictModel):
    """Download (or copy from a local mirror) structure files by id."""

    source: Literal["rcsb", "local"] = "rcsb"
    url_template: str = "https://files.rcsb.org/download/{ID}.cif.gz"
    local_dir: str | None = None
    local_pattern: str = "{id}.cif.gz"
    out_name: str = "{id}.cif.gz"
    entry_ids: bool = True
    id_column: str = "name"
    workers: int = Field(8, ge=1, le=64)
    timeout_s: float = Field(30.0, gt=0)
    deadline_s: float = Field(300.0, gt=0)
    retries: int = Field(3, ge=0, le=10)
    backoff_s: float = Field(0.5, ge=0)
    max_bytes: int = Field(512 * 1024 * 1024, gt=0)
    overwrite: bool = False

    @model_validator(mode="after")
    def _local_needs_dir(self) -> FetchConfig:
        if self.source == "local" and not self.local_dir:
            raise ValueError("source 'local' needs local_dir")
        return self


class FeaturizeFilters(StrictModel):
    """Which chains featurize keeps; a chain failing any becomes a ``rejected.csv`` row with the reason."""

    min_length: int = Field(20, ge=1)
    max_length: int | None = Field(1000, ge=1)
    max_missing_fraction: float = Field(0.5, ge=0, le=1)
    max_resolution: float | None = Field(None, gt=0)
    methods: list[str] | None = None
    release_date_min: _dt.date | None = None
    release_date_max: _dt.date | None = None
    allow_missing_metadata: bool = True
    min_seqres_identity: float = Field(0.9, ge=0, le=1)


class FeaturizeConfig(StrictModel):
    """Structure files → chain records (``chains/<name>.npz``) + ``manifest.csv`` + ``rejected.csv``."""

    structures: str | None = None
    table: str | None = None
    metadata: list[str] = []
    seqres_from: Literal["table", "file"] = "table"
    pdb_backend: Literal["fast", "biotite"] = "fast"
    workers: int = Field(1, ge=1, le=256)
    overwrite: bool = False
    max_file_bytes: int = Field(1 << 30, ge=1, description="largest structure file read, after gzip decompression")
    filters: FeaturizeFilters = FeaturizeFilters()


class DateWindow(StrictModel):
    """Half-open release-date interval [start, end); None is unbounded."""

    start: _dt.date | None = None
    end: _dt.date | None = None


class FixedSplit(StrictModel):
    """Chains whose split a table already decides, e.g. a data set's own held-out chains.

    ``splits`` maps a value of ``column`` to one of our splits (``{val: test}``: the table's
    validation chains become our test set); rows with other values are split as usual.
    """

    table: str
    column: str = "split"
    name_column: str = "name"
    splits: dict[str, Literal["train", "val", "test"]] = Field(min_length=1)


class SplitConfig(StrictModel):
    """Manifest → ``splits/{train,val,test}.csv`` by sequence-identity clusters and/or release dates."""

    mode: Literal["cluster", "date", "date_cluster"] = "cluster"
    fractions: dict[Literal["train", "val", "test"], float] = {"train": 0.8, "val": 0.1, "test": 0.1}
    windows: dict[Literal["train", "val", "test"], DateWindow] = {}
    seed: int = 0
    mmseqs: str = "mmseqs"
    min_seq_id: float = Field(0.3, ge=0, le=1)
    coverage: float = Field(0.8, ge=0, le=1)
    cov_mode: int = Field(0, ge=0, le=5)
    threads: int = Field(1, ge=1)
    cluster_steps: int = Field(3, ge=1, le=10)
    #: Chains placed by a table before the others are dealt (``cluster`` mode only); the fractions
    #: then apply to the remaining chains.
    fixed: FixedSplit | None = None

    @model_validator(mode="after")
    def _check(self) -> SplitConfig:
        if self.fixed is not None and self.mode != "cluster":
            raise ValueError(f"'fixed' works with mode 'cluster' only (mode is {self.mode!r})")
        if self.mode == "cluster":
            total = sum(self.fractions.values())
            if abs(total - 1.0) > 1e-6 or any(v < 0 for v in self.fractions.values()):
                raise ValueError(f"fractions must be non-negative and sum to 1 (sum {total})")
        elif not self.windows:
            raise ValueError(f"mode {self.mode!r} needs windows")
        return self
