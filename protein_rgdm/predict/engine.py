"""The sampling engine: a checkpoint loaded once, its diffusion (optionally re-scheduled) and device.

The only place prediction touches the model and diffusion packages, through the agreed API:
``predict.checkpoint.load_for_inference`` and ``Diffusion.sample``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError

from protein_rgdm import __version__
from protein_rgdm.artifacts.checkpoint import CheckpointRef, checkpoint_ref
from protein_rgdm.config.base import format_validation_error
from protein_rgdm.config.diffusion import SCHEDULE_CONFIGS
from protein_rgdm.config.predict import PredictConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.diffusion.noise import BlockNoise, NoiseBlock
from protein_rgdm.errors import ConfigError
from protein_rgdm.predict.checkpoint import load_for_inference

__all__ = ["Engine", "SampleJob", "SampleOutput", "load_engine", "resolve_device", "sampling_diffusion"]


@dataclasses.dataclass
class SampleOutput:
    """What one call of the sampler returned for a batch of samples of one sequence.

    Attributes
    ----------
    coords
        (B, L, 3) float32 numpy array, Å.
    nfe
        Number of score-network evaluations.
    num_steps
        Reverse steps taken.
    trajectory
        (T, B, L, 3) float32 numpy array of intermediate states in Å, or None.
    """

    coords: Any
    nfe: int
    num_steps: int
    trajectory: Any | None = None


@dataclasses.dataclass(frozen=True)
class SampleJob:
    """``n`` samples of ``sequence`` (named ``name``) from a generator seeded by ``seed``."""

    sequence: str
    n: int
    seed: int
    name: str


class Engine:
    """A loaded model ready to sample: ``sample(sequence, n, seed, name)``, or several jobs in one batch.

    Parameters
    ----------
    inference
        Object with ``score_fn(sequences, mask, names)``, ``diffusion`` and ``metadata``
        (``predict.checkpoint.InferenceModel``).
    diffusion
        The diffusion process to sample with (the checkpoint's, or one rebuilt with a
        different schedule).
    device
        torch device the model lives on.
    model_version
        JSON-able facts about the checkpoint (path, sha256, step, git commit, package version).
    schedule
        JSON-able description of the sampling schedule.
    sampler
        JSON-able sampler settings (``diffusion.sampler``: the x̂₀ guard).
    """

    def __init__(
        self, inference: Any, diffusion: Any, device: Any, model_version: dict, schedule: dict, sampler: dict
    ) -> None:
        self.inference = inference
        self.diffusion = diffusion
        self.device = device
        self.model_version = model_version
        self.schedule = schedule
        self.sampler = sampler

    def sample(
        self,
        sequence: str,
        n: int,
        seed: int,
        name: str,
        *,
        deterministic: bool = False,
        trajectory: bool = False,
        steps: int | None = None,
    ) -> SampleOutput:
        """Draw ``n`` structures of ``sequence`` in one batch with a generator seeded by ``seed``.

        ``steps``: at most that many network evaluations (a subsequence of the trained steps; None = all).
        """
        return self.sample_batch([SampleJob(sequence, n, seed, name)], deterministic=deterministic,
                                 trajectory=trajectory, steps=steps)[0]  # fmt: skip

    def sample_batch(
        self, jobs: list[SampleJob], *, deterministic: bool = False, trajectory: bool = False, steps: int | None = None
    ) -> list[SampleOutput]:
        """Run several jobs (samples of several sequences) as one padded batch, one random stream per job.

        Job k's rows draw their noise from a generator seeded by ``jobs[k].seed`` at their own length and on
        their own steps only (``diffusion.noise.BlockNoise``), so each job's output is what :meth:`sample`
        gives for it alone, up to the floating-point summation order of the batched network forward.
        ``steps``: at most that many network evaluations per job (a subsequence of the trained steps; None = all).
        """
        lengths = [len(job.sequence) for job in jobs]
        lmax = max(lengths)
        rows = [L for job, L in zip(jobs, lengths) for _ in range(job.n)]
        mask = torch.arange(lmax, device=self.device)[None, :] < torch.tensor(rows, device=self.device)[:, None]
        blocks = [
            NoiseBlock(job.n, L, torch.Generator(device=self.device).manual_seed(int(job.seed)))
            for job, L in zip(jobs, lengths)
        ]
        with torch.no_grad():
            sequences = [job.sequence for job in jobs for _ in range(job.n)]
            names = [job.name for job in jobs for _ in range(job.n)]
            score_fn = self.inference.score_fn(sequences, mask, names, blocks=[job.n for job in jobs])
            res = self.diffusion.sample(
                score_fn, mask, BlockNoise(blocks), deterministic=deterministic, return_trajectory=trajectory,
                steps=steps,
            )
        x = res.x.detach().float().cpu().numpy()
        traj = None
        if trajectory and res.trajectory is not None:
            traj = torch.stack([t.detach().float().cpu() for t in res.trajectory]).numpy()
        outputs, r0 = [], 0
        for job, L in zip(jobs, lengths):
            # the job's own visits (= NFE); it idles through the batch's first others
            visits = int(len(self.diffusion.step_indices(L, steps)))
            rows_ = slice(r0, r0 + job.n)
            outputs.append(SampleOutput(
                coords=x[rows_, :L], nfe=visits, num_steps=visits,
                trajectory=None if traj is None else traj[traj.shape[0] - visits - 1 :, rows_, :L],
            ))  # fmt: skip
            r0 += job.n
        return outputs


def resolve_device(name: str):
    """``'auto'`` → cuda when available else cpu; anything else is passed to ``torch.device``."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise ConfigError(f"device '{name}': {exc}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device '{name}' requested but CUDA is not available")
    return device


