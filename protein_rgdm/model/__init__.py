"""The e3nn score network, its sequence embedders and the padded ↔ packed adapters."""

from protein_rgdm.model.embedders import SequenceEmbedder, SequenceFeatures, build_embedder
from protein_rgdm.model.network import ScoreNetwork
from protein_rgdm.model.packing import Packing
from protein_rgdm.model.score_fn import make_score_fn, padded_forward
from protein_rgdm.model.tokens import validate_sequence, validate_sequences

__all__ = [
    "ScoreNetwork",
    "Packing",
    "SequenceEmbedder",
    "SequenceFeatures",
    "build_embedder",
    "make_score_fn",
    "padded_forward",
    "validate_sequence",
    "validate_sequences",
]
