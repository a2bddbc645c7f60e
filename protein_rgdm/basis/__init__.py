"""Graph-Laplacian eigenbases of a chain: path graph (DCT-II via FFT), harmonic polymer, general graphs, spectra."""

from protein_rgdm.basis.base import ModeBasis, chain_lengths, compact_index
from protein_rgdm.basis.dct import dct2, dct_matrix, idct2
from protein_rgdm.basis.factory import build_basis
from protein_rgdm.basis.graph import DenseGraphBasis, graph_laplacian, path_weights
from protein_rgdm.basis.path import HarmonicBasis, PathBasis

__all__ = [
    "DenseGraphBasis",
    "HarmonicBasis",
    "ModeBasis",
    "PathBasis",
    "build_basis",
    "chain_lengths",
    "compact_index",
    "dct2",
    "dct_matrix",
    "graph_laplacian",
    "idct2",
    "path_weights",
]
