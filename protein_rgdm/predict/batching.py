"""Packing the samples of many records into sampler batches, and what to do when a batch fails.

A record's samples are split into chunks of at most ``batch_residues // L`` samples; each chunk draws
from its own generator, seeded from the base seed, the record id and the chunk's first sample index
(:func:`derive_seed`). Consecutive chunks, sorted by length, share one sampler batch while rows ×
longest length stays within ``batch_residues`` (:func:`pack_chunks`); the engine gives every chunk
its own noise stream (``diffusion.noise.BlockNoise``), so a chunk's samples do not depend on its
batch-mates (up to the float rounding of the batched network forward). A packed batch that fails
(out of memory, a sequence the model refuses) is redone one chunk at a time, and a chunk out of
memory is halved, so only the failing record fails.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import Any

import numpy as np

from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.errors import InputError, ProteinRGDMError
from protein_rgdm.predict.inputs import SequenceRecord

__all__ = ["Chunk", "derive_seed", "pack_chunks", "record_chunks", "sample_packed"]

#: per chunk: per-sample JSON facts, (n, L, 3) float32 coordinates in Å, per-sample trajectories (or None)
ChunkResult = tuple[list[dict], np.ndarray, list]


def derive_seed(base: int, *parts: object) -> int:
    """A 63-bit seed from the base seed and labels (record id, sample index), stable across runs."""
    text = ":".join(str(p) for p in (base, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def _is_oom(exc: BaseException) -> bool:
    import torch  # here, not at the top: see _run_batch

    return isinstance(exc, torch.cuda.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    )


def _free_memory() -> None:
    import torch  # here, not at the top: see _run_batch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@dataclasses.dataclass(frozen=True)
class Chunk:
    """Samples ``start .. start + n - 1`` of ``record``, drawn together from the generator seeded by ``seed``."""

    record: SequenceRecord
    start: int
    n: int
    seed: int

    @property
    def length(self) -> int:
        return len(self.record.sequence)


def record_chunks(record: SequenceRecord, config: PredictConfig, start: int = 0, stop: int | None = None,
            per_batch: int | None = None) -> list[Chunk]:  # fmt: skip
    """Split samples ``start .. stop - 1`` of a record into chunks of ``per_batch`` (default: what fits the budget)."""
    stop = config.num_samples if stop is None else stop
    per_batch = per_batch or max(1, min(config.num_samples, config.batch_residues // len(record.sequence)))
    return [
        Chunk(record, k, min(per_batch, stop - k), derive_seed(config.seed, record.id, k))
        for k in range(start, stop, per_batch)
    ]


def pack_chunks(chunks: list[Chunk], budget: int, pack: bool) -> list[list[Chunk]]:
    """Consecutive chunks (sorted by length) grouped while rows × longest length stays within ``budget``."""
    batches: list[list[Chunk]] = []
    rows = lmax = 0
    for chunk in chunks:
        grown = (rows + chunk.n) * max(lmax, chunk.length)
        if batches and pack and grown <= budget:
            batches[-1].append(chunk)
            rows, lmax = rows + chunk.n, max(lmax, chunk.length)
        else:
            batches.append([chunk])
            rows, lmax = chunk.n, chunk.length
    return batches


def _run_batch(engine: Any, batch: list[Chunk], config: PredictConfig) -> list[ChunkResult]:
    """Sample one packed batch → per chunk (meta, coords (n, L, 3), trajectories)."""
    # In the function: the engine (with it torch, the network and the diffusion, seconds to import) loads only
    # when sampling, so ``import protein_rgdm.predict`` stays light for the targets command and the inputs reader.
    from protein_rgdm.predict.engine import SampleJob

    jobs = [SampleJob(c.record.model_sequence, c.n, c.seed, c.record.id) for c in batch]
    start = time.perf_counter()
    outs = engine.sample_batch(jobs, deterministic=config.deterministic, trajectory=config.write_trajectory,
                               steps=config.steps)  # fmt: skip
    wall = time.perf_counter() - start
    rows = sum(c.n for c in batch)
    results = []
    for chunk, out in zip(batch, outs):
        meta = [{
            "seed": chunk.seed, "batch_position": j, "batch_size": chunk.n, "steps": out.num_steps,
            "nfe": out.nfe, "wall_time_s": wall / rows, "batch_wall_time_s": wall, "batch_rows": rows,
        } for j in range(chunk.n)]  # fmt: skip
        trajs = [None if out.trajectory is None else out.trajectory[:, j] for j in range(chunk.n)]
        results.append((meta, np.asarray(out.coords, dtype=np.float32), trajs))
    return results


def _sample_chunk(engine: Any, chunk: Chunk, config: PredictConfig) -> list[ChunkResult]:
    """One chunk alone; on out-of-memory it is halved (new chunks, new seeds) until one sample fails."""
    try:
        return _run_batch(engine, [chunk], config)
    except (RuntimeError, MemoryError) as exc:
        if not _is_oom(exc) and not isinstance(exc, MemoryError):
            raise
    _free_memory()
    if chunk.n == 1:
        raise InputError(f"{chunk.record.id}: out of memory for length {chunk.length} even with one sample per batch")
    parts = record_chunks(chunk.record, config, chunk.start, chunk.start + chunk.n, max(1, chunk.n // 2))
    return [res for part in parts for res in _sample_chunk(engine, part, config)]


def sample_packed(engine: Any, batch: list[Chunk], config: PredictConfig) -> dict[int, Any]:
    """Results of a packed batch by chunk position; if the batch fails (out of memory, one record's bad input)
    each chunk is redone alone, so only the failing record fails (its value is then the exception)."""
    if len(batch) > 1:
        try:
            return {i: [res] for i, res in enumerate(_run_batch(engine, batch, config))}
        except ProteinRGDMError:
            pass
        except (RuntimeError, MemoryError) as exc:
            if not _is_oom(exc) and not isinstance(exc, MemoryError):
                raise
            _free_memory()
    results: dict[int, Any] = {}
    for i, chunk in enumerate(batch):
        try:
            results[i] = _sample_chunk(engine, chunk, config)
        except ProteinRGDMError as exc:
            results[i] = exc
    return results
