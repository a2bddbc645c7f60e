"""The training loop: AdamW + warm-up/decay, clipping, EMA, bf16 autocast on CUDA, DDP, exact resume.

Determinism: model initialisation uses ``seed``; epoch e's batches depend only on (seed, e); the
diffusion noise comes from one ``torch.Generator`` (seeded with seed and rank) whose state, with the
global torch / numpy / Python RNG states, is saved in every checkpoint. A run resumed from the
checkpoint of step n therefore replays steps n+1.. exactly as the uninterrupted run (on CPU).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import random
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from protein_rgdm import __version__
from protein_rgdm.artifacts.checkpoint import (
    check_config_fits,
    config_from_checkpoint,
    load_state_strict,
    read_checkpoint,
    save_checkpoint,
)
from protein_rgdm.config.base import git_commit
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.errors import InputError
from protein_rgdm.model import Packing, ScoreNetwork
from protein_rgdm.train.data import Batch, LengthBatcher, TrainingChain, collate
from protein_rgdm.train.distributed import DistInfo, all_reduce_mean, barrier
from protein_rgdm.train.ema import EMA
from protein_rgdm.train.logs import LossLog
from protein_rgdm.train.optim import build_optimizer, build_scheduler

__all__ = ["Trainer", "TrainStepModule", "batch_loss"]


class TrainStepModule(nn.Module):
    """Embed + network in one ``forward`` (what DDP wraps): padded batch → (B, Lmax, 3)."""

    def __init__(self, net: ScoreNetwork) -> None:
        super().__init__()
        self.net = net

    def forward(self, x_t, t, shell, mask, sequences: list[str], names: list[str]) -> torch.Tensor:
        packing = Packing.from_mask(mask)
        feats = self.net.embed(sequences, names, packing)
        out = self.net(packing.pack(x_t), t, shell, packing, feats)
        return packing.unpack(out, mask.shape[1])


def batch_loss(module: nn.Module, diffusion, batch: Batch, generator: torch.Generator, amp: bool) -> torch.Tensor:
    """Noise ``batch``, predict, and return the diffusion loss (interpolated residues excluded)."""
    ex = diffusion.training_example(batch.x0, batch.mask, generator)
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if amp and batch.x0.is_cuda else nullcontext()
    with ctx:
        pred = module(ex.x_t, ex.t, ex.shell, batch.mask, batch.sequences, batch.names)
    pred = pred.float()
    # unobserved (interpolated) residues: prediction := target, i.e. no error and no gradient there
    pred = torch.where(batch.loss_mask[..., None], pred, ex.target.to(pred.dtype))
    return diffusion.loss(pred, ex, batch.mask)


def _rng_state(generator: torch.Generator) -> dict[str, Any]:
    state = {
        "torch": torch.get_rng_state(),
        "numpy": json.dumps(_np_state()),
        "python": json.dumps(random.getstate()),
        "generator": generator.get_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _np_state() -> list:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]


def _set_rng_state(state: dict[str, Any], generator: torch.Generator) -> None:
    torch.set_rng_state(state["torch"])
    name, keys, pos, has_gauss, cached = json.loads(state["numpy"])
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    py = json.loads(state["python"])
    random.setstate((py[0], tuple(py[1]), py[2]))
    generator.set_state(state["generator"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class Trainer:
    """Fit a :class:`ScoreNetwork` to chains with a :class:`Diffusion`'s targets.

    Parameters
    ----------
    cfg
        Resolved training config (saved in every checkpoint).
    train_chains, val_chains
        Prepared chains (``protein_rgdm.train.data.load_chains``).
    out_dir
        Where ``last.pt``, ``best.pt``, ``checkpoint.pt`` (final), ``losses.csv`` go.
    device, dist
        Torch device and process group info (``train.distributed.init_distributed``).
    resume
        Continue from ``out_dir/last.pt`` when it exists (its model/diffusion config must match).
    progress
        Show a tqdm progress bar (main process only).
    """

    def __init__(
        self,
        cfg: TrainConfig,
        train_chains: Sequence[TrainingChain],
        val_chains: Sequence[TrainingChain],
        out_dir: str | Path,
        device: torch.device | str = "cpu",
        dist: DistInfo | None = None,
        resume: bool = True,
        progress: bool = True,
    ) -> None:
        if not train_chains:
            raise InputError("no usable training chains")
        self.cfg, self.out_dir = cfg, Path(out_dir)
        self.device = torch.device(device)
        self.dist = dist or DistInfo()
        self.train_chains, self.val_chains = list(train_chains), list(val_chains)
        self.progress = progress and self.dist.is_main
        torch.manual_seed(cfg.seed)
        self.net = ScoreNetwork(cfg.model).to(self.device)
        self.module: nn.Module = TrainStepModule(self.net)
        if self.dist.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.module = nn.parallel.DistributedDataParallel(self.module, device_ids=ids)
        self.forward = torch.compile(self.module) if cfg.compile else self.module
        self.diffusion = Diffusion.from_config(cfg.diffusion)
        self.optimizer = build_optimizer(self.net, cfg.optim)
        self.scheduler = build_scheduler(self.optimizer, cfg.optim, cfg.max_steps)
        self.ema = EMA(self.net, cfg.ema_decay)
        self.generator = torch.Generator(device=self.device).manual_seed(cfg.seed * 1000 + 17 + self.dist.rank)
        self.batcher = LengthBatcher([c.length for c in self.train_chains], cfg.data, cfg.seed)
        self.step = self.epoch = self.batch_in_epoch = 0
        self.best_val = math.inf
        self._eval_module: TrainStepModule | None = None
        self.log = LossLog(self.out_dir / "losses.csv", self.out_dir / "tensorboard" if cfg.tensorboard else None)
        self.last_path = self.out_dir / "last.pt"
        if resume and self.last_path.is_file():
            self._restore(self.last_path)

    # ----- checkpoints -----------------------------------------------------------------------
    def _payload(self) -> dict[str, Any]:
        return {
            "config_json": self.cfg.model_dump_json(),
            "model": self.net.state_dict(),
            "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "best_val": self.best_val,
            "rng": _rng_state(self.generator),
            "metadata": {
                "git_commit": git_commit(),
                "protein_rgdm_version": __version__,
                "torch_version": str(torch.__version__),
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "step": self.step,
                "epoch": self.epoch,
                "world_size": self.dist.world_size,
                "num_train_chains": len(self.train_chains),
            },
        }

    def save(self, path: str | Path) -> None:
        """Write a full checkpoint (main process only)."""
        if self.dist.is_main:
            save_checkpoint(path, self._payload())

    def _restore(self, path: Path) -> None:
        data = read_checkpoint(path, map_location=self.device)
        check_config_fits(config_from_checkpoint(data, str(path)), self.cfg, str(path))
        load_state_strict(self.net, data["model"], str(path))
        self.ema.load_state_dict(data["ema"])
        self.optimizer.load_state_dict(data["optimizer"])
        self.scheduler.load_state_dict(data["scheduler"])
        self.step, self.epoch = int(data["step"]), int(data["epoch"])
        self.batch_in_epoch, self.best_val = int(data["batch_in_epoch"]), float(data["best_val"])
        _set_rng_state(data["rng"], self.generator)
        if self.dist.enabled:  # each rank has its own noise stream
            self.generator.manual_seed(self.cfg.seed * 1000 + 17 + self.dist.rank + 7919 * self.step)

    # ----- loop ------------------------------------------------------------------------------
    def _my_batches(self, epoch: int) -> list[list[int]]:
        batches = self.batcher.batches(epoch)
        w = self.dist.world_size
        usable = len(batches) // w * w
        if usable == 0:
            raise InputError(f"{len(batches)} batch(es) per epoch cannot feed {w} processes")
        return batches[self.dist.rank : usable : w]

    def _train_step(self, batch: Batch) -> tuple[float, float]:
        self.module.train()
        loss = batch_loss(self.forward, self.diffusion, batch, self.generator, self.cfg.amp)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = self.cfg.optim.grad_clip
        gnorm = nn.utils.clip_grad_norm_(self.net.parameters(), clip if clip else float("inf"))
        self.optimizer.step()
        self.scheduler.step()
        self.ema.update(self.net)
        return float(all_reduce_mean(loss.detach(), self.dist)), float(gnorm)

    @torch.no_grad()
    def validate(self) -> float | None:
        """Mean validation loss of the EMA weights with a fixed noise stream (same every epoch)."""
        if not self.val_chains:
            return None
        if self._eval_module is None:
            with torch.random.fork_rng(devices=[]):  # construction must not move the global RNG
                self._eval_module = TrainStepModule(ScoreNetwork(self.cfg.model).to(self.device)).eval()
        self.ema.copy_to(self._eval_module.net)
        module = self._eval_module
        gen = torch.Generator(device=self.device).manual_seed(self.cfg.seed + 99991)
        batcher = LengthBatcher([c.length for c in self.val_chains], self.cfg.data, self.cfg.seed, shuffle=False)
        batches = batcher.batches(0)[: self.cfg.data.val_max_batches]
        total = count = 0.0
        for idx in batches:
            batch = collate([self.val_chains[i] for i in idx], self.device)
            loss = batch_loss(module, self.diffusion, batch, gen, self.cfg.amp)
            total += float(loss) * len(idx)
            count += len(idx)
        return total / count

    def _out_of_time(self, t0: float) -> bool:
        """True (on every rank alike) once ``max_time_s`` of training has passed."""
        if self.cfg.max_time_s is None:
            return False
        flag = torch.tensor(float(time.perf_counter() - t0 > self.cfg.max_time_s), device=self.device)
        self._timed_out = bool(all_reduce_mean(flag, self.dist) > 0)
        return self._timed_out

    def _done(self, limit: int) -> bool:
        return self.step >= limit or (self.cfg.max_epochs is not None and self.epoch >= self.cfg.max_epochs)

    def fit(self, stop_after: int | None = None, save_on_stop: bool = True) -> dict[str, Any]:
        """Train until ``max_steps`` / ``max_epochs`` (or ``stop_after`` steps, for tests and time limits).

        When ``max_time_s`` runs out first, training stops after the current step and writes
        ``last.pt`` and the final ``checkpoint.pt`` of that step (model and EMA weights) as at a normal
        end, with ``timed_out`` in the summary; a later run resumes from ``last.pt``.

        Returns a summary dict (start step (> 0 when resumed), step, epoch, finished, timed_out, last
        loss, best validation loss, residues/s).
        """
        from tqdm.auto import tqdm

        limit = self.cfg.max_steps if stop_after is None else min(stop_after, self.cfg.max_steps)
        if self.dist.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.log.start(self.step)
        barrier(self.dist)
        bar = tqdm(total=limit, initial=self.step, disable=not self.progress, desc="train", unit="step")
        t0, residues, last_loss, start_step = time.perf_counter(), 0, None, self.step
        self._timed_out = False
        while not self._done(limit):
            batches = self._my_batches(self.epoch)
            while self.batch_in_epoch < len(batches) and self.step < limit:
                batch = collate([self.train_chains[i] for i in batches[self.batch_in_epoch]], self.device)
                last_loss, gnorm = self._train_step(batch)
                self.step += 1
                self.batch_in_epoch += 1
                residues += batch.num_residues
                bar.update(1)
                if self.dist.is_main and (self.step % self.cfg.log_every == 0 or self.step == 1):
                    bar.set_postfix(loss=f"{last_loss:.4g}")
                    self.log.write(
                        kind="train", step=self.step, epoch=self.epoch, loss=last_loss,
                        lr=self.scheduler.get_last_lr()[0], grad_norm=gnorm, residues=batch.num_residues,
                        seconds=round(time.perf_counter() - t0, 3),
                    )
                if self.step % self.cfg.checkpoint_every == 0:
                    self.save(self.last_path)
                if self._out_of_time(t0):
                    break
            if self.batch_in_epoch >= len(batches):
                due = (self.epoch + 1) % self.cfg.val_every_epochs == 0
                val = self.validate() if self.dist.is_main and due else None
                if val is not None:
                    self.log.write(kind="val", step=self.step, epoch=self.epoch, loss=val)
                self.epoch += 1
                self.batch_in_epoch = 0
                if val is not None and val < self.best_val:
                    self.best_val = val
                    self.save(self.out_dir / "best.pt")
                self.save(self.last_path)
                barrier(self.dist)
            elif stop_after is not None and self.step >= limit and not save_on_stop:
                break
            if self._timed_out:
                break
        bar.close()
        if save_on_stop or self._done(self.cfg.max_steps):
            self.save(self.last_path)
        finished = self.step >= self.cfg.max_steps or (
            self.cfg.max_epochs is not None and self.epoch >= self.cfg.max_epochs
        )
        if finished or self._timed_out:  # a spent time budget ends the stage too; last.pt keeps it resumable
            self.save(self.out_dir / "checkpoint.pt")
        barrier(self.dist)
        self.log.close()
        elapsed = time.perf_counter() - t0
        return {
            "start_step": start_step,
            "step": self.step,
            "epoch": self.epoch,
            "finished": finished,
            "timed_out": self._timed_out,
            "last_loss": last_loss,
            "best_val": None if math.isinf(self.best_val) else self.best_val,
            "residues_per_s": residues / elapsed if elapsed > 0 else None,
        }
