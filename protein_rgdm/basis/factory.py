"""Build a basis from its config (strategy chosen by name)."""

from __future__ import annotations

from functools import partial

from protein_rgdm.basis.base import ModeBasis
from protein_rgdm.basis.graph import DenseGraphBasis, path_weights
from protein_rgdm.basis.path import HarmonicBasis, PathBasis
from protein_rgdm.config.diffusion import BasisConfig
from protein_rgdm.errors import ConfigError

__all__ = ["build_basis"]


def build_basis(cfg: BasisConfig) -> ModeBasis:
    """``path`` → :class:`PathBasis`, ``harmonic`` → :class:`HarmonicBasis`, ``path_dense`` → dense eigh of the path."""
    if cfg.kind == "path":
        return PathBasis(cfg.spring if cfg.spring is not None else 1.0)
    if cfg.kind == "harmonic":
        return HarmonicBasis() if cfg.spring is None else HarmonicBasis(cfg.spring)
    if cfg.kind == "path_dense":
        basis = DenseGraphBasis(partial(path_weights, spring=cfg.spring or 1.0), name="path_dense")
        basis.spring = cfg.spring or 1.0
        return basis
    raise ConfigError(f"basis.kind: unknown basis {cfg.kind!r}")  # pragma: no cover - pydantic guards