def sampling_diffusion(diffusion: Any, config: PredictConfig) -> tuple[Any, dict, dict]:
    """The checkpoint's diffusion, or one rebuilt with the step budget / schedule / x̂₀ guard / spacing overrides.

    Returns the diffusion to sample with and JSON-able descriptions of its schedule and sampler settings.
    """
    cfg = diffusion.config
    sampler = {
        k: v
        for k, v in (("x0_guard", config.x0_guard), ("spacing", config.spacing), ("ode_solver", config.ode_solver))
        if v is not None
    }
    rebuild = bool(sampler)
    if rebuild:
        cfg = cfg.model_copy(update={"sampler": cfg.sampler.model_copy(update=sampler)})
    overrides = dict(config.schedule_overrides)
    if config.t32 is not None:
        overrides["t32"] = config.t32
    if overrides:
        schedule = cfg.schedule.model_dump()
        unknown = sorted(set(overrides) - {k for c in SCHEDULE_CONFIGS.values() for k in c.model_fields})
        if unknown:
            raise ConfigError(
                f"schedule override(s) {unknown} not parameters of the checkpoint's '{schedule.get('kind')}' schedule "
                f"(has {sorted(schedule)})"
            )
        schedule.update(overrides)
        try:
            cfg = cfg.model_validate({**cfg.model_dump(), "schedule": schedule})
        except ValidationError as exc:
            source = f"predict schedule override(s) {sorted(overrides)} on the checkpoint's diffusion config"
            raise ConfigError(format_validation_error(exc, source)) from None
        rebuild = True
    if rebuild:
        diffusion = Diffusion.from_config(cfg)
    return diffusion, cfg.schedule.model_dump(mode="json"), cfg.sampler.model_dump(mode="json")


def load_engine(checkpoint: str | Path | CheckpointRef, config: PredictConfig) -> Engine:
    """Load ``checkpoint`` once onto the configured device and apply the schedule overrides.

    A :class:`CheckpointRef` (checked and hashed by the caller) is used as it is; a path is checked and hashed here.
    """
    ref = checkpoint if isinstance(checkpoint, CheckpointRef) else checkpoint_ref(checkpoint)
    device = resolve_device(config.device)
    inference = load_for_inference(ref, device)
    diffusion, schedule, sampler = sampling_diffusion(inference.diffusion, config)
    meta = dict(inference.metadata or {})
    version = {
        "checkpoint": str(ref.path),
        "checkpoint_sha256": ref.sha256,
        "package_version": __version__,
        **{k: meta[k] for k in sorted(meta) if isinstance(meta[k], (str, int, float, bool, type(None)))},
    }
    return Engine(inference, diffusion, device, version, schedule, sampler)
