"""Evaluation: RMSD, TM-score, GDT-TS/HA and Cα-lDDT matching the TM-score program, Cα geometry and
P-SEA secondary structure, batch scoring, aggregation over samples, and reports."""

from protein_rgdm.evaluate.geometry import TraceGeometry, compare_geometry, trace_geometry
from protein_rgdm.evaluate.lddt import lddt_ca
from protein_rgdm.evaluate.matching import ResidueMatch, match_by_numbering, match_by_sequence, match_explicit
from protein_rgdm.evaluate.metrics import PairScores, score_matched, tm_gdt_search
from protein_rgdm.evaluate.superpose import rmsd_after_superposition

__all__ = [
    "lddt_ca",
    "ResidueMatch",
    "match_by_sequence",
    "match_by_numbering",
    "match_explicit",
    "PairScores",
    "score_matched",
    "tm_gdt_search",
    "rmsd_after_superposition",
    "TraceGeometry",
    "trace_geometry",
    "compare_geometry",
]
