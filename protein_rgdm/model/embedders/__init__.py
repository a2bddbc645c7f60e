"""Sequence embedders behind one interface, chosen by ``ModelConfig.embedder.kind``."""

from __future__ import annotations

from protein_rgdm.model.embedders.base import SequenceEmbedder, SequenceFeatures
from protein_rgdm.model.embedders.esm import EsmEmbedder
from protein_rgdm.model.embedders.learned import LearnedEmbedder
from protein_rgdm.model.embedders.precomputed import PrecomputedEmbedder
from protein_rgdm.model.embedders.unirep import UniRepEmbedder

__all__ = ["SequenceEmbedder", "SequenceFeatures", "build_embedder"]


def build_embedder(cfg) -> SequenceEmbedder:
    """The embedder for an embedder config (learned / precomputed / esm / unirep)."""
    if cfg.kind == "learned":
        return LearnedEmbedder(cfg)
    if cfg.kind == "precomputed":
        return PrecomputedEmbedder(cfg)
    if cfg.kind == "esm":
        return EsmEmbedder(cfg)
    if cfg.kind == "unirep":
        return UniRepEmbedder(cfg)
    raise ValueError(f"unknown embedder kind {cfg.kind!r}")  # pragma: no cover - config validation prevents it
