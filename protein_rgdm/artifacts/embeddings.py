"""Embedding files: per-chain sequence features, ``<folder>/<name>.npz`` (EigenFold / RGDM layout).

Written by the embed stage (``stages.embed``: ``node_repr`` and ``seqres``) or brought by the user, read by the
precomputed and frozen language-model embedders (``model.embedders``). Each file holds ``node_repr`` (L, node_dim)
and, for pair features, ``edge_repr`` (L, L, edge_dim); an optional ``seqres`` string is checked against the
chain's sequence when present. The layout is the published one and carries no version of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from protein_rgdm.errors import InputError
from protein_rgdm.fileio import atomic_path

__all__ = ["embedding_file", "read_embedding", "save_embedding"]


def embedding_file(folder: str | Path, name: str) -> Path:
    """``folder/<name>.npz``."""
    return Path(folder) / f"{name}.npz"


def save_embedding(path: str | Path, node: np.ndarray, sequence: str) -> None:
    """Write ``node_repr`` (L, D) as float32 and ``seqres`` to ``path`` atomically (uncompressed npz)."""
    with atomic_path(Path(path)) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, node_repr=np.asarray(node).astype(np.float32), seqres=np.str_(sequence))


def read_embedding(
    path: Path, name: str, sequence: str, node_dim: int, edge_dim: int | None, *, need_sequence: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read and check one embedding file → (node (L, node_dim), edge (L, L, edge_dim) or None) float32.

    ``need_sequence``: a file without ``seqres`` is refused too (the embed stage keeps only files it can check).

    Raises
    ------
    InputError
        Missing or unreadable file, missing arrays, another sequence or wrong shapes (naming record and file).
    """
    if not path.is_file():
        raise InputError(f"record '{name}': embedding file {path} not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            if "node_repr" not in z.files:
                raise InputError(f"record '{name}': {path} lacks array 'node_repr'")
            node = np.asarray(z["node_repr"], dtype=np.float32)
            edge = np.asarray(z["edge_repr"], dtype=np.float32) if edge_dim and "edge_repr" in z.files else None
            seq = str(z["seqres"]) if "seqres" in z.files else None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"record '{name}': {path} is not a readable npz ({type(exc).__name__}: {exc})") from None
    L = len(sequence)
    if seq is None and need_sequence:
        raise InputError(f"record '{name}': {path} lacks 'seqres'")
    if seq is not None and seq != sequence:
        raise InputError(f"record '{name}': {path} was computed for a different sequence")
    if node.shape != (L, node_dim):
        raise InputError(f"record '{name}': {path} node_repr has shape {node.shape}, expected ({L}, {node_dim})")
    if edge_dim:
        if edge is None:
            raise InputError(f"record '{name}': {path} lacks array 'edge_repr' (set embedder.use_pair: false)")
        if edge.shape != (L, L, edge_dim):
            raise InputError(
                f"record '{name}': {path} edge_repr has shape {edge.shape}, expected ({L}, {L}, {edge_dim})"
            )
    return node, edge
