"""Small builders shared by test modules (fixtures stay in the conftest files)."""

from __future__ import annotations

import numpy as np

from protein_rgdm.constants import AMINO_ACIDS
from protein_rgdm.structure.record import ChainRecord


def random_record(name: str, L: int, rng: np.random.Generator, missing: tuple[int, ...] = ()) -> ChainRecord:
    """A random-walk Cα chain (3.8 Å bonds, float32 Å) with a random sequence; ``missing`` residues unobserved."""
    steps = rng.normal(size=(L, 3))
    steps *= 3.8 / np.linalg.norm(steps, axis=1, keepdims=True)
    ca = np.cumsum(steps, 0).astype(np.float32)
    observed = np.ones(L, bool)
    observed[list(missing)] = False
    ca[~observed] = np.nan
    seq = "".join(rng.choice(list(AMINO_ACIDS), L))
    nums = np.where(observed, np.arange(1, L + 1), -1).astype(np.int32)
    return ChainRecord(name, seq, ca, observed, nums)
