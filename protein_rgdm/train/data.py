"""Training chains: ChainRecord files → trimmed, gap-filled Cα traces; length-bucketed batches.

Unobserved residues: with ``trim_termini`` (default) the chain is cut to its first..last observed
residue (unobserved termini are dropped from the sequence too; ``protein-rgdm embed`` embeds the
same trimmed sequence); otherwise unobserved termini are placed in 3.8 Å steps along the terminal
bond. Unobserved residues inside are placed by linear interpolation between their observed
neighbours, so the diffused chain stays contiguous along the sequence. All unobserved residues are
excluded from the loss (``loss_mask`` False).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from protein_rgdm.config.train import TrainDataConfig
from protein_rgdm.constants import CA_CA_DISTANCE
from protein_rgdm.errors import InputError
from protein_rgdm.model.tokens import validate_sequence
from protein_rgdm.structure.record import ChainRecord

__all__ = [
    "TrainingChain",
    "observed_span",
    "prepare_chain",
    "load_chains",
    "LengthBatcher",
    "Batch",
    "collate",
]


@dataclasses.dataclass(frozen=True)
class TrainingChain:
    """name, sequence (length L), ca (L, 3) float32 Å without NaN, loss_mask (L,) bool (observed)."""

    name: str
    sequence: str
    ca: np.ndarray
    loss_mask: np.ndarray

    @property
    def length(self) -> int:
        return len(self.sequence)


def observed_span(record: ChainRecord, trim_termini: bool = True) -> tuple[int, int]:
    """[lo, hi) residue range used for training: first..last observed residue, or all of seqres."""
    idx = np.flatnonzero(record.observed)
    if len(idx) == 0 or not trim_termini:
        return 0, record.length
    return int(idx[0]), int(idx[-1]) + 1


def _fill_unobserved(ca: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Linear interpolation inside, 3.8 Å steps along the terminal bond direction outside."""
    pos = np.arange(len(ca))
    out = ca.astype(np.float64).copy()
    for k in range(3):
        out[:, k] = np.interp(pos, pos[mask], out[mask, k])
    idx = np.flatnonzero(mask)
    first, last = int(idx[0]), int(idx[-1])
    for end, nxt, rng, sign in ((first, idx[1], range(first), -1), (last, idx[-2], range(last + 1, len(ca)), 1)):
        d = out[end] - out[nxt]
        d = d / max(np.linalg.norm(d), 1e-6)
        for i in rng:
            out[i] = out[end] + d * CA_CA_DISTANCE * abs(i - end)
    return out


def prepare_chain(record: ChainRecord, cfg: TrainDataConfig) -> TrainingChain:
    """Trim, fill and check one record; ``InputError`` (naming it) when it cannot be used."""
    obs = record.observed
    if obs.sum() < 2:
        raise InputError(f"record '{record.name}': fewer than 2 observed residues")
    if record.observed_fraction < cfg.min_observed_fraction:
        raise InputError(
            f"record '{record.name}': observed fraction {record.observed_fraction:.2f} < {cfg.min_observed_fraction}"
        )
    lo, hi = observed_span(record, cfg.trim_termini)
    seq = record.seqres[lo:hi]
    validate_sequence(record.name, seq)
    if not cfg.min_length <= len(seq) <= cfg.max_length:
        raise InputError(f"record '{record.name}': length {len(seq)} outside [{cfg.min_length}, {cfg.max_length}]")
    mask = obs[lo:hi].copy()
    ca = _fill_unobserved(record.ca[lo:hi], mask)
    return TrainingChain(record.name, seq, ca.astype(np.float32), mask)


class LengthBatcher:
    """Deterministic length-bucketed batches of chain indices under a padded-residue budget.

    ``batches(epoch)`` depends only on (seed, epoch), so a resumed run sees the same batches.
    """

    def __init__(self, lengths: Sequence[int], cfg: TrainDataConfig, seed: int, shuffle: bool = True) -> None:
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.cfg = cfg
        self.seed = seed
        self.shuffle = shuffle

    def _cut(self, order: np.ndarray) -> list[list[int]]:
        batches: list[list[int]] = []
        cur: list[int] = []
        longest = 0
        for i in order.tolist():
            L = int(self.lengths[i])
            new_longest = max(longest, L)
            if cur and (new_longest * (len(cur) + 1) > self.cfg.residue_budget or len(cur) >= self.cfg.max_chains):
                batches.append(cur)
                cur, new_longest = [], L
            cur.append(i)
            longest = new_longest
        if cur:
            batches.append(cur)
        return batches

    def batches(self, epoch: int) -> list[list[int]]:
        """Batches of epoch ``epoch`` (lists of chain indices)."""
        if not self.shuffle:
            return self._cut(np.argsort(self.lengths, kind="stable"))
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.lengths))
        group = self.cfg.bucket_batches * max(1, self.cfg.residue_budget // max(1, int(self.lengths.mean())))
        out: list[list[int]] = []
        for start in range(0, len(order), group):
            chunk = order[start : start + group]
            chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")]
            out.extend(self._cut(chunk))
        perm = rng.permutation(len(out))
        return [out[i] for i in perm]


@dataclasses.dataclass
class Batch:
    """Padded batch: x0 (B, Lmax, 3) Å, mask (B, Lmax) bool, loss_mask (B, Lmax) bool, sequences, names."""

    x0: torch.Tensor
    mask: torch.Tensor
    loss_mask: torch.Tensor
    sequences: list[str]
    names: list[str]

    @property
    def num_residues(self) -> int:
        return int(self.mask.sum())


def collate(chains: Sequence[TrainingChain], device: torch.device | str = "cpu") -> Batch:
    """Pad chains to the longest one (coordinates 0 and masks False at padding)."""
    lmax = max(c.length for c in chains)
    B = len(chains)
    x0 = np.zeros((B, lmax, 3), dtype=np.float32)
    mask = np.zeros((B, lmax), dtype=bool)
    loss_mask = np.zeros((B, lmax), dtype=bool)
    for b, c in enumerate(chains):
        x0[b, : c.length] = c.ca
        mask[b, : c.length] = True
        loss_mask[b, : c.length] = c.loss_mask
    t = lambda a: torch.from_numpy(a).to(device)  # noqa: E731
    return Batch(t(x0), t(mask), t(loss_mask), [c.sequence for c in chains], [c.name for c in chains])


def load_chains(
    names: Sequence[str], index: dict[str, Path], cfg: TrainDataConfig
) -> tuple[list[TrainingChain], list[tuple[str, str]]]:
    """Load and prepare the named chains → (usable chains, [(name, reason skipped)])."""
    chains: list[TrainingChain] = []
    skipped: list[tuple[str, str]] = []
    for name in names:
        path = index.get(name)
        if path is None:
            skipped.append((name, "no chain file <name>.npz in the chains folders"))
            continue
        try:
            chains.append(prepare_chain(ChainRecord.load(path), cfg))
        except InputError as exc:
            skipped.append((name, str(exc)))
    return chains, skipped
