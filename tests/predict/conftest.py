"""A stand-in sampling engine for the prediction bookkeeping tests (batching, seeds, failures, resume).

The real model is exercised end to end in ``test_checkpoint.py``; this fake lets a test force
an out-of-memory error or count calls, which a real checkpoint cannot do on demand.
"""

from __future__ import annotations

import numpy as np
import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.predict.engine import SampleOutput


class FakeEngine:
    """Draws random-walk Cα traces (3.8 Å steps) from the given seed; records every call."""

    schedule = {"kind": "fake"}
    sampler = {"x0_guard": {"kind": "none"}}
    model_version = {"checkpoint_sha256": "fake"}

    def __init__(self, oom_above: int | None = None, refuse: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, int, int]] = []
        self.batches: list[list[tuple[str, int, int]]] = []  # one list of (name, n, seed) per sample_batch call
        self.oom_above = oom_above
        self.refuse = refuse  # names whose sampling fails as the model's own sequence check would

    def sample_batch(self, jobs, *, deterministic=False, trajectory=False, steps=None):
        """Each job as :meth:`sample` would do it alone; out of memory when rows x longest length > oom_above."""
        self.batches.append([(job.name, job.n, job.seed) for job in jobs])
        bad = [job.name for job in jobs if job.name in self.refuse]
        if bad:
            raise InputError(f"{bad[0]}: refused by the model")
        rows, lmax = sum(job.n for job in jobs), max(len(job.sequence) for job in jobs)
        if len(jobs) > 1 and self.oom_above is not None and rows * lmax > self.oom_above:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [self.sample(job.sequence, job.n, job.seed, job.name, deterministic=deterministic,
                            trajectory=trajectory, steps=steps) for job in jobs]  # fmt: skip

    def sample(self, sequence, n, seed, name, *, deterministic=False, trajectory=False, steps=None):
        self.calls.append((name, n, seed))
        if self.oom_above is not None and n * len(sequence) > self.oom_above:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        rng = np.random.default_rng(seed)
        steps = rng.normal(size=(n, len(sequence), 3))
        steps *= 3.8 / np.linalg.norm(steps, axis=-1, keepdims=True)
        x = np.cumsum(steps, axis=1).astype(np.float32)
        traj = np.stack([x * s for s in (3.0, 2.0, 1.0)]) if trajectory else None
        return SampleOutput(coords=x, nfe=7, num_steps=7, trajectory=traj)


@pytest.fixture
def fake_engine():
    return FakeEngine
