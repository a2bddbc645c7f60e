"""Adapters between padded diffusion batches and the packed network."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from protein_rgdm.model.embedders import SequenceFeatures
from protein_rgdm.model.network import ScoreNetwork
from protein_rgdm.model.packing import Packing

__all__ = ["make_score_fn", "padded_forward"]

ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def padded_forward(model: ScoreNetwork, x: torch.Tensor, t: torch.Tensor, shell: torch.Tensor, packing: Packing, features) -> torch.Tensor:
    """Run ``model`` on padded (B, Lmax, 3) coordinates → (B, Lmax, 3) with zeros at padding."""
    out = model(packing.pack(x), t, shell, packing, features)
    return packing.unpack(out, x.shape[1])


def make_score_fn(
    model: ScoreNetwork,
    sequences: Sequence[str],
    mask: torch.Tensor,
    names: Sequence[str] | None = None,
    blocks: Sequence[int] | None = None,
) -> ScoreFn:
    """Bind the sequence features of a batch once; return ``score_fn(x_t, t, shell, mask) -> (B, L, 3)``.

    Parameters
    ----------
    model
        The network (put it in eval mode and on the mask's device first).
    sequences
        B sequences; ``len(sequences[b]) == mask[b].sum()``.
    mask
        (B, Lmax) bool, rows are prefixes.
    names
        Chain names (needed by the precomputed embedder).
    blocks
        Row counts of consecutive independent jobs packed in the batch (summing to B): each job's
        features are embedded on their own, at the job's own padded length, so they are the same bits
        as for the job alone (a sequence embedder's padded convolution or attention need not be).
    """
    packing = Packing.from_mask(mask)
    names = None if names is None else list(names)
    if blocks is None:
        features = model.embed(list(sequences), names, packing)
    else:
        if sum(blocks) != len(sequences):
            raise ValueError(f"blocks {list(blocks)} do not add up to the {len(sequences)} sequences")
        parts, r0 = [], 0
        for n in blocks:
            rows = slice(r0, r0 + n)
            sub = mask[rows, : int(packing.lengths[rows].max())]
            sub_names = None if names is None else names[rows]
            parts.append(model.embed(list(sequences[rows]), sub_names, Packing.from_mask(sub)))
            r0 += n
        features = SequenceFeatures.concat(parts)

    def score_fn(x_t: torch.Tensor, t: torch.Tensor, shell: torch.Tensor, mask_: torch.Tensor) -> torch.Tensor:
        if mask_.shape != mask.shape:
            raise ValueError(f"score_fn bound to mask {tuple(mask.shape)}, called with {tuple(mask_.shape)}")
        dtype = next(model.parameters()).dtype
        out = padded_forward(model, x_t.to(dtype), t.to(dtype), shell.to(dtype), packing, features)
        return out.to(x_t.dtype)

    return score_fn
