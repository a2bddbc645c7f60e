"""Alternate locations: keep, in every residue, the altloc with the highest occupancy (ties: the first in the file).

A residue modelled in two conformations lists its atoms twice, with altloc ids (``A``, ``B``, ...)
and occupancies summing to about 1. Structural biologists take the more occupied conformation; the
file order says nothing (``B`` may come first, or hold 0.7). The rule, shared by every reader
(PDB fast and biotite backends, mmCIF, BinaryCIF):

* atoms without an altloc id (blank, ``.``, ``?``) are always kept;
* within one residue, the altloc id whose atoms have the highest mean occupancy wins, and only
  its atoms are kept — one conformation per residue, never a mix;
* ties (equal to 1e-4) go to the id that appears first in the residue; missing occupancies count as 0.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLANK_ALTLOCS", "altloc_residue_index", "highest_occupancy_altloc"]

#: Altloc values that mean "no alternate location".
BLANK_ALTLOCS = ("", " ", ".", "?")


def highest_occupancy_altloc(residue_index: np.ndarray, altloc: np.ndarray, occupancy: np.ndarray) -> np.ndarray:
    """(N,) bool mask of the atoms to keep.

    Parameters
    ----------
    residue_index
        (N,) int, residue of each atom (equal for the atoms of one residue, whatever their altloc).
    altloc
        (N,) str altloc ids (``U1`` or longer; blank values as in :data:`BLANK_ALTLOCS`).
    occupancy
        (N,) float occupancies; NaN counts as 0.
    """
    altloc = np.char.strip(np.asarray(altloc, dtype=str))
    keep = np.isin(altloc, BLANK_ALTLOCS)
    idx = np.flatnonzero(~keep)
    if idx.size == 0:
        return keep
    res = np.asarray(residue_index, dtype=np.int64)[idx]
    _, id_code = np.unique(altloc[idx], return_inverse=True)
    occ = np.nan_to_num(np.asarray(occupancy, dtype=np.float64)[idx], nan=0.0)
    key = res * (int(id_code.max()) + 1) + id_code
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    mean = np.round(np.bincount(group, weights=occ) / np.bincount(group), 4)
    group_res = res[first]
    order = np.lexsort((first, -mean, group_res))  # per residue: highest mean, then earliest
    head = np.ones(order.size, dtype=bool)
    head[1:] = group_res[order][1:] != group_res[order][:-1]
    chosen = np.zeros(first.size, dtype=bool)
    chosen[order[head]] = True
    keep[idx[chosen[group]]] = True
    return keep


def altloc_residue_index(chain_id: np.ndarray, res_id: np.ndarray, ins_code: np.ndarray) -> np.ndarray:
    """(N,) int residue index for the altloc rule: runs of equal chain, number and insertion code.

    The residue name is not part of it, so a point mutation modelled as two altlocs
    (``ASER`` / ``BTHR`` at one position) is one residue of which one conformation is kept.
    """
    n = len(res_id)
    start = np.ones(n, dtype=bool)
    if n > 1:
        start[1:] = (chain_id[1:] != chain_id[:-1]) | (res_id[1:] != res_id[:-1]) | (ins_code[1:] != ins_code[:-1])
    return np.cumsum(start) - 1
