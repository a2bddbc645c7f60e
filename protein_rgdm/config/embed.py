"""Config of ``protein-rgdm embed``: which embedder's features to precompute."""

from __future__ import annotations

from pydantic import Field

from protein_rgdm.config.base import StrictModel
from protein_rgdm.config.model import EmbedderConfig, LearnedEmbedderConfig

__all__ = ["EmbedConfig"]


class EmbedConfig(StrictModel):
    """``embedder`` as in the train config's ``model.embedder``.

    Only ``esm`` and ``unirep`` have something to precompute; for ``learned`` (trained jointly) and
    ``precomputed`` (files given by the user) the command writes only its manifest. Chains are
    embedded over the same residue span training uses (``trim_termini`` as in ``train.data``).
    """

    embedder: EmbedderConfig = Field(default_factory=LearnedEmbedderConfig)
    device: str = "cpu"
    batch_tokens: int = Field(4096, ge=16)
    overwrite: bool = False
    trim_termini: bool = True
