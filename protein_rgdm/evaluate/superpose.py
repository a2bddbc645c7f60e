"""Optimal rigid superposition (Kabsch, by Horn's quaternion method) of matched Cα traces.

The fit itself is the compiled :func:`._kernels.kabsch` (the same routine the TM-score search
uses for every superposition it visits); this module gives it a checked numpy interface.
"""

from __future__ import annotations

import numpy as np

from protein_rgdm.evaluate._kernels import kabsch as _kabsch_kernel

__all__ = ["kabsch", "rmsd_after_superposition"]


def _matched(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"matched traces must both be (N, 3), got {x.shape} and {y.shape}")
    return x, y


def kabsch(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proper rotation and translation minimising Σ |R xᵢ + t − yᵢ|² over all matched pairs.

    Parameters
    ----------
    x
        (N, 3) mobile coordinates (the model), Å, N ≥ 1.
    y
        (N, 3) fixed coordinates (the reference), Å; row ``i`` is matched to ``x[i]``.

    Returns
    -------
    rot
        (3, 3) float64 rotation, det +1.
    trans
        (3,) float64 translation, Å: ``x @ rot.T + trans`` lies on ``y``.
    """
    x, y = _matched(x, y)
    if len(x) == 0:
        raise ValueError("cannot superpose empty traces")
    shift = y.mean(axis=0)  # fit near the origin: smaller moment sums, less cancellation
    rot, trans = _kabsch_kernel(x - shift, y - shift)
    return rot, trans + shift - rot @ shift


def rmsd_after_superposition(x: np.ndarray, y: np.ndarray) -> float:
    """RMSD (Å) of two matched (N, 3) traces after their optimal superposition over all N pairs (NaN if N = 0)."""
    x, y = _matched(x, y)
    if len(x) == 0:
        return float("nan")
    shift = y.mean(axis=0)
    x, y = x - shift, y - shift
    rot, trans = _kabsch_kernel(x, y)
    diff = x @ rot.T + trans - y
    return float(np.sqrt((diff * diff).sum(axis=1).mean()))
