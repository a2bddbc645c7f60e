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


def call_with_timeout(fn, *args, timeout: float = 20.0, **kwargs):
    """``fn(*args, **kwargs)`` in a daemon thread: the test fails, instead of hanging the suite, after ``timeout`` s."""
    import threading

    import pytest

    result: dict = {}

    def run() -> None:
        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)} did not return within {timeout} s (hangs)")
    if "error" in result:
        raise result["error"]
    return result["value"]


def run_cli(*args: str, timeout: float = 120.0, cwd=None):
    """``python -m protein_rgdm ARGS`` in a subprocess with this checkout first on the path, killed after ``timeout`` s.

    Returns the ``CompletedProcess`` (text stdout / stderr). A command that hangs fails the test.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}  # fmt: skip
    try:
        return subprocess.run(
            [sys.executable, "-m", "protein_rgdm", *map(str, args)],
            capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"protein-rgdm {' '.join(map(str, args))} did not finish within {timeout} s (hangs)")
